// Goal: the varint codecs produce Kafka's exact bytes and refuse malformed input.
// Method: golden vectors worked out by hand from the LEB128 and zigzag definitions (edge values
// at every 7-bit boundary, the extremes of Int32/Int64), a seeded round-trip sweep checking
// `Varint.size` against the real encoded length, and hostile inputs (too long, overflowing,
// truncated) that must throw rather than trap or wrap.

import TernModel
import NIOCore
import Testing
import TernWire

@Suite("Primitive: varints")
struct PrimitiveVarintTests {
    @Test("unsigned varint golden bytes at every 7-bit boundary")
    func unsignedGolden() {
        let cases: [(UInt32, [UInt8])] = [
            (0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]),
            (16_383, [0xFF, 0x7F]), (16_384, [0x80, 0x80, 0x01]), (2_097_151, [0xFF, 0xFF, 0x7F]),
            (2_097_152, [0x80, 0x80, 0x80, 0x01]), (268_435_455, [0xFF, 0xFF, 0xFF, 0x7F]),
            (268_435_456, [0x80, 0x80, 0x80, 0x80, 0x01]), (UInt32.max, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        ]
        for (value, expected) in cases {
            #expect(bytes { $0.writeUnsignedVarint(value) } == expected, "value \(value)")
            var reader = WireReader(bytes: expected)
            #expect((try? reader.readUnsignedVarint(field: "v")) == value)
            #expect(reader.remaining == 0)
            #expect(Varint.size(unsigned: value) == expected.count)
        }
    }

    @Test("zigzag maps small magnitudes of both signs to small codes, extremes to the top")
    func zigzagGolden() {
        let cases32: [(Int32, UInt32)] = [
            (0, 0), (-1, 1), (1, 2), (-2, 3), (2, 4), (Int32.max, UInt32.max - 1), (Int32.min, UInt32.max),
        ]
        for (value, code) in cases32 {
            #expect(Varint.zigzag(value) == code)
            #expect(Varint.unzigzag(code) == value)
        }
        let cases64: [(Int64, UInt64)] = [
            (0, 0), (-1, 1), (1, 2), (-64, 127), (64, 128), (Int64.max, UInt64.max - 1), (Int64.min, UInt64.max),
        ]
        for (value, code) in cases64 {
            #expect(Varint.zigzag(value) == code)
            #expect(Varint.unzigzag(code) == value)
        }
    }

    @Test("zigzag varint and varlong golden bytes")
    func signedGolden() {
        #expect(bytes { $0.writeVarint(0) } == [0x00])
        #expect(bytes { $0.writeVarint(-1) } == [0x01])
        #expect(bytes { $0.writeVarint(1) } == [0x02])
        #expect(bytes { $0.writeVarint(-64) } == [0x7F])
        #expect(bytes { $0.writeVarint(64) } == [0x80, 0x01])
        #expect(bytes { $0.writeVarint(Int32.max) } == [0xFE, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(bytes { $0.writeVarint(Int32.min) } == [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(bytes { $0.writeVarlong(Int64.max) } == [0xFE] + Array(repeating: 0xFF, count: 8) + [0x01])
        #expect(bytes { $0.writeVarlong(Int64.min) } == Array(repeating: 0xFF, count: 9) + [0x01])
        var reader = WireReader(bytes: Array(repeating: 0xFF, count: 9) + [0x01])
        #expect((try? reader.readVarlong(field: "v")) == Int64.min)
    }

    @Test("seeded round trip: decode(encode(x)) == x and size() is exact")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 0x5EED)
        for _ in 0..<2_000 {
            let shift = Int.random(in: 0..<64, using: &rng)
            let wide = Int64(bitPattern: rng.next() >> UInt64(shift))
            let narrow = Int32(truncatingIfNeeded: wide)
            var writer = WireWriter()
            writer.writeVarint(narrow)
            writer.writeVarlong(wide)
            writer.writeUnsignedVarint(UInt32(truncatingIfNeeded: wide))
            #expect(writer.count == Varint.size(varint: narrow) + Varint.size(varlong: wide)
                + Varint.size(unsigned: UInt32(truncatingIfNeeded: wide)))
            var reader = WireReader(buffer: writer.buffer)
            #expect(try reader.readVarint(field: "a") == narrow)
            #expect(try reader.readVarlong(field: "b") == wide)
            #expect(try reader.readUnsignedVarint(field: "c") == UInt32(truncatingIfNeeded: wide))
            #expect(reader.remaining == 0)
        }
    }

    @Test("non-minimal encodings within the width are accepted, as Kafka's ByteUtils does")
    func nonMinimal() throws {
        var reader = WireReader(bytes: [0x80, 0x00])
        #expect(try reader.readUnsignedVarint(field: "v") == 0)
    }

    @Test("overlong, overflowing and truncated varints throw")
    func malformed() {
        let hostile32: [[UInt8]] = [
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x01],  // six bytes
            [0xFF, 0xFF, 0xFF, 0xFF, 0x1F],  // a 33rd bit
            [0xFF, 0xFF, 0xFF, 0xFF, 0x7F],  // bits up to 35
            [0x80],  // continuation with nothing after
            [],
        ]
        for input in hostile32 {
            var reader = WireReader(bytes: input)
            #expect(throws: WireDecodingError.self) { try reader.readUnsignedVarint(field: "v") }
            var signed = WireReader(bytes: input)
            #expect(throws: WireDecodingError.self) { try signed.readVarint(field: "v") }
        }
        let hostile64: [[UInt8]] = [
            Array(repeating: 0x80, count: 10) + [0x01],  // eleven bytes
            Array(repeating: 0xFF, count: 9) + [0x02],  // a 65th bit
            Array(repeating: 0xFF, count: 9),  // truncated
        ]
        for input in hostile64 {
            var reader = WireReader(bytes: input)
            #expect(throws: WireDecodingError.self) { try reader.readVarlong(field: "v") }
        }
        var reader = WireReader(bytes: [0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
        do {
            _ = try reader.readUnsignedVarint(field: "Test.length")
            Issue.record("six-byte varint decoded")
        } catch {
            #expect(error.reason == .malformedVarint)
            #expect(error.field == "Test.length")
        }
    }
}
