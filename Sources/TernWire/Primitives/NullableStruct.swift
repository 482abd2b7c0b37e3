// Nullable (non-array) structs: in versions where the field is nullable, Kafka writes an int8
// marker before the struct, -1 for null and 1 for present (as the generated Java `write` methods
// do); in versions where it is not nullable the struct follows directly with no marker.

extension WireReader {
    /// Reads the presence marker of a nullable struct: `true` if the struct follows. Where the
    /// version does not allow null (`nullable` false) there is no marker and the result is `true`.
    /// A marker other than -1 and 1 is malformed.
    public mutating func readStructPresence(nullable: Bool, field: StaticString) throws(WireDecodingError) -> Bool {
        guard nullable else { return true }
        let marker = try readInteger(as: Int8.self, field: field)
        switch marker {
        case 1:
            return true
        case -1:
            return false
        default:
            throw WireDecodingError(.invalidValue("struct presence marker \(marker)"), field: "\(field)")
        }
    }
}

extension WireWriter {
    /// Writes the presence marker of a nullable struct (nothing where the version does not allow
    /// null; null there is a programmer error).
    public mutating func writeStructPresence(_ present: Bool, nullable: Bool) {
        guard nullable else {
            precondition(present, "null written to a non-nullable struct field")
            return
        }
        writeInteger(Int8(present ? 1 : -1))
    }
}
