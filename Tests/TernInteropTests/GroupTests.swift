// Goal: consumer groups (issue 6) work with real clients against a 3-node `ternd` cluster:
// confluent-kafka, kafka-python and aiokafka share one group (range assignor), hand partitions
// over when a member leaves and resume at the committed offsets; the group survives a kill -9 of
// its coordinator's node without a committed offset going backwards or an acknowledged record
// being skipped; kcat's balanced consumer commits and resumes; the admin APIs of the three
// libraries (ListGroups, DescribeGroups, OffsetFetch, OffsetCommit from an admin, DeleteGroups,
// OffsetDelete) answer as Kafka does; `__consumer_offsets` holds records in Kafka's schemas.
// Method: ClusterProcess.swift's TernCluster (three processes on 127.0.0.1, fixed ports); the
// scripts in Scripts/ do the client work and the checking and print one JSON summary line, which
// the tests decode. Exactly:
//   python3 Scripts/group_three_clients.py --bootstrap LIVE --topic three-clients --group G --partitions 6
//   python3 Scripts/group_coordinator_failover.py --bootstrap ALL --topic failover --group G --partitions 6
//         --consumers confluent,kafka-python,aiokafka --coordinator-file W/coordinator.json
//         --after-file W/after --after-acks 200 --seconds 420 --final-offsets-file W/final.json
//                                                    (background; the test kills the coordinator's
//                                                     node, then writes its id to W/after)
//   python3 Scripts/group_committed.py --bootstrap LIVE --expect-file W/final.json
//                                                    (after the killed node restarted)
//   python3 Scripts/group_kcat.py --bootstrap LIVE --topic kcat-group --group G --brokers 3
//   python3 Scripts/group_admin.py --bootstrap LIVE --topic admin-group --group G
//   python3 Scripts/group_offsets_raw.py --bootstrap LIVE --topic raw-offsets --group G
// LIVE: the Kafka addresses of the running nodes; ALL: of every node (a long-running client
// keeps them across the kill). G: a fresh group id per test. The coordinator to kill is the
// leader of the group's `__consumer_offsets` partition per `/v1/cluster` (the script reports the
// partition; FindCoordinator's answer is compared with it); when `/v1/cluster` does not list
// internal partitions, the node FindCoordinator named. Every wait polls with a deadline
// (60-480 s: a loaded 2-core machine; the group's initial rebalance delay is 3 s); every process
// is stopped by PID at the end, whatever happened. Re-deliveries are printed, never failed.
import Foundation
import Testing

