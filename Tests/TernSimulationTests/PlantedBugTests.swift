import TernRaft
import TernSimulation
// Goal: the checker is not vacuous: each known Raft bug, planted through a test-only switch,
// is reported as a violation within 1,000 seeds.
// Method: for each switch, search seeds 1...1000 (shorter runs) until the first violation;
// assert one was found, and that the same seed without the switch runs clean (the planted bug,
// not the simulator, caused it).
import Testing

@Suite struct PlantedBugTests {
    /// Ticks per run while searching: shorter runs, more seeds per second.
    static let searchTicks = 300

    /// The first seed in 1...1000 whose run reports a violation with `plant`, if any.
    static func firstViolation(_ plant: (inout SimulationOptions) -> Void) -> SimulationResult? {
        let summary = SeedRunner.run(
            seeds: 1...1_000, stopAfterViolations: 1,
            configure: { options in
                options = SimulationOptions(seed: options.seed, ticks: searchTicks)
                plant(&options)
            })
        return summary.violations.first
    }

    static func expectCaught(_ name: String, _ plant: @escaping (inout SimulationOptions) -> Void) {
        guard let caught = firstViolation(plant) else {
            Issue.record("planted bug \(name) was not caught within 1,000 seeds")
            return
        }
        print("planted \(name): seed \(caught.seed): \(caught.violation.map { "\($0)" } ?? "")")
        let clean = Simulator(options: SimulationOptions(seed: caught.seed, ticks: searchTicks)).run()
        #expect(clean.violation == nil, "seed \(caught.seed) fails even without the planted bug")
    }

    @Test func voteCountedBeforeDurableIsCaught() {
        Self.expectCaught("countVoteBeforeDurable") { $0.raftFaults = .countVoteBeforeDurable }
    }

    @Test func previousTermCommitByCountingIsCaught() {
        Self.expectCaught("commitPreviousTermByCounting") { $0.raftFaults = .commitPreviousTermByCounting }
    }

    @Test func voteForgottenOnRestartIsCaught() {
        Self.expectCaught("forgetVoteOnRestart") { $0.forgetVoteOnRestart = true }
    }
}
