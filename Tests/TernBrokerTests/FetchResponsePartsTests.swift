// Goal: the zero-copy Fetch encoding (record sets spliced in as file ranges) is byte for byte
// the generated encoding of the same response, at every Fetch version Tern serves, so clients
// cannot tell the two apart. Method: random responses (fixed seeds) with record sets as bytes and
// as ranges of a real temporary file; the parts are flattened (pread) and compared with
// `FetchResponse.encoded(version:)` of the same values; a struct with tagged fields set must
// make the splicer decline (the caller then encodes plainly).
import Foundation
import NIOCore
import Testing
import TernModel
import TernTransport
import TernWire

@testable import TernBroker

@Suite("Fetch response parts")
struct FetchResponsePartsTests {
    /// A temporary file holding `bytes`, open for reading.
    final class TemporaryFile {
        let path: String
        let descriptor: CInt
        init(_ bytes: [UInt8]) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("parts-\(UUID().uuidString)").path
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            descriptor = open(path, O_RDONLY)
            #expect(descriptor >= 0)
        }
        deinit {
            close(descriptor)
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    @Test("spliced parts equal the generated encoding", arguments: Array(Int16(4)...12))
    func splicedEqualsGenerated(version: Int16) throws {
        var random = SplitMix64(seed: 0x5EED + UInt64(version))
        let content = (0..<65_536).map { _ in UInt8.random(in: 0...255, using: &random) }
        let file = try TemporaryFile(content)
        guard let shared = ResponseFile(duplicating: file.descriptor) else {
            Issue.record("dup failed")
            return
        }
        for _ in 0..<25 {
            var topics: [(name: String, partitions: [FetchAnswerPartition])] = []
            var plain: [FetchResponse.FetchableTopicResponse] = []
            for topicNumber in 0..<Int.random(in: 0...3, using: &random) {
                var answers: [FetchAnswerPartition] = []
                var datas: [FetchResponse.PartitionData] = []
                for index in 0..<Int32.random(in: 0...4, using: &random) {
                    let data = FetchResponse.PartitionData(
                        partitionIndex: index, errorCode: Int16.random(in: 0...3, using: &random),
                        highWatermark: Int64.random(in: 0...1_000_000, using: &random),
                        lastStableOffset: Int64.random(in: -1...1_000, using: &random),
                        logStartOffset: Int64.random(in: -1...10, using: &random), abortedTransactions: nil,
                        preferredReadReplica: -1, records: nil)
                    var records: FetchRecords?
                    var expected = ByteBuffer()
                    switch Int.random(in: 0...2, using: &random) {
                    case 0:
                        records = nil
                    case 1:
                        let length = Int.random(in: 0...300, using: &random)
                        let bytes = Array(content[0..<length])
                        records = .bytes(ByteBuffer(bytes: bytes))
                        expected = ByteBuffer(bytes: bytes)
                    default:
                        var parts: [ResponsePart] = []
                        for _ in 0..<Int.random(in: 1...3, using: &random) {
                            let offset = Int.random(in: 0..<60_000, using: &random)
                            let length = Int.random(in: 0...5_000, using: &random)
                            parts.append(.file(shared, offset: offset, length: length))
                            expected.writeBytes(content[offset..<offset + length])
                        }
                        records = .files(parts)
                    }
                    answers.append(FetchAnswerPartition(data: data, records: records))
                    var full = data
                    full.records = expected
                    datas.append(full)
                }
                topics.append(("topic-\(topicNumber)", answers))
                plain.append(FetchResponse.FetchableTopicResponse(topic: "topic-\(topicNumber)", partitions: datas))
            }
            let parts = try #require(FetchResponseParts.encode(topics: topics, version: version))
            let spliced = try #require(KafkaResponseAction.responseParts(parts).flattenedBody())
            let generated = FetchResponse(throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: plain)
                .encoded(version: version)
            #expect(Array(spliced.readableBytesView) == Array(generated.readableBytesView))
            // And it decodes as a Fetch response of that version.
            #expect(try FetchResponse.decode(from: spliced, version: version) == FetchResponse.decode(from: generated, version: version))
        }
    }

    @Test("a partition with tagged fields set is left to the plain encoder")
    func taggedFieldsDecline() {
        var data = FetchResponse.PartitionData(
            partitionIndex: 0, errorCode: 6, highWatermark: 5, lastStableOffset: 5, logStartOffset: 0,
            abortedTransactions: nil, preferredReadReplica: -1, records: nil)
        data.currentLeader = FetchResponse.LeaderIdAndEpoch(leaderId: 2, leaderEpoch: 7)
        let topics = [(name: "t", partitions: [FetchAnswerPartition(data: data, records: nil)])]
        #expect(FetchResponseParts.encode(topics: topics, version: 12) == nil)
        // Below v12 the tagged field does not exist, so splicing works.
        #expect(FetchResponseParts.encode(topics: topics, version: 11) != nil)
    }
}
