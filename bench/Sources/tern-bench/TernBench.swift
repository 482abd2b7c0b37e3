import ArgumentParser
import Foundation
import TernBenchKit

@main
struct TernBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-bench",
        abstract: "Throughput, latency and failover benchmarks against any Kafka-protocol cluster.",
        discussion: "Every subcommand prints a one-screen summary; --json writes the result with its settings, machine and revision.",
        subcommands: [ProduceCommand.self, ConsumeCommand.self, FailoverCommand.self])
}

struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce", abstract: "Records/s, MB/s and acknowledgement latency of producers.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var load: LoadOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Seconds measured.") var duration: Double = 10
    @Option(help: "Seconds of sending before the measurement starts.") var warmup: Double = 2

    func run() async throws {
        try output.check()
        let settings = ProduceSettings(
            target: try target.settings(subcommand: "produce", defaultPartitions: 6), load: try load.settings(),
            warmupSeconds: warmup, durationSeconds: duration)
        try await reportingErrors {
            let result = try await ProduceBench.run(settings, context: output.context(subcommand: "produce"))
            try output.write(result) { HTMLReport.render(result) }
            print(
                """
                produce \(settings.target.topic): \(settings.load.recordBytes) B records, acks=\(settings.load.acks), \
                \(settings.load.compression), \(settings.load.producers) producer(s), \(settings.target.partitions) partitions
                  \(format(result.recordsPerSecond, 0)) records/s, \(format(result.megabytesPerSecond, 2)) MB/s \
                over \(format(result.measuredSeconds)) s (\(result.acked) acknowledged, \(result.failed) failed)
                  latency: \(describe(result.latency))
                """)
            if let error = result.firstError { print("  first error: \(error)") }
        }
    }
}

struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Read throughput, or end-to-end latency at a fixed rate (--rate).",
        discussion: """
            Without --rate: writes --records records (not measured), then reads them from the beginning. \
            With --rate: producers send at that rate for --duration seconds while a consumer reads; latency runs from \
            each record's due send time to the consumer holding it (one machine, one clock).
            """)

    @OptionGroup var target: TargetOptions
    @OptionGroup var load: LoadOptions
    @OptionGroup var output: OutputOptions
    @Option(name: [.customShort("n"), .long], help: "Records to write and read (throughput mode).") var records: Int = 500_000
    @Option(help: "Seconds the paced producers run (end-to-end mode).") var duration: Double = 20
    @Option(help: "Seconds of them not measured.") var warmup: Double = 2

    func run() async throws {
        try output.check(hasReport: false)
        let settings = ConsumeSettings(
            target: try target.settings(subcommand: "consume", defaultPartitions: 6), records: records, load: try load.settings(),
            durationSeconds: duration, warmupSeconds: warmup)
        try await reportingErrors {
            let result = try await ConsumeBench.run(settings, context: output.context(subcommand: "consume"), progress: progress)
            try output.write(result)
            print(
                """
                consume \(settings.target.topic) (\(result.mode)): \(result.consumed) records in \(format(result.measuredSeconds, 2)) s
                  \(format(result.recordsPerSecond, 0)) records/s, \(format(result.megabytesPerSecond, 2)) MB/s
                """)
            if let latency = result.endToEndLatency { print("  end-to-end latency: \(describe(latency))") }
        }
    }
}

struct FailoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Kill the partition leader under steady load, N times; then read everything back and check it.",
        discussion: """
            --kill and --restart run through /bin/sh with {node} replaced by the leader's node id, for example \
            --kill 'deploy/local/cluster.sh kill {node}' --restart 'deploy/local/cluster.sh start {node}'. \
            Exits 1 when an acknowledged record was lost, duplicated or reordered.
            """)

    @OptionGroup var target: TargetOptions
    @OptionGroup var load: LoadOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Kills.") var kills: Int = 10
    @Option(help: "Command that kills node {node}.") var kill: String
    @Option(help: "Command that restarts node {node} (default: it stays down).") var restart: String?
    @Option(help: "Seconds of steady load before the first kill and after each recovery.") var settle: Double = 3
    @Option(help: "Seconds to wait for an acknowledgement after a kill, or for in-sync replicas after a restart.")
    var recoveryTimeout: Double = 60

    func run() async throws {
        try output.check()
        let settings = FailoverSettings(
            target: try target.settings(subcommand: "failover", defaultPartitions: 1), load: try load.settings(defaultRate: 2_000),
            kills: kills, killCommand: kill, restartCommand: restart, settleSeconds: settle, recoveryTimeoutSeconds: recoveryTimeout)
        var passed = true
        try await reportingErrors {
            let result = try await FailoverBench.run(settings, context: output.context(subcommand: "failover"), progress: progress)
            try output.write(result) { HTMLReport.render(result) }
            passed = result.passed
            print(summary(result))
        }
        if !passed { throw ExitCode(1) }
    }

    private func summary(_ result: FailoverResult) -> String {
        var lines = [
            "failover \(result.settings.target.topic): \(result.kills.count) kills under \(result.settings.load.rate.map(String.init) ?? "max") records/s, acks=\(result.settings.load.acks)",
            "  kill  node  unavailable ms  gap ms  max ack latency ms  new leader",
        ]
        for (index, kill) in result.kills.enumerated() {
            let unavailable = kill.unavailableMs.map { format($0) } ?? "-"
            let gap = kill.gapMs.map { format($0) } ?? "-"
            lines.append(
                "  \(String(index + 1).leftPadded(4))  \(String(kill.node).leftPadded(4))  \(unavailable.leftPadded(14))  "
                    + "\(gap.leftPadded(6))  \(format(kill.maxAckLatencyMs).leftPadded(18))  \(kill.newLeader.map(String.init) ?? "-")")
        }
        let unavailable = result.kills.compactMap(\.unavailableMs).sorted()
        if !unavailable.isEmpty {
            lines.append(
                "  unavailable: median \(format(unavailable[unavailable.count / 2])) ms, max \(format(unavailable.last ?? 0)) ms")
        }
        lines.append(
            "  acked \(result.acked), lost \(result.lost), duplicated \(result.duplicated), out of order \(result.outOfOrder), "
                + "read back \(result.readBack), unacknowledged but stored \(result.unacknowledgedStored), failed sends \(result.failed)")
        lines.append("  latency: \(describe(result.latency))")
        lines.append(result.passed ? "  PASSED: nothing acknowledged was lost, duplicated or reordered" : "  FAILED:")
        lines += result.problems.map { "    \($0)" }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
