public import TernModel

/// Names of segment files: the segment's base offset in 20 decimal digits (Kafka's layout, so
/// names sort as numbers) and an extension per kind, e.g. `00000000000000000042.log`.
public enum SegmentFileName {
    /// The three files of a segment.
    public enum Kind: String, Sendable, CaseIterable {
        /// The RecordBatch bytes.
        case log
        /// Sparse offset index: (relative offset, position) pairs.
        case index
        /// Sparse time index: (max timestamp before, relative offset) pairs.
        case timeindex
    }

    /// Digits in the base-offset part (Int64.max has 19; Kafka pads to 20).
    public static let digits = 20

    /// The file name of `kind` for the segment starting at `baseOffset`.
    public static func name(baseOffset: Offset, kind: Kind) -> String {
        precondition(baseOffset.rawValue >= 0, "segment base offsets are not negative")
        let number = String(baseOffset.rawValue)
        return String(repeating: "0", count: digits - number.count) + number + "." + kind.rawValue
    }

    /// The base offset and kind of a segment file name, or nil for any other name.
    public static func parse(_ name: String) -> (baseOffset: Offset, kind: Kind)? {
        guard let dot = name.firstIndex(of: "."), name.distance(from: name.startIndex, to: dot) == digits else {
            return nil
        }
        guard let kind = Kind(rawValue: String(name[name.index(after: dot)...])) else { return nil }
        let number = name[..<dot]
        guard number.allSatisfy({ $0 >= "0" && $0 <= "9" }), let value = Int64(number) else { return nil }
        return (Offset(value), kind)
    }
}
