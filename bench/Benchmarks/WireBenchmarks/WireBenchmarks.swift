// Throughput of the RecordBatch data path: CRC-32C (hardware and portable), LZ4 frame
// compress/decompress of 1 KiB JSON-like records, and batch encode/decode.
//
// Every benchmark processes a fixed number of bytes per iteration (in its name), so
// bytes/s = throughput (iterations/s) × that size. The LZ4 input is also written to
// `$TMPDIR/tern-wire-bench-records-1MiB.json` so `lz4 -b1` can be run on exactly the same bytes
// (bench/README or the module README gives the comparison).
import Benchmark
import Foundation
import NIOCore
import TernModel
import TernWire

/// Deterministic JSON-like records of exactly 1 KiB: realistic field names and repetition, with
/// a linear congruential generator supplying the varying parts.
func jsonLikeRecords(count: Int) -> [[UInt8]] {
    var state: UInt64 = 0x5EED
    func next(_ bound: UInt64) -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (state >> 33) % bound
    }
    let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    return (0..<count).map { index in
        var text = "{\"id\":\(index),\"user\":\"user-\(next(5000))\",\"event\":\"page_view\","
        text += "\"ts\":\(1_700_000_000_000 + Int(next(86_400_000))),\"items\":["
        while text.utf8.count < 1022 {
            text += "{\"sku\":\"SKU-\(next(100_000))\",\"qty\":\(next(9) + 1),\"tag\":\"\(words[Int(next(10))])\"},"
        }
        var bytes = Array(text.utf8.prefix(1022))
        bytes += Array("]}".utf8)
        return bytes
    }
}

let records1K = jsonLikeRecords(count: 1024)
let region1MiB = ByteBuffer(bytes: records1K.joined())
let region16KiB = ByteBuffer(bytes: records1K.prefix(16).joined())

/// Writes the 1 MiB LZ4 input for `lz4 -b1` comparisons.
func dumpLZ4Input() {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tern-wire-bench-records-1MiB.json")
    try? Data(region1MiB.readableBytesView).write(to: url)
}

func batch(compression: CompressionCodec) -> RecordBatch {
    let records = records1K.enumerated().map { index, bytes in
        Record(timestampDelta: Int64(index), offsetDelta: Int32(index), key: nil, value: ByteBuffer(bytes: bytes))
    }
    return RecordBatch(compression: compression, baseTimestamp: TimestampMs(1_700_000_000_000), records: records)
}

let benchmarks: @Sendable () -> Void = {
    dumpLZ4Input()
    Benchmark.defaultConfiguration = Benchmark.Configuration(
        metrics: [.throughput, .wallClock], warmupIterations: 3, maxDuration: .seconds(2), maxIterations: 100_000)

    for size in [64 * 1024, 1024 * 1024] {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        Benchmark("CRC32C hardware \(size / 1024) KiB") { benchmark in
            bytes.withUnsafeBytes { raw in
                for _ in benchmark.scaledIterations { blackHole(CRC32C.hardwareChecksum(raw)) }
            }
        }
        Benchmark("CRC32C portable \(size / 1024) KiB") { benchmark in
            bytes.withUnsafeBytes { raw in
                for _ in benchmark.scaledIterations { blackHole(CRC32C.portableChecksum(raw)) }
            }
        }
    }

    for (label, region) in [("16 KiB", region16KiB), ("1 MiB", region1MiB)] {
        let frame = LZ4Frame.compress(region)
        Benchmark("LZ4 compress \(label) JSON records (ratio \(region.readableBytes * 100 / frame.readableBytes)%)") {
            benchmark in
            for _ in benchmark.scaledIterations { blackHole(LZ4Frame.compress(region)) }
        }
        Benchmark("LZ4 decompress \(label) JSON records") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try LZ4Frame.decompress(frame)) }
        }
    }

    for codec in [CompressionCodec.none, .lz4] {
        let value = batch(compression: codec)
        let encoded = value.encoded()
        Benchmark("Batch encode 1 MiB (1024 × 1 KiB records, \(codec))") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(value.encoded()) }
        }
        Benchmark("Batch decode 1 MiB (1024 × 1 KiB records, \(codec))") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try RecordBatch.decode(encoded)) }
        }
        Benchmark("Batch validate (produce) 1 MiB (\(codec))") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try RecordBatch.validate(encoded)) }
        }
    }
}
