// Goal: no acknowledged record is lost when `ternd` is killed with SIGKILL in the middle of a
// produce stream, nor across a clean SIGTERM restart, and recovery reports no damage.
// Method: a real confluent-kafka producer (acks=all, lz4, idempotence off;
// Scripts/produce_until_killed.py) writes every acknowledged value with its partition and offset
// to a file; the broker is killed (or stopped) once 20,000 records are acknowledged, restarted on
// the same data directory, and the script's verify mode reads every partition from the
// beginning and checks each acknowledged value at its offset. A second produce run after the
// restart checks that the recovered log still accepts appends at the right offsets. The broker
// logs are checked for error lines and damage; "partition recovered with repairs" lines (a torn
// tail cut after SIGKILL is expected) are printed.
import Foundation
import Synchronization
import Testing

@Suite(.serialized)
struct RestartTests {
    /// Acknowledgements to wait for before the crash or the stop.
    static let acknowledgedTarget = 20_000

    @Test("kill -9 mid-produce, restart: every acknowledged record is there")
    func killNineLosesNoAcknowledgedRecord() async throws {
        let cleanup = ProcessCleanup()
        do {
            try await killNineScenario(cleanup)
        } catch {
            await cleanup.run()
            throw error
        }
        await cleanup.run()
    }

    @Test("SIGTERM, restart: every acknowledged record is there, recovery repairs nothing, lag 0 behind the new marker")
    func cleanRestartLosesNothing() async throws {
        let cleanup = ProcessCleanup()
        do {
            try await cleanRestartScenario(cleanup)
        } catch {
            await cleanup.run()
            throw error
        }
        await cleanup.run()
    }

    private func killNineScenario(_ cleanup: ProcessCleanup) async throws {
        let work = try temporaryDirectory("ternd-restart-kill9")
        let acksPath = work + "/acks.txt"
        let topic = "restart-kill9"
        let broker = try await TerndProcess.start()
        cleanup.add(broker)
        let producer = try BackgroundScript.start(
            "produce_until_killed.py",
            [
                "produce", "--bootstrap", broker.kafkaAddress, "--topic", topic, "--create", "--partitions", "3",
                "--acks-file", acksPath,
            ],
            outputPath: work + "/producer.txt")
        cleanup.add(producer)

        let reached = try await waitForAcknowledgements(
            acksPath, atLeast: Self.acknowledgedTarget, seconds: 300, producer: producer, broker: broker)
        try await broker.kill9()
        let acknowledgedAtKill = countLines(acksPath)
        await producer.stop()
        try #require(
            reached,
            """
            \(countLines(acksPath)) acknowledgements after 300 s (producer running: \(producer.isRunning)); \
            producer output:
            \(producer.output.suffix(3000))
            broker log:
            \(broker.log.suffix(3000))
            """)
        print("RestartTests: killed ternd (pid \(broker.pid)) with \(acknowledgedAtKill) acknowledged records")

        let restarted = try await TerndProcess.start(dataDirectory: broker.dataDirectory)
        cleanup.add(restarted)
        try await verify(restarted, topic: topic, acksPath: acksPath, minimum: Self.acknowledgedTarget)

        // The recovered log accepts new appends, at offsets after the surviving ones.
        try await produceCounted(restarted, topic: topic, acksPath: acksPath, start: 10_000_000, count: 2_000)
        try await verify(restarted, topic: topic, acksPath: acksPath, minimum: Self.acknowledgedTarget + 2_000)

