/// Acknowledgements per time bucket, filled as they arrive. Bounded: times past
/// `bucketLimit` buckets land in the last one.
struct Timeline: Sendable {
    static let bucketMs = 100
    /// One hour of 100 ms buckets.
    static let bucketLimit = 36_000

    private var acked: [Int] = []
    private var failed: [Int] = []
    private var latencyMaxUs: [Int64] = []
    private var latencySumUs: [Int64] = []

    private mutating func bucket(atMicros micros: Int64) -> Int {
        let index = min(Int(max(0, micros) / Int64(Self.bucketMs * 1000)), Self.bucketLimit - 1)
        if index >= acked.count {
            let grow = index + 1 - acked.count
            acked.append(contentsOf: repeatElement(0, count: grow))
            failed.append(contentsOf: repeatElement(0, count: grow))
            latencyMaxUs.append(contentsOf: repeatElement(0, count: grow))
            latencySumUs.append(contentsOf: repeatElement(0, count: grow))
        }
        return index
    }

    mutating func ack(atMicros micros: Int64, latencyMicros: Int64) {
        let index = bucket(atMicros: micros)
        acked[index] += 1
        latencyMaxUs[index] = max(latencyMaxUs[index], latencyMicros)
        latencySumUs[index] += latencyMicros
    }

    mutating func failure(atMicros micros: Int64) {
        failed[bucket(atMicros: micros)] += 1
    }

    /// Makes sure the series reach `micros` (a quiet end still shows).
    mutating func extend(toMicros micros: Int64) {
        _ = bucket(atMicros: micros)
    }

    var series: TimelineSeries {
        TimelineSeries(
            bucketMs: Self.bucketMs, acked: acked, failed: failed,
            latencyMaxMs: latencyMaxUs.map { Double($0) / 1000 },
            latencyMeanMs: zip(latencySumUs, acked).map { sum, count in count == 0 ? 0 : Double(sum) / Double(count) / 1000 })
    }
}
