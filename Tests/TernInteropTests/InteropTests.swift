// Real Kafka clients against a real `ternd`: each test starts a fresh broker (its own data
// directory, port 0), runs one client script from Scripts/ against it, and stops the broker
// with SIGTERM, which must end it with status 0. The scripts do the checking and print what they
// checked; their output and the broker's log tail are in every failure message.
//
// A missing tool or Python module fails the test with the install command (scripts/test.sh
// installs all of them; a skipped test would hide a broken CI setup).
import Foundation
import Testing

/// Something a script needs on the machine, and how to get it.
private struct Requirement: Sendable {
    /// What is missing, as a person would name it.
    var name: String
    /// A command (through `/usr/bin/env`) that exits 0 when it is there.
    var probe: [String]
    /// How to install it.
    var install: String

    static let python3 = Requirement(
        name: "python3", probe: ["python3", "-c", "pass"], install: "apt-get install -y python3 python3-pip")
    static let kcat = Requirement(
        name: "kcat", probe: ["sh", "-c", "command -v kcat"], install: "apt-get install -y kcat")
    static let confluentKafka = module("confluent_kafka", package: "confluent-kafka")
    static let kafkaPython = module("kafka", package: "'kafka-python==2.3.3'")
    static let aiokafka = module("aiokafka", package: "aiokafka")
    static let lz4 = module("lz4", package: "lz4")
    /// aiokafka's LZ4 codec.
    static let cramjam = module("cramjam", package: "cramjam")

    static func module(_ module: String, package: String) -> Requirement {
        Requirement(
            name: "Python module \(module)", probe: ["python3", "-c", "import \(module)"],
            install: "python3 -m pip install \(package)")
    }
}

/// Whether `arguments` (run through `/usr/bin/env`) exits 0 within 60 s.
private func exitsZero(_ arguments: [String]) async throws -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        return false
    }
    guard try await waitUntil(seconds: 60, { !process.isRunning }) else {
        kill(process.processIdentifier, SIGKILL)
        _ = try await waitUntil(seconds: 10) { !process.isRunning }
        return false
    }
    return process.terminationStatus == 0
}

/// Fails the test (never skips it) if anything in `requirements` is missing.
private func require(_ requirements: [Requirement]) async throws {
    var missing: [Requirement] = []
    for requirement in [Requirement.python3] + requirements {
        if try await !exitsZero(requirement.probe) { missing.append(requirement) }
    }
    let lines = missing.map { "\($0.name) is missing: \($0.install)" }.joined(separator: "\n")
    try #require(
        missing.isEmpty, "\(lines)\n(scripts/test.sh installs everything the interop tests need)")
}

/// Starts a fresh `ternd`, runs `script --bootstrap <address> scriptArguments...` against it,
/// then stops the broker with SIGTERM. Expects the script to pass, the broker to survive it, and
/// the shutdown to exit 0. Leaves the data directory behind only when something failed.
private func runAgainstFreshBroker(
    _ script: String, scriptArguments: [String] = [], brokerArguments: [String] = [], passAdminAddress: Bool = false,
    timeoutSeconds: Double
) async throws {
    let broker = try await TerndProcess.start(extraArguments: ["--auto-create-topics", "false"] + brokerArguments)
    let result: (status: Int32, output: String)
    do {
        let admin = passAdminAddress ? ["--admin", broker.adminAddress] : []
        result = try await runScript(
            script, ["--bootstrap", broker.kafkaAddress] + admin + scriptArguments, timeoutSeconds: timeoutSeconds)
    } catch {
        try await broker.kill9()
        throw error
    }
    print("--- \(script) against ternd at \(broker.kafkaAddress) ---\n\(result.output)")
    let survived = broker.isRunning
    let exitStatus = try await broker.stop()
    let log = broker.log
    #expect(
        survived,
        "ternd (pid \(broker.pid)) died while \(script) ran\n--- ternd log (tail) ---\n\(log.suffix(8000))")
    #expect(
        result.status == 0,
        """
        \(script) exited with status \(result.status)
        --- script output (tail) ---
        \(result.output.suffix(16000))
        --- ternd log (tail; data directory \(broker.dataDirectory), full log \(broker.logPath)) ---
        \(log.suffix(8000))
        """)
    #expect(
        exitStatus == 0,
        """
        ternd exited with status \(exitStatus) after SIGTERM (-1: still running after 60 s, killed) \
        following \(script)
        --- ternd log (tail) ---
        \(log.suffix(8000))
        """)
    if survived && result.status == 0 && exitStatus == 0 {
        try? FileManager.default.removeItem(atPath: broker.dataDirectory)
        let logDirectory = URL(fileURLWithPath: broker.logPath).deletingLastPathComponent().path
        try? FileManager.default.removeItem(atPath: logDirectory)
    }
}

/// One broker at a time: the scripts are heavy (100,000 messages) and the machine is small.
@Suite(.serialized)
struct InteropTests {
    @Test("kcat (librdkafka 2.0.2): 100,000 LZ4 messages with keys and headers, acks=all, back in order")
    func kcatRoundTrip() async throws {
        try await require([.kcat, .confluentKafka, .kafkaPython])
        try await runAgainstFreshBroker("kcat_roundtrip.py", timeoutSeconds: 900)
    }

    @Test("confluent-kafka: produce, assign-consume, watermarks, offsets_for_times, list_offsets, lag 0")
    func confluentRoundTrip() async throws {
        try await require([.confluentKafka])
        try await runAgainstFreshBroker("confluent_roundtrip.py", timeoutSeconds: 600)
    }

    @Test("kafka-python 2.3.3: produce, assign-consume, beginning/end offsets, offsets_for_times, lag 0")
    func kafkaPythonRoundTrip() async throws {
        try await require([.kafkaPython, .lz4])
        try await runAgainstFreshBroker("kafka_python_roundtrip.py", timeoutSeconds: 600)
    }

    @Test("aiokafka: produce, assign-consume, beginning/end offsets, offsets_for_times, lag 0")
    func aiokafkaRoundTrip() async throws {
        try await require([.aiokafka, .cramjam])
        try await runAgainstFreshBroker("aiokafka_roundtrip.py", timeoutSeconds: 600)
    }

    @Test("confluent-kafka AdminClient: topics, partitions, configs, cluster, with Kafka's error codes")
    func adminOperations() async throws {
        try await require([.confluentKafka])
        try await runAgainstFreshBroker(
            "admin_ops.py", scriptArguments: ["--default-partitions", "2"],
            brokerArguments: ["--default-partitions", "2"], timeoutSeconds: 600)
    }

    @Test("admin listener: readiness, and Prometheus metrics that follow produces and deletes")
    func adminEndpoint() async throws {
        try await require([.confluentKafka])
        try await runAgainstFreshBroker("admin_endpoint.py", passAdminAddress: true, timeoutSeconds: 300)
    }
}
