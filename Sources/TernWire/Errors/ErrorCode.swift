/// A Kafka protocol error code (the `int16 ErrorCode` fields of responses) as a value.
///
/// A struct over the raw code rather than an enum, because a peer may send a code newer than
/// this table: it must round-trip unchanged and still print something useful. Known codes carry
/// Kafka's name and whether Kafka classifies them as retriable (clients retry those after a
/// metadata refresh or back-off; the broker picks codes with that in mind).
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The wire value.
    public let rawValue: Int16

    /// Wraps any wire value, known or not.
    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// Wraps a wire value (shorthand for the constants).
    public init(_ rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// The lowest code in the table (`UNKNOWN_SERVER_ERROR`).
    public static let lowestKnown: Int16 = -1
    /// The highest code in the table.
    public static var highestKnown: Int16 { Int16(table.count - 2) }

    /// Whether the table has this code.
    public var isKnown: Bool {
        rawValue >= Self.lowestKnown && rawValue <= Self.highestKnown
    }

    /// Kafka's name, e.g. `UNKNOWN_TOPIC_OR_PARTITION`, or nil for a code not in the table.
    public var name: String? {
        isKnown ? Self.table[Int(rawValue) + 1].name : nil
    }

    /// Whether Kafka classifies the error as retriable. Unknown codes are not: Kafka clients map
    /// them to the non-retriable `UnknownServerException`.
    public var isRetriable: Bool {
        isKnown ? Self.table[Int(rawValue) + 1].retriable : false
    }

    /// Whether this is `NONE` (success).
    public var isSuccess: Bool { rawValue == 0 }

    /// `NAME(code)`, or `UNKNOWN_CODE(code)` for a code not in the table.
    public var description: String {
        "\(name ?? "UNKNOWN_CODE")(\(rawValue))"
    }

    /// Every code in the table, in numeric order.
    public static var allKnown: [ErrorCode] {
        (lowestKnown...highestKnown).map { ErrorCode($0) }
    }
}
