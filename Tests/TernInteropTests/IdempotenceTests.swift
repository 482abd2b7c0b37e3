// Goal: idempotent producers (PROTOCOL.md §1.5) hold end to end on a 3-node `ternd` cluster:
// librdkafka's idempotent producers lose nothing acknowledged, write nothing twice and keep each
// producer's order through three kill -9s of a partition leader and a SIGSTOP of a follower;
// a raw idempotent batch replayed byte for byte gets its original offset from the leader, from
// the next leader after a kill -9 and after a full cluster restart; Kafka's sequence and epoch
// checks answer as Kafka does, also after a kill -9 of every node; producer ids are cluster-unique and never reused after a restart;
// kafka-python's and aiokafka's idempotent producers get exactly-once, in-order logs across a
// leader kill.
// Method: ClusterProcess.swift's TernCluster (three processes on 127.0.0.1, fixed ports); the
// scripts in Scripts/ do the client work and the checking and print one JSON summary line, which
// the tests decode; test and script coordinate through files in a work folder W. Exactly:
//   python3 Scripts/idem_librdkafka_chaos.py --bootstrap ALL --topic T --partitions 3 --producers 2
//         --progress-file W/progress.json --done-file W/done --min-acks 100000 --rate 4000
//         --seconds 480                      (background; the test kills -9 the leader of T-0 when
//                                             the progress file shows 15,000, 40,000 and 65,000
//                                             acknowledgements, restarting it each time and
//                                             waiting until it has caught up, then SIGSTOPs a
//                                             node that does not lead T-0 (one leading another
//                                             partition, if any) until 3,000 more are acknowledged
//                                             (at least 4 s), then writes W/done)
//   python3 Scripts/idem_replay.py --bootstrap ALL --topic T --work W --seconds 600
//                                            (background; on W/kill-request.json the test kills
//                                             -9 the leader of T-0 and writes W/killed; on
//                                             W/restart-request.json it restarts that node, stops
//                                             all three with SIGTERM, starts them again and
//                                             writes W/restarted; on W/crash-request.json it kills
//                                             -9 all three, starts them again and writes
//                                             W/crashed)
//   python3 Scripts/idem_python_clients.py --bootstrap ALL --topic T --partitions 3 --count 5000
//         --rate 300 --progress-file W/progress.json --after-file W/after --seconds 420
//                                            (background; once each producer has 1,000
//                                             acknowledgements the test kills -9 the leader of
//                                             T-0, writes W/after when a new leader is known,
//                                             and restarts the node)
// ALL: the Kafka addresses of every node (fixed ports: a long-running client reaches a node that
// comes back). Every wait polls with a deadline (60-480 s: a loaded 2-core machine); nothing
// sleeps to synchronise; every process is stopped by PID at the end, whatever happened, and each
// node must exit 0 on SIGTERM.
import Foundation
import Testing

@Suite(.serialized)
struct IdempotenceTests {
    /// Records the librdkafka producers must get acknowledged (in total).
    static let chaosMinimumAcknowledged = 100_000
    /// Acknowledgement counts at which the leader of partition 0 is killed (or later: each kill
    /// also waits for 5,000 acknowledgements after the previous node came back).
    static let killMilestones = [15_000, 40_000, 65_000]
    /// How long the follower stays paused at least (past the 0.5-1 s election timeout).
    static let pauseSeconds: TimeInterval = 4

