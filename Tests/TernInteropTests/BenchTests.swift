// tern-bench failover as a user runs it: a three-node cluster brought up by
// deploy/local/cluster.sh (this build's ternd, its own data folder and ports), the leader killed
// and restarted through the script, and the result file checked: the figures must add up, agree
// with an independent count of the topic (kcat), and a broker that drops acknowledged batches
// must be reported as loss.
import Foundation
import TernBenchKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("tern-bench failover against a cluster.sh cluster", .serialized)
struct BenchTests {
    @Test("a short failover run: two kills, nothing lost, and every figure adds up")
    func failoverFiguresAreConsistent() async throws {
        try await withBenchCluster(extraArguments: []) { cluster in
            let output = try temporaryDirectory("tern-bench-failover")
            let run = try await runBench(
                [
                    "failover", "--allow-debug-build", "--brokers", cluster.bootstrap, "--topic", "bench-failover", "--kills", "2",
                    "--settle", "1", "--rate", "500", "--kill", cluster.command("kill {node}"),
                    "--restart", cluster.command("start {node}"), "--json", output + "/failover.json", "--html", output + "/failover.html",
                ])
            #expect(run.status == 0, "\(run)")
            let json = try jsonObject(atPath: output + "/failover.json")
            // The issue's names, at the top level.
            let kills = try #require(json["kills"] as? [[String: Any]], "no top-level kills array: \(json.keys.sorted())")
            #expect(kills.count == 2)
            for kill in kills {
                let node = try #require(kill["node"] as? Int)
                #expect((1...3).contains(node))
                let unavailable = try #require(kill["unavailable_ms"] as? Double, "kill without unavailable_ms: \(kill)")
                #expect(unavailable > 0 && unavailable < 60_000)
            }
            for field in ["acked", "lost", "duplicated", "out_of_order", "read_back", "unacknowledged_stored"] {
                #expect(json[field] is Int, "no top-level \(field)")
            }
            let result = try BenchJSON.decoder().decode(FailoverResult.self, from: Data(contentsOf: URL(fileURLWithPath: output + "/failover.json")))
            #expect(result.passed && result.problems.isEmpty, "\(result.problems)")
            #expect(result.acked > 0 && result.lost == 0 && result.duplicated == 0 && result.outOfOrder == 0)
            // The counts add up: everything read back is an acknowledged record, an extra copy or
            // a stored record whose answer never came.
            #expect(result.acked == result.readBack - result.duplicated - result.unacknowledgedStored + result.lost)
            #expect(result.uniqueReadBack == result.readBack - result.duplicated)
            #expect(result.acked + result.failed <= result.sent)
            #expect(result.timeline.acked.reduce(0, +) == result.acked, "the timeline holds every acknowledgement")
            #expect(result.context.subcommand == "failover" && result.context.build == "debug")
            #expect(result.context.machine.cores >= 1 && result.context.revision != "")
            for (first, second) in zip(result.kills, result.kills.dropFirst()) {
                #expect(first.killAtMs < second.killAtMs)
            }
            for kill in result.kills {
                let recovered = try #require(kill.recoveredAtMs)
                #expect(recovered >= kill.killAtMs)
                #expect(kill.inSyncAtMs.map { $0 >= recovered } == true)
            }
            // An independent count of the topic: every record in it is this run's.
            let counted = try await kcatCount(topic: "bench-failover", brokers: cluster.bootstrap)
            #expect(counted == result.readBack, "kcat read \(counted) records, tern-bench \(result.readBack)")
            let html = try String(contentsOfFile: output + "/failover.html", encoding: .utf8)
            #expect(html.contains("id=\"acks-chart\"") && html.contains("id=\"latency-chart\""))
        }
    }

