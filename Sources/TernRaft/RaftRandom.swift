public import TernModel

/// The only source of randomness the core uses (election timeout jitter). Injected by the
/// caller so that a simulation replays exactly from its seed.
public protocol RaftRandomSource: Sendable {
    /// The next 64 uniformly distributed bits.
    mutating func next() -> UInt64
}

extension RaftRandomSource {
    /// A value in `0..<bound`. The modulo bias is below 2^-40 for the small bounds the core
    /// uses (election timeouts), which is irrelevant to correctness.
    mutating func next(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(next() % UInt64(bound))
    }
}

/// TernModel's `SplitMix64` is the generator callers inject (and the simulator seeds).
extension SplitMix64: RaftRandomSource {}
