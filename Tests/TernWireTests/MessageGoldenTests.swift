// Goal: the generated codecs produce the exact bytes Kafka clients send and expect.
// Method: bytes computed by hand from the Kafka protocol guide (field by field, noted inline)
// for ApiVersions v0 and v3 requests and responses and a Metadata v0 request, compared with
// our encoding, then decoded back. Frames are header + body (the int32 size prefix excluded).

import NIOCore
import Testing
import TernWire

@Suite("Messages: golden bytes")
struct MessageGoldenTests {
    private func frame<M: KafkaMessage>(_ body: M, version: Int16, header: (inout WireWriter) -> Void) -> [UInt8] {
        var writer = WireWriter()
        header(&writer)
        body.encode(into: &writer, version: version)
        return Array(writer.buffer.readableBytesView)
    }

    @Test("ApiVersions v0 request: header v1 and an empty body")
    func apiVersionsV0Request() throws {
        let header = RequestHeader(apiKey: 18, apiVersion: 0, correlationID: 1, clientID: "kp")
        let bytes = frame(ApiVersionsRequest(), version: 0) { header.encode(into: &$0, headerVersion: 1) }
        #expect(bytes == [
            0x00, 0x12,  // api key 18
            0x00, 0x00,  // version 0
            0x00, 0x00, 0x00, 0x01,  // correlation id
            0x00, 0x02, 0x6B, 0x70,  // client id "kp"
        ])
        #expect(try ApiVersionsRequest.decode(from: ByteBuffer(), version: 0) == ApiVersionsRequest())
    }

    @Test("ApiVersions v3 request: header v2, compact strings, tagged-field blocks")
    func apiVersionsV3Request() throws {
        let body = ApiVersionsRequest(clientSoftwareName: "librdkafka", clientSoftwareVersion: "2.0.2")
        let header = RequestHeader(apiKey: 18, apiVersion: 3, correlationID: 2, clientID: "rdkafka")
        let bytes = frame(body, version: 3) { header.encode(into: &$0, headerVersion: 2) }
        let expected: [UInt8] =
            [0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02]  // key, version, correlation id
            + [0x00, 0x07] + Array("rdkafka".utf8)  // client id: classic string even in header v2
            + [0x00]  // header tagged fields: none
            + [0x0B] + Array("librdkafka".utf8)  // compact string: length 10 + 1
            + [0x06] + Array("2.0.2".utf8)  // compact string: length 5 + 1
            + [0x00]  // body tagged fields: none
        #expect(bytes == expected)
        var reader = WireReader(bytes: bytes)
        let decodedHeader = try RequestHeader(from: &reader)
        #expect(decodedHeader == header)
        #expect(try ApiVersionsRequest(from: &reader, version: 3) == body)
        #expect(reader.remaining == 0)
    }

    @Test("ApiVersions v0 response: classic array of (key, min, max)")
    func apiVersionsV0Response() throws {
        let body = ApiVersionsResponse(
            errorCode: 35, apiKeys: [.init(apiKey: 18, minVersion: 0, maxVersion: 4)])
        let bytes = frame(body, version: 0) { ResponseHeader(correlationID: 1).encode(into: &$0, headerVersion: 0) }
        #expect(bytes == [
            0x00, 0x00, 0x00, 0x01,  // correlation id (header v0)
            0x00, 0x23,  // error code 35 UNSUPPORTED_VERSION
            0x00, 0x00, 0x00, 0x01,  // one entry
            0x00, 0x12, 0x00, 0x00, 0x00, 0x04,  // key 18, min 0, max 4
        ])
        #expect(try ApiVersionsResponse.decode(from: ByteBuffer(bytes: bytes.dropFirst(4)), version: 0) == body)
    }

    @Test("ApiVersions v3 response: header v0, compact array, throttle time, tagged epoch")
    func apiVersionsV3Response() throws {
        let body = ApiVersionsResponse(
            apiKeys: [.init(apiKey: 0, minVersion: 0, maxVersion: 10), .init(apiKey: 18, minVersion: 0, maxVersion: 4)],
            throttleTimeMs: 0, finalizedFeaturesEpoch: 5)
        let version: Int16 = 3
        let headerVersion = try #require(ResponseHeader.version(apiKey: 18, apiVersion: version))
        let bytes = frame(body, version: version) {
            ResponseHeader(correlationID: 2).encode(into: &$0, headerVersion: headerVersion)
        }
        #expect(bytes == [
            0x00, 0x00, 0x00, 0x02,  // correlation id; header v0 (no tagged fields) even in v3
            0x00, 0x00,  // error code 0
            0x03,  // compact array: 2 entries + 1
            0x00, 0x00, 0x00, 0x00, 0x00, 0x0A, 0x00,  // Produce 0-10, entry tagged fields none
            0x00, 0x12, 0x00, 0x00, 0x00, 0x04, 0x00,  // ApiVersions 0-4, entry tagged fields none
            0x00, 0x00, 0x00, 0x00,  // throttle time
            0x01,  // one tagged field (only non-defaults are written)
            0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  // tag 1 FinalizedFeaturesEpoch, 8 bytes
        ])
        #expect(try ApiVersionsResponse.decode(from: ByteBuffer(bytes: bytes.dropFirst(4)), version: 3) == body)
    }

    @Test("Metadata v0 request: a classic array of topic names")
    func metadataV0Request() throws {
        let body = MetadataRequest(topics: [.init(name: "foo")])
        let header = RequestHeader(apiKey: 3, apiVersion: 0, correlationID: 5, clientID: nil)
        let bytes = frame(body, version: 0) { header.encode(into: &$0, headerVersion: 1) }
        #expect(bytes == [
            0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  // key 3, version 0, correlation id 5
            0xFF, 0xFF,  // client id null
            0x00, 0x00, 0x00, 0x01,  // one topic
            0x00, 0x03, 0x66, 0x6F, 0x6F,  // "foo"
        ])
        #expect(try MetadataRequest.decode(from: ByteBuffer(bytes: bytes.dropFirst(10)), version: 0) == body)
    }
}