    @Test("produce and consume runs: throughput, latency, timeline and end-to-end figures that agree with each other")
    func produceAndConsumeFigures() async throws {
        try await withBenchCluster(extraArguments: []) { cluster in
            let output = try temporaryDirectory("tern-bench-produce")
            let produced = try await runBench(
                [
                    "produce", "--allow-debug-build", "--brokers", cluster.bootstrap, "--topic", "bench-produce", "-p", "3",
                    "--duration", "2", "--warmup", "1", "--keys", "50", "--record-bytes", "200", "--json", output + "/produce.json",
                    "--html", output + "/produce.html",
                ])
            #expect(produced.status == 0, "\(produced)")
            let produce = try BenchJSON.decoder().decode(ProduceResult.self, from: Data(contentsOf: URL(fileURLWithPath: output + "/produce.json")))
            #expect(produce.acked > 0 && produce.failed == 0 && produce.acked <= produce.ackedTotal)
            #expect(produce.latency.count == UInt64(produce.acked), "the histogram holds the measured window's acknowledgements")
            #expect(abs(produce.recordsPerSecond - Double(produce.acked) / 2) < 1)
            // 200-byte values and keys "key-0" … "key-49" (5.8 bytes on average).
            let bytesPerRecord = produce.megabytesPerSecond * 1_000_000 / produce.recordsPerSecond
            #expect(bytesPerRecord >= 205 && bytesPerRecord <= 206, "\(bytesPerRecord) bytes per record")
            #expect(produce.timeline.acked.reduce(0, +) == produce.ackedTotal)
            #expect(produce.latency.p50Ms <= produce.latency.p99Ms && produce.latency.p99Ms <= produce.latency.maxMs)
            #expect(produce.settings.target.partitions == 3 && produce.settings.load.keys == 50)
            #expect(produced.stdout.contains("records/s"))
            let page = try String(contentsOfFile: output + "/produce.html", encoding: .utf8)
            #expect(page.contains("id=\"acks-chart\"") && page.contains("id=\"latency-chart\""))
            // The topic holds exactly what was acknowledged (kcat's count).
            #expect(try await kcatCount(topic: "bench-produce", brokers: cluster.bootstrap) == produce.ackedTotal)

            let read = try await runBench(
                [
                    "consume", "--allow-debug-build", "--brokers", cluster.bootstrap, "--topic", "bench-consume", "--records", "3000",
                    "--json", output + "/consume.json",
                ])
            #expect(read.status == 0, "\(read)")
            let consume = try BenchJSON.decoder().decode(ConsumeResult.self, from: Data(contentsOf: URL(fileURLWithPath: output + "/consume.json")))
            #expect(consume.mode == "throughput" && consume.produced == 3000 && consume.consumed == 3000)
            #expect(consume.recordsPerSecond > 0 && consume.endToEndLatency == nil)

            let paced = try await runBench(
                [
                    "consume", "--allow-debug-build", "--brokers", cluster.bootstrap, "--topic", "bench-e2e", "--rate", "500",
                    "--duration", "3", "--warmup", "1", "--json", output + "/e2e.json",
                ])
            #expect(paced.status == 0, "\(paced)")
            let e2e = try BenchJSON.decoder().decode(ConsumeResult.self, from: Data(contentsOf: URL(fileURLWithPath: output + "/e2e.json")))
            #expect(e2e.mode == "end-to-end")
            // 500/s for 3 s; the consumer saw every record the producer stored.
            #expect(e2e.produced >= 1_400 && e2e.produced <= 1_500 && e2e.consumed == e2e.produced, "\(e2e)")
            let latency = try #require(e2e.endToEndLatency)
            #expect(latency.count > 0 && latency.count < UInt64(e2e.consumed), "the warm-up second is not measured")
            #expect(latency.p50Ms > 0 && latency.p50Ms <= latency.maxMs)
        }
    }

    @Test("a broker that acknowledges batches it throws away is reported as loss, exit status 1")
    func lossIsReported() async throws {
        try await withBenchCluster(extraArguments: ["--unsafe-test-drop-acknowledged-every", "25"]) { cluster in
            let output = try temporaryDirectory("tern-bench-lossy")
            let run = try await runBench(
                [
                    "failover", "--allow-debug-build", "--brokers", cluster.bootstrap, "--topic", "bench-lossy", "--kills", "1",
                    "--settle", "1", "--rate", "500", "--acks", "1", "--no-idempotence", "--linger-ms", "0",
                    "--kill", cluster.command("kill {node}"), "--restart", cluster.command("start {node}"),
                    "--json", output + "/lossy.json",
                ])
            #expect(run.status == 1, "a lossy run must fail: \(run)")
            #expect(run.stdout.contains("FAILED"), "\(run)")
            let result = try BenchJSON.decoder().decode(FailoverResult.self, from: Data(contentsOf: URL(fileURLWithPath: output + "/lossy.json")))
            #expect(!result.passed)
            #expect(result.lost > 0, "dropped batches must show as lost: \(result.problems)")
            #expect(result.problems.contains { $0.contains("were not read back") }, "\(result.problems)")
            #expect(result.acked == result.readBack - result.duplicated - result.unacknowledgedStored + result.lost)
            let counted = try await kcatCount(topic: "bench-lossy", brokers: cluster.bootstrap)
            #expect(counted == result.readBack)
        }
    }
}