@Suite(.serialized)
struct GroupTests {
    @Test("confluent-kafka, kafka-python and aiokafka in one group: disjoint shares, a leave hands over, restarts resume at the commits")
    func threeClientsShareOneGroup() async throws {
        try await withProcessCleanup { cleanup in
            try await requireGroupTools([.python3, .confluentKafka, .kafkaPython, .aiokafka])
            let cluster = try await startTestCluster(cleanup, suite: "GroupTests")
            let group = uniqueGroup("three")
            let output = try await runGroupScript(
                cluster, "group_three_clients.py",
                ["--bootstrap", cluster.bootstrap, "--topic", "three-clients", "--group", group, "--partitions", "6"],
                timeoutSeconds: 900)
            let summary = try decodeSummary(ThreeClientsSummary.self, from: output, script: "group_three_clients.py")
            let shares3 = summary.split3.values.flatMap { $0 }
            #expect(summary.split3.count == 3 && summary.split3.values.allSatisfy { !$0.isEmpty }, "split3 \(summary.split3)")
            #expect(shares3.count == 6 && Set(shares3) == Set(0..<6), "split3 \(summary.split3) is not a partition of 0..<6")
            let shares2 = summary.split2.values.flatMap { $0 }
            #expect(
                summary.split2.count == 2 && summary.split2[summary.leaver] == nil && shares2.count == 6
                    && Set(shares2) == Set(0..<6), "split2 \(summary.split2) after \(summary.leaver) left")
            #expect(
                summary.resumes.map(\.client) == ["confluent", "kafka-python", "aiokafka"],
                "resumed clients \(summary.resumes.map(\.client))")
            #expect(summary.skipped == 0 && summary.wrong == 0 && summary.backwards == 0, "summary \(summary)")
            print(
                "GroupTests: three clients: split \(summary.split3), after \(summary.leaver) left \(summary.split2); "
                    + "\(summary.redeliveries) re-deliveries, \(summary.commitFailures) failed commits, \(summary.seconds) s")
            await shutdownTestCluster(cluster)
        }
    }

    @Test("kill -9 of the group coordinator's node: commits never go backwards, nothing acknowledged is skipped, the group goes on")
    func coordinatorFailover() async throws {
        try await withProcessCleanup { cleanup in
            try await requireGroupTools([.python3, .confluentKafka, .kafkaPython, .aiokafka])
            let work = try temporaryDirectory("ternd-group-failover")
            let coordinatorFile = work + "/coordinator.json"
            let afterFile = work + "/after"
            let finalFile = work + "/final.json"
            let cluster = try await startTestCluster(cleanup, suite: "GroupTests")
            let group = uniqueGroup("failover")
            let script = try BackgroundScript.start(
                "group_coordinator_failover.py",
                [
                    "--bootstrap", cluster.allBootstrap, "--topic", "failover", "--group", group, "--partitions", "6",
                    "--consumers", "confluent,kafka-python,aiokafka", "--coordinator-file", coordinatorFile,
                    "--after-file", afterFile, "--after-acks", "200", "--seconds", "420",
                    "--final-offsets-file", finalFile,
                ],
                outputPath: work + "/failover.txt")
            cleanup.add(script)

            let report = try await cluster.poll("group_coordinator_failover.py reporting the coordinator", seconds: 300) {
                () async throws -> CoordinatorReport? in
                guard script.isRunning else {
                    throw HarnessError(
                        "group_coordinator_failover.py exited (\(script.exitStatus ?? -1)) before reporting the coordinator:\n"
                            + "\(script.output.suffix(6000))\n\(cluster.logs(tail: 2000))")
                }
                guard let data = FileManager.default.contents(atPath: coordinatorFile) else { return nil }
                return try? JSONDecoder().decode(CoordinatorReport.self, from: data)
            }
            print("GroupTests: the script reports \(report)")
            #expect(
                report.kafkaHashPartition == report.offsetsPartition,
                "the group is in __consumer_offsets-\(report.offsetsPartition), Kafka's hash picks \(report.kafkaHashPartition)")
            let victim = try await coordinatorNode(cluster, report: report)
            #expect(cluster.ids.contains(victim), "coordinator \(victim) is not a node of the cluster")
            try await cluster.kill9(victim)
            print("GroupTests: killed node \(victim), the coordinator of \(group); creating the after-file")
            try #require(
                FileManager.default.createFile(atPath: afterFile, contents: Data("\(victim)\n".utf8)),
                "cannot create \(afterFile)")

            let status = await script.waitForExit(seconds: 480)
            print("--- group_coordinator_failover.py ---\n\(script.output.suffix(8000))")
            guard status == 0 else {
                throw await clusterFailure(
                    cluster,
                    "group_coordinator_failover.py exited with \(status.map { String($0) } ?? "nothing: still running after 480 s")"
                        + "\n\(script.output.suffix(8000))")
            }
            let summary = try decodeSummary(FailoverSummary.self, from: script.output, script: "group_coordinator_failover.py")
            #expect(summary.killed == victim, "the script saw node \(summary.killed.map { String($0) } ?? "nil") killed, not \(victim)")
            #expect(
                summary.coordinatorAfter != nil && summary.coordinatorAfter != victim,
                "coordinator after the kill: \(summary.coordinatorAfter.map { String($0) } ?? "nil")")
            #expect(summary.skipped == 0 && summary.wrong == 0, "\(summary.skipped) skipped, \(summary.wrong) wrong")
            #expect(
                summary.backwards == 0 && summary.sampleViolations == 0,
                "\(summary.backwards) backwards commits, \(summary.sampleViolations) fetched offsets behind a successful commit")
            #expect(summary.acknowledgedAfterKill >= 200 && summary.commitsAfterKill > 0, "summary \(summary)")
            print(
                "GroupTests: failover: coordinator \(summary.coordinatorBefore) -> \(summary.coordinatorAfter ?? -1), "
                    + "first commit \(summary.resumeSeconds.map { String($0) } ?? "?") s after the kill, "
                    + "\(summary.redeliveries) re-deliveries, \(summary.commitFailures) failed commits, "
                    + "\(summary.sampleErrors) failed offset fetches, \(summary.deliveryFailures) failed deliveries")

            // The killed node comes back; the group's committed offsets are what the script left,
            // whichever node coordinates the group now.
            try await cluster.restart(victim)
            try await cluster.waitForLeaders(topic: "failover", partitions: 6)
            let committed = try await runGroupScript(
                cluster, "group_committed.py", ["--bootstrap", cluster.bootstrap, "--expect-file", finalFile],
                timeoutSeconds: 300)
            let after = try decodeSummary(CommittedSummary.self, from: committed, script: "group_committed.py")
            #expect(after.offsets == summary.finalOffsets, "after the restart \(after.offsets), before \(summary.finalOffsets)")
            await shutdownTestCluster(cluster)
        }
    }

    @Test("kcat -G: consumes everything, commits on close, resumes at the commit; kcat -L lists the brokers")
    func kcatBalancedConsumer() async throws {
        try await withProcessCleanup { cleanup in
            try await requireGroupTools([.python3, .kcat, .confluentKafka])
            let cluster = try await startTestCluster(cleanup, suite: "GroupTests")
            let output = try await runGroupScript(
                cluster, "group_kcat.py",
                ["--bootstrap", cluster.bootstrap, "--topic", "kcat-group", "--group", uniqueGroup("kcat"), "--brokers", "3"],
                timeoutSeconds: 600)
            let summary = try decodeSummary(KcatSummary.self, from: output, script: "group_kcat.py")
            #expect(summary.brokers == cluster.ids, "kcat -L brokers \(summary.brokers)")
            #expect(summary.first.records > 0 && summary.second.records > 0 && summary.third.records == 0, "summary \(summary)")
            print("GroupTests: kcat -G: \(summary); __consumer_offsets listed by kcat -L: \(summary.internalTopicListed)")
            await shutdownTestCluster(cluster)
        }
    }

    @Test("group administration: list, describe, offsets, admin commits, OffsetDelete, DeleteGroups, with Kafka's error codes")
    func groupAdministration() async throws {
        try await withProcessCleanup { cleanup in
            try await requireGroupTools([.python3, .confluentKafka, .kafkaPython, .aiokafka])
            let cluster = try await startTestCluster(cleanup, suite: "GroupTests")
            let output = try await runGroupScript(
                cluster, "group_admin.py",
                ["--bootstrap", cluster.bootstrap, "--topic", "admin-group", "--group", uniqueGroup("admin")],
                timeoutSeconds: 600)
            let summary = try decodeSummary(AdminSummary.self, from: output, script: "group_admin.py")
            #expect(cluster.ids.contains(summary.coordinator), "coordinator \(summary.coordinator)")
            print("GroupTests: group admin: \(summary)")
            await shutdownTestCluster(cluster)
        }
    }

    @Test("__consumer_offsets holds Kafka-shaped commit and group records in the coordinator's partition")
    func rawOffsetsRecords() async throws {
        try await withProcessCleanup { cleanup in
            try await requireGroupTools([.python3, .kcat, .confluentKafka, .kafkaPython])
            let cluster = try await startTestCluster(cleanup, suite: "GroupTests")
            let output = try await runGroupScript(
                cluster, "group_offsets_raw.py",
                ["--bootstrap", cluster.bootstrap, "--topic", "raw-offsets", "--group", uniqueGroup("raw")],
                timeoutSeconds: 600)
            let summary = try decodeSummary(RawSummary.self, from: output, script: "group_offsets_raw.py")
            #expect(cluster.ids.contains(summary.coordinator), "coordinator \(summary.coordinator)")
            #expect(
                summary.kafkaHashPartition == summary.offsetsPartition,
                "the group is in __consumer_offsets-\(summary.offsetsPartition), Kafka's hash picks \(summary.kafkaHashPartition)")
            #expect(summary.offsetValueVersions == [3], "OffsetCommitValue versions \(summary.offsetValueVersions)")
            #expect(Set(summary.keyVersions).isSubset(of: [0, 1, 2]), "key versions \(summary.keyVersions)")
            let statuses = await cluster.liveStatuses()
            if statuses.values.contains(where: { $0.partition("__consumer_offsets", summary.offsetsPartition) != nil }) {
                let leader = try await cluster.currentLeader(topic: "__consumer_offsets", partition: summary.offsetsPartition)
                #expect(
                    leader.node == summary.coordinator,
                    "/v1/cluster: __consumer_offsets-\(summary.offsetsPartition) led by \(leader), the coordinator is \(summary.coordinator)")
            } else {
                print("GroupTests: /v1/cluster does not list __consumer_offsets partitions; leader check skipped")
            }
            print(
                "GroupTests: __consumer_offsets: \(summary); Kafka's hash would pick partition \(summary.kafkaHashPartition) "
                    + "of \(summary.offsetsPartitions), the group is in \(summary.offsetsPartition)")
            await shutdownTestCluster(cluster)
        }
    }
}