    @Test("librdkafka idempotent producers (acks=all, 5 in flight, LZ4) through 3 leader kill -9s and a paused follower: every acknowledged record once, in order")
    func librdkafkaChaos() async throws {
        try await withProcessCleanup { cleanup in
            let started = Date()
            let work = try temporaryDirectory("ternd-idem-chaos")
            let progressFile = work + "/progress.json"
            let doneFile = work + "/done"
            let topic = "idem-chaos"
            let cluster = try await startTestCluster(cleanup, suite: "IdempotenceTests")
            let script = try BackgroundScript.start(
                "idem_librdkafka_chaos.py",
                [
                    "--bootstrap", cluster.allBootstrap, "--topic", topic, "--partitions", "3", "--producers", "2",
                    "--progress-file", progressFile, "--done-file", doneFile,
                    "--min-acks", "\(Self.chaosMinimumAcknowledged)", "--rate", "4000", "--seconds", "480",
                ],
                outputPath: work + "/chaos.txt")
            cleanup.add(script)
            try await cluster.waitForLeaders(topic: topic, partitions: 3, seconds: 180)

            var mark = 0
            for (round, milestone) in Self.killMilestones.enumerated() {
                let before = try await waitForAcknowledged(
                    cluster, script, progressFile, atLeast: max(milestone, mark + 5_000), "before kill \(round + 1)")
                let leader = try await cluster.currentLeader(topic: topic, partition: 0)
                try await cluster.kill9(leader.node)
                let killedAt = Date()
                let successor = try await cluster.waitForNewLeader(topic: topic, partition: 0, notEqual: leader.node)
                let elected = seconds(since: killedAt)
                let after = try await waitForAcknowledged(
                    cluster, script, progressFile, atLeast: before.acknowledged + 2_000,
                    "on the new leader after kill \(round + 1)")
                print(
                    "IdempotenceTests: kill \(round + 1): node \(leader.node) (leader of \(topic)-0) at "
                        + "\(before.acknowledged) acknowledged; new leader \(successor) after \(elected) s; "
                        + "\(after.acknowledged) acknowledged \(seconds(since: killedAt)) s after the kill")
                try await cluster.restart(leader.node)
                try await waitForCatchUp(cluster, node: leader.node, topic: topic, partitions: 3)
                mark = readProgress(ChaosProgress.self, progressFile)?.acknowledged ?? after.acknowledged
                print(
                    "IdempotenceTests: node \(leader.node) restarted and caught up \(seconds(since: killedAt)) s "
                        + "after the kill; \(mark) acknowledged")
            }

            let atPause = try await waitForAcknowledged(
                cluster, script, progressFile, atLeast: mark + 5_000, "before the pause")
            let leader = try await cluster.currentLeader(topic: topic, partition: 0)
            // The node to pause: not the leader of partition 0; one that leads another partition
            // if there is one (its partition then elects a new leader while it is frozen, and it
            // wakes up as a stale leader with requests queued).
            let statuses = await cluster.liveStatuses()
            let led = Dictionary(grouping: (1..<3).compactMap { partition in
                TernCluster.resolveLeader(topic: topic, partition: partition, statuses: statuses).map { ($0.node, partition) }
            }, by: \.0).mapValues { $0.map(\.1) }
            let candidates = cluster.otherIDs(than: leader.node)
            let victim = try #require(candidates.max { (led[$0]?.count ?? 0, -$0) < (led[$1]?.count ?? 0, -$1) })
            try cluster.pause(victim)
            let pausedAt = Date()
            let whilePaused = try await waitForAcknowledged(
                cluster, script, progressFile, atLeast: atPause.acknowledged + 3_000,
                notBefore: pausedAt + Self.pauseSeconds, "while node \(victim) is paused")
            try cluster.resume(victim)
            print(
                "IdempotenceTests: node \(victim) (leading partitions \(led[victim] ?? []) of \(topic); partition 0 led by "
                    + "node \(leader.node)) paused for \(seconds(since: pausedAt)) s from \(atPause.acknowledged) to "
                    + "\(whilePaused.acknowledged) acknowledged")
            try await waitForCatchUp(cluster, node: victim, topic: topic, partitions: 3)
            let resumed = try await waitForAcknowledged(
                cluster, script, progressFile, atLeast: whilePaused.acknowledged + 5_000, "after the resume")
            try #require(FileManager.default.createFile(atPath: doneFile, contents: Data()), "cannot create \(doneFile)")
            print("IdempotenceTests: chaos over at \(resumed.acknowledged) acknowledged, \(seconds(since: started)) s in")

            let status = await script.waitForExit(seconds: 480)
            print("--- idem_librdkafka_chaos.py ---\n\(script.output.suffix(6000))")
            guard status == 0 else {
                throw await clusterFailure(
                    cluster,
                    "idem_librdkafka_chaos.py exited with \(status.map { String($0) } ?? "nothing: still running after 480 s")"
                        + "\n\(script.output.suffix(10000))")
            }
            let summary = try decodeSummary(LogSummary.self, from: script.output, script: "idem_librdkafka_chaos.py")
            #expect(summary.duplicates == 0, "\(summary.duplicates) duplicates: \(summary.examples.duplicates)")
            #expect(summary.gaps == 0, "\(summary.gaps) acknowledged records missing: \(summary.examples.gaps)")
            #expect(summary.orderViolations == 0, "\(summary.orderViolations) order violations: \(summary.examples.order)")
            #expect(summary.misplaced == 0, "\(summary.misplaced) acknowledged elsewhere: \(summary.examples.misplaced)")
            #expect(summary.foreign == 0 && summary.reportedTwice == 0 && summary.unreported == 0, "summary \(summary)")
            #expect(
                summary.acknowledged >= Self.chaosMinimumAcknowledged,
                "\(summary.acknowledged) acknowledged, expected >= \(Self.chaosMinimumAcknowledged)")
            #expect((summary.fatal ?? []).isEmpty, "fatal producer errors: \(summary.fatal ?? [])")
            print(
                "IdempotenceTests: librdkafka chaos: \(summary); librdkafka statistics "
                    + "\((summary.clientStats ?? [:]).sorted { $0.key < $1.key }); \(seconds(since: started)) s in all")
            await shutdownTestCluster(cluster)
        }
    }

    @Test("a raw idempotent batch replayed byte for byte gets its offset back (same leader, after kill -9, after a full restart); Kafka's sequence and epoch checks; unique producer ids")
    func byteForByteReplay() async throws {
        try await withProcessCleanup { cleanup in
            let started = Date()
            let work = try temporaryDirectory("ternd-idem-replay")
            let topic = "idem-replay"
            let cluster = try await startTestCluster(cleanup, suite: "IdempotenceTests")
            let script = try BackgroundScript.start(
                "idem_replay.py",
                ["--bootstrap", cluster.allBootstrap, "--topic", topic, "--work", work, "--seconds", "600"],
                outputPath: work + "/replay.txt")
            cleanup.add(script)

            let request = try await waitForRequest(
                KillRequest.self, cluster, script, work + "/kill-request.json", "idem_replay.py asking for the kill")
            let leader = try await cluster.currentLeader(topic: topic, partition: 0)
            if leader.node != request.leader {
                print("IdempotenceTests: the script saw node \(request.leader) lead \(topic)-0, /v1/cluster says \(leader)")
            }
            try await cluster.kill9(leader.node)
            let successor = try await cluster.waitForNewLeader(topic: topic, partition: 0, notEqual: leader.node)
            print(
                "IdempotenceTests: batch at offset \(request.offset); killed the leader, \(leader); new leader \(successor)")
            try #require(
                FileManager.default.createFile(atPath: work + "/killed", contents: Data("\(leader.node)\n".utf8)),
                "cannot create \(work)/killed")

            _ = try await waitForRequest(
                RestartRequest.self, cluster, script, work + "/restart-request.json",
                "idem_replay.py asking for the restarts")
            try await cluster.restart(leader.node)
            try await cluster.waitForLeaders(topic: topic, partitions: 3)
            let stopped = await cluster.shutdown()
            for (id, status) in stopped.sorted(by: { $0.key < $1.key }) {
                #expect(status == 0, "node \(id) exited with \(status) on SIGTERM before the full restart\n\(cluster.logs(tail: 2000))")
            }
            let restartedAt = Date()
            try await cluster.restart(cluster.ids)
            let controller = try await cluster.controllerLeader()
            try await cluster.waitForLeaders(topic: topic, partitions: 3)
            print(
                "IdempotenceTests: full restart: stopped \(stopped.sorted { $0.key < $1.key }), ready again with controller "
                    + "leader \(controller) after \(seconds(since: restartedAt)) s")
            try #require(
                FileManager.default.createFile(atPath: work + "/restarted", contents: Data()),
                "cannot create \(work)/restarted")

            _ = try await waitForRequest(
                CrashRequest.self, cluster, script, work + "/crash-request.json", "idem_replay.py asking for the crash")
            for id in cluster.ids { try await cluster.kill9(id) }
            let crashedAt = Date()
            try await cluster.restart(cluster.ids)
            let controllerAfterCrash = try await cluster.controllerLeader()
            try await cluster.waitForLeaders(topic: topic, partitions: 3)
            print(
                "IdempotenceTests: killed -9 every node; ready again with controller leader \(controllerAfterCrash) after "
                    + "\(seconds(since: crashedAt)) s")
            try #require(
                FileManager.default.createFile(atPath: work + "/crashed", contents: Data()), "cannot create \(work)/crashed")

            let status = await script.waitForExit(seconds: 300)
            print("--- idem_replay.py ---\n\(script.output.suffix(8000))")
            guard status == 0 else {
                throw await clusterFailure(
                    cluster,
                    "idem_replay.py exited with \(status.map { String($0) } ?? "nothing: still running after 300 s")"
                        + "\n\(script.output.suffix(10000))")
            }
            let summary = try decodeSummary(ReplaySummary.self, from: script.output, script: "idem_replay.py")
            checkReplay(summary, killed: leader.node)
            print("IdempotenceTests: replay: \(summary); \(seconds(since: started)) s")
            await shutdownTestCluster(cluster)
        }
    }

    @Test("kafka-python and aiokafka idempotent producers across a leader kill -9: every record once, in order")
    func pythonClients() async throws {
        try await withProcessCleanup { cleanup in
            let started = Date()
            let work = try temporaryDirectory("ternd-idem-python")
            let progressFile = work + "/progress.json"
            let afterFile = work + "/after"
            let topic = "idem-python"
            let perProducer = 5_000
            let cluster = try await startTestCluster(cleanup, suite: "IdempotenceTests")
            let script = try BackgroundScript.start(
                "idem_python_clients.py",
                [
                    "--bootstrap", cluster.allBootstrap, "--topic", topic, "--partitions", "3", "--count", "\(perProducer)",
                    "--rate", "300", "--progress-file", progressFile, "--after-file", afterFile, "--seconds", "420",
                ],
                outputPath: work + "/python.txt")
            cleanup.add(script)
            try await cluster.waitForLeaders(topic: topic, partitions: 3, seconds: 180)

            let before = try await cluster.poll("each producer with 1,000 acknowledgements", seconds: 300, interval: .milliseconds(200)) {
                () async throws -> ClientsProgress? in
                guard script.isRunning else {
                    throw await clusterFailure(
                        cluster,
                        "idem_python_clients.py exited (\(script.exitStatus ?? -1)) before the kill:\n\(script.output.suffix(6000))")
                }
                guard let progress = readProgress(ClientsProgress.self, progressFile),
                    progress.perProducer.count == 2, progress.perProducer.values.allSatisfy({ $0 >= 1_000 })
                else { return nil }
                return progress
            }
            let leader = try await cluster.currentLeader(topic: topic, partition: 0)
            try await cluster.kill9(leader.node)
            let successor = try await cluster.waitForNewLeader(topic: topic, partition: 0, notEqual: leader.node)
            print(
                "IdempotenceTests: killed the leader of \(topic)-0, \(leader), at \(before.perProducer) acknowledged; "
                    + "new leader \(successor); creating the after-file")
            try #require(FileManager.default.createFile(atPath: afterFile, contents: Data()), "cannot create \(afterFile)")
            try await cluster.restart(leader.node)

            let status = await script.waitForExit(seconds: 420)
            print("--- idem_python_clients.py ---\n\(script.output.suffix(6000))")
            guard status == 0 else {
                throw await clusterFailure(
                    cluster,
                    "idem_python_clients.py exited with \(status.map { String($0) } ?? "nothing: still running after 420 s")"
                        + "\n\(script.output.suffix(10000))")
            }
            let summary = try decodeSummary(LogSummary.self, from: script.output, script: "idem_python_clients.py")
            #expect((summary.producerErrors ?? [:]).isEmpty, "producer errors: \(summary.producerErrors ?? [:])")
            #expect(summary.sent == 2 * perProducer, "\(summary.sent) sent, expected \(2 * perProducer)")
            #expect(summary.failed == 0, "\(summary.failed) failed deliveries: \(summary.errors ?? [:])")
            #expect(
                summary.perProducer.values.allSatisfy { $0 == perProducer },
                "acknowledged per producer \(summary.perProducer), expected \(perProducer) each")
            #expect(summary.duplicates == 0, "\(summary.duplicates) duplicates: \(summary.examples.duplicates)")
            #expect(summary.gaps == 0, "\(summary.gaps) acknowledged records missing: \(summary.examples.gaps)")
            #expect(summary.orderViolations == 0, "\(summary.orderViolations) order violations: \(summary.examples.order)")
            #expect(summary.misplaced == 0, "\(summary.misplaced) acknowledged elsewhere: \(summary.examples.misplaced)")
            #expect(summary.foreign == 0 && summary.reportedTwice == 0 && summary.unreported == 0, "summary \(summary)")
            print("IdempotenceTests: kafka-python and aiokafka: \(summary); \(seconds(since: started)) s")
            await shutdownTestCluster(cluster)
        }
    }
}

