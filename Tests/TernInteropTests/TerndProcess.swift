// Test support: starts `ternd` as a real process on 127.0.0.1 (port 0: the broker picks a free
// port and prints it on its ready line), runs the Python client scripts in Scripts/ against it,
// and stops it by PID (SIGTERM for a clean shutdown, SIGKILL for a crash). Every wait polls with
// a deadline; nothing sleeps for a fixed time to synchronise.
import Foundation
import Synchronization

/// Why a harness step failed.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Where the build put `ternd`: next to the test bundle (`.build/<triple>/debug/`), or
/// `TERND_PATH` if set.
func terndPath() throws -> String {
    if let path = ProcessInfo.processInfo.environment["TERND_PATH"] { return path }
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    // Bounded: the bundle sits at most a few levels below the products directory.
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("ternd").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory.deleteLastPathComponent()
    }
    let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../.build/debug/ternd").standardized.path
    guard FileManager.default.isExecutableFile(atPath: fallback) else {
        throw HarnessError("ternd not found next to \(CommandLine.arguments[0]); run `swift build` first")
    }
    return fallback
}

/// The folder of the client scripts.
let scriptsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")

/// A fresh temporary directory.
func temporaryDirectory(_ prefix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
func waitUntil(seconds: Double, _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}

/// What a child process wrote to a pipe so far (filled by the pipe's readability handler).
final class OutputBuffer: Sendable {
    private let text = Mutex("")

    func append(_ data: Data) { text.withLock { $0 += String(decoding: data, as: UTF8.self) } }

    var value: String { text.withLock { $0 } }
}

/// A `ternd` process started but perhaps not ready yet. A cluster node prints its ready line
/// only once a controller quorum exists, so `TernCluster` launches every node before it waits
/// for any of them; a single node is `TerndProcess.start` (launch, then wait).
final class TerndLaunch: Sendable {
    let dataDirectory: String
    let logPath: String
    let nodeID: Int
    let pid: Int32
    private let process: Process
    private let stdout: OutputBuffer

    private init(dataDirectory: String, logPath: String, nodeID: Int, process: Process, stdout: OutputBuffer) {
        self.dataDirectory = dataDirectory
        self.logPath = logPath
        self.nodeID = nodeID
        self.process = process
        self.pid = process.processIdentifier
        self.stdout = stdout
    }

    /// Starts `ternd --node-id N --data-dir D --listener 127.0.0.1:PORT --rpc-listener
    /// 127.0.0.1:RPC --admin-listener 127.0.0.1:ADMIN [--seeds SEEDS] extraArguments...` with
    /// its stderr (the log) to a new file; a new temporary data directory if `dataDirectory` is
    /// nil. Port 0: any free port (not for `rpcPort` with `seeds`: peers dial it).
    static func launch(
        dataDirectory: String? = nil, nodeID: Int = 1, port: Int = 0, rpcPort: Int = 0, adminPort: Int = 0,
        seeds: String? = nil, extraArguments: [String] = []
    ) throws -> TerndLaunch {
        let directory = try dataDirectory ?? temporaryDirectory("ternd-data")
        let logPath = try temporaryDirectory("ternd-log") + "/ternd.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try terndPath())
        process.arguments =
            [
                "--node-id", "\(nodeID)", "--data-dir", directory, "--listener", "127.0.0.1:\(port)",
                "--rpc-listener", "127.0.0.1:\(rpcPort)", "--admin-listener", "127.0.0.1:\(adminPort)",
            ] + (seeds.map { ["--seeds", $0] } ?? []) + extraArguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardInput = FileHandle.nullDevice
        let buffer = OutputBuffer()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                // End of file: the process is gone; stop the handler (it would fire forever).
                handle.readabilityHandler = nil
            } else {
                buffer.append(data)
            }
        }
        try process.run()
        return TerndLaunch(dataDirectory: directory, logPath: logPath, nodeID: nodeID, process: process, stdout: buffer)
    }

    /// Whether the process still runs.
    var isRunning: Bool { process.isRunning }

    /// The exit status once it exited, nil while it runs.
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// The log so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits (up to `seconds`) for the ready line `ternd ready node=N kafka=H:P admin=H:P
    /// cluster=ID`. If it does not come, the process is killed (SIGKILL) and the error carries
    /// the log's tail.
    func waitForReady(seconds: Double = 60) async throws -> TerndProcess {
        var address: String?
        var admin: String?
        var cluster: String?
        _ = try await waitUntil(seconds: seconds) {
            let text = stdout.value
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ternd ready") }) {
                let fields = line.split(separator: " ")
                func field(_ name: String) -> String? {
                    fields.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
                }
                address = field("kafka")
                admin = field("admin")
                cluster = field("cluster")
                return true
            }
            return !process.isRunning
        }
        guard let address, let admin, process.isRunning else {
            let exited = !process.isRunning
            if process.isRunning {
                kill(pid, SIGCONT)
                kill(pid, SIGKILL)
                _ = try await waitUntil(seconds: 10) { !process.isRunning }
            }
            let status = exited ? " (exited with status \(process.terminationStatus))" : " within \(seconds) s"
            throw HarnessError(
                "ternd node \(nodeID) (pid \(pid)) did not become ready\(status); its log (\(logPath)):\n\(log.suffix(4000))")
        }
        return TerndProcess(
            dataDirectory: dataDirectory, kafkaAddress: address, adminAddress: admin, clusterID: cluster,
            nodeID: nodeID, process: process, logPath: logPath)
    }

    /// SIGKILL (also when stopped by SIGSTOP), then waits for the exit.
    func kill9() async throws {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
        _ = try await waitUntil(seconds: 30) { !process.isRunning }
    }
}

