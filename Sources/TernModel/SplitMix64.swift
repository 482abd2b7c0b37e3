/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, full-period 64-bit generator, and the one
/// seeded generator of the project. The Raft core's timeout jitter, the simulator, the
/// fault-injecting file system and every seeded test draw from it, so a seed replays exactly
/// (the standard library's generators are either not seedable or not promised to stay the same
/// across releases). Not for anything cryptographic.
public struct SplitMix64: RandomNumberGenerator, Sendable {
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
