// Goal: the `tern` CLI (issue 8) run as a user runs it, against `ternd`: topic create, list,
// describe, alter-config, add-partitions and delete; produce from standard input with keys and
// headers, consume from the start, an offset or a time, as JSON; consume in a group, then group
// list, describe (CURRENT-OFFSET, LOG-END-OFFSET, LAG), seek and delete; cluster info and health
// (exit 1 once a node is down); and bad input (an unknown topic, an unreachable broker, a bad
// flag, a bad value) as one line on stderr and a non-zero exit.
// Method: the built `tern` binary (next to `ternd`) as a child process with its stdout and stderr
// in files; one `ternd` (TerndProcess) for most checks, a three-node TernCluster for health.
import Foundation
import Testing

@Suite(.serialized)
struct CLITests {
    @Test("topics, records and groups through the CLI, with their output checked")
    func topicsRecordsGroups() async throws {
        let cleanup = ProcessCleanup()
        do {
            try await topicsRecordsGroups(cleanup)
        } catch {
            await cleanup.run()
            throw error
        }
        await cleanup.run()
    }

    private func topicsRecordsGroups(_ cleanup: ProcessCleanup) async throws {
        let broker = try await TerndProcess.start(extraArguments: ["--group-initial-rebalance-delay-ms", "0"])
        cleanup.add(broker)
        let brokers = ["--brokers", broker.kafkaAddress]

        let created = try await tern(["topic", "create", "cli-demo", "-p", "3", "-r", "1", "-c", "retention.ms=3600000"] + brokers)
        #expect(created.status == 0 && created.stdout.contains("cli-demo") && created.stdout.contains("OK"), "\(created)")
        let listed = try await tern(["topic", "list", "--format", "json"] + brokers)
        let topics = try jsonArray(listed.stdout)
        #expect(topics.contains { $0["name"] as? String == "cli-demo" && $0["partitions"] as? Int == 3 }, "\(listed)")
        let altered = try await tern(["topic", "alter-config", "cli-demo", "--set", "retention.ms=7200000"] + brokers)
        #expect(altered.status == 0, "\(altered)")
        let added = try await tern(["topic", "add-partitions", "cli-demo", "--num", "1"] + brokers)
        #expect(added.status == 0 && added.stdout.contains("3 -> 4"), "\(added)")
        let described = try await tern(["topic", "describe", "cli-demo", "--format", "json"] + brokers)
        let topic = try jsonObject(described.stdout)
        #expect((topic["partitions"] as? [[String: Any]])?.count == 4, "\(described)")
        #expect((topic["configs"] as? [String: String])?["retention.ms"] == "7200000", "\(described)")

        // Produce: keys split at ':', one header on every record, all to partition 1.
        let lines = (0..<20).map { "key-\($0 % 4):value-\($0)" }.joined(separator: "\n") + "\n"
        let produced = try await tern(
            ["produce", "cli-demo", "--key-separator", ":", "-H", "origin=cli", "-p", "1", "--format", "json"] + brokers,
            stdin: lines)
        #expect(produced.status == 0, "\(produced)")
        let reports = try jsonLines(produced.stdout)
        #expect(reports.count == 20 && reports.allSatisfy { $0["partition"] as? Int == 1 }, "\(produced)")
        let firstOffset = try #require(reports.first?["offset"] as? Int)
        let consumed = try await tern(["consume", "cli-demo", "-p", "1", "-n", "20", "--format", "json"] + brokers)
        let records = try jsonLines(consumed.stdout)
        #expect(records.map { $0["value"] as? String } == (0..<20).map { "value-\($0)" }, "\(consumed)")
        #expect(records.map { $0["key"] as? String } == (0..<20).map { "key-\($0 % 4)" })
        #expect(records.allSatisfy { (($0["headers"] as? [[String: Any]])?.first?["value"] as? String) == "cli" })
        let fromOffset = try await tern(["consume", "cli-demo", "-p", "1", "-o", "\(firstOffset + 15)", "-n", "5"] + brokers)
        #expect(fromOffset.stdout.split(separator: "\n") == (15..<20).map { "value-\($0)"[...] }, "\(fromOffset)")
        let timestamp = try #require(records.first?["timestamp"] as? Int)
        let fromTime = try await tern(["consume", "cli-demo", "-p", "1", "-o", "@\(timestamp)", "-n", "20"] + brokers)
        #expect(fromTime.stdout.split(separator: "\n").count == 20, "\(fromTime)")

        // A group consumes everything and commits; describe shows its offsets and no lag.
        let grouped = try await tern(["consume", "cli-demo", "-g", "cli-group", "-n", "20"] + brokers)
        #expect(grouped.status == 0 && grouped.stdout.split(separator: "\n").count == 20, "\(grouped)")
        let groups = try await tern(["group", "list", "--format", "json"] + brokers)
        let listedGroups = try jsonArray(groups.stdout)
        #expect(listedGroups.contains { $0["group"] as? String == "cli-group" }, "\(groups)")
        let describedGroup = try await tern(["group", "describe", "cli-group"] + brokers)
        #expect(describedGroup.stdout.contains("CURRENT-OFFSET") && describedGroup.stdout.contains("LOG-END-OFFSET")
                && describedGroup.stdout.contains("LAG"), "\(describedGroup)")
        let groupJSON = try jsonObject(try await tern(["group", "describe", "cli-group", "--format", "json"] + brokers).stdout)
        let partition1 = (groupJSON["partitions"] as? [[String: Any]])?.first { $0["partition"] as? Int == 1 }
        #expect(partition1?["lag"] as? Int == 0 && partition1?["currentOffset"] as? Int == partition1?["logEndOffset"] as? Int,
                "\(groupJSON)")
        let seek = try await tern(["group", "seek", "cli-group", "--topic", "cli-demo", "--to", "start"] + brokers)
        #expect(seek.status == 0, "\(seek)")
        let afterSeek = try jsonObject(try await tern(["group", "describe", "cli-group", "--format", "json"] + brokers).stdout)
        let lag1 = (afterSeek["partitions"] as? [[String: Any]])?.first { $0["partition"] as? Int == 1 }?["lag"] as? Int
        #expect(lag1 == firstOffset + 20, "after seeking to the start the lag is the whole partition: \(afterSeek)")
        let deletedGroup = try await tern(["group", "delete", "cli-group"] + brokers)
        #expect(deletedGroup.status == 0, "\(deletedGroup)")

        let info = try jsonObject(try await tern(["cluster", "info", "--format", "json"] + brokers).stdout)
        #expect((info["brokers"] as? [[String: Any]])?.count == 1 && info["controller"] as? Int == 1, "\(info)")
        let health = try await tern(["cluster", "health", "--format", "json"] + brokers)
        let healthy = try jsonObject(health.stdout)["healthy"] as? Bool
        #expect(health.status == 0 && healthy == true, "\(health)")

        // Bad input: one line on stderr, a non-zero exit.
        let unknown = try await tern(["topic", "describe", "no-such-topic"] + brokers)
        #expect(unknown.status == 1 && unknown.stderr.contains("no-such-topic") && oneLine(unknown.stderr), "\(unknown)")
        let unreachable = try await tern(["topic", "list", "--brokers", "127.0.0.1:1", "--timeout", "3"])
        #expect(unreachable.status == 1 && unreachable.stderr.contains("127.0.0.1:1") && oneLine(unreachable.stderr), "\(unreachable)")
        let badFlag = try await tern(["topic", "list", "--no-such-flag"] + brokers)
        #expect(badFlag.status != 0 && badFlag.stderr.contains("--no-such-flag"), "\(badFlag)")
        let badValue = try await tern(["produce", "cli-demo", "--acks", "7"] + brokers, stdin: "x\n")
        #expect(badValue.status == 1 && badValue.stderr.contains("--acks") && oneLine(badValue.stderr), "\(badValue)")
        let deleted = try await tern(["topic", "delete", "cli-demo"] + brokers)
        #expect(deleted.status == 0, "\(deleted)")
        #expect(try await broker.stop() == 0)
    }

    @Test("cluster health exits 1 and names the node once a node of three is down")
    func healthWithANodeDown() async throws {
        let cleanup = ProcessCleanup()
        do {
            let cluster = try await TernCluster.start()
            cleanup.add(cluster)
            _ = try await cluster.controllerLeader()
            let created = try await tern(["topic", "create", "cli-health", "-p", "3", "-r", "3", "--brokers", cluster.bootstrap])
            #expect(created.status == 0, "\(created)")
            try await cluster.waitForLeaders(topic: "cli-health", partitions: 3)
            // Healthy once every replica is in sync (polled: followers catch up).
            _ = try await cluster.poll("a healthy cluster", seconds: 120) { () async throws -> Bool? in
                try await tern(["cluster", "health", "--brokers", cluster.bootstrap]).status == 0 ? true : nil
            }
            try await cluster.kill9(3)
            let report = try await cluster.poll("health reporting node 3 down", seconds: 120) {
                () async throws -> [String: Any]? in
                let health = try await tern(["cluster", "health", "--format", "json", "--timeout", "5", "--brokers", cluster.bootstrap])
                guard health.status == 1, let object = try? jsonObject(health.stdout) else { return nil }
                return (object["nodesDown"] as? [Int])?.contains(3) == true ? object : nil
            }
            #expect(report["healthy"] as? Bool == false)
        } catch {
            await cleanup.run()
            throw error
        }
        await cleanup.run()
    }
}

