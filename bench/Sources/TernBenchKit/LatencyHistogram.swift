import Histogram

/// Latencies in microseconds, up to an hour, three significant digits (HdrHistogram).
struct LatencyHistogram: Sendable {
    static let highestMicros: UInt64 = 3_600_000_000
    private var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: LatencyHistogram.highestMicros, numberOfSignificantValueDigits: .three)

    mutating func record(micros: Int64) {
        let value = UInt64(clamping: max(1, micros))
        _ = histogram.record(min(value, Self.highestMicros))
    }

    var count: UInt64 { histogram.totalCount }

    var summary: LatencySummary {
        guard histogram.totalCount > 0 else { return .empty }
        func ms(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        return LatencySummary(
            count: histogram.totalCount, p50Ms: ms(histogram.valueAtPercentile(50)), p99Ms: ms(histogram.valueAtPercentile(99)),
            p999Ms: ms(histogram.valueAtPercentile(99.9)), maxMs: ms(histogram.max), meanMs: histogram.mean / 1000)
    }
}