// MARK: - The replay's checks

/// What idem_replay.py got at each step, against Kafka's answers (PROTOCOL.md §1.5).
private func checkReplay(_ s: ReplaySummary, killed: Int) {
    let before = s.idsBefore.map(\.id)
    let after = s.idsAfter.map(\.id)
    #expect(s.idsBefore.count == 15 && s.idsAfter.count == 6, "ids before \(s.idsBefore.count), after \(s.idsAfter.count)")
    #expect((s.idsBefore + s.idsAfter).allSatisfy { $0.epoch == 0 && $0.id >= 0 }, "ids \(s.idsBefore + s.idsAfter)")
    #expect(Set(before + after).count == before.count + after.count, "ids not distinct: before \(before), after \(after)")
    #expect(
        (after.min() ?? -1) > (before.max() ?? Int64.max),
        "ids after the full restart \(after) not all above those before \(before)")

    let offset = s.first.offset
    #expect(s.first.error == 0 && offset >= 0, "first batch: \(s.first)")
    #expect(
        s.replaySameLeader.count == 3 && s.replaySameLeader.allSatisfy { $0.error == 0 && $0.offset == offset },
        "replays on the same leader \(s.replaySameLeader), expected offset \(offset) and no error")
    #expect(
        s.highWatermarkAfterReplay == s.highWatermarkBeforeReplay,
        "high watermark \(s.highWatermarkBeforeReplay) before the replays, \(s.highWatermarkAfterReplay) after")
    #expect(s.killed == killed, "the script saw node \(s.killed) killed, not \(killed)")
    #expect(
        s.replayAfterKill.error == 0 && s.replayAfterKill.offset == offset && s.replayAfterKill.leader != killed,
        "replay after the kill of node \(killed): \(s.replayAfterKill), expected offset \(offset)")
    #expect(
        s.replayAfterRestart.error == 0 && s.replayAfterRestart.offset == offset,
        "replay after the full restart: \(s.replayAfterRestart), expected offset \(offset)")

    #expect(s.epoch0Seq5.error == 0 && s.epoch0Seq5.offset > offset + 4, "epoch 0 sequence 5: \(s.epoch0Seq5)")
    #expect(s.epoch0Seq20.error == 45, "epoch 0 sequence 20 (10 expected): \(s.epoch0Seq20), expected OUT_OF_ORDER_SEQUENCE_NUMBER (45)")
    #expect(
        s.bumped.id == s.producerId && s.bumped.epoch == 1,
        "InitProducerId v3 naming (\(s.producerId), 0): \(s.bumped), expected (\(s.producerId), 1)")
    #expect(s.epoch1Seq3.error == 45, "epoch 1 sequence 3: \(s.epoch1Seq3), expected OUT_OF_ORDER_SEQUENCE_NUMBER (45)")
    #expect(s.epoch1Seq0.error == 0 && s.epoch1Seq0.offset > s.epoch0Seq5.offset, "epoch 1 sequence 0: \(s.epoch1Seq0)")
    #expect(
        s.epoch1Seq0Replay.error == 0 && s.epoch1Seq0Replay.offset == s.epoch1Seq0.offset,
        "replay of epoch 1 sequence 0: \(s.epoch1Seq0Replay), expected offset \(s.epoch1Seq0.offset)")
    #expect(s.epoch0AfterBump.error == 47, "epoch 0 after the bump: \(s.epoch0AfterBump), expected INVALID_PRODUCER_EPOCH (47)")
    #expect(
        s.freshSeq17.error == 0 && s.freshSeq17.offset > s.epoch1Seq0.offset,
        "producer \(s.freshProducerId) (no state) sequence 17: \(s.freshSeq17)")


    #expect(
        s.replayAfterCrash.error == 0 && s.replayAfterCrash.offset == s.epoch1Seq0.offset,
        "replay of epoch 1 sequence 0 after the crash of every node: \(s.replayAfterCrash), expected offset \(s.epoch1Seq0.offset)")
    #expect(
        s.freshReplayAfterCrash.error == 0 && s.freshReplayAfterCrash.offset == s.freshSeq17.offset,
        "replay of producer \(s.freshProducerId)'s batch after the crash: \(s.freshReplayAfterCrash), expected offset \(s.freshSeq17.offset)")
    #expect(s.epoch0AfterCrash.error == 47, "epoch 0 after the crash: \(s.epoch0AfterCrash), expected INVALID_PRODUCER_EPOCH (47)")
    #expect(
        s.epoch1Seq6AfterCrash.error == 45,
        "epoch 1 sequence 6 (5 expected) after the crash: \(s.epoch1Seq6AfterCrash), expected OUT_OF_ORDER_SEQUENCE_NUMBER (45)")
    #expect(
        s.epoch1Seq5AfterCrash.error == 0 && s.epoch1Seq5AfterCrash.offset > s.freshSeq17.offset,
        "epoch 1 sequence 5 after the crash: \(s.epoch1Seq5AfterCrash)")

    let log = s.log
    #expect(
        log.duplicates.isEmpty && log.missing.isEmpty && log.misplaced.isEmpty && log.refusedStored.isEmpty
            && log.unexpected.isEmpty && log.ours == log.expected && log.expected == 25,
        "partition 0's log: \(log)")
}