// MARK: - Running the binary

private struct CLIResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var description: String { "exit \(status)\n--- stdout ---\n\(stdout.suffix(3000))\n--- stderr ---\n\(stderr.suffix(2000))" }
}

/// `tern` next to `ternd` in the build products.
private func ternPath() throws -> String {
    let path = URL(fileURLWithPath: try terndPath()).deletingLastPathComponent().appendingPathComponent("tern").path
    guard FileManager.default.isExecutableFile(atPath: path) else { throw HarnessError("tern not found at \(path); run `swift build`") }
    return path
}

/// Runs `tern arguments...` with `stdin` as its standard input; output to files (no pipe can
/// fill up); killed after 120 s.
private func tern(_ arguments: [String], stdin: String = "") async throws -> CLIResult {
    let directory = try temporaryDirectory("tern-cli")
    let paths = ["in", "out", "err"].map { directory + "/" + $0 }
    for (path, contents) in zip(paths, [Data(stdin.utf8), Data(), Data()]) {
        guard FileManager.default.createFile(atPath: path, contents: contents) else { throw HarnessError("cannot create \(path)") }
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try ternPath())
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["TERN_BROKERS"] = nil
    process.environment = environment
    process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: paths[0]))
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: paths[1]))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: paths[2]))
    try process.run()
    let finished = try await waitUntil(seconds: 120) { !process.isRunning }
    if !finished {
        process.terminate()
        _ = try await waitUntil(seconds: 10) { !process.isRunning }
    }
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return CLIResult(
        status: finished ? process.terminationStatus : -1,
        stdout: (try? String(contentsOfFile: paths[1], encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: paths[2], encoding: .utf8)) ?? "")
}

private func oneLine(_ text: String) -> Bool { text.split(separator: "\n").count == 1 }

private func jsonObject(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw HarnessError("not a JSON object: \(text.prefix(500))")
    }
    return object
}

private func jsonArray(_ text: String) throws -> [[String: Any]] {
    guard let array = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
        throw HarnessError("not a JSON array of objects: \(text.prefix(500))")
    }
    return array
}

private func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { try jsonObject(String($0)) }
}
