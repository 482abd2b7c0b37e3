// Goal: a 3-node `ternd` cluster forms, spreads replicas and leaders, and loses no acknowledged
// (acks=all) record when a partition leader is killed (SIGKILL) or frozen (SIGSTOP past the
// election timeout), when followers die, or when the controller leader dies; replicas end
// byte-identical below the high watermark; real clients (kcat, confluent-kafka, kafka-python)
// follow a leader change without being restarted.
// Method: ClusterProcess.swift's TernCluster starts three processes on 127.0.0.1 with fixed
// ports (picked free below the ephemeral range, kept across restarts) and reads each node's
// `GET /v1/cluster`; the scripts in Scripts/ do the client work and the checking. Exactly:
//   ternd --node-id N --data-dir D_N --listener 127.0.0.1:K_N --rpc-listener 127.0.0.1:R_N
//         --admin-listener 127.0.0.1:A_N --seeds 1@127.0.0.1:R_1,2@127.0.0.1:R_2,3@127.0.0.1:R_3
//         --default-replication-factor 3                         (N = 1, 2, 3; restarts: the same)
//   python3 Scripts/cluster_admin.py create --bootstrap LIVE --topic T --partitions P
//         --replication-factor 3 --timeout 90
//   python3 Scripts/cluster_produce.py produce --bootstrap ALL --topic T --acks-file W/acks.txt
//         --rate 1000                                            (background; SIGTERM ends it)
//   python3 Scripts/cluster_produce.py produce --bootstrap LIVE --topic T --acks-file W/probe-X.txt
//         --count 1 --message-timeout-ms 5000 --request-timeout-ms 4000 --prefix probe-X
//                                                                (one-shot probe; exit 0 = acknowledged)
//   python3 Scripts/cluster_produce.py verify --bootstrap LIVE --topic T --acks-file W/acks.txt
//         --min-acks N
//   python3 Scripts/compare_replicas.py D_1 D_2 D_3 --partition-dir T-0 --high-watermark HW
//                                                                (after the cluster stopped)
//   python3 Scripts/cluster_follow_leader.py --client kcat|confluent|kafka-python --bootstrap ALL
//         --topic T --acks-file W/CLIENT.acks.txt --after-file W/after --after-acks 20 --seconds 300
// LIVE: the Kafka addresses of the running, unpaused nodes; ALL: of every node (fixed ports, so
// a long-running client can reach a node that comes back). HW: the `local.highWatermark` every
// node reports once the producer stopped. Every wait polls with a deadline (60-300 s: a loaded
// 2-core machine); every process is stopped by PID at the end, whatever happened. Duplicates
// (a retry after a lost answer; idempotence is off) are printed, never failed.
import Foundation
import Testing

@Suite(.serialized)
struct ClusterTests {
    /// Acknowledgements to wait for in each phase of a produce scenario.
    static let phaseAcknowledgements = 2_000
    /// The background producer's rate (records/s): enough for the phases, light on 2 cores.
    static let produceRate = "1000"

    @Test("a 3-node cluster forms; an RF=3 topic gets replicas and leaders spread")
    func clusterFormsAndSpreadsLeaders() async throws {
        try await withProcessCleanup { cleanup in try await formsScenario(cleanup) }
    }

    @Test("kill -9 of the partition leader under acks=all load loses nothing acknowledged")
    func killNineOfLeaderLosesNothing() async throws {
        try await withProcessCleanup { cleanup in try await killLeaderScenario(cleanup) }
    }

    @Test("SIGSTOP of the leader past the election timeout, then SIGCONT")
    func pausedLeaderIsReplacedAndStepsDown() async throws {
        try await withProcessCleanup { cleanup in try await pauseLeaderScenario(cleanup) }
    }

    @Test("a follower's death does not stop acks=all; two deaths do, and writes resume when one returns")
    func followerDeaths() async throws {
        try await withProcessCleanup { cleanup in try await followerDeathsScenario(cleanup) }
    }

    @Test("the controller leader dies: topic creation still works; a broker that missed metadata catches up")
    func controllerLeaderDeath() async throws {
        try await withProcessCleanup { cleanup in try await controllerDeathScenario(cleanup) }
    }