/// One running `ternd`.
final class TerndProcess: Sendable {
    /// Its data directory (kept across restarts when passed to `start` again).
    let dataDirectory: String
    /// `127.0.0.1:PORT` of its Kafka listener.
    let kafkaAddress: String
    /// `127.0.0.1:PORT` of its admin HTTP listener (readiness, metrics).
    let adminAddress: String
    /// The cluster id its ready line named (nil if the line had none).
    let clusterID: String?
    /// Its `--node-id`.
    let nodeID: Int
    /// Its process id.
    let pid: Int32
    /// Where its stderr (the log) goes.
    let logPath: String
    private let process: Process

    fileprivate init(
        dataDirectory: String, kafkaAddress: String, adminAddress: String, clusterID: String?, nodeID: Int,
        process: Process, logPath: String
    ) {
        self.dataDirectory = dataDirectory
        self.kafkaAddress = kafkaAddress
        self.adminAddress = adminAddress
        self.clusterID = clusterID
        self.nodeID = nodeID
        self.process = process
        self.pid = process.processIdentifier
        self.logPath = logPath
    }

    /// Starts `ternd` on 127.0.0.1 (port 0 unless given: the broker picks a free port) with
    /// `dataDirectory` (a new temporary one if nil) and waits (up to `readySeconds`) for its
    /// ready line. `seeds` (`id@host:rpcport,...`) makes it a cluster node; see `TerndLaunch`.
    static func start(
        dataDirectory: String? = nil, nodeID: Int = 1, port: Int = 0, rpcPort: Int = 0, adminPort: Int = 0,
        seeds: String? = nil, extraArguments: [String] = [], readySeconds: Double = 60
    ) async throws -> TerndProcess {
        let launched = try TerndLaunch.launch(
            dataDirectory: dataDirectory, nodeID: nodeID, port: port, rpcPort: rpcPort, adminPort: adminPort,
            seeds: seeds, extraArguments: extraArguments)
        return try await launched.waitForReady(seconds: readySeconds)
    }

    /// The port of `kafkaAddress`.
    var kafkaPort: Int { Int(kafkaAddress.split(separator: ":").last ?? "") ?? 0 }

    /// The port of `adminAddress`.
    var adminPort: Int { Int(adminAddress.split(separator: ":").last ?? "") ?? 0 }

    /// The broker's log so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Whether the process still runs (also while stopped by `pause()`).
    var isRunning: Bool { process.isRunning }

    /// The exit status once it exited, nil while it runs.
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// SIGTERM, then waits (up to 60 s) for the exit; returns the exit status (SIGKILL after
    /// the deadline, status -1). A paused process is continued (SIGCONT) so that it can act on
    /// the SIGTERM.
    @discardableResult
    func stop() async throws -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(pid, SIGTERM)
        kill(pid, SIGCONT)
        if try await waitUntil(seconds: 60, { !process.isRunning }) { return process.terminationStatus }
        kill(pid, SIGKILL)
        _ = try await waitUntil(seconds: 10) { !process.isRunning }
        return -1
    }

    /// SIGKILL (a crash: nothing is synced or closed), then waits for the exit.
    func kill9() async throws {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
        _ = try await waitUntil(seconds: 30) { !process.isRunning }
    }

    /// SIGSTOP: the process freezes (a stalled machine: its sockets stay open, nothing answers).
    func pause() {
        guard process.isRunning else { return }
        kill(pid, SIGSTOP)
    }

    /// SIGCONT after `pause()`.
    func resume() {
        guard process.isRunning else { return }
        kill(pid, SIGCONT)
    }
}