// MARK: - Files the scripts write

/// idem_librdkafka_chaos.py's --progress-file.
private struct ChaosProgress: Decodable, Sendable {
    var sent: Int
    var acknowledged: Int
    var failed: Int
    var fatal: Int?
}

/// idem_python_clients.py's --progress-file.
private struct ClientsProgress: Decodable, Sendable {
    var sent: Int
    var acknowledged: Int
    var failed: Int
    var perProducer: [String: Int]
}

/// idem_replay.py's W/kill-request.json.
private struct KillRequest: Decodable, Sendable {
    var leader: Int
    var offset: Int64
    var highWatermark: Int64
}

/// idem_replay.py's W/restart-request.json.
private struct RestartRequest: Decodable, Sendable {
    var killed: Int
}

/// idem_replay.py's W/crash-request.json.
private struct CrashRequest: Decodable, Sendable {
    var producer: Int64
}

/// The summary line of idem_librdkafka_chaos.py and idem_python_clients.py (idem_common.check_log).
private struct LogSummary: Decodable, CustomStringConvertible {
    struct Examples: Decodable {
        var duplicates: [String]
        var gaps: [String]
        var misplaced: [String]
        var order: [String]
        var foreign: [String]
        var reportedTwice: [String]
    }

    var sent: Int
    var acknowledged: Int
    var failed: Int
    var failedInLog: Int
    var records: Int
    var distinct: Int
    var duplicates: Int
    var gaps: Int
    var misplaced: Int
    var orderViolations: Int
    var foreign: Int
    var unreported: Int
    var reportedTwice: Int
    var perPartition: [String: Int]
    var perProducer: [String: Int]
    var examples: Examples
    /// librdkafka's statistics of one producer (idem_librdkafka_chaos.py); `epochBumps` is its
    /// `eos.epoch_cnt`, which counts the first id too (1: never bumped).
    struct ClientStats: Decodable, CustomStringConvertible {
        var requestRetries: Int?
        var requestErrors: Int?
        var producerId: Int64?
        var epoch: Int?
        var epochBumps: Int?