    @Test("kcat, confluent-kafka and kafka-python follow a leader change without a restart")
    func clientsFollowLeaderChange() async throws {
        try await withProcessCleanup { cleanup in try await followLeaderScenario(cleanup) }
    }

    @Test("a node given a data directory of another cluster refuses to start, naming both clusters")
    func foreignDataDirectoryRefused() async throws {
        try await withProcessCleanup { cleanup in try await foreignDirectoryScenario(cleanup) }
    }

    // MARK: Scenarios

    /// (g) A cluster of one whose node is also node 3 leaves a data directory of its own
    /// cluster; node 3 of the three-node cluster is stopped and started on that directory: it
    /// exits 1 naming both cluster ids; started on its own directory again it rejoins.
    private func foreignDirectoryScenario(_ cleanup: ProcessCleanup) async throws {
        let cluster = try await TernCluster.start()
        cleanup.add(cluster)
        let ours = try #require(try cluster.node(1).clusterID)
        let other = try await TerndProcess.start(nodeID: 3)
        cleanup.add(other)
        let foreign = try #require(other.clusterID)
        #expect(try await other.stop() == 0)
        #expect(foreign != ours)

        let node = try cluster.info(3)
        #expect(try await cluster.stop(3) == 0)
        let launched = try TerndLaunch.launch(
            dataDirectory: other.dataDirectory, nodeID: 3, port: node.kafkaPort, rpcPort: node.rpcPort,
            adminPort: node.adminPort, seeds: cluster.seeds)
        let exited = try await waitUntil(seconds: 120) { !launched.isRunning }
        if !exited { kill(launched.pid, SIGKILL) }
        #expect(exited, "node 3 kept running on another cluster's data directory")
        #expect(launched.exitStatus == 1, "exit status \(launched.exitStatus.map { String($0) } ?? "none")")
        let log = launched.log
        #expect(
            log.contains(foreign) && log.contains(ours) && log.contains("refusing to start"),
            "the refusal does not name both clusters:\n\(log.suffix(3000))")