        expectNoDamage(in: broker.log, "the killed broker's log")
        expectNoDamage(in: restarted.log, "the restarted broker's log")
        for line in repairLines(restarted.log) {
            print("RestartTests: recovery after SIGKILL: \(line)")
        }
        let status = try await restarted.stop()
        #expect(status == 0, "restarted ternd exited with \(status); log:\n\(restarted.log.suffix(3000))")
        expectLogsPassValidation(broker.dataDirectory)
    }

    /// Every partition log passes a full scrub (every batch's CRC, lengths, offsets, epochs).
    private func expectLogsPassValidation(_ dataDirectory: String) {
        do {
            let results = try scrubPartitions(dataDirectory: dataDirectory)
            // The client's three partitions, besides the broker's own __consumer_offsets ones.
            #expect(results.filter { !$0.partition.hasPrefix("__") }.count == 3, "partitions scrubbed: \(results)")
            for result in results {
                print("RestartTests: scrub \(result)")
                #expect(result.problem == nil, "\(result)")
                #expect(result.batches > 0, "\(result)")
            }
        } catch {
            Issue.record("scrub failed: \(error)")
        }
    }

    private func cleanRestartScenario(_ cleanup: ProcessCleanup) async throws {
        let work = try temporaryDirectory("ternd-restart-clean")
        let acksPath = work + "/acks.txt"
        let topic = "restart-clean"
        let broker = try await TerndProcess.start()
        cleanup.add(broker)
        try await produceCounted(
            broker, topic: topic, acksPath: acksPath, start: 0, count: Self.acknowledgedTarget, create: true)
        try await verify(broker, topic: topic, acksPath: acksPath, minimum: Self.acknowledgedTarget)
        let status = try await broker.stop()
        #expect(status == 0, "ternd exited with \(status) on SIGTERM; log:\n\(broker.log.suffix(3000))")

        let restarted = try await TerndProcess.start(dataDirectory: broker.dataDirectory)
        cleanup.add(restarted)
        try await verify(restarted, topic: topic, acksPath: acksPath, minimum: Self.acknowledgedTarget)
        // Every partition now ends with the new leader's LEADER_CHANGE marker: every client
        // reading to the end must step over it and reach lag 0.
        let lag = try await runScript(
            "lag_after_leader_change.py", ["--bootstrap", restarted.kafkaAddress, "--topic", topic, "--partitions", "3"],
            timeoutSeconds: 600)
        #expect(lag.status == 0, "lag_after_leader_change.py failed:\n\(lag.output.suffix(3000))")
        try await produceCounted(restarted, topic: topic, acksPath: acksPath, start: 10_000_000, count: 2_000)
        try await verify(restarted, topic: topic, acksPath: acksPath, minimum: Self.acknowledgedTarget + 2_000)

        expectNoDamage(in: broker.log, "the stopped broker's log")
        expectNoDamage(in: restarted.log, "the restarted broker's log")
        let repairs = repairLines(restarted.log)
        for line in repairs {
            print("RestartTests: recovery after SIGTERM: \(line)")
        }
        #expect(repairs.isEmpty, "a clean shutdown left something to repair:\n\(repairs.joined(separator: "\n"))")
        let restartedStatus = try await restarted.stop()
        #expect(restartedStatus == 0, "restarted ternd exited with \(restartedStatus)")
        expectLogsPassValidation(broker.dataDirectory)
    }

    /// Polls the acknowledgement file (every 200 ms) until it holds `atLeast` lines, the
    /// producer or the broker exits, or `seconds` pass.
    private func waitForAcknowledgements(
        _ path: String, atLeast: Int, seconds: Double, producer: BackgroundScript, broker: TerndProcess
    ) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if countLines(path) >= atLeast { return true }
            if !producer.isRunning || !broker.isRunning { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        return countLines(path) >= atLeast
    }

    /// Runs the producer to completion: `count` acknowledged records from sequence `start`.
    private func produceCounted(
        _ broker: TerndProcess, topic: String, acksPath: String, start: Int, count: Int, create: Bool = false
    ) async throws {
        let arguments =
            [
                "produce", "--bootstrap", broker.kafkaAddress, "--topic", topic, "--partitions", "3",
                "--acks-file", acksPath, "--start", "\(start)", "--count", "\(count)",
            ] + (create ? ["--create"] : [])
        let result = try await runScript("produce_until_killed.py", arguments, timeoutSeconds: 300)
        try #require(
            result.status == 0,
            """
            producing \(count) records failed (status \(result.status)):
            \(result.output.suffix(3000))
            broker log:
            \(broker.log.suffix(3000))
            """)
    }

    /// Runs the verify mode: every acknowledged record at its offset.
    private func verify(_ broker: TerndProcess, topic: String, acksPath: String, minimum: Int) async throws {
        let result = try await runScript(
            "produce_until_killed.py",
            [
                "verify", "--bootstrap", broker.kafkaAddress, "--topic", topic, "--acks-file", acksPath,
                "--min-acks", "\(minimum)",
            ],
            timeoutSeconds: 300)
        let summary = result.output.split(separator: "\n").first { $0.hasPrefix("verify: ") && $0.contains("present") }
        print("RestartTests: \(summary ?? "verify printed no summary")")
        #expect(
            result.status == 0,
            """
            verify failed (status \(result.status)):
            \(result.output.suffix(4000))
            broker log:
            \(broker.log.suffix(3000))
            """)
    }

    /// Log lines at error/critical level, or that mention damage or corruption.
    private func expectNoDamage(in log: String, _ what: String) {
        let bad = log.split(separator: "\n").filter { line in
            let fields = line.split(separator: " ", maxSplits: 2)
            let level = fields.count > 1 ? fields[1] : ""
            let lower = line.lowercased()
            return level == "error" || level == "critical" || lower.contains("damage") || lower.contains("corrupt")
                || lower.contains("cannot be opened")
        }
        #expect(bad.isEmpty, "\(what) reports errors or damage:\n\(bad.prefix(20).joined(separator: "\n"))")
    }

    /// The "partition recovered with repairs" lines.
    private func repairLines(_ log: String) -> [String] {
        log.split(separator: "\n").filter { $0.contains("partition recovered with repairs") }.map(String.init)
    }
}