        var description: String {
            "producer id \(producerId ?? -1) epoch \(epoch ?? -1) (\(epochBumps ?? 0) id/epoch acquisitions), "
                + "\(requestRetries ?? 0) request retries, \(requestErrors ?? 0) request errors"
        }
    }

    var errors: [String: Int]?
    var clientErrors: [String: Int]?
    var clientStats: [String: ClientStats]?
    var fatal: [String]?
    var producerErrors: [String: String]?
    var produceSeconds: Double
    var seconds: Double

    var description: String {
        "\(sent) sent, \(acknowledged) acknowledged (per producer \(perProducer.sorted { $0.key < $1.key })), "
            + "\(failed) failed (\(failedInLog) of them in the log), \(records) records in the log "
            + "(\(perPartition.sorted { $0.key < $1.key })), \(duplicates) duplicates, \(gaps) gaps, "
            + "\(misplaced) misplaced, \(orderViolations) order violations, \(unreported) unreported, "
            + "client errors \(clientErrors ?? [:]), produced in \(produceSeconds) s"
    }
}

/// idem_replay.py's summary line.
private struct ReplaySummary: Decodable, CustomStringConvertible {
    struct IDEntry: Decodable, CustomStringConvertible {
        var broker: String
        var version: Int
        var id: Int64
        var epoch: Int

