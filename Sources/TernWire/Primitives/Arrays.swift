import TernModel

// Kafka arrays. Classic: int32 count (-1 = null). Compact: unsigned varint `count + 1`
// (0 = null). A decoded count is checked against `Limits.arrayElementsMax` and against the bytes
// left in the frame (each element needs at least `minElementBytes`) BEFORE anything is
// allocated, so a hostile count of two billion costs nothing.

extension WireReader {
    /// Reads an array count; `nil` means null (only when `nullable`).
    public mutating func readArrayCount(
        compact: Bool, nullable: Bool, minElementBytes: Int, field: StaticString
    ) throws(WireDecodingError) -> Int? {
        let count = try readLengthPrefix(compact: compact, classic: Int32.self, field: field)
        if count == -1 && nullable {
            return nil
        }
        try WireDecodingError.checkLength(count, limit: Limits.arrayElementsMax, field: field)
        guard count * Int64(minElementBytes) <= Int64(remaining) else {
            throw WireDecodingError(.countExceedsRemainingBytes(count: count, remaining: remaining), field: "\(field)")
        }
        return Int(count)
    }

    /// Reads an array that may be null in this version, decoding each element with `element`.
    public mutating func readNullableArray<Element>(
        compact: Bool, nullable: Bool, minElementBytes: Int, field: StaticString,
        element: (inout WireReader) throws(WireDecodingError) -> Element
    ) throws(WireDecodingError) -> [Element]? {
        guard
            let count = try readArrayCount(
                compact: compact, nullable: nullable, minElementBytes: minElementBytes, field: field)
        else {
            return nil
        }
        var result: [Element] = []
        // Safe: `count` was bounded by the remaining bytes (when elements have a size) and by
        // `Limits.arrayElementsMax`.
        result.reserveCapacity(minElementBytes > 0 ? count : min(count, 1024))
        for _ in 0..<count {
            result.append(try element(&self))
        }
        return result
    }

    /// Reads a non-nullable array; null on the wire is an error.
    public mutating func readArray<Element>(
        compact: Bool, minElementBytes: Int, field: StaticString,
        element: (inout WireReader) throws(WireDecodingError) -> Element
    ) throws(WireDecodingError) -> [Element] {
        try readNullableArray(
            compact: compact, nullable: false, minElementBytes: minElementBytes, field: field,
            element: element) ?? []
    }
}

extension WireWriter {
    /// Writes an array count, or null (`nil`).
    @inlinable
    public mutating func writeArrayCount(_ count: Int?, compact: Bool) {
        writeLengthPrefix(count, compact: compact, classic: Int32.self, what: "array")
    }

    /// Writes an array, or null (a programmer error where the field is not nullable).
    @inlinable
    public mutating func writeNullableArray<Element>(
        _ value: [Element]?, compact: Bool, nullable: Bool,
        element: (inout WireWriter, Element) -> Void
    ) {
        guard let value else {
            precondition(nullable, "null written to a non-nullable array field")
            writeArrayCount(nil, compact: compact)
            return
        }
        writeArray(value, compact: compact, element: element)
    }

    /// Writes a non-null array.
    @inlinable
    public mutating func writeArray<Element>(
        _ value: [Element], compact: Bool, element: (inout WireWriter, Element) -> Void
    ) {
        writeArrayCount(value.count, compact: compact)
        for item in value {
            element(&self, item)
        }
    }
}
