import TernModel

/// Member ids as Kafka makes them, `<client.id or group.instance.id>-<UUID>`, with the UUID drawn from the
/// coordinator's seeded generator instead of a system random source, so a seed replays a run exactly.
///
/// Clients treat the id as opaque, but tools and logs expect Java's `UUID.randomUUID()` shape: 8-4-4-4-12
/// lowercase hex digits with the version-4 and IETF-variant bits set.
struct MemberIDGenerator: Sendable {
    private var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// The next member id for a member named `prefix`.
    mutating func next(prefix: String) -> String {
        prefix + "-" + uuid()
    }

    private mutating func uuid() -> String {
        // Version 4 lives in bits 12...15 of the high half, the variant (binary 10) in the top two of the low half.
        let high = (random.next() & ~UInt64(0xF000)) | 0x4000
        let low = (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let digits = Array(Self.hex(high) + Self.hex(low))
        precondition(digits.count == 32, "a UUID has 32 hex digits")
        let groups = [digits[0..<8], digits[8..<12], digits[12..<16], digits[16..<20], digits[20..<32]]
        return groups.map { String($0) }.joined(separator: "-")
    }

    /// `value` as 16 lowercase hex digits, zero-padded.
    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