        var description: String { "v\(version)@\(broker): \(id)/\(epoch)" }
    }

    struct Answer: Decodable, CustomStringConvertible {
        var error: Int
        var offset: Int64
        var leader: Int?
        var message: String?
        var retried: Int?
        var retriedErrors: [String]?

        var description: String {
            "error \(error) offset \(offset) from node \(leader.map { String($0) } ?? "?")"
                + (message.map { " (\($0))" } ?? "") + ((retried ?? 0) > 0 ? ", \(retried ?? 0) retries \(retriedErrors ?? [])" : "")
        }
    }

    struct Bumped: Decodable, CustomStringConvertible {
        var id: Int64
        var epoch: Int

        var description: String { "(\(id), \(epoch))" }
    }

    struct LogCheck: Decodable, CustomStringConvertible {
        var highWatermark: Int64
        var records: Int
        var ours: Int
        var expected: Int
        var duplicates: [String]
        var missing: [String]
        var misplaced: [String]
        var refusedStored: [String]
        var unexpected: [String]

        var description: String {
            "high watermark \(highWatermark), \(records) records, \(ours) of this run (\(expected) expected); "
                + "duplicates \(duplicates), missing \(missing), misplaced \(misplaced), refused but stored "
                + "\(refusedStored), unexpected \(unexpected)"
        }
    }

