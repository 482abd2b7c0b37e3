import TernClient
import TernModel

/// `tern-bench failover`: steady sends, the leader of partition 0 killed `kills` times (each
/// time once the replicas are back in sync and the load has settled), then everything read
/// back and compared with what the producers were told.
public enum FailoverBench {
    /// How often the run looks at the recorder while it waits for the recovery.
    static let pollInterval: Duration = .milliseconds(10)

    public static func run(
        _ settings: FailoverSettings, context: RunContext, progress: @Sendable (String) -> Void
    ) async throws(BenchError) -> FailoverResult {
        guard (1...1_000).contains(settings.kills) else { throw BenchError("--kills must be within 1...1000, not \(settings.kills)") }
        guard settings.settleSeconds >= 0, settings.settleSeconds <= 600 else {
            throw BenchError("--settle must be within 0...600 s, not \(settings.settleSeconds)")
        }
        guard settings.recoveryTimeoutSeconds >= 1, settings.recoveryTimeoutSeconds <= 3_600 else {
            throw BenchError("--recovery-timeout must be within 1...3600 s, not \(settings.recoveryTimeoutSeconds)")
        }
        let client = try clientConfiguration(brokers: settings.target.brokers, clientID: "tern-bench-failover")
        let partitions = try await prepareTopic(settings.target, client: client)
        let watcher = KafkaCluster(configuration: client, logger: benchLogger("tern-bench.metadata"))
        let recovery = Duration.milliseconds(Int64(settings.recoveryTimeoutSeconds * 1000))
        guard await waitHealthy(settings.target.topic, cluster: watcher, within: recovery) else {
            await watcher.close()
            throw BenchError("topic \(settings.target.topic) has partitions without a leader or with replicas out of sync")
        }
        let clock = RunClock()
        let recorder = AckRecorder(clock: clock, window: 0..<Int64.max, keepAcks: true)
        let run = UInt64.random(in: 1...UInt64.max)
        let runner = try LoadRunner(target: settings.target, load: settings.load, recorder: recorder, run: run)
        let sending = runner.start()
        var plans: [KillPlan] = []
        var failure: BenchError?
        do throws(BenchError) {
            await settle(settings.settleSeconds)
            for number in 1...settings.kills {
                let plan = try await killOnce(number: number, settings: settings, clock: clock, recorder: recorder, watcher: watcher)
                plans.append(plan)
                progress(plan.summary(number: number, of: settings.kills, recorder: recorder))
                await settle(settings.settleSeconds)
            }
        } catch {
            failure = error
        }
        runner.stop()
        await sending.value
        await watcher.close()
        if let failure { throw failure }
        progress("read back: \(recorder.read { $0.ackedTotal }) acknowledged records to check")
        let acknowledgedEnds = recorder.read { state in
            state.acks.values.reduce(into: [Int32: Int64]()) { ends, ack in
                ends[ack.partition] = max(ends[ack.partition, default: 0], ack.offset + 1)
            }
        }
        let records = try await ReadBack(
            brokers: settings.target.brokers, topic: settings.target.topic, partitions: partitions, run: run,
            acknowledgedEnds: acknowledgedEnds
        ).records()
        return recorder.read { state in
            let verification = Verification(acknowledged: state.acks, records: records)
            let events = state.events.sorted { $0.ackedAt < $1.ackedAt }
            var timeline = state.timeline
            timeline.extend(toMicros: clock.micros)
            var problems = verification.problems
            if state.overflowed { problems.append("more than \(AckRecorder.keptAcksMax) acknowledgements: the rest were not checked") }
            let kills = plans.map { $0.event(events: events) }
            for (number, kill) in kills.enumerated() where kill.unavailableMs == nil {
                problems.append("kill \(number + 1) (node \(kill.node)): no acknowledgement came back within the recovery timeout")
            }
            return FailoverResult(
                context: context, settings: settings, kills: kills, acked: verification.acked, lost: verification.lost,
                duplicated: verification.duplicated, outOfOrder: verification.outOfOrder, readBack: verification.readBack,
                uniqueReadBack: verification.uniqueReadBack, unacknowledgedStored: verification.unacknowledgedStored,
                offsetMismatches: verification.offsetMismatches, failed: state.failed, sent: state.sent,
                latency: state.histogram.summary, timeline: timeline.series, passed: problems.isEmpty, problems: problems,
                firstError: state.firstError)
        }
    }