        _ = try await cluster.restart(3)
        #expect(try cluster.node(3).clusterID == ours)
        await shutdownCleanly(cluster)
    }

    /// (a) Ready lines and statuses agree on one cluster, three live brokers and one controller
    /// leader; a 6-partition RF 3 topic has three distinct replicas per partition on every
    /// node's cache and each node leads 2 partitions.
    private func formsScenario(_ cleanup: ProcessCleanup) async throws {
        let cluster = try await TernCluster.start()
        cleanup.add(cluster)
        let readyClusters = try cluster.ids.map { try cluster.node($0).clusterID ?? "" }
        #expect(
            Set(readyClusters).count == 1 && !readyClusters.contains(""),
            "the ready lines name clusters \(readyClusters)")
        let controller = try await cluster.controllerLeader()
        for id in cluster.ids {
            let status = try await cluster.clusterStatus(from: id)
            #expect(status.node == id, "node \(id)'s /v1/cluster says node \(status.node)")
            #expect(status.cluster == readyClusters.first, "node \(id): cluster \(status.cluster ?? "nil")")
            #expect(status.brokers.map(\.id).sorted() == cluster.ids, "node \(id): brokers \(status.brokers)")
            #expect(status.brokers.allSatisfy { $0.alive ?? true }, "node \(id): brokers \(status.brokers)")
            #expect(status.controller.leader == controller, "node \(id): controller \(status.controller)")
            #expect((status.controller.voters ?? []).sorted() == [1, 2, 3], "node \(id): controller \(status.controller)")
        }
        print("ClusterTests: cluster \(readyClusters.first ?? "?") formed, controller leader \(controller)")

        let topic = "spread"
        let partitions = 6
        try await createTopic(cluster, topic, partitions: partitions)
        try await cluster.waitForLeaders(topic: topic, partitions: partitions)
        for id in cluster.ids {
            let entries = try await cluster.clusterStatus(from: id).entries(of: topic)
            for partition in 0..<partitions {
                let replicas = entries[partition]?.replicas ?? []
                #expect(
                    replicas.count == 3 && Set(replicas) == Set(cluster.ids),
                    "node \(id)'s cache: \(topic)-\(partition) replicas \(replicas)")
                let hostsReplica = entries[partition]?.local != nil
                #expect(hostsReplica, "node \(id) reports no local replica of \(topic)-\(partition)")
            }
        }
        // Leaders spread: 2 of 6 per node (polled: a preferred leader may need a moment).
        let counts = try await cluster.poll("each node leading 2 of the \(partitions) partitions", seconds: 60) {
            () async -> [Int: Int]? in
            let statuses = await cluster.liveStatuses()
            var led: [Int: Int] = [:]
            for partition in 0..<partitions {
                guard let leader = TernCluster.resolveLeader(topic: topic, partition: partition, statuses: statuses),
                    leader.claimed
                else { return nil }
                led[leader.node, default: 0] += 1
            }
            return cluster.ids.allSatisfy { led[$0] == partitions / 3 } ? led : nil
        }
        print("ClusterTests: partitions led per node: \(counts.sorted { $0.key < $1.key })")
        await shutdownCleanly(cluster)
    }

    /// (b) Producer at 1000/s; kill -9 the leader after 2000 acks; 2000 more acks on the new
    /// leader; the killed node restarts and catches up; nothing acknowledged is lost and the
    /// three replicas are identical below the common high watermark.
    private func killLeaderScenario(_ cleanup: ProcessCleanup) async throws {
        let topic = "kill-leader"
        let (_, cluster, producer, acks) = try await startProduceScenario(
            "ternd-cluster-kill9", topic: topic, cleanup: cleanup, "before the kill")

        let leader = try await cluster.currentLeader(topic: topic, partition: 0)
        try await cluster.kill9(leader.node)
        let acknowledgedAtKill = countLines(acks)
        print("ClusterTests: killed the leader, \(leader), with \(acknowledgedAtKill) acknowledged")
        let successor = try await cluster.waitForNewLeader(topic: topic, partition: 0, notEqual: leader.node)
        print("ClusterTests: new leader \(successor)")
        #expect(successor.epoch > leader.epoch, "new leader \(successor) after \(leader): the epoch did not grow")
        try await waitForAcknowledgements(
            acks, atLeast: acknowledgedAtKill + Self.phaseAcknowledgements, producer: producer, cluster: cluster,
            "on the new leader")

        try await cluster.restart(leader.node)
        try await finishProduceScenario(
            cluster, producer: producer, topic: topic, acksPath: acks,
            minimum: acknowledgedAtKill + Self.phaseAcknowledgements)
    }

    /// (c) As (b), but the leader is frozen with SIGSTOP: a new leader with a higher epoch takes
    /// over while the producer keeps getting acks; after SIGCONT the old leader steps down.
    private func pauseLeaderScenario(_ cleanup: ProcessCleanup) async throws {
        let topic = "pause-leader"
        let (_, cluster, producer, acks) = try await startProduceScenario(
            "ternd-cluster-pause", topic: topic, cleanup: cleanup, "before the pause")

        let leader = try await cluster.currentLeader(topic: topic, partition: 0)
        try cluster.pause(leader.node)
        let acknowledgedAtPause = countLines(acks)
        print("ClusterTests: paused (SIGSTOP) the leader, \(leader), with \(acknowledgedAtPause) acknowledged")
        let successor = try await cluster.waitForNewLeader(topic: topic, partition: 0, notEqual: leader.node)
        print("ClusterTests: new leader \(successor)")
        #expect(successor.epoch > leader.epoch, "new leader \(successor) after \(leader): the epoch did not grow")
        try await waitForAcknowledgements(
            acks, atLeast: acknowledgedAtPause + Self.phaseAcknowledgements, producer: producer, cluster: cluster,
            "on the new leader while the old one is paused")

        try cluster.resume(leader.node)
        // The old leader steps down: its own status shows it a follower (or, should leadership
        // have moved back to it since, a leader of a later epoch than its successor's).
        let role = try await cluster.poll("node \(leader.node) stepping down after SIGCONT", seconds: 120) {
            () async -> String? in
            guard let status = try? await cluster.clusterStatus(from: leader.node),
                let entry = status.partition(topic, 0), let local = entry.local
            else { return nil }
            let epoch = entry.epoch ?? -1
            if local.role == "follower" { return "follower (its cache: leader \(entry.leader ?? -1), epoch \(epoch))" }
            if local.role == "leader", epoch > successor.epoch { return "leader again, of epoch \(epoch)" }
            return nil
        }
        print("ClusterTests: after SIGCONT node \(leader.node) is \(role)")
        try await finishProduceScenario(
            cluster, producer: producer, topic: topic, acksPath: acks,
            minimum: acknowledgedAtPause + Self.phaseAcknowledgements)
    }

    /// (d) With one follower dead the producer keeps getting acks; with both followers dead a
    /// one-shot produce (5 s message timeout) fails with an error; once one follower is back a
    /// one-shot produce succeeds within 60 s and the producer's acks resume.
    private func followerDeathsScenario(_ cleanup: ProcessCleanup) async throws {
        let topic = "follower-deaths"
        let (work, cluster, producer, acks) = try await startProduceScenario(
            "ternd-cluster-followers", topic: topic, cleanup: cleanup, "with three nodes")

        let leader = try await cluster.currentLeader(topic: topic, partition: 0)
        let followers = cluster.otherIDs(than: leader.node)
        try await cluster.kill9(followers[0])
        let acknowledgedAtFirstDeath = countLines(acks)
        print("ClusterTests: leader \(leader); killed follower \(followers[0]) at \(acknowledgedAtFirstDeath) acks")
        try await waitForAcknowledgements(
            acks, atLeast: acknowledgedAtFirstDeath + Self.phaseAcknowledgements, producer: producer, cluster: cluster,
            "with follower \(followers[0]) dead")

        try await cluster.kill9(followers[1])
        let acknowledgedAtSecondDeath = countLines(acks)
        print("ClusterTests: killed follower \(followers[1]) at \(acknowledgedAtSecondDeath) acks")
        let refused = try await probe(cluster, topic: topic, work: work, name: "probe-no-quorum")
        print("ClusterTests: one-shot produce with one node of three: status \(refused.status), errors: \(refused.errors)")
        #expect(
            refused.status != 0,
            "a one-shot acks=all produce succeeded with two of three nodes dead:\n\(refused.output.suffix(2000))")
        #expect(
            !refused.errors.isEmpty,
            "the failed one-shot produce recorded no delivery error (a crash?):\n\(refused.output.suffix(2000))")

        try await cluster.restart(followers[0])
        let accepted = try await cluster.poll(
            "a one-shot produce succeeding after node \(followers[0]) came back", seconds: 60,
            interval: .milliseconds(500)
        ) { () async throws -> ProbeResult? in
            let attempt = try await probe(cluster, topic: topic, work: work, name: "probe-resumed")
            return attempt.status == 0 ? attempt : nil
        }
        print("ClusterTests: one-shot produce after node \(followers[0]) came back: \(accepted.acknowledged)")
        let acknowledgedAtReturn = countLines(acks)
        try await waitForAcknowledgements(
            acks, atLeast: acknowledgedAtReturn + Self.phaseAcknowledgements / 2, producer: producer, cluster: cluster,
            "after node \(followers[0]) came back")
        print("ClusterTests: the producer's delivery failures meanwhile: \(countLines(acks + ".errors"))")

        try await cluster.restart(followers[1])
        try await finishProduceScenario(
            cluster, producer: producer, topic: topic, acksPath: acks,
            minimum: acknowledgedAtReturn + Self.phaseAcknowledgements / 2)
    }

    /// (e) Kill the controller leader; through the live nodes create topic X, then Y (factor 2:
    /// replicas go on live brokers only; retried through the election); restart the killed
    /// node: its own status shows X and Y with leaders (learned through the metadata sync), and
    /// a produce through it alone succeeds.
    private func controllerDeathScenario(_ cleanup: ProcessCleanup) async throws {
        let work = try temporaryDirectory("ternd-cluster-controller")
        let cluster = try await TernCluster.start()
        cleanup.add(cluster)
        let controller = try await cluster.controllerLeader()
        try await cluster.kill9(controller)
        print("ClusterTests: killed the controller leader, node \(controller)")

        let topics = [(name: "after-controller-x", partitions: 3), (name: "after-controller-y", partitions: 2)]
        // Two brokers are alive: replicas go on live brokers only (Kafka's rule), so factor 2.
        for topic in topics {
            try await createTopic(cluster, topic.name, partitions: topic.partitions, replicationFactor: 2)
            try await cluster.waitForLeaders(topic: topic.name, partitions: topic.partitions)
        }
        let successor = try await cluster.controllerLeader()
        print("ClusterTests: controller leader now node \(successor)")
        #expect(successor != controller, "the controller leader is still the killed node \(controller)")

        try await cluster.restart(controller)
        let names = topics.map { $0.name }
        _ = try await cluster.poll("node \(controller) showing \(names) with leaders", seconds: 120) {
            () async -> Bool? in
            guard let status = try? await cluster.clusterStatus(from: controller) else { return nil }
            for topic in topics {
                let entries = status.entries(of: topic.name)
                guard entries.count == topic.partitions, entries.values.allSatisfy({ $0.leader != nil }) else {
                    return nil
                }
            }
            return true
        }
        for topic in topics {
            try await cluster.waitForLeaders(topic: topic.name, partitions: topic.partitions)
        }
        // The restarted broker serves the new topic's metadata to a client that knows only it.
        let restartedAddress = try cluster.kafkaAddress(controller)
        let through = try await probe(
            cluster, topic: topics[0].name, work: work, name: "probe-restarted", bootstrap: restartedAddress,
            messageTimeoutMs: 30_000)
        #expect(
            through.status == 0,
            "producing to \(topics[0].name) through the restarted node \(controller) failed:\n\(through.output.suffix(3000))"
        )
        await shutdownCleanly(cluster)
    }

    /// (f) One long-running script per client produces every 50 ms to one partition; the leader
    /// is killed; once the new leader is known the after-file appears; each script must get 20
    /// more acks from the same client instance and read everything back (exit 0).
    private func followLeaderScenario(_ cleanup: ProcessCleanup) async throws {
        let work = try temporaryDirectory("ternd-cluster-follow")
        let topic = "follow-leader"
        let afterFile = work + "/after"
        let cluster = try await TernCluster.start()
        cleanup.add(cluster)
        try await createTopic(cluster, topic, partitions: 1)
        try await cluster.waitForLeaders(topic: topic, partitions: 1)
        var clients: [FollowClient] = []
        for name in ["kcat", "confluent", "kafka-python"] {
            let acks = work + "/\(name).acks.txt"
            let script = try BackgroundScript.start(
                "cluster_follow_leader.py",
                [
                    "--client", name, "--bootstrap", cluster.allBootstrap, "--topic", topic, "--acks-file", acks,
                    "--after-file", afterFile, "--after-acks", "20", "--seconds", "300",
                ],
                outputPath: work + "/\(name).output.txt")
            cleanup.add(script)
            clients.append(FollowClient(name: name, script: script, acksPath: acks))
        }
        for client in clients {
            try await waitForAcknowledgements(
                client.acksPath, atLeast: 20, seconds: 120, producer: client.script, cluster: cluster,
                "\(client.name) before the leader change")
        }
        let leader = try await cluster.currentLeader(topic: topic, partition: 0)
        try await cluster.kill9(leader.node)
        let successor = try await cluster.waitForNewLeader(topic: topic, partition: 0, notEqual: leader.node)
        print("ClusterTests: killed the leader, \(leader); new leader \(successor); creating the after-file")
        try #require(FileManager.default.createFile(atPath: afterFile, contents: Data()), "cannot create \(afterFile)")
        for client in clients {
            let status = await client.script.waitForExit(seconds: 300)
            print("--- cluster_follow_leader.py --client \(client.name) ---\n\(client.script.output.suffix(4000))")
            #expect(
                status == 0,
                """
                cluster_follow_leader.py --client \(client.name) exited with \(status.map { String($0) } ?? "nothing: still running after 300 s")
                \(client.script.output.suffix(4000))
                \(cluster.logs(tail: 2000))
                """)
        }
        await shutdownCleanly(cluster)
    }

    // MARK: Steps

    /// The start of a produce scenario: a cluster, a 1-partition RF 3 topic, the background
    /// producer, and `phaseAcknowledgements` acknowledgements.
    private func startProduceScenario(
        _ name: String, topic: String, cleanup: ProcessCleanup, _ phase: String
    ) async throws -> (work: String, cluster: TernCluster, producer: BackgroundScript, acks: String) {
        let work = try temporaryDirectory(name)
        let acks = work + "/acks.txt"
        let cluster = try await TernCluster.start()
        cleanup.add(cluster)
        try await createTopic(cluster, topic, partitions: 1)
        try await cluster.waitForLeaders(topic: topic, partitions: 1)
        let producer = try startProducer(cluster, topic: topic, acksPath: acks, work: work, cleanup: cleanup)
        try await waitForAcknowledgements(
            acks, atLeast: Self.phaseAcknowledgements, producer: producer, cluster: cluster, phase)
        return (work, cluster, producer, acks)
    }

    /// The end of a produce scenario, all nodes running again: SIGTERM the producer (it waits
    /// up to 30 s for outstanding reports), wait until the three replicas report one high
    /// watermark, verify every acknowledged record, stop the cluster (each node exits 0) and
    /// compare the replicas' bytes below that high watermark.
    private func finishProduceScenario(
        _ cluster: TernCluster, producer: BackgroundScript, topic: String, acksPath: String, minimum: Int
    ) async throws {
        let producerStatus = await producer.stop(graceSeconds: 60)
        #expect(producerStatus == 0, "the producer exited with \(producerStatus) on SIGTERM:\n\(producer.output.suffix(3000))")
        let producerSummary = producer.output.split(separator: "\n").last { $0.hasPrefix("produce: done") }
        print("ClusterTests: producer: \(producerSummary ?? "no summary")")
        let highWatermark = try await cluster.waitForEqualHighWatermarks(topic: topic, partition: 0, seconds: 120)
        print("ClusterTests: every replica of \(topic)-0 reports high watermark \(highWatermark)")
        try await verifyAcknowledged(cluster, topic: topic, acksPath: acksPath, minimum: minimum)
        await shutdownCleanly(cluster)
        try await compareReplicas(cluster, topic: topic, partition: 0, highWatermark: highWatermark)
    }
}

