import ArgumentParser
import Foundation
import TernBenchKit

/// The cluster and topic every subcommand takes.
struct TargetOptions: ParsableArguments {
    @Option(help: "Bootstrap brokers, host:port,… (default: $TERN_BROKERS, else the local three-node cluster).")
    var brokers: String?
    @Option(help: "Topic (created when missing; default: a new one per run).") var topic: String?
    @Option(name: [.customShort("p"), .long], help: "Partitions of a created topic.") var partitions: Int32?
    @Option(name: [.customShort("r"), .long], help: "Replication factor of a created topic.") var replicas: Int16 = 3

    func settings(subcommand: String, defaultPartitions: Int32) throws -> TargetSettings {
        let brokers = brokers ?? ProcessInfo.processInfo.environment["TERN_BROKERS"] ?? "127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094"
        let partitions = partitions ?? defaultPartitions
        guard (1...10_000).contains(partitions) else { throw ValidationError("--partitions must be within 1...10000, not \(partitions)") }
        guard (1...16).contains(replicas) else { throw ValidationError("--replicas must be within 1...16, not \(replicas)") }
        let topic = topic ?? "tern-bench-\(subcommand)-\(Int(Date().timeIntervalSince1970))-\(Int.random(in: 1000...9999))"
        return TargetSettings(brokers: brokers, topic: topic, partitions: partitions, replicationFactor: replicas)
    }
}

/// The producers' settings (librdkafka's names where they exist).
struct LoadOptions: ParsableArguments {
    @Option(help: "Bytes of each record's value (at least 32).") var recordBytes: Int = 100
    @Option(help: "Distinct keys, uniformly at random (0: no keys, sticky partitioning).") var keys: Int = 0
    @Option(help: "acks: all, 1 or 0.") var acks: String = "all"
    @Flag(inversion: .prefixedNo, help: "Idempotent producers (default: on with --acks all).") var idempotence: Bool?
    @Option(name: [.customShort("z"), .long], help: "Compression: lz4 or none.") var compression: String = "lz4"
    @Option(help: "linger.ms.") var lingerMs: Int = 5
    @Option(help: "batch.size in bytes.") var batchBytes: Int = 1_000_000
    @Option(help: "Producers (each its own connections).") var producers: Int = 1
    @Option(help: "Records per second over all producers (default: as fast as they go).") var rate: Int?
    @Option(help: "delivery.timeout.ms.") var deliveryTimeoutMs: Int = 120_000
    @Option(help: "retry.backoff.ms (doubles per retry up to 1 s).") var retryBackoffMs: Int = 100

    func settings(defaultRate: Int? = nil) throws -> LoadSettings {
        let all = acks == "all" || acks == "-1"
        var load = LoadSettings(
            recordBytes: recordBytes, keys: keys, acks: acks, idempotence: idempotence ?? all, compression: compression,
            lingerMs: lingerMs, batchBytes: batchBytes, producers: producers, rate: rate ?? defaultRate,
            deliveryTimeoutMs: deliveryTimeoutMs)
        load.retryBackoffMs = retryBackoffMs
        if let problem = load.problem { throw ValidationError(problem) }
        return load
    }
}

/// Where results go, and whether a debug build may run.
struct OutputOptions: ParsableArguments {
    @Option(help: "Write the result as JSON to this file.") var json: String?
    @Option(help: "Write the HTML report to this file (produce and failover).") var html: String?
    @Flag(help: "Run although this is a debug build (its figures are marked as such; for tests).")
    var allowDebugBuild = false

    /// The build this binary is: figures from a debug build are not figures.
    static var build: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    /// - Parameter hasReport: whether the subcommand writes an HTML report (`--html`).
    func check(hasReport: Bool = true) throws {
        if html != nil && !hasReport { throw ValidationError("--html: this subcommand writes no HTML report (use --json)") }
        guard Self.build == "release" || allowDebugBuild else {
            throw ValidationError(
                "this tern-bench is a debug build; build it with `swift build -c release --product tern-bench` (or pass --allow-debug-build)")
        }
    }

    func context(subcommand: String) -> RunContext {
        RunContext(
            subcommand: subcommand, startedAt: isoTimestamp(), revision: gitRevision(in: Self.sourceDirectory), build: Self.build,
            machine: .current, command: CommandLine.arguments)
    }

    /// The checkout this binary was built from (for the revision).
    static var sourceDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
    }

    func write(_ result: some Encodable, html page: () -> String = { "" }) throws {
        if let json { try BenchJSON.write(result, to: json) }
        if let html {
            let url = URL(fileURLWithPath: html)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(page().utf8).write(to: url, options: .atomic)
        }
    }
}

/// Progress lines on standard error (standard output holds the summary).
let progress: @Sendable (String) -> Void = { line in
    FileHandle.standardError.write(Data("tern-bench: \(line)\n".utf8))
}

/// Runs `body`, turning a benchmark error into a one-line message and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as BenchError {
        FileHandle.standardError.write(Data("tern-bench: \(error.description)\n".utf8))
        throw ExitCode(1)
    }
}

func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

func describe(_ latency: LatencySummary) -> String {
    "p50 \(format(latency.p50Ms, 2)) ms, p99 \(format(latency.p99Ms, 2)) ms, p99.9 \(format(latency.p999Ms, 2)) ms, max \(format(latency.maxMs, 2)) ms"
}
