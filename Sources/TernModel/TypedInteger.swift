/// A number that means one thing.
///
/// Offsets, terms, node ids and producer ids are all plain integers on the wire, and a function
/// that takes three `Int64`s invites swapping them. Each meaning gets its own type conforming to
/// this protocol, so the compiler refuses `term` where an `offset` belongs, while arithmetic and
/// comparison stay as cheap as on the raw value.
public protocol TypedInteger: Hashable, Comparable, Sendable, CustomStringConvertible {
    associatedtype RawValue: FixedWidthInteger & Sendable
    var rawValue: RawValue { get }
    init(_ rawValue: RawValue)
}

extension TypedInteger {
    @inlinable public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}
