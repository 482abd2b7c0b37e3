// Goal: tagged-field blocks (KIP-482) encode in ascending tag order, keep unknown tags through a
// decode/encode cycle, and reject blocks a correct peer never sends.
// Method: hand-computed golden bytes; merging of known and unknown fields; hostile blocks
// (descending or repeated tags, counts above the limit or the remaining bytes, sizes past the end).

import NIOCore
import Testing
import TernModel
import TernWire

@Suite("Primitive: tagged fields")
struct PrimitiveTaggedFieldTests {
    private func field(_ tag: UInt32, _ data: [UInt8]) -> TaggedField {
        TaggedField(tag: tag, data: ByteBuffer(bytes: data))
    }

    @Test("an empty block is a single zero byte")
    func empty() {
        var writer = WireWriter()
        writer.writeTaggedFields(known: [], unknown: [])
        #expect(Array(writer.buffer.readableBytesView) == [0x00])
    }

    @Test("known and unknown fields merge in ascending tag order; golden bytes")
    func merge() throws {
        var writer = WireWriter()
        writer.writeTaggedFields(known: [field(1, [0xAA])], unknown: [field(300, []), field(0, [0x01, 0x02])])
        let expected: [UInt8] = [
            0x03,  // three fields
            0x00, 0x02, 0x01, 0x02,  // tag 0, size 2
            0x01, 0x01, 0xAA,  // tag 1, size 1
            0xAC, 0x02, 0x00,  // tag 300 (varint), size 0
        ]
        #expect(Array(writer.buffer.readableBytesView) == expected)
        var reader = WireReader(buffer: writer.buffer)
        let decoded = try reader.readUnknownTaggedFields(field: "t")
        #expect(decoded == [field(0, [0x01, 0x02]), field(1, [0xAA]), field(300, [])])
        var again = WireWriter()
        again.writeTaggedFields(known: [], unknown: decoded)
        #expect(again.buffer == writer.buffer)
    }

    @Test("descending or repeated tags are refused on decode")
    func ordering() {
        for input: [UInt8] in [[0x02, 0x05, 0x00, 0x04, 0x00], [0x02, 0x05, 0x00, 0x05, 0x00]] {
            var reader = WireReader(bytes: input)
            do {
                _ = try reader.readUnknownTaggedFields(field: "t")
                Issue.record("accepted \(input)")
            } catch {
                #expect(error.reason == .tagsNotAscending(previous: 5, next: input[3] == 4 ? 4 : 5))
            }
        }
    }

    @Test("hostile counts and sizes give typed errors")
    func hostile() {
        var writer = WireWriter()
        writer.writeUnsignedVarint(UInt32(Limits.taggedFieldsMax + 1))
        var reader = WireReader(buffer: writer.buffer)
        #expect(throws: WireDecodingError(.tooManyTaggedFields(Limits.taggedFieldsMax + 1), field: "t")) {
            try reader.readTaggedFieldCount(field: "t")
        }
        var short = WireReader(bytes: [0x03, 0x00, 0x00])
        #expect(throws: WireDecodingError(.countExceedsRemainingBytes(count: 3, remaining: 2), field: "t")) {
            try short.readTaggedFieldCount(field: "t")
        }
        var pastEnd = WireReader(bytes: [0x01, 0x00, 0x05, 0x01])
        #expect(throws: WireDecodingError(.truncated(needed: 5, available: 1), field: "t")) {
            try pastEnd.readUnknownTaggedFields(field: "t")
        }
    }
}
