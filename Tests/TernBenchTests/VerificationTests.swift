import NIOCore
import Testing

@testable import TernBenchKit

@Suite("Verification: what the producers were told against what the logs hold")
struct VerificationTests {
    private func id(_ producer: UInt32, _ sequence: UInt64) -> RecordID { RecordID(producer: producer, sequence: sequence) }

    @Test("every acknowledged record read back once, in order, at its offset: passed")
    func clean() {
        let acked = Dictionary(uniqueKeysWithValues: (0..<5).map { (id(0, UInt64($0)), Acknowledgement(partition: 0, offset: Int64($0))) })
        let records = (0..<5).map { ReadBackRecord(partition: 0, offset: Int64($0), id: id(0, UInt64($0))) }
        let result = Verification(acknowledged: acked, records: records)
        #expect(result.passed && result.problems.isEmpty)
        #expect(result.acked == 5 && result.readBack == 5 && result.uniqueReadBack == 5 && result.lost == 0)
    }

    @Test("a missing acknowledged record is lost and named")
    func lost() {
        let acked = Dictionary(uniqueKeysWithValues: (0..<4).map { (id(0, UInt64($0)), Acknowledgement(partition: 0, offset: Int64($0))) })
        let records = [0, 1, 3].map { ReadBackRecord(partition: 0, offset: Int64($0), id: id(0, UInt64($0))) }
        let result = Verification(acknowledged: acked, records: records)
        #expect(!result.passed)
        #expect(result.lost == 1 && result.lostExamples == [id(0, 2)])
        #expect(result.problems.count == 1 && result.problems[0].contains("producer 0 #2"))
    }

    @Test("a second copy counts as duplicated, not out of order")
    func duplicate() {
        let acked = [id(0, 0): Acknowledgement(partition: 0, offset: 0), id(0, 1): Acknowledgement(partition: 0, offset: 1)]
        let records = [
            ReadBackRecord(partition: 0, offset: 0, id: id(0, 0)), ReadBackRecord(partition: 0, offset: 1, id: id(0, 1)),
            ReadBackRecord(partition: 0, offset: 2, id: id(0, 1)),
        ]
        let result = Verification(acknowledged: acked, records: records)
        #expect(result.duplicated == 1 && result.outOfOrder == 0 && result.uniqueReadBack == 2 && result.readBack == 3)
        #expect(!result.passed)
    }

    @Test("a record stored after one its producer sent later is out of order; other producers and partitions do not count")
    func outOfOrder() {
        let records = [
            ReadBackRecord(partition: 0, offset: 0, id: id(0, 1)), ReadBackRecord(partition: 0, offset: 1, id: id(1, 0)),
            ReadBackRecord(partition: 0, offset: 2, id: id(0, 0)), ReadBackRecord(partition: 1, offset: 0, id: id(0, 2)),
        ]
        let acked = Dictionary(uniqueKeysWithValues: records.map { ($0.id, Acknowledgement(partition: $0.partition, offset: -1)) })
        let result = Verification(acknowledged: acked, records: records)
        #expect(result.outOfOrder == 1)
        #expect(result.offsetMismatches == 0, "offset -1 (acks=0) is never compared")
    }

    @Test("stored but unacknowledged records are allowed; an acknowledgement at another offset is a mismatch")
    func unacknowledgedAndMismatch() {
        let acked = [id(0, 0): Acknowledgement(partition: 0, offset: 5)]
        let records = [ReadBackRecord(partition: 0, offset: 0, id: id(0, 0)), ReadBackRecord(partition: 0, offset: 1, id: id(0, 1))]
        let result = Verification(acknowledged: acked, records: records)
        #expect(result.unacknowledgedStored == 1 && result.offsetMismatches == 1 && result.lost == 0)
        #expect(result.readBack == result.acked - result.lost + result.unacknowledgedStored + result.duplicated)
    }
}

@Suite("BenchPayload and Timeline")
struct PayloadTimelineTests {
    @Test("a payload survives encoding at every size from its header up; other values are not payloads")
    func payloadRoundTrip() throws {
        let payload = BenchPayload(run: 0xDEAD_BEEF_0102_0304, producer: 7, sequence: 123_456_789, sentAtMicros: 1_796_000_000_000_000)
        for size in [BenchPayload.headerBytes, 100, 1024] {
            let value = payload.encoded(size: size)
            #expect(value.readableBytes == size)
            #expect(BenchPayload(decoding: value) == payload)
        }
        let padding = BenchPayload.randomPadding(count: 50)
        let padded = payload.encoded(size: 200, padding: padding, paddingStart: 45)
        #expect(padded.readableBytes == 200 && BenchPayload(decoding: padded) == payload)
        #expect(Array(padded.readableBytesView.dropFirst(BenchPayload.headerBytes).prefix(10)) == Array(padding[45...] + padding[..<5]))
        #expect(BenchPayload(decoding: ByteBuffer(string: "hello, this is a record from another tool")) == nil)
        #expect(BenchPayload(decoding: ByteBuffer(bytes: [0x54, 0x42])) == nil)
    }

    @Test("the timeline puts acknowledgements in 100 ms buckets with their max and mean latency")
    func timelineBuckets() {
        var timeline = Timeline()
        timeline.ack(atMicros: 50_000, latencyMicros: 2_000)
        timeline.ack(atMicros: 99_999, latencyMicros: 4_000)
        timeline.ack(atMicros: 250_000, latencyMicros: 10_000)
        timeline.failure(atMicros: 260_000)
        timeline.extend(toMicros: 450_000)
        let series = timeline.series
        #expect(series.acked == [2, 0, 1, 0, 0])
        #expect(series.failed == [0, 0, 1, 0, 0])
        #expect(series.latencyMaxMs == [4, 0, 10, 0, 0])
        #expect(series.latencyMeanMs == [3, 0, 10, 0, 0])
    }

    @Test("the latency histogram gives percentiles in milliseconds")
    func histogram() {
        var histogram = LatencyHistogram()
        for micros in 1...1_000 { histogram.record(micros: Int64(micros * 1_000)) }
        let summary = histogram.summary
        #expect(summary.count == 1_000)
        #expect(abs(summary.p50Ms - 500) < 1 && abs(summary.p99Ms - 990) < 2 && abs(summary.maxMs - 1_000) < 2)
    }

    @Test("load settings name their problem")
    func settingsProblems() {
        #expect(LoadSettings().problem == nil)
        #expect(LoadSettings(recordBytes: 10).problem?.contains("--record-bytes") == true)
        #expect(LoadSettings(acks: "1").problem?.contains("idempotence") == true)
        #expect(LoadSettings(acks: "1", idempotence: false).problem == nil)
        #expect(LoadSettings(compression: "gzip").problem?.contains("--compression") == true)
    }
}