    var idsBefore: [IDEntry]
    var idsAfter: [IDEntry]
    var producerId: Int64
    var freshProducerId: Int64
    var first: Answer
    var replaySameLeader: [Answer]
    var highWatermarkBeforeReplay: Int64
    var highWatermarkAfterReplay: Int64
    var killed: Int
    var replayAfterKill: Answer
    var replayAfterRestart: Answer
    var epoch0Seq5: Answer
    var epoch0Seq20: Answer
    var bumped: Bumped
    var epoch1Seq3: Answer
    var epoch1Seq0: Answer
    var epoch1Seq0Replay: Answer
    var epoch0AfterBump: Answer
    var freshSeq17: Answer
    var replayAfterCrash: Answer
    var freshReplayAfterCrash: Answer
    var epoch0AfterCrash: Answer
    var epoch1Seq6AfterCrash: Answer
    var epoch1Seq5AfterCrash: Answer
    var log: LogCheck

    var description: String {
        "producer \(producerId): first batch at \(first.offset); replays \(replaySameLeader.map(\.offset)) (high "
            + "watermark \(highWatermarkBeforeReplay) -> \(highWatermarkAfterReplay)), after the kill of node \(killed) "
            + "\(replayAfterKill), after the full restart \(replayAfterRestart); seq 5 \(epoch0Seq5); seq 20 "
            + "\(epoch0Seq20); bumped \(bumped); epoch 1 seq 3 \(epoch1Seq3); epoch 1 seq 0 \(epoch1Seq0) "
            + "(replay \(epoch1Seq0Replay)); epoch 0 after the bump \(epoch0AfterBump); producer \(freshProducerId) "
            + "seq 17 \(freshSeq17); after the crash of every node: replays \(replayAfterCrash) and "
            + "\(freshReplayAfterCrash), epoch 0 \(epoch0AfterCrash), epoch 1 seq 6 \(epoch1Seq6AfterCrash), epoch 1 "
            + "seq 5 \(epoch1Seq5AfterCrash); ids before \(idsBefore.map(\.id)), after \(idsAfter.map(\.id)); log: \(log)"
    }
}