// MARK: - Summaries (the scripts' JSON lines; unknown keys are ignored)

private struct ThreeClientsSummary: Decodable, CustomStringConvertible {
    struct Resume: Decodable {
        var client: String
        var committed: [String: Int]
        var first: [String: Int]
        var records: Int
    }

    var split3: [String: [Int]]
    var leaver: String
    var split2: [String: [Int]]
    var resumes: [Resume]
    var acknowledged: Int
    var distinct: Int
    var redeliveries: Int
    var skipped: Int
    var wrong: Int
    var commits: Int
    var commitFailures: Int
    var backwards: Int
    var seconds: Double

    var description: String {
        "split3 \(split3), split2 \(split2), \(acknowledged) acknowledged, \(distinct) handed out, \(skipped) skipped, "
            + "\(wrong) wrong, \(redeliveries) re-deliveries, \(commits) commits (\(commitFailures) failed), \(backwards) backwards"
    }
}

/// What group_coordinator_failover.py writes to --coordinator-file.
private struct CoordinatorReport: Decodable, CustomStringConvertible {
    var coordinator: Int
    var offsetsPartition: Int
    var offsetsPartitions: Int
    var kafkaHashPartition: Int
    var group: String
    var acknowledged: Int

    var description: String {
        "coordinator \(coordinator), __consumer_offsets-\(offsetsPartition) of \(offsetsPartitions) "
            + "(Kafka's hash: \(kafkaHashPartition)), \(acknowledged) acknowledged"
    }
}

