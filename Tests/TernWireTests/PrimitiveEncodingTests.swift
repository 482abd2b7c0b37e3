// Goal: every fixed and length-prefixed Kafka encoding writes the exact bytes the protocol
// guide specifies, and the reader turns hostile lengths into typed errors.
// Method: golden bytes worked out by hand (big-endian integers, classic vs compact strings,
// bytes and arrays, null vs empty), then decode of truncated, negative, oversized and
// non-UTF-8 inputs, checking the error reason rather than only that something was thrown.

import NIOCore
import Testing
import TernModel
import TernWire

@Suite("Primitive: fixed-width and length-prefixed encodings")
struct PrimitiveEncodingTests {
    private func reason(
        _ input: [UInt8], _ read: (inout WireReader) throws(WireDecodingError) -> Void
    ) -> WireDecodingError.Reason? {
        var reader = WireReader(bytes: input)
        do {
            try read(&reader)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test("integers are big-endian at their exact width")
    func integers() throws {
        #expect(bytes { $0.writeInteger(Int8(-2)) } == [0xFE])
        #expect(bytes { $0.writeInteger(Int16(0x0102)) } == [0x01, 0x02])
        #expect(bytes { $0.writeInteger(Int32(-1)) } == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(bytes { $0.writeInteger(Int64(0x0102_0304_0506_0708)) } == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(bytes { $0.writeInteger(UInt16(0xABCD)) } == [0xAB, 0xCD])
        #expect(bytes { $0.writeInteger(UInt32(0xDEAD_BEEF)) } == [0xDE, 0xAD, 0xBE, 0xEF])
        var reader = WireReader(bytes: [0x80, 0x00, 0x00, 0x00])
        #expect(try reader.readInteger(as: Int32.self, field: "x") == Int32.min)
        #expect(reason([0x01, 0x02, 0x03]) { r throws(WireDecodingError) in
            _ = try r.readInteger(as: Int32.self, field: "x")
        } == .truncated(needed: 4, available: 3))
    }

