public import Foundation

/// What every result file carries besides its figures: what ran, where, on which revision.
/// Encoded with snake_case keys (`BenchJSON`), so `started_at`, `machine.cores`, ….
public struct RunContext: Codable, Sendable, Equatable {
    /// `tern-bench`.
    public var tool = "tern-bench"
    /// `produce`, `consume` or `failover`.
    public var subcommand: String
    /// ISO 8601, UTC.
    public var startedAt: String
    /// `git rev-parse HEAD` of the checkout tern-bench ran from ("unknown" outside one), with
    /// `-dirty` when it had uncommitted changes.
    public var revision: String
    /// `release` or `debug`: figures from a debug build are not figures.
    public var build: String
    public var machine: MachineInfo
    /// The command line, as given.
    public var command: [String]

    public init(subcommand: String, startedAt: String, revision: String, build: String, machine: MachineInfo, command: [String]) {
        self.subcommand = subcommand
        self.startedAt = startedAt
        self.revision = revision
        self.build = build
        self.machine = machine
        self.command = command
    }
}

/// Percentiles of a latency distribution, in milliseconds (HdrHistogram, 3 significant digits).
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: UInt64
    public var p50Ms: Double
    public var p99Ms: Double
    public var p999Ms: Double
    public var maxMs: Double
    public var meanMs: Double

    public init(count: UInt64, p50Ms: Double, p99Ms: Double, p999Ms: Double, maxMs: Double, meanMs: Double) {
        self.count = count
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
        self.p999Ms = p999Ms
        self.maxMs = maxMs
        self.meanMs = meanMs
    }

    public static let empty = LatencySummary(count: 0, p50Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, meanMs: 0)
}

/// What happened in each 100 ms of a run: the acknowledgements that arrived in it and their
/// latencies. Index i covers [i × bucketMs, (i + 1) × bucketMs) from the run's start.
public struct TimelineSeries: Codable, Sendable, Equatable {
    public var bucketMs: Int
    public var acked: [Int]
    public var failed: [Int]
    /// The slowest acknowledgement that arrived in the bucket (0: none arrived).
    public var latencyMaxMs: [Double]
    /// Their mean (0: none arrived).
    public var latencyMeanMs: [Double]

    public init(bucketMs: Int, acked: [Int], failed: [Int], latencyMaxMs: [Double], latencyMeanMs: [Double]) {
        precondition(
            acked.count == failed.count && acked.count == latencyMaxMs.count && acked.count == latencyMeanMs.count,
            "every series has one value per bucket")
        self.bucketMs = bucketMs
        self.acked = acked
        self.failed = failed
        self.latencyMaxMs = latencyMaxMs
        self.latencyMeanMs = latencyMeanMs
    }
}

/// `tern-bench produce`: throughput after the warm-up and the acknowledgement latencies.
public struct ProduceResult: Codable, Sendable, Equatable {
    public var context: RunContext
    public var settings: ProduceSettings
    /// Seconds measured (the warm-up excluded).
    public var measuredSeconds: Double
    /// Acknowledged within the measured window.
    public var acked: Int
    /// Acknowledged in the whole run, warm-up included.
    public var ackedTotal: Int
    public var failed: Int
    public var recordsPerSecond: Double
    /// Values and keys, per second (MB = 10^6 bytes).
    public var megabytesPerSecond: Double
    public var latency: LatencySummary
    public var timeline: TimelineSeries
    /// First error a send reported, if any.
    public var firstError: String?
}

/// `tern-bench consume`: read throughput, or end-to-end latency at a fixed rate.
public struct ConsumeResult: Codable, Sendable, Equatable {
    public var context: RunContext
    public var settings: ConsumeSettings
    public var mode: String
    public var consumed: Int
    public var measuredSeconds: Double
    public var recordsPerSecond: Double
    public var megabytesPerSecond: Double
    /// Producer send time (in the value) to the consumer holding the record; only in
    /// `end-to-end` mode.
    public var endToEndLatency: LatencySummary?
    public var produced: Int
}

/// One kill of a partition leader and what the producer saw of it. Times are milliseconds
/// from the start of the run.
public struct KillEvent: Codable, Sendable, Equatable {
    /// The killed node (the leader of `partitions` at the kill).
    public var node: Int32
    /// Partitions that node led.
    public var partitions: [Int32]
    /// When the `--kill` command returned (the node is dead; `cluster.sh kill` waits for the
    /// process to be gone).
    public var killAtMs: Double
    /// Kill to the first acknowledgement, on one of `partitions`, of a record sent after the
    /// kill (only a new leader can give it). nil: none came before the recovery deadline.
    public var unavailableMs: Double?
    /// The last acknowledgement on `partitions` before the kill to the first one after it
    /// (any record): the hole in the acknowledgement stream.
    public var gapMs: Double?
    /// The slowest acknowledgement that arrived from the kill to one second after recovery.
    public var maxAckLatencyMs: Double
    /// When the first acknowledgement after the kill arrived (the recovery mark of the report).
    public var recoveredAtMs: Double?
    /// The new leader of the first of `partitions` once it answered.
    public var newLeader: Int32?
    /// How long the `--kill` command took to return.
    public var killCommandMs: Double
    /// When the `--restart` command returned (the node is back), and how long the replicas
    /// then took to be in sync again.
    public var restartedAtMs: Double?
    public var inSyncAtMs: Double?
}

/// `tern-bench failover`. The totals are top-level fields so a script reads them directly.
public struct FailoverResult: Codable, Sendable, Equatable {
    public var context: RunContext
    public var settings: FailoverSettings
    public var kills: [KillEvent]
    /// Sends reported stored.
    public var acked: Int
    /// Acknowledged but not read back.
    public var lost: Int
    /// Extra copies read back (a record read twice counts once here).
    public var duplicated: Int
    /// Records read back before a record the same producer sent earlier to the same partition.
    public var outOfOrder: Int
    /// Every record of this run read back, copies included.
    public var readBack: Int
    /// Distinct records of this run read back.
    public var uniqueReadBack: Int
    /// Read back though their send failed or was never answered (allowed: an unanswered
    /// send may have been stored).
    public var unacknowledgedStored: Int
    /// Acknowledged at one offset but read back at another.
    public var offsetMismatches: Int
    /// Sends that reported failure.
    public var failed: Int
    /// Sends made.
    public var sent: Int
    public var latency: LatencySummary
    public var timeline: TimelineSeries
    /// Whether nothing was lost, duplicated or reordered.
    public var passed: Bool
    /// What was wrong, one line each (empty when passed).
    public var problems: [String]
    public var firstError: String?
}

/// The JSON encoding every result file uses.
public enum BenchJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// Writes `value` to `path` (replacing it), creating the folder if needed.
    public static func write(_ value: some Encodable, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoder().encode(value).write(to: url, options: .atomic)
    }
}
