// Append throughput of TernLog's segmented log on the real file system, under each fsync
// policy, against the disk's sequential write rate (measure that with
// `dd if=/dev/zero of=/tmp/x bs=1M count=1024 oflag=direct` and `... conv=fdatasync`).
//
// Each benchmark run opens a fresh log in a temporary directory (not timed), appends a fixed
// number of bytes (in its name) as batches of the named size, makes them durable, and removes
// the directory. So MB/s = bytes in the name / wall-clock time of one run.
//   - `always`: every append returns after its own fdatasync (acks=all without group commit);
//   - `always, group of 16`: `append(contentsOf:)` shares one fdatasync per 16 batches;
//   - `interval`: fdatasync once 16 MiB are unsynced or 1 s passed (the relaxed policy).
import Benchmark
import Foundation
import NIOCore
import TernLog
import TernModel
import TernWire

/// A valid batch of `size` bytes (opaque records region, correct CRC), to be re-stamped with
/// each append's base offset (the CRC does not cover it).
func makeBatch(size: Int) -> ByteBuffer {
    let payload = size - RecordBatchHeader.size
    var header = RecordBatchHeader(
        baseOffset: 0, batchLength: Int32(size - 12), partitionLeaderEpoch: 1, lastOffsetDelta: 0,
        baseTimestamp: 1_700_000_000_000, maxTimestamp: 1_700_000_000_000, recordCount: 1)
    var buffer = ByteBufferAllocator().buffer(capacity: size)
    header.write(to: &buffer)
    var state: UInt64 = 0x5EED
    for _ in 0..<payload {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        buffer.writeInteger(UInt8(truncatingIfNeeded: state >> 33))
    }
    header.crc = RecordBatchHeader.computeCRC(of: buffer)
    buffer.setInteger(header.crc, at: 17, endianness: .big)
    return buffer
}

/// Milliseconds on a monotonic clock: the caller's clock the log is driven by.
func nowMs() -> TimestampMs {
    TimestampMs(Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000))
}

struct Scenario {
    var name: String
    var batchBytes: Int
    var totalBytes: Int
    var policy: FsyncPolicy
    var group: Int
}

let mebibyte = 1024 * 1024
let scenarios = [
    Scenario(name: "always, 16 KiB batches, 8 MiB", batchBytes: 16 * 1024, totalBytes: 8 * mebibyte, policy: .always, group: 1),
    Scenario(name: "always, group of 16, 16 KiB batches, 32 MiB", batchBytes: 16 * 1024, totalBytes: 32 * mebibyte, policy: .always, group: 16),
    Scenario(name: "always, 1 MiB batches, 64 MiB", batchBytes: mebibyte, totalBytes: 64 * mebibyte, policy: .always, group: 1),
    Scenario(name: "interval, 16 KiB batches, 256 MiB", batchBytes: 16 * 1024, totalBytes: 256 * mebibyte,
             policy: .interval(milliseconds: 1_000, bytes: 16 * mebibyte), group: 1),
    Scenario(name: "interval, 1 MiB batches, 256 MiB", batchBytes: mebibyte, totalBytes: 256 * mebibyte,
             policy: .interval(milliseconds: 1_000, bytes: 16 * mebibyte), group: 1),
]

/// Appends `scenario.totalBytes` to a fresh log and syncs; only the appends are timed.
func run(_ scenario: Scenario, _ benchmark: Benchmark) throws {
    let directory = "/tmp/tern-log-bench-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let configuration = LogConfiguration(fsyncPolicy: scenario.policy)
    let log = try SegmentedLog.open(directory: directory, fileSystem: PosixFileSystem(), configuration: configuration, now: nowMs())
    var batches = (0..<scenario.group).map { _ in makeBatch(size: scenario.batchBytes) }
    let rounds = scenario.totalBytes / (scenario.batchBytes * scenario.group)
    benchmark.startMeasurement()
    for _ in 0..<rounds {
        for index in batches.indices {
            batches[index].setInteger(log.logEndOffset.rawValue + Int64(index), at: 0, endianness: .big)
        }
        if scenario.group == 1 {
            try log.append(batches[0], now: nowMs())
        } else {
            try log.append(contentsOf: batches, now: nowMs())
        }
    }
    try log.sync()
    benchmark.stopMeasurement()
    precondition(log.sizeInBytes == rounds * scenario.group * scenario.batchBytes, "every byte appended")
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], warmupIterations: 1, scalingFactor: .one,
        maxDuration: .seconds(8), maxIterations: 5)
    for scenario in scenarios {
        Benchmark("log append, fsync \(scenario.name)") { benchmark in
            try run(scenario, benchmark)
        }
    }
}