    @Test("bool, float64 and uuid")
    func fixedOthers() throws {
        #expect(bytes { $0.writeBool(true) } == [0x01])
        #expect(bytes { $0.writeBool(false) } == [0x00])
        #expect(bytes { $0.writeFloat64(1.0) } == [0x3F, 0xF0, 0, 0, 0, 0, 0, 0])
        #expect(bytes { $0.writeFloat64(-2.5) } == [0xC0, 0x04, 0, 0, 0, 0, 0, 0])
        let uuid = KafkaUUID(high: 0x0011_2233_4455_6677, low: 0x8899_AABB_CCDD_EEFF)
        #expect(bytes { $0.writeUUID(uuid) } == Array(stride(from: 0x00, through: 0xFF, by: 0x11)).map { UInt8($0) })
        #expect(uuid.description == "00112233-4455-6677-8899-aabbccddeeff")
        var reader = WireReader(bytes: [0x02] + bytes { $0.writeUUID(uuid) })
        #expect(try reader.readBool(field: "b") == true)  // any non-zero byte is true, as in Kafka
        #expect(try reader.readUUID(field: "u") == uuid)
        #expect(reason(Array(repeating: 0, count: 15)) { r throws(WireDecodingError) in
            _ = try r.readUUID(field: "u")
        } == .truncated(needed: 16, available: 15))
    }

    @Test("classic and compact strings: value, empty and null are three different encodings")
    func strings() throws {
        #expect(bytes { $0.writeString("abc", compact: false) } == [0x00, 0x03, 0x61, 0x62, 0x63])
        #expect(bytes { $0.writeString("", compact: false) } == [0x00, 0x00])
        #expect(bytes { $0.writeNullableString(nil, compact: false, nullable: true) } == [0xFF, 0xFF])
        #expect(bytes { $0.writeString("abc", compact: true) } == [0x04, 0x61, 0x62, 0x63])
        #expect(bytes { $0.writeString("", compact: true) } == [0x01])
        #expect(bytes { $0.writeNullableString(nil, compact: true, nullable: true) } == [0x00])
        #expect(bytes { $0.writeString("é", compact: true) } == [0x03, 0xC3, 0xA9])

        var reader = WireReader(bytes: [0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01, 0x04, 0x61, 0x62, 0x63])
        #expect(try reader.readNullableString(compact: false, nullable: true, field: "s") == nil)
        #expect(try reader.readNullableString(compact: false, nullable: true, field: "s") == "")
        #expect(try reader.readNullableString(compact: true, nullable: true, field: "s") == nil)
        #expect(try reader.readString(compact: true, field: "s") == "")
        #expect(try reader.readString(compact: true, field: "s") == "abc")
    }

    @Test("hostile string lengths give typed errors")
    func hostileStrings() {
        #expect(reason([0xFF, 0xFF]) { r throws(WireDecodingError) in
            _ = try r.readString(compact: false, field: "s")
        } == .negativeLength(-1))
        #expect(reason([0xFF, 0xFE]) { r throws(WireDecodingError) in
            _ = try r.readNullableString(compact: false, nullable: true, field: "s")
        } == .negativeLength(-2))
        #expect(reason([0x00]) { r throws(WireDecodingError) in
            _ = try r.readString(compact: true, field: "s")
        } == .negativeLength(-1))
        #expect(reason([0x00, 0x05, 0x61]) { r throws(WireDecodingError) in
            _ = try r.readString(compact: false, field: "s")
        } == .truncated(needed: 5, available: 1))
        // A compact length past Limits.stringBytesMax is refused before any read.
        var writer = WireWriter()
        writer.writeUnsignedVarint(UInt32(Limits.stringBytesMax + 2))
        #expect(reason(Array(writer.buffer.readableBytesView)) { r throws(WireDecodingError) in
            _ = try r.readString(compact: true, field: "s")
        } == .lengthExceedsLimit(length: Int64(Limits.stringBytesMax + 1), limit: Limits.stringBytesMax))
        #expect(reason([0x00, 0x02, 0xC3, 0x28]) { r throws(WireDecodingError) in
            _ = try r.readString(compact: false, field: "s")
        } == .invalidUTF8)
    }

    @Test("bytes: int32 or compact length, null vs empty, slices without copying")
    func bytesField() throws {
        let payload = ByteBuffer(bytes: [0xDE, 0xAD])
        #expect(bytes { $0.writeBytes(payload, compact: false) } == [0, 0, 0, 2, 0xDE, 0xAD])
        #expect(bytes { $0.writeBytes(payload, compact: true) } == [0x03, 0xDE, 0xAD])
        #expect(bytes { $0.writeNullableBytes(nil, compact: false, nullable: true) } == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(bytes { $0.writeNullableBytes(nil, compact: true, nullable: true) } == [0x00])
        #expect(bytes { $0.writeBytes(ByteBuffer(), compact: true) } == [0x01])
        var reader = WireReader(bytes: [0, 0, 0, 2, 0xDE, 0xAD, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(try reader.readBytes(compact: false, field: "b") == payload)
        #expect(try reader.readNullableBytes(compact: false, nullable: true, field: "b") == nil)
        #expect(try reader.readNullableBytes(compact: true, nullable: true, field: "b") == ByteBuffer())
        #expect(reason([0xFF, 0xFF, 0xFF, 0xFF]) { r throws(WireDecodingError) in
            _ = try r.readBytes(compact: false, field: "b")
        } == .negativeLength(-1))
        #expect(reason([0x7F, 0xFF, 0xFF, 0xFF]) { r throws(WireDecodingError) in
            _ = try r.readBytes(compact: false, field: "b")
        } == .lengthExceedsLimit(length: Int64(Int32.max), limit: Limits.bytesFieldBytesMax))
    }

    @Test("arrays: classic and compact counts, null vs empty")
    func arrays() throws {
        let writeInt32: (inout WireWriter, Int32) -> Void = { writer, value in writer.writeInteger(value) }
        #expect(bytes { $0.writeArray([Int32(1), 2], compact: false, element: writeInt32) }
            == [0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2])
        #expect(bytes { $0.writeArray([Int32](), compact: false, element: writeInt32) } == [0, 0, 0, 0])
        #expect(bytes { $0.writeNullableArray([Int32]?.none, compact: false, nullable: true, element: writeInt32) }
            == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(bytes { $0.writeArray([Int32(7)], compact: true, element: writeInt32) } == [0x02, 0, 0, 0, 7])
        #expect(bytes { $0.writeArray([Int32](), compact: true, element: writeInt32) } == [0x01])
        #expect(bytes { $0.writeNullableArray([Int32]?.none, compact: true, nullable: true, element: writeInt32) }
            == [0x00])

        var reader = WireReader(bytes: [0x00, 0x01, 0x02, 0, 0, 0, 7])
        let readInt32: (inout WireReader) throws(WireDecodingError) -> Int32 = { r throws(WireDecodingError) in
            try r.readInteger(as: Int32.self, field: "e")
        }
        #expect(
            try reader.readNullableArray(
                compact: true, nullable: true, minElementBytes: 4, field: "a", element: readInt32) == nil)
        #expect(try reader.readArray(compact: true, minElementBytes: 4, field: "a", element: readInt32) == [])
        #expect(try reader.readArray(compact: true, minElementBytes: 4, field: "a", element: readInt32) == [7])
    }

    @Test("array counts are checked against the remaining bytes and the limit before allocating")
    func hostileArrays() {
        let readInt32: (inout WireReader) throws(WireDecodingError) -> Int32 = { r throws(WireDecodingError) in
            try r.readInteger(as: Int32.self, field: "e")
        }
        // Two billion elements claimed, eight bytes present.
        #expect(reason([0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0]) { r throws(WireDecodingError) in
            _ = try r.readArray(compact: false, minElementBytes: 4, field: "a", element: readInt32)
        } == .lengthExceedsLimit(length: Int64(Int32.max), limit: Limits.arrayElementsMax))
        // Within the limit but more than the remaining bytes can hold.
        #expect(reason([0x00, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0]) { r throws(WireDecodingError) in
            _ = try r.readArray(compact: false, minElementBytes: 4, field: "a", element: readInt32)
        } == .countExceedsRemainingBytes(count: 3, remaining: 8))
        #expect(reason([0xFF, 0xFF, 0xFF, 0xFF]) { r throws(WireDecodingError) in
            _ = try r.readArray(compact: false, minElementBytes: 4, field: "a", element: readInt32)
        } == .negativeLength(-1))
        #expect(reason([0xFF, 0xFF, 0xFF, 0xFE]) { r throws(WireDecodingError) in
            _ = try r.readNullableArray(
                compact: false, nullable: true, minElementBytes: 4, field: "a", element: readInt32)
        } == .negativeLength(-2))
    }

    @Test("nullable struct markers: -1 null, 1 present, nothing where null is not allowed")
    func structPresence() throws {
        #expect(bytes { $0.writeStructPresence(true, nullable: true) } == [0x01])
        #expect(bytes { $0.writeStructPresence(false, nullable: true) } == [0xFF])
        #expect(bytes { $0.writeStructPresence(true, nullable: false) } == [])
        var reader = WireReader(bytes: [0x01, 0xFF])
        #expect(try reader.readStructPresence(nullable: true, field: "s") == true)
        #expect(try reader.readStructPresence(nullable: true, field: "s") == false)
        #expect(try reader.readStructPresence(nullable: false, field: "s") == true)
        #expect(reason([0x02]) { r throws(WireDecodingError) in
            _ = try r.readStructPresence(nullable: true, field: "s")
        } == .invalidValue("struct presence marker 2"))
    }
}