private struct FailoverSummary: Decodable, CustomStringConvertible {
    var coordinatorBefore: Int
    var killed: Int?
    var coordinatorAfter: Int?
    var acknowledged: Int
    var acknowledgedAfterKill: Int
    var deliveryFailures: Int
    var distinct: Int
    var redeliveries: Int
    var skipped: Int
    var wrong: Int
    var commits: Int
    var commitsAfterKill: Int
    var commitFailures: Int
    var backwards: Int
    var samples: Int
    var sampleErrors: Int
    var sampleViolations: Int
    var finalOffsets: [String: Int?]
    var resumeSeconds: Double?

    var description: String {
        "coordinator \(coordinatorBefore) -> \(coordinatorAfter ?? -1) (killed \(killed ?? -1)), \(acknowledged) acknowledged "
            + "(\(acknowledgedAfterKill) after the kill), \(skipped) skipped, \(wrong) wrong, \(redeliveries) re-deliveries, "
            + "\(commits) commits (\(commitsAfterKill) after the kill, \(commitFailures) failed), \(backwards) backwards, "
            + "\(samples) samples (\(sampleViolations) behind, \(sampleErrors) failed)"
    }
}

private struct CommittedSummary: Decodable {
    var group: String
    var coordinator: Int?
    var offsets: [String: Int?]
}

private struct KcatSummary: Decodable, CustomStringConvertible {
    struct Run: Decodable {
        var records: Int
        var committed: [String: Int]?
    }

    var brokers: [Int]
    var internalTopicListed: Bool
    var first: Run
    var second: Run
    var third: Run

    var description: String {
        "brokers \(brokers), first run \(first.records) records (committed \(first.committed ?? [:])), second "
            + "\(second.records) (committed \(second.committed ?? [:])), third \(third.records)"
    }
}

private struct AdminSummary: Decodable, CustomStringConvertible {
    var group: String
    var coordinator: Int
    var committed: [String: Int]
    var alteredTo: Int

    var description: String { "group \(group), coordinator \(coordinator), committed \(committed), altered to \(alteredTo)" }
}