    /// One kill: find the leader, kill it, wait for an acknowledgement after it, restart it,
    /// wait until its replicas are in sync.
    private static func killOnce(
        number: Int, settings: FailoverSettings, clock: RunClock, recorder: AckRecorder, watcher: KafkaCluster
    ) async throws(BenchError) -> KillPlan {
        let topic = settings.target.topic
        guard let states = await partitionStates(topic, cluster: watcher), let leader = states.first?.leader else {
            throw BenchError("kill \(number): partition 0 of \(topic) has no leader to kill")
        }
        let affected = states.filter { $0.leader == leader }.map(\.partition)
        let commandStart = clock.micros
        try await ShellCommand(template: settings.killCommand).run(node: leader.rawValue)
        // The node is gone once the command returns (`cluster.sh kill` waits for it): until
        // then the old leader may still acknowledge.
        var plan = KillPlan(node: leader.rawValue, partitions: affected, killAt: clock.micros)
        plan.killCommandMicros = plan.killAt - commandStart
        let recovery = Duration.milliseconds(Int64(settings.recoveryTimeoutSeconds * 1000))
        let deadline = ContinuousClock.now.advanced(by: recovery)
        let affectedSet = Set(affected)
        let killAt = plan.killAt
        // Polls the recorder (bounded by the deadline); the acknowledgement's own time is what counts.
        while ContinuousClock.now < deadline {
            let recovered = recorder.events(since: killAt).contains { $0.sentAt >= killAt && affectedSet.contains($0.partition) }
            if recovered { break }
            try? await Task.sleep(for: pollInterval)
        }
        plan.newLeader = await partitionStates(topic, cluster: watcher)?.first?.leader?.rawValue
        if let restart = settings.restartCommand {
            try await ShellCommand(template: restart).run(node: leader.rawValue)
            plan.restartedAt = clock.micros
            if await waitHealthy(topic, cluster: watcher, within: recovery) {
                plan.inSyncAt = clock.micros
            } else {
                throw BenchError("kill \(number): the replicas of \(topic) were not in sync within \(recovery) of the restart of node \(leader)")
            }
        }
        return plan
    }

    /// Waits until every partition of `topic` has a leader and all its replicas in sync.
    static func waitHealthy(_ topic: String, cluster: KafkaCluster, within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        // Bounded by the deadline.
        while ContinuousClock.now < deadline {
            if let states = await partitionStates(topic, cluster: cluster), !states.isEmpty, states.allSatisfy(\.healthy) {
                return true
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Steady load for `seconds` (the benchmark's own pacing, not a synchronisation).
    private static func settle(_ seconds: Double) async {
        guard seconds > 0 else { return }
        try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
    }
}

/// What the run did for one kill; the figures come from the acknowledgements afterwards.
struct KillPlan: Sendable {
    var node: Int32
    var partitions: [Int32]
    /// When the kill command returned: the node is dead from here on.
    var killAt: Int64
    var killCommandMicros: Int64 = 0
    var newLeader: Int32?
    var restartedAt: Int64?
    var inSyncAt: Int64?

    /// The kill's figures from `events` (sorted by acknowledgement time).
    func event(events: [AckEvent]) -> KillEvent {
        let affected = Set(partitions)
        let start = firstIndex(events) { $0.ackedAt >= killAt }
        let lastBefore = events[..<start].last { affected.contains($0.partition) }
        let firstAfter = events[start...].first { affected.contains($0.partition) }
        let firstNew = events[start...].first { affected.contains($0.partition) && $0.sentAt >= killAt }
        let recovered = firstNew?.ackedAt
        let windowEnd = (recovered ?? killAt) + 1_000_000
        var slowest: Int64 = 0
        for event in events[start...] {
            guard event.ackedAt <= windowEnd else { break }
            slowest = max(slowest, event.ackedAt - event.sentAt)
        }
        func ms(_ micros: Int64) -> Double { Double(micros) / 1000 }
        return KillEvent(
            node: node, partitions: partitions, killAtMs: ms(killAt), unavailableMs: recovered.map { ms($0 - killAt) },
            gapMs: lastBefore.flatMap { before in firstAfter.map { ms($0.ackedAt - before.ackedAt) } },
            maxAckLatencyMs: ms(slowest), recoveredAtMs: recovered.map(ms), newLeader: newLeader,
            killCommandMs: ms(killCommandMicros), restartedAtMs: restartedAt.map(ms), inSyncAtMs: inSyncAt.map(ms))
    }

    /// A progress line once the kill is over.
    func summary(number: Int, of total: Int, recorder: AckRecorder) -> String {
        let figures = event(events: recorder.events(since: killAt))
        let unavailable = figures.unavailableMs.map { "\(Int($0.rounded())) ms" } ?? "no acknowledgement"
        return "kill \(number)/\(total): node \(node) (partitions \(partitions.map(String.init).joined(separator: ","))), "
            + "unavailable \(unavailable), new leader \(newLeader.map(String.init) ?? "?")"
    }

    /// The first index whose element satisfies `isAfter` (the elements are sorted for it).
    private func firstIndex(_ events: [AckEvent], where isAfter: (AckEvent) -> Bool) -> Int {
        var low = 0
        var high = events.count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(events[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