// MARK: - A cluster.sh cluster

/// deploy/local/cluster.sh pointed at this build's ternd, a fresh data folder and free ports.
private struct ScriptCluster: Sendable {
    var script: String
    var environment: String
    var bootstrap: String

    /// A shell line running `cluster.sh arguments`.
    func command(_ arguments: String) -> String { "\(environment) bash \(script) \(arguments)" }
}

private func withBenchCluster(extraArguments: [String], _ body: (ScriptCluster) async throws -> Void) async throws {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let data = try temporaryDirectory("tern-bench-cluster")
    let base = try freePortBase()
    let cluster = ScriptCluster(
        script: repository.appendingPathComponent("deploy/local/cluster.sh").path,
        environment: "TERND_PATH=\(try terndPath()) TERN_DATA=\(data) TERN_KAFKA_PORT=\(base) TERN_WAIT_SECONDS=180",
        bootstrap: (0..<3).map { "127.0.0.1:\(base + $0)" }.joined(separator: ","))
    let up = cluster.command("up" + (extraArguments.isEmpty ? " --" : " -- " + extraArguments.joined(separator: " ")))
    do {
        try await ShellCommand(template: up).run()
        try await body(cluster)
    } catch {
        try? await ShellCommand(template: cluster.command("clean")).run()
        throw error
    }
    try await ShellCommand(template: cluster.command("clean")).run()
}

/// A port K such that K…K+2, K+100…K+102 and K+552…K+554 (cluster.sh's scheme) are free now.
private func freePortBase() throws -> Int {
    // Bounded: 200 random tries.
    for _ in 0..<200 {
        let base = Int.random(in: 20_000...40_000)
        let ports = [0, 1, 2, 100, 101, 102, 552, 553, 554].map { base + $0 }
        if ports.allSatisfy(portIsFree) { return base }
    }
    throw HarnessError("no free port range for a cluster.sh cluster")
}

private func portIsFree(_ port: Int) -> Bool {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { return false }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

// MARK: - Running tern-bench and kcat

private struct BenchRun: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var description: String { "exit \(status)\n--- stdout ---\n\(stdout.suffix(3000))\n--- stderr ---\n\(stderr.suffix(4000))" }
}

/// Runs `executable arguments...` with output to files (no pipe fills up); killed after `seconds`.
private func runProcess(_ executable: String, _ arguments: [String], seconds: Double) async throws -> BenchRun {
    let directory = try temporaryDirectory("tern-bench-run")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let paths = ["out", "err"].map { directory + "/" + $0 }
    for path in paths {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw HarnessError("cannot create \(path)") }
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: paths[0]))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: paths[1]))
    try process.run()
    if !(try await waitUntil(seconds: seconds) { !process.isRunning }) {
        process.terminate()
        _ = try await waitUntil(seconds: 10) { !process.isRunning }
        throw HarnessError("\(executable) \(arguments.joined(separator: " ")) still ran after \(seconds) s")
    }
    return BenchRun(
        status: process.terminationStatus, stdout: try String(contentsOfFile: paths[0], encoding: .utf8),
        stderr: try String(contentsOfFile: paths[1], encoding: .utf8))
}

/// `tern-bench` next to `ternd` in the build products.
private func runBench(_ arguments: [String]) async throws -> BenchRun {
    let path = URL(fileURLWithPath: try terndPath()).deletingLastPathComponent().appendingPathComponent("tern-bench").path
    guard FileManager.default.isExecutableFile(atPath: path) else { throw HarnessError("tern-bench not found at \(path); run `swift build`") }
    return try await runProcess(path, arguments, seconds: 600)
}

/// The records in `topic`, counted by kcat from the beginning to the end.
private func kcatCount(topic: String, brokers: String) async throws -> Int {
    let run = try await runProcess("/usr/bin/env", ["kcat", "-C", "-b", brokers, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%o\\n"], seconds: 120)
    guard run.status == 0 else { throw HarnessError("kcat failed: \(run)") }
    return run.stdout.split(separator: "\n").count
}

private func jsonObject(atPath path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw HarnessError("\(path) is not a JSON object") }
    return object
}