// MARK: - Helpers

/// One client's script in the follow-the-leader scenario.
private struct FollowClient: Sendable {
    var name: String
    var script: BackgroundScript
    var acksPath: String
}

/// A one-shot produce of one record.
private struct ProbeResult: Sendable {
    var status: Int32
    var output: String
    /// The `.errors` file: one line per failed delivery (`VALUE ERROR_NAME text`).
    var errors: String
    /// The acknowledgement file (`PARTITION OFFSET VALUE`).
    var acknowledged: String
}

/// `cluster_admin.py create` through the live nodes, replication factor 3, retried up to 90 s.
private func createTopic(
    _ cluster: TernCluster, _ topic: String, partitions: Int, replicationFactor: Int = 3
) async throws {
    let result = try await runScript(
        "cluster_admin.py",
        [
            "create", "--bootstrap", cluster.bootstrap, "--topic", topic, "--partitions", "\(partitions)",
            "--replication-factor", "\(replicationFactor)", "--timeout", "90",
        ],
        timeoutSeconds: 180)
    print("ClusterTests: \(result.output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(2000))")
    guard result.status == 0 else {
        throw await clusterFailure(
            cluster, "cluster_admin.py create \(topic) failed (status \(result.status)):\n\(result.output.suffix(3000))")
    }
}

