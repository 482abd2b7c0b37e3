import Foundation
import NIOCore
import TernClient

/// `tern-bench consume`. Throughput: `records` records are written first (not measured), then
/// one consumer reads every partition from the beginning to the end. End to end (`load.rate`
/// set): a consumer waits at the end of every partition while the producers send at that rate
/// for `durationSeconds`; latency runs from a record's due send time (in its value) to the
/// consumer holding it, warm-up excluded.
public enum ConsumeBench {
    public static func run(
        _ settings: ConsumeSettings, context: RunContext, progress: @Sendable (String) -> Void
    ) async throws(BenchError) -> ConsumeResult {
        guard settings.records >= 1, settings.records <= 100_000_000 else {
            throw BenchError("--records must be within 1...100000000, not \(settings.records)")
        }
        guard settings.durationSeconds > 0, settings.durationSeconds <= 3_600, settings.warmupSeconds >= 0,
            settings.warmupSeconds < settings.durationSeconds
        else {
            throw BenchError("--duration must be within 0...3600 s and --warmup below it")
        }
        let client = try clientConfiguration(brokers: settings.target.brokers, clientID: "tern-bench-consume")
        let partitions = try await prepareTopic(settings.target, client: client)
        let run = UInt64.random(in: 1...UInt64.max)
        let reader = try PartitionReader(client: client, topic: settings.target.topic, partitions: partitions, label: "tern-bench.consumer")
        do throws(BenchError) {
            let result =
                settings.load.rate == nil
                ? try await throughput(settings, context: context, reader: reader, run: run, progress: progress)
                : try await endToEnd(settings, context: context, reader: reader, run: run)
            await reader.close()
            return result
        } catch {
            await reader.close()
            throw error
        }
    }

    private static func throughput(
        _ settings: ConsumeSettings, context: RunContext, reader: PartitionReader, run: UInt64, progress: @Sendable (String) -> Void
    ) async throws(BenchError) -> ConsumeResult {
        let clock = RunClock()
        let recorder = AckRecorder(clock: clock, window: 0..<Int64.max, keepAcks: false)
        let runner = try LoadRunner(target: settings.target, load: settings.load, recorder: recorder, run: run)
        let perProducer = (settings.records + settings.load.producers - 1) / settings.load.producers
        await runner.start(limit: UInt64(perProducer)).value
        let (produced, failed) = recorder.read { ($0.ackedTotal, $0.failed) }
        guard failed == 0 else { throw BenchError("filling \(settings.target.topic): \(failed) records were not stored") }
        progress("filled \(settings.target.topic) with \(produced) records; reading them back")
        try await reader.start(at: .beginning)
        let started = ContinuousClock.now
        var consumed = 0
        var bytes = 0
        let deadline = started.advanced(by: .seconds(600))
        // Bounded by the deadline.
        while consumed < produced {
            guard ContinuousClock.now < deadline else {
                throw BenchError("read \(consumed) of \(produced) records of \(settings.target.topic) within 600 s")
            }
            for record in try await reader.poll() {
                guard let value = record.value, let payload = BenchPayload(decoding: value), payload.run == run else { continue }
                consumed += 1
                bytes += value.readableBytes + (record.key?.readableBytes ?? 0)
            }
        }
        let seconds = Double(RunClock.micros(ContinuousClock.now - started)) / 1_000_000
        return ConsumeResult(
            context: context, settings: settings, mode: "throughput", consumed: consumed, measuredSeconds: seconds,
            recordsPerSecond: Double(consumed) / seconds, megabytesPerSecond: Double(bytes) / seconds / 1_000_000,
            endToEndLatency: nil, produced: produced)
    }

    private static func endToEnd(
        _ settings: ConsumeSettings, context: RunContext, reader: PartitionReader, run: UInt64
    ) async throws(BenchError) -> ConsumeResult {
        try await reader.start(at: .end)
        let clock = RunClock()
        let duration = Int64(settings.durationSeconds * 1_000_000)
        let warmup = Int64(settings.warmupSeconds * 1_000_000)
        let recorder = AckRecorder(clock: clock, window: 0..<Int64.max, keepAcks: false)
        let runner = try LoadRunner(target: settings.target, load: settings.load, recorder: recorder, run: run)
        let sending = runner.start(deadline: duration)
        let startWall = runner.wallStartMicros
        var histogram = LatencyHistogram()
        var consumed = 0
        var measured = 0
        var bytes = 0
        var quietSince: ContinuousClock.Instant?
        // Bounded: ends 10 s after the producers stopped and nothing new arrived.
        while true {
            let records = try await reader.poll()
            let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
            for record in records {
                guard let value = record.value, let payload = BenchPayload(decoding: value), payload.run == run else { continue }
                consumed += 1
                guard payload.sentAtMicros - startWall >= warmup else { continue }
                measured += 1
                bytes += value.readableBytes + (record.key?.readableBytes ?? 0)
                histogram.record(micros: now - payload.sentAtMicros)
            }
            guard clock.micros >= duration else { continue }
            let acked = recorder.read { $0.ackedTotal }
            if consumed >= acked && recorder.outstanding == 0 { break }
            if records.isEmpty {
                let since = quietSince ?? .now
                quietSince = since
                if ContinuousClock.now - since > .seconds(10) { break }
            } else {
                quietSince = nil
            }
        }
        await sending.value
        let produced = recorder.read { $0.ackedTotal }
        let seconds = Double(duration - warmup) / 1_000_000
        return ConsumeResult(
            context: context, settings: settings, mode: "end-to-end", consumed: consumed, measuredSeconds: seconds,
            recordsPerSecond: Double(measured) / seconds, megabytesPerSecond: Double(bytes) / seconds / 1_000_000,
            endToEndLatency: histogram.summary, produced: produced)
    }
}