// MARK: - Helpers






/// The JSON file at `path` decoded (nil while it is absent; the scripts write it atomically).
private func readProgress<Value: Decodable>(_ type: Value.Type, _ path: String) -> Value? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return try? JSONDecoder().decode(Value.self, from: data)
}

/// Whole seconds since `date`, one decimal.
private func seconds(since date: Date) -> Double { (Date().timeIntervalSince(date) * 10).rounded() / 10 }

/// Polls the chaos script's progress file until it shows `atLeast` acknowledgements (and
/// `notBefore` has passed, if given); throws if the script exits first or `seconds` pass.
private func waitForAcknowledged(
    _ cluster: TernCluster, _ script: BackgroundScript, _ path: String, atLeast: Int, notBefore: Date? = nil,
    seconds: Double = 300, _ what: String
) async throws -> ChaosProgress {
    try await cluster.poll("\(atLeast) acknowledged records (\(what))", seconds: seconds, interval: .milliseconds(200)) {
        () async throws -> ChaosProgress? in
        guard script.isRunning else {
            throw await clusterFailure(
                cluster,
                "idem_librdkafka_chaos.py exited (\(script.exitStatus ?? -1)) waiting for \(atLeast) acknowledged (\(what)):\n"
                    + "\(script.output.suffix(6000))")
        }
        guard let progress = readProgress(ChaosProgress.self, path), progress.acknowledged >= atLeast else { return nil }
        if let notBefore, Date() < notBefore { return nil }
        return progress
    }
}

/// Polls for a request file of idem_replay.py (up to 300 s); throws if the script exits first.
private func waitForRequest<Request: Decodable>(
    _ type: Request.Type, _ cluster: TernCluster, _ script: BackgroundScript, _ path: String, _ what: String
) async throws -> Request {
    try await cluster.poll(what, seconds: 300) { () async throws -> Request? in
        if let request = readProgress(Request.self, path) { return request }
        guard script.isRunning else {
            throw await clusterFailure(
                cluster, "idem_replay.py exited (\(script.exitStatus ?? -1)) before \(what):\n\(script.output.suffix(8000))")
        }
        return nil
    }
}

/// Waits (up to `seconds`) until every partition of `topic` has a leader and node `node`'s own
/// replica of each has a high watermark at least the leader's when the wait began: it has
/// caught up with what was committed while it was down or paused.
private func waitForCatchUp(_ cluster: TernCluster, node: Int, topic: String, partitions: Int, seconds: Double = 180)
    async throws
{
    try await cluster.waitForLeaders(topic: topic, partitions: partitions, seconds: seconds)
    let statuses = await cluster.liveStatuses()
    var targets: [Int: Int] = [:]
    for partition in 0..<partitions {
        guard let leader = TernCluster.resolveLeader(topic: topic, partition: partition, statuses: statuses),
            leader.claimed, let mark = statuses[leader.node]?.partition(topic, partition)?.local?.highWatermark
        else { continue }
        targets[partition] = mark
    }
    let goals = targets
    _ = try await cluster.poll("node \(node) catching up with \(topic) (leaders' high watermarks \(goals))", seconds: seconds) {
        () async -> Bool? in
        guard let status = try? await cluster.clusterStatus(from: node) else { return nil }
        for (partition, mark) in goals {
            guard let local = status.partition(topic, partition)?.local, local.highWatermark >= mark else { return nil }
        }
        return true
    }
}
