import TernModel
import TernRaft

/// The simulator's only source of randomness: TernRaft's `SplitMix64`, seeded from the run's seed.
///
/// Why explicit arithmetic: `SystemRandomNumberGenerator` is not reproducible, and the standard
/// library's `random(in:using:)` algorithms are not promised to stay the same across Swift
/// releases. A seed must replay byte-identically forever, so every draw goes through the
/// helpers below. Independent concerns (network, faults, workload, each Raft node's
/// election jitter) use `derived(stream:)` generators so adding a draw in one concern does not
/// shift every other concern's sequence.
public struct SimulationRandom: RandomNumberGenerator, Sendable {
    /// The underlying generator; shared with the Raft core rather than written twice.
    private var generator: SplitMix64

    /// A generator whose whole future is determined by `seed`.
    public init(seed: UInt64) {
        self.generator = SplitMix64(seed: seed)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        generator.next()
    }

    /// A generator for one named concern, independent of this one's future draws.
    public func derived(stream: UInt64) -> SimulationRandom {
        var mixer = SimulationRandom(seed: generator.state ^ (stream &* 0xD6E8_FEB8_6659_FD93))
        return SimulationRandom(seed: mixer.next())
    }

    /// A uniform integer in `0..<bound` (multiply-shift; the bias is below 2^-40 for our bounds).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "below(\(bound)) needs a positive bound")
        let product = next().multipliedFullWidth(by: UInt64(bound))
        return Int(product.high)
    }

    /// A uniform integer in `range`.
    public mutating func inRange(_ range: ClosedRange<Int>) -> Int {
        precondition(range.upperBound < Int.max, "range must leave room for its count")
        return range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// A uniform fraction in [0, 1) with 53 bits of precision.
    public mutating func fraction() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// True with probability `probability` (0 never, 1 always).
    public mutating func chance(_ probability: Double) -> Bool {
        precondition(probability >= 0, "probability must not be negative")
        precondition(probability <= 1, "probability must not exceed 1")
        if probability == 0 { return false }
        return fraction() < probability
    }

    /// A fraction drawn uniformly from `low...high`: how swarm testing picks a seed's rates.
    public mutating func rate(_ low: Double, _ high: Double) -> Double {
        precondition(low <= high, "rate bounds must be ordered")
        return low + (high - low) * fraction()
    }

    /// One element of a non-empty array, uniformly.
    public mutating func pick<Element>(_ elements: [Element]) -> Element {
        precondition(!elements.isEmpty, "pick needs a non-empty array")
        return elements[below(elements.count)]
    }
}
