import TernClient

/// `tern-bench produce`: the producers send for warm-up + duration seconds; throughput and
/// latency count only the acknowledgements that arrive after the warm-up.
public enum ProduceBench {
    public static func run(_ settings: ProduceSettings, context: RunContext) async throws(BenchError) -> ProduceResult {
        guard settings.durationSeconds > 0, settings.durationSeconds <= 3_600, settings.warmupSeconds >= 0,
            settings.warmupSeconds <= 600
        else {
            throw BenchError("--duration must be within 0...3600 s and --warmup within 0...600 s")
        }
        let client = try clientConfiguration(brokers: settings.target.brokers, clientID: "tern-bench-produce")
        _ = try await prepareTopic(settings.target, client: client)
        let clock = RunClock()
        let from = Int64(settings.warmupSeconds * 1_000_000)
        let to = from + Int64(settings.durationSeconds * 1_000_000)
        let recorder = AckRecorder(clock: clock, window: from..<to, keepAcks: false)
        let runner = try LoadRunner(target: settings.target, load: settings.load, recorder: recorder, run: UInt64.random(in: 1...UInt64.max))
        await runner.start(deadline: to).value
        return recorder.read { state in
            var timeline = state.timeline
            timeline.extend(toMicros: clock.micros)
            return ProduceResult(
                context: context, settings: settings, measuredSeconds: settings.durationSeconds, acked: state.ackedInWindow,
                ackedTotal: state.ackedTotal, failed: state.failed,
                recordsPerSecond: Double(state.ackedInWindow) / settings.durationSeconds,
                megabytesPerSecond: Double(state.bytesInWindow) / settings.durationSeconds / 1_000_000,
                latency: state.histogram.summary, timeline: timeline.series, firstError: state.firstError)
        }
    }
}
