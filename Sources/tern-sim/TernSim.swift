// tern-sim: replays one simulation seed byte-identically, or runs a range of seeds.
import ArgumentParser
import Foundation
import TernRaft
import TernSimulation

/// The command line: `tern-sim --seed S [--nodes 3|5] [--ticks N] [--trace]` or
/// `tern-sim --seeds A..B`.
@main
struct TernSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-sim",
        abstract: "Deterministic simulation of the Tern Raft core (see Sources/TernSimulation/README.md).")

    @Option(help: "Replay this one seed.")
    var seed: UInt64?

    @Option(help: "Run this inclusive range of seeds, written A..B.")
    var seeds: String?

    @Option(help: "Voters (3 or 5); by default each seed picks.")
    var nodes: Int?

    @Option(help: "Ticks of the fault phase.")
    var ticks: Int = SimulationConstants.defaultTicks

    @Flag(help: "Print every trace event as it happens (with --seed).")
    var trace = false

    @Option(help: "With --seeds, print a progress line every this many seeds (0: never).")
    var progress: Int = 0

    @Option(help: "Planted bug to enable: vote-before-durable, commit-previous-term, forget-vote.")
    var plant: String?

    mutating func validate() throws {
        guard (seed == nil) != (seeds == nil) else { throw ValidationError("give exactly one of --seed and --seeds") }
        if let nodes, nodes != 3 && nodes != 5 { throw ValidationError("--nodes must be 3 or 5") }
        guard ticks >= 0, ticks <= 1_000_000 else { throw ValidationError("--ticks must be within 0...1000000") }
        if let plant, !["vote-before-durable", "commit-previous-term", "forget-vote"].contains(plant) {
            throw ValidationError("unknown --plant \(plant)")
        }
    }

    func run() throws {
        if let seed {
            var options = makeOptions(seed: seed)
            if trace { options.echo = { print($0) } }
            let result = Simulator(options: options).run()
            print(result.violation == nil ? result.description : result.report)
            if result.violation != nil { throw ExitCode(1) }
            return
        }
        let range = try parseRange(seeds ?? "")
        let started = Date()
        let every = progress
        let summary = SeedRunner.run(
            seeds: range,
            onResult: { result, summary in
                if result.violation != nil { emit(result.report) }
                guard every > 0, summary.runs % every == 0 else { return }
                let elapsed = Date().timeIntervalSince(started)
                emit(
                    "progress: \(summary.runs) seeds (last \(result.seed)), \(summary.violations.count) violations, "
                        + "\(String(format: "%.0f", elapsed)) s, \(String(format: "%.1f", Double(summary.runs) / max(elapsed, 0.001))) seeds/s"
                )
            },
            configure: { makeOptions(seed: $0.seed, into: &$0) })
        let seconds = Date().timeIntervalSince(started)
        let rate = Double(summary.runs) / max(seconds, 0.001)
        print(
            "seeds \(range.lowerBound)..\(range.upperBound): \(summary.runs) runs, \(summary.violations.count) violations, "
                + "\(String(format: "%.1f", seconds)) s (\(String(format: "%.1f", rate)) seeds/s), combined hash \(summary.combinedHash)"
        )
        print("totals: \(summary.statistics)")
        if !summary.violations.isEmpty { throw ExitCode(1) }
    }

    /// Writes a line unbuffered, so a long run's progress shows in a log file as it happens.
    private func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    private func makeOptions(seed: UInt64) -> SimulationOptions {
        var options = SimulationOptions(seed: seed)
        makeOptions(seed: seed, into: &options)
        return options
    }

    private func makeOptions(seed: UInt64, into options: inout SimulationOptions) {
        options = SimulationOptions(seed: seed, nodeCount: nodes, ticks: ticks)
        switch plant {
        case "vote-before-durable": options.raftFaults = .countVoteBeforeDurable
        case "commit-previous-term": options.raftFaults = .commitPreviousTermByCounting
        case "forget-vote": options.forgetVoteOnRestart = true
        default: break
        }
    }

    private func parseRange(_ text: String) throws -> ClosedRange<UInt64> {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, let low = UInt64(parts[0]), let high = UInt64(parts[1]), low <= high else {
            throw ValidationError("--seeds must look like 1..1000")
        }
        guard high - low < UInt64(1_000_000_000) else { throw ValidationError("range too large") }
        return low...high
    }
}
