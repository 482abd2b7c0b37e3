// Goal: the generated codecs honour the version-dependent rules: null vs empty strings and
// arrays, nullable only in the versions that allow it, compact encodings from the first
// flexible version, tagged fields written only when not default, unknown tags kept in nested
// structs, and fields absent from a version neither written nor read.
// Method: hand-built values whose bytes are predicted field by field, and decoding of inputs a
// correct peer never sends for that version (null where not nullable).

import NIOCore
import Testing
import TernWire

@Suite("Messages: version rules")
struct MessageFlexibleTests {
    private func bytes<M: KafkaMessage>(_ value: M, _ version: Int16) -> [UInt8] {
        Array(value.encoded(version: version).readableBytesView)
    }

    @Test("Metadata topics: null means all topics from v1, empty means none; compact in v9+")
    func nullVersusEmptyArray() throws {
        let all = MetadataRequest(topics: nil, allowAutoTopicCreation: true)
        let none = MetadataRequest(topics: [], allowAutoTopicCreation: true)
        #expect(bytes(all, 1) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(bytes(none, 1) == [0x00, 0x00, 0x00, 0x00])
        // v9 (flexible): compact array null = 0, empty = 1; then AllowAutoTopicCreation,
        // IncludeClusterAuthorizedOperations, IncludeTopicAuthorizedOperations, tagged fields.
        #expect(bytes(all, 9) == [0x00, 0x01, 0x00, 0x00, 0x00])
        #expect(bytes(none, 9) == [0x01, 0x01, 0x00, 0x00, 0x00])
        #expect(try MetadataRequest.decode(from: ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF]), version: 1)
            == all)
        #expect(try MetadataRequest.decode(from: ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x00]), version: 1)
            == none)
        // In v0 the topics array is not nullable: a null count is refused.
        #expect(throws: WireDecodingError(.negativeLength(-1), field: "MetadataRequest.topics")) {
            try MetadataRequest.decode(from: ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF]), version: 0)
        }
    }

    @Test("nullable strings: null and empty differ; the field absent before its first version")
    func nullVersusEmptyString() throws {
        // Metadata v2 response: ClusterId is a nullable string from v2 on.
        let nullCluster = MetadataResponse(clusterId: nil)
        let emptyCluster = MetadataResponse(clusterId: "")
        let null = bytes(nullCluster, 2)
        let empty = bytes(emptyCluster, 2)
        // brokers [] (4 bytes), then ClusterId.
        #expect(Array(null[4..<6]) == [0xFF, 0xFF])
        #expect(Array(empty[4..<6]) == [0x00, 0x00])
        #expect(try MetadataResponse.decode(from: ByteBuffer(bytes: null), version: 2) == nullCluster)
        #expect(try MetadataResponse.decode(from: ByteBuffer(bytes: empty), version: 2) == emptyCluster)
        // v1 has no ClusterId: the value is not written and decodes to the default (null).
        let v1 = bytes(emptyCluster, 1)
        #expect(v1 == bytes(nullCluster, 1))
        #expect(try MetadataResponse.decode(from: ByteBuffer(bytes: v1), version: 1).clusterId == nil)
    }

    @Test("tagged fields are written only when they differ from their default")
    func taggedDefaults() {
        let plain = ApiVersionsResponse()
        let tagged = ApiVersionsResponse(zkMigrationReady: true)
        // error code, empty compact array, throttle time, tagged block
        #expect(bytes(plain, 3) == [0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00])
        #expect(bytes(tagged, 3) == [0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x01, 0x01])
        // Not flexible: tagged fields do not exist on the wire at all.
        #expect(bytes(tagged, 2) == [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])
    }

    @Test("unknown tagged fields in nested structs survive decode and re-encode")
    func unknownNested() throws {
        var entry = ApiVersionsResponse.ApiVersion(apiKey: 3, minVersion: 0, maxVersion: 13)
        entry.unknownTaggedFields = [TaggedField(tag: 7, data: ByteBuffer(bytes: [0xAB, 0xCD]))]
        let value = ApiVersionsResponse(
            apiKeys: [entry], unknownTaggedFields: [TaggedField(tag: 40, data: ByteBuffer())])
        let encoded = value.encoded(version: 4)
        #expect(Array(encoded.readableBytesView) == [
            0x00, 0x00, 0x02,
            0x00, 0x03, 0x00, 0x00, 0x00, 0x0D, 0x01, 0x07, 0x02, 0xAB, 0xCD,  // entry with tag 7
            0x00, 0x00, 0x00, 0x00,
            0x01, 0x28, 0x00,  // unknown tag 40, empty
        ])
        let decoded = try ApiVersionsResponse.decode(from: encoded, version: 4)
        #expect(decoded == value)
        #expect(decoded.encoded(version: 4) == encoded)
    }

    @Test("a known tagged field whose value is shorter than its declared size is refused")
    func taggedSizeMismatch() {
        // Tag 1 (FinalizedFeaturesEpoch, int64) declared with 9 bytes: one byte left over.
        let input: [UInt8] =
            [0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x09] + Array(repeating: 0, count: 9)
        #expect(throws: WireDecodingError.self) {
            try ApiVersionsResponse.decode(from: ByteBuffer(bytes: input), version: 3)
        }
    }

    @Test("trailing bytes after a body are refused")
    func trailingBytes() {
        #expect(throws: WireDecodingError.self) {
            try ApiVersionsRequest.decode(from: ByteBuffer(bytes: [0x00]), version: 0)
        }
    }
}
