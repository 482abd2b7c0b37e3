// Goal: request and response headers have Kafka's exact layout in every header version, and the
// header version chosen for an API/version pair matches Kafka's rule (flexible → request v2 /
// response v1, except ApiVersions responses, which are always v0).
// Method: hand-computed golden bytes, decode/encode round trips, and the version table checked
// at the flexible boundaries of several APIs, including a version above the implemented range.

import NIOCore
import Testing
import TernWire

@Suite("Headers")
struct HeaderTests {
    @Test("request header v1 golden bytes, null and present client id")
    func requestV1() throws {
        let header = RequestHeader(apiKey: 3, apiVersion: 4, correlationID: 0x0102_0304, clientID: "ab")
        let encoded = bytes { header.encode(into: &$0, headerVersion: 1) }
        #expect(encoded == [0x00, 0x03, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04, 0x00, 0x02, 0x61, 0x62])
        var reader = WireReader(bytes: encoded)
        #expect(try RequestHeader(from: &reader, headerVersion: 1) == header)
        let anonymous = RequestHeader(apiKey: 3, apiVersion: 4, correlationID: 1, clientID: nil)
        #expect(bytes { anonymous.encode(into: &$0, headerVersion: 1) }.suffix(2) == [0xFF, 0xFF])
    }

    @Test("request header v2 keeps client id as a classic int16 string and adds tagged fields")
    func requestV2() throws {
        let header = RequestHeader(apiKey: 18, apiVersion: 3, correlationID: 7, clientID: "rdkafka")
        let encoded = bytes { header.encode(into: &$0, headerVersion: 2) }
        #expect(encoded == [0x00, 0x12, 0x00, 0x03, 0, 0, 0, 7, 0x00, 0x07] + Array("rdkafka".utf8) + [0x00])
        var reader = WireReader(bytes: encoded)
        #expect(try RequestHeader(from: &reader) == header)  // version derived from key 18 v3
        #expect(reader.remaining == 0)

        let tagged = RequestHeader(
            apiKey: 3, apiVersion: 12, correlationID: 1, clientID: nil,
            unknownTaggedFields: [TaggedField(tag: 9, data: ByteBuffer(bytes: [0x42]))])
        var again = WireReader(bytes: bytes { tagged.encode(into: &$0, headerVersion: 2) })
        #expect(try RequestHeader(from: &again) == tagged)
    }

    @Test("response headers v0 and v1")
    func response() throws {
        let header = ResponseHeader(correlationID: -2)
        #expect(bytes { header.encode(into: &$0, headerVersion: 0) } == [0xFF, 0xFF, 0xFF, 0xFE])
        #expect(bytes { header.encode(into: &$0, headerVersion: 1) } == [0xFF, 0xFF, 0xFF, 0xFE, 0x00])
        var reader = WireReader(bytes: [0, 0, 0, 9, 0x01, 0x02, 0x01, 0x55])
        let decoded = try ResponseHeader(from: &reader, headerVersion: 1)
        #expect(decoded.correlationID == 9)
        #expect(decoded.unknownTaggedFields == [TaggedField(tag: 2, data: ByteBuffer(bytes: [0x55]))])
    }

    @Test("header versions follow the flexible versions; ApiVersions responses always use v0")
    func versionTable() {
        // (api key, version, request header, response header)
        let cases: [(Int16, Int16, Int16, Int16)] = [
            (18, 0, 1, 0), (18, 2, 1, 0), (18, 3, 2, 0), (18, 4, 2, 0), (18, 5, 2, 0),
            (3, 8, 1, 0), (3, 9, 2, 1), (3, 13, 2, 1),
            (0, 8, 1, 0), (0, 9, 2, 1),
            (1, 11, 1, 0), (1, 12, 2, 1),
            (60, 0, 2, 1),
        ]
        for (key, version, request, response) in cases {
            #expect(RequestHeader.version(apiKey: key, apiVersion: version) == request, "key \(key) v\(version)")
            #expect(ResponseHeader.version(apiKey: key, apiVersion: version) == response, "key \(key) v\(version)")
        }
        #expect(RequestHeader.version(apiKey: 1000, apiVersion: 0) == nil)
        #expect(ResponseHeader.version(apiKey: -1, apiVersion: 0) == nil)
    }

    @Test("a header with an unknown API key or a truncated prefix throws")
    func hostile() {
        var unknown = WireReader(bytes: [0x03, 0xE8, 0x00, 0x00, 0, 0, 0, 1, 0xFF, 0xFF])
        #expect(throws: WireDecodingError(.unknownApiKey(1000), field: "RequestHeader.apiKey")) {
            try RequestHeader(from: &unknown)
        }
        var short = WireReader(bytes: [0x00, 0x03, 0x00])
        #expect(throws: WireDecodingError.self) { try RequestHeader(from: &short) }
        var badClient = WireReader(bytes: [0x00, 0x03, 0x00, 0x00, 0, 0, 0, 1, 0x00, 0x09, 0x61])
        #expect(throws: WireDecodingError.self) { try RequestHeader(from: &badClient) }
    }
}