/// Runs `python3 Scripts/<name> args...` (or another executable when `name` has no `.py`),
/// with output to a file (no pipe to fill up), killing it after `timeoutSeconds`.
func runScript(_ name: String, _ arguments: [String], timeoutSeconds: Double = 300) async throws -> (
    status: Int32, output: String
) {
    let outputPath = try temporaryDirectory("ternd-script") + "/output.txt"
    let process = try launchScript(name, arguments, outputPath: outputPath)
    let finished = try await waitUntil(seconds: timeoutSeconds) { !process.isRunning }
    if !finished {
        kill(process.processIdentifier, SIGKILL)
        _ = try await waitUntil(seconds: 10) { !process.isRunning }
    }
    let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    return (finished ? process.terminationStatus : -1, finished ? text : text + "\n(killed after \(timeoutSeconds) s)")
}

/// Starts `python3 Scripts/<name> arguments...` with stdout and stderr to a new file at
/// `outputPath` (a file, not a pipe, so a chatty script can never block on a full pipe).
func launchScript(_ name: String, _ arguments: [String], outputPath: String) throws -> Process {
    guard FileManager.default.createFile(atPath: outputPath, contents: nil) else {
        throw HarnessError("cannot create \(outputPath)")
    }
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", scriptsDirectory.appendingPathComponent(name).path] + arguments
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    try output.close()
    return process
}

/// Newline count of the file at `path` (0 when it does not exist yet).
func countLines(_ path: String) -> Int {
    guard let data = FileManager.default.contents(atPath: path) else { return 0 }
    return data.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
}

/// A script from Scripts/ running in the background (its output to a file), stopped by PID.
final class BackgroundScript: Sendable {
    let pid: Int32
    let outputPath: String
    private let process: Process

    private init(process: Process, outputPath: String) {
        self.process = process
        self.pid = process.processIdentifier
        self.outputPath = outputPath
    }

    /// Starts `python3 Scripts/<name> arguments...` with stdout and stderr to `outputPath`.
    static func start(_ name: String, _ arguments: [String], outputPath: String) throws -> BackgroundScript {
        BackgroundScript(process: try launchScript(name, arguments, outputPath: outputPath), outputPath: outputPath)
    }

    var isRunning: Bool { process.isRunning }

    /// The exit status once it exited, nil while it runs.
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// What the script printed so far.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Waits up to `seconds` for the script to exit by itself; its status, or nil if it still runs.
    func waitForExit(seconds: Double) async -> Int32? {
        _ = try? await waitUntil(seconds: seconds) { !process.isRunning }
        return exitStatus
    }

    /// SIGTERM, up to `graceSeconds` for the exit, then SIGKILL. Returns the exit status (-1:
    /// killed after the grace period).
    @discardableResult
    func stop(graceSeconds: Double = 10) async -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(pid, SIGTERM)
        if (try? await waitUntil(seconds: graceSeconds, { !process.isRunning })) == true {
            return process.terminationStatus
        }
        kill(pid, SIGKILL)
        _ = try? await waitUntil(seconds: 10) { !process.isRunning }
        return -1
    }
}

/// Processes a test started, stopped (by PID) at its end whatever happened.
final class ProcessCleanup: Sendable {
    private let brokers = Mutex<[TerndProcess]>([])
    private let scripts = Mutex<[BackgroundScript]>([])
    private let clusters = Mutex<[TernCluster]>([])

    func add(_ broker: TerndProcess) { brokers.withLock { $0.append(broker) } }
    func add(_ script: BackgroundScript) { scripts.withLock { $0.append(script) } }
    func add(_ cluster: TernCluster) { clusters.withLock { $0.append(cluster) } }

    /// Stops the scripts, then the brokers and clusters still running.
    func run() async {
        for script in scripts.withLock({ $0 }) { await script.stop() }
        for broker in brokers.withLock({ $0 }) where broker.isRunning {
            _ = try? await broker.stop()
        }
        for cluster in clusters.withLock({ $0 }) { await cluster.shutdown() }
    }
}