private struct RawSummary: Decodable, CustomStringConvertible {
    var offsetsPartition: Int
    var offsetsPartitions: Int
    var coordinator: Int
    var kafkaHashPartition: Int
    var records: Int
    var groupRecords: Int
    var keyVersions: [Int]
    var offsetValueVersions: [Int]
    var groupValueVersions: [Int]

    var description: String {
        "partition \(offsetsPartition) of \(offsetsPartitions), coordinator \(coordinator), \(records) records "
            + "(\(groupRecords) of the group), key versions \(keyVersions), OffsetCommitValue versions "
            + "\(offsetValueVersions), GroupMetadataValue versions \(groupValueVersions)"
    }
}

// MARK: - Helpers

/// Something the scripts need on the machine, and how to get it (a missing tool fails the test:
/// a skip would hide a broken CI setup).
private struct GroupTool: Sendable {
    var name: String
    /// Run through `/usr/bin/env`; exits 0 when the tool is there.
    var probe: [String]
    var install: String

    static let python3 = GroupTool(name: "python3", probe: ["python3", "-c", "pass"], install: "apt-get install -y python3")
    static let kcat = GroupTool(name: "kcat", probe: ["sh", "-c", "command -v kcat"], install: "apt-get install -y kcat")
    static let confluentKafka = module("confluent_kafka", "confluent-kafka")
    static let kafkaPython = module("kafka", "'kafka-python==2.3.3'")
    static let aiokafka = module("aiokafka", "aiokafka")

    static func module(_ module: String, _ package: String) -> GroupTool {
        GroupTool(
            name: "Python module \(module)", probe: ["python3", "-c", "import \(module)"],
            install: "python3 -m pip install \(package)")
    }
}

/// Fails the test if a tool in `tools` is missing (each probe may take up to 60 s).
private func requireGroupTools(_ tools: [GroupTool]) async throws {
    var missing: [String] = []
    for tool in tools {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = tool.probe
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            missing.append("\(tool.name) is missing (\(error)): \(tool.install)")
            continue
        }
        let finished = try await waitUntil(seconds: 60) { !process.isRunning }
        if !finished {
            process.terminate()
            _ = try await waitUntil(seconds: 10) { !process.isRunning }
        }
        if !finished || process.terminationStatus != 0 { missing.append("\(tool.name) is missing: \(tool.install)") }
    }
    try #require(missing.isEmpty, "\(missing.joined(separator: "\n"))\n(scripts/test.sh installs everything the interop tests need)")
}



/// A group id of its own for each run.
private func uniqueGroup(_ prefix: String) -> String { "tern-\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }


/// Runs `python3 Scripts/<script> arguments...`, prints its output, and returns it; throws (with
/// the output, the cluster's state and its logs) unless it exits 0.
private func runGroupScript(
    _ cluster: TernCluster, _ script: String, _ arguments: [String], timeoutSeconds: Double
) async throws -> String {
    let result = try await runScript(script, arguments, timeoutSeconds: timeoutSeconds)
    print("--- \(script) ---\n\(result.output.suffix(8000))")
    guard result.status == 0 else {
        throw await clusterFailure(
            cluster, "\(script) exited with status \(result.status) (-1: killed after \(timeoutSeconds) s)\n"
                + "\(result.output.suffix(12000))")
    }
    return result.output
}


/// The node to kill as the group's coordinator: the leader of the group's `__consumer_offsets`
/// partition per `/v1/cluster` (the coordinator by design), when the nodes list that partition;
/// else the node FindCoordinator named. A difference between the two is printed (leadership may
/// have moved since the script asked).
private func coordinatorNode(_ cluster: TernCluster, report: CoordinatorReport) async throws -> Int {
    let statuses = await cluster.liveStatuses()
    let listed = statuses.values.contains { $0.partition("__consumer_offsets", report.offsetsPartition) != nil }
    guard listed else {
        print("GroupTests: /v1/cluster does not list __consumer_offsets-\(report.offsetsPartition); killing the node "
            + "FindCoordinator named, \(report.coordinator)")
        return report.coordinator
    }
    let leader = try await cluster.currentLeader(topic: "__consumer_offsets", partition: report.offsetsPartition)
    if leader.node != report.coordinator {
        print("GroupTests: FindCoordinator named node \(report.coordinator), but __consumer_offsets-"
            + "\(report.offsetsPartition) is led by \(leader); killing the leader")
    }
    return leader.node
}