/// Starts `cluster_produce.py produce` at `ClusterTests.produceRate` against every node.
private func startProducer(
    _ cluster: TernCluster, topic: String, acksPath: String, work: String, cleanup: ProcessCleanup
) throws -> BackgroundScript {
    let producer = try BackgroundScript.start(
        "cluster_produce.py",
        [
            "produce", "--bootstrap", cluster.allBootstrap, "--topic", topic, "--acks-file", acksPath, "--rate",
            ClusterTests.produceRate,
        ],
        outputPath: work + "/producer.txt")
    cleanup.add(producer)
    return producer
}

/// Polls (every 200 ms) until the file at `path` has `atLeast` lines; throws if `producer`
/// exits first or `seconds` pass.
private func waitForAcknowledgements(
    _ path: String, atLeast: Int, seconds: Double = 300, producer: BackgroundScript, cluster: TernCluster,
    _ what: String
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while countLines(path) < atLeast {
        guard producer.isRunning else {
            throw await clusterFailure(
                cluster,
                """
                the producer exited (status \(producer.exitStatus ?? -1)) with \(countLines(path)) of \(atLeast) \
                acknowledgements (\(what)); its output:
                \(producer.output.suffix(3000))
                """)
        }
        guard Date() < deadline else {
            throw await clusterFailure(
                cluster,
                """
                \(countLines(path)) of \(atLeast) acknowledgements after \(seconds) s (\(what)); producer output:
                \(producer.output.suffix(3000))
                """)
        }
        try await Task.sleep(for: .milliseconds(200))
    }
}

