/// A 64-bit FNV-1a hash folded over the trace, word by word.
///
/// Why not `Hasher`: Swift's `Hasher` is randomly seeded per process, so its values differ
/// between two runs of the same seed; the determinism check compares hashes across runs and
/// across builds, so it needs a fixed function.
public struct TraceHash: Sendable, Equatable, CustomStringConvertible {
    /// The hash so far (starts at the FNV-1a offset basis).
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    /// The hash of nothing.
    public init() {}

    /// Folds one 64-bit word in, byte by byte.
    public mutating func combine(_ word: UInt64) {
        var remaining = word
        for _ in 0..<8 {
            value ^= remaining & 0xFF
            value = value &* 0x0000_0100_0000_01B3
            remaining >>= 8
        }
    }

    /// Folds a signed word in.
    public mutating func combine(_ word: Int64) {
        combine(UInt64(bitPattern: word))
    }

    /// Folds an `Int` in.
    public mutating func combine(_ word: Int) {
        combine(UInt64(bitPattern: Int64(word)))
    }

    /// Folds bytes in (payloads, snapshot data).
    public mutating func combine<Bytes: Swift.Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
    }

    /// Sixteen hex digits.
    public var description: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
