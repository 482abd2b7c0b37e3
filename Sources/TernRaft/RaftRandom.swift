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

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, full-period 64-bit generator. Good
/// enough for timeout jitter and simulation; not for anything cryptographic.
public struct SplitMix64: RaftRandomSource, RandomNumberGenerator {
    /// Internal state; advancing it by a fixed odd constant gives the full 2^64 period.
    public private(set) var state: UInt64

    /// A generator whose sequence is fully determined by `seed`.
    public init(seed: UInt64) { self.state = seed }

    /// The next 64 bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