/// A one-shot `cluster_produce.py produce --count 1` (through the live nodes unless
/// `bootstrap` is given).
private func probe(
    _ cluster: TernCluster, topic: String, work: String, name: String, bootstrap: String? = nil,
    messageTimeoutMs: Int = 5_000
) async throws -> ProbeResult {
    let prefix = "\(name)-\(UUID().uuidString.prefix(8))"
    let path = work + "/\(prefix).txt"
    let result = try await runScript(
        "cluster_produce.py",
        [
            "produce", "--bootstrap", bootstrap ?? cluster.bootstrap, "--topic", topic, "--acks-file", path,
            "--count", "1", "--message-timeout-ms", "\(messageTimeoutMs)",
            "--request-timeout-ms", "\(max(1_000, messageTimeoutMs - 1_000))", "--prefix", prefix,
        ],
        timeoutSeconds: 180)
    return ProbeResult(
        status: result.status, output: result.output,
        errors: (try? String(contentsOfFile: path + ".errors", encoding: .utf8)) ?? "",
        acknowledged: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
}

/// `cluster_produce.py verify` through the live nodes: every acknowledged record at its offset.
private func verifyAcknowledged(_ cluster: TernCluster, topic: String, acksPath: String, minimum: Int) async throws {
    let result = try await runScript(
        "cluster_produce.py",
        ["verify", "--bootstrap", cluster.bootstrap, "--topic", topic, "--acks-file", acksPath, "--min-acks", "\(minimum)"],
        timeoutSeconds: 600)
    let lines = result.output.split(separator: "\n")
    let summary = lines.first { $0.hasPrefix("{\"acknowledged\"") } ?? "verify printed no summary"
    print("ClusterTests: verify \(topic): \(summary)")
    for line in lines where line.hasPrefix("verify: ") && line.contains("duplicate") {
        print("ClusterTests: \(line)")
    }
    guard result.status == 0 else {
        throw await clusterFailure(cluster, "verify of \(topic) failed (status \(result.status)):\n\(result.output.suffix(4000))")
    }
}

/// `compare_replicas.py` over every node's data directory (run once the cluster stopped).
private func compareReplicas(_ cluster: TernCluster, topic: String, partition: Int, highWatermark: Int) async throws {
    let directories = try cluster.ids.map { try cluster.dataDirectory($0) }
    let result = try await runScript(
        "compare_replicas.py",
        directories + ["--partition-dir", "\(topic)-\(partition)", "--high-watermark", "\(highWatermark)"],
        timeoutSeconds: 300)
    print("ClusterTests: \(result.output.trimmingCharacters(in: .whitespacesAndNewlines))")
    #expect(
        result.status == 0,
        """
        the replicas of \(topic)-\(partition) differ below high watermark \(highWatermark) (status \(result.status)):
        \(result.output.suffix(3000))
        \(cluster.logs(tail: 1500))
        """)
}

/// SIGTERM to every running node; each must exit 0.
private func shutdownCleanly(_ cluster: TernCluster) async {
    let statuses = await cluster.shutdown()
    for (id, status) in statuses.sorted(by: { $0.key < $1.key }) {
        #expect(
            status == 0, "node \(id) exited with \(status) on SIGTERM (-1: still running after 60 s, killed)\n\(cluster.logs(tail: 2000))")
    }
}
