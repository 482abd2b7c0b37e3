/// Where to run: the cluster and the topic (created when missing).
public struct TargetSettings: Codable, Sendable, Equatable {
    /// host:port,host:port,…
    public var brokers: String
    public var topic: String
    public var partitions: Int32
    public var replicationFactor: Int16

    public init(brokers: String, topic: String, partitions: Int32, replicationFactor: Int16) {
        self.brokers = brokers
        self.topic = topic
        self.partitions = partitions
        self.replicationFactor = replicationFactor
    }
}

/// How records are made and sent: the producer's settings, named as in librdkafka.
public struct LoadSettings: Codable, Sendable, Equatable {
    /// Bytes of each value (at least `BenchPayload.headerBytes`).
    public var recordBytes: Int
    /// Distinct keys, chosen uniformly at random; 0: no keys (sticky partitioning).
    public var keys: Int
    /// `all`, `1` or `0`.
    public var acks: String
    public var idempotence: Bool
    /// `lz4` or `none`.
    public var compression: String
    public var lingerMs: Int
    public var batchBytes: Int
    public var producers: Int
    /// Records per second over all producers; nil: as fast as the producers go.
    public var rate: Int?
    public var deliveryTimeoutMs: Int
    /// `retry.backoff.ms`: the first wait before a retry (it doubles up to one second).
    public var retryBackoffMs: Int = 100

    public init(
        recordBytes: Int = 100, keys: Int = 0, acks: String = "all", idempotence: Bool = true, compression: String = "lz4",
        lingerMs: Int = 5, batchBytes: Int = 1_000_000, producers: Int = 1, rate: Int? = nil, deliveryTimeoutMs: Int = 120_000
    ) {
        self.recordBytes = recordBytes
        self.keys = keys
        self.acks = acks
        self.idempotence = idempotence
        self.compression = compression
        self.lingerMs = lingerMs
        self.batchBytes = batchBytes
        self.producers = producers
        self.rate = rate
        self.deliveryTimeoutMs = deliveryTimeoutMs
    }

    /// Why these settings cannot run, nil when they can.
    public var problem: String? {
        if recordBytes < BenchPayload.headerBytes || recordBytes > 16_000_000 {
            return "--record-bytes must be within \(BenchPayload.headerBytes)...16000000 (a value carries a \(BenchPayload.headerBytes)-byte header), not \(recordBytes)"
        }
        if keys < 0 { return "--keys must be 0 (no keys) or more, not \(keys)" }
        if !["all", "-1", "1", "0"].contains(acks) { return "--acks must be all, 1 or 0, not '\(acks)'" }
        if idempotence && !(acks == "all" || acks == "-1") { return "idempotence needs --acks all (or pass --no-idempotence)" }
        if !["lz4", "none"].contains(compression) { return "--compression must be lz4 or none, not '\(compression)'" }
        if !(0...60_000).contains(lingerMs) { return "--linger-ms must be within 0...60000, not \(lingerMs)" }
        if !(1...16_777_216).contains(batchBytes) { return "--batch-bytes must be within 1...16777216, not \(batchBytes)" }
        if !(1...64).contains(producers) { return "--producers must be within 1...64, not \(producers)" }
        if let rate, !(1...10_000_000).contains(rate) { return "--rate must be within 1...10000000 records/s, not \(rate)" }
        if !(1...10_000).contains(retryBackoffMs) { return "--retry-backoff-ms must be within 1...10000, not \(retryBackoffMs)" }
        if deliveryTimeoutMs < 1_000 { return "--delivery-timeout-ms must be at least 1000, not \(deliveryTimeoutMs)" }
        return nil
    }
}

/// `tern-bench produce`.
public struct ProduceSettings: Codable, Sendable, Equatable {
    public var target: TargetSettings
    public var load: LoadSettings
    public var warmupSeconds: Double
    public var durationSeconds: Double

    public init(target: TargetSettings, load: LoadSettings, warmupSeconds: Double, durationSeconds: Double) {
        self.target = target
        self.load = load
        self.warmupSeconds = warmupSeconds
        self.durationSeconds = durationSeconds
    }
}

/// `tern-bench consume`.
public struct ConsumeSettings: Codable, Sendable, Equatable {
    public var target: TargetSettings
    /// Throughput mode: records written first (not measured), then read from the beginning.
    /// End-to-end mode (`load.rate` set): ignored.
    public var records: Int
    /// The producer that fills the topic (throughput) or paces the records (end to end).
    public var load: LoadSettings
    /// End-to-end mode: how long the paced producer runs, and the part of it not measured.
    public var durationSeconds: Double
    public var warmupSeconds: Double

    public init(target: TargetSettings, records: Int, load: LoadSettings, durationSeconds: Double, warmupSeconds: Double) {
        self.target = target
        self.records = records
        self.load = load
        self.durationSeconds = durationSeconds
        self.warmupSeconds = warmupSeconds
    }
}

/// `tern-bench failover`.
public struct FailoverSettings: Codable, Sendable, Equatable {
    public var target: TargetSettings
    public var load: LoadSettings
    public var kills: Int
    /// Run through `/bin/sh -c` with `{node}` replaced by the leader's node id.
    public var killCommand: String
    /// Run after the recovery was seen; nil: the killed node stays down (then at most
    /// replicationFactor / 2 kills can be survived).
    public var restartCommand: String?
    /// Steady sending before the first kill, and after the replicas are in sync again before
    /// the next one.
    public var settleSeconds: Double
    /// How long to wait for an acknowledgement after a kill, and for the replicas to be in
    /// sync after a restart, before the run gives up on that kill.
    public var recoveryTimeoutSeconds: Double

    public init(
        target: TargetSettings, load: LoadSettings, kills: Int, killCommand: String, restartCommand: String?, settleSeconds: Double,
        recoveryTimeoutSeconds: Double
    ) {
        self.target = target
        self.load = load
        self.kills = kills
        self.killCommand = killCommand
        self.restartCommand = restartCommand
        self.settleSeconds = settleSeconds
        self.recoveryTimeoutSeconds = recoveryTimeoutSeconds
    }
}
