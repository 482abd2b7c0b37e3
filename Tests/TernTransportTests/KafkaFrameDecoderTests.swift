// Goal: the int32 length-prefixed framing splits any byte stream into exactly the frames sent,
// and refuses invalid size prefixes before allocating anything for them.
// Method: an `EmbeddedChannel` with `ByteToMessageHandler(KafkaFrameDecoder)` is fed the same
// frames byte by byte, all at once, and in random chunks; the output must equal the input
// frames. Oversized, zero and negative prefixes must throw the matching `KafkaFrameError`
// (which the connection handler turns into a close), and a frame cut short by EOF must yield
// nothing and report `.truncated`.
import NIOCore
import NIOEmbedded
import TernModel
import Testing

@testable import TernTransport

/// `payloads` framed with their int32 size prefixes.
func framed(_ payloads: [[UInt8]]) -> [UInt8] {
    var bytes: [UInt8] = []
    for payload in payloads {
        let size = UInt32(payload.count)
        bytes += [UInt8(size >> 24), UInt8((size >> 16) & 0xFF), UInt8((size >> 8) & 0xFF), UInt8(size & 0xFF)]
        bytes += payload
    }
    return bytes
}

@Suite("KafkaFrameDecoder")
struct KafkaFrameDecoderTests {
    let payloads: [[UInt8]] = [
        [1], Array(repeating: 0xAB, count: 300), [9, 8, 7, 6, 5], Array(0...255).map { UInt8($0) },
    ]

    private func makeChannel(maximum: Int = 1_000) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder(frameBytesMax: maximum)))
        return channel
    }

    /// Feeds `chunks` and returns every frame produced.
    private func decode(_ chunks: [[UInt8]]) throws -> [[UInt8]] {
        let channel = try makeChannel()
        var out: [[UInt8]] = []
        for chunk in chunks {
            try channel.writeInbound(ByteBuffer(bytes: chunk))
            while let frame = try channel.readInbound(as: ByteBuffer.self) {
                out.append(Array(frame.readableBytesView))
            }
        }
        #expect(try channel.finish().isClean)
        return out
    }

    @Test("byte by byte")
    func byteByByte() throws {
        #expect(try decode(framed(payloads).map { [$0] }) == payloads)
    }

    @Test("all at once: several frames in one read")
    func allAtOnce() throws {
        #expect(try decode([framed(payloads)]) == payloads)
    }

    @Test("random chunk boundaries")
    func randomChunks() throws {
        var generator = SplitMix64(seed: 7)
        let bytes = framed(payloads)
        for _ in 0..<50 {
            var chunks: [[UInt8]] = []
            var index = 0
            while index < bytes.count {
                let length = min(Int.random(in: 1...40, using: &generator), bytes.count - index)
                chunks.append(Array(bytes[index..<index + length]))
                index += length
            }
            #expect(try decode(chunks) == payloads)
        }
    }

    @Test("a frame of exactly the maximum passes; one byte more is refused")
    func maximumBoundary() throws {
        let channel = try makeChannel(maximum: 300)
        try channel.writeInbound(ByteBuffer(bytes: framed([Array(repeating: 1, count: 300)])))
        #expect(try channel.readInbound(as: ByteBuffer.self)?.readableBytes == 300)
        #expect(throws: KafkaFrameError.frameTooLarge(size: 301, maximum: 300)) {
            try channel.writeInbound(ByteBuffer(bytes: [0, 0, 1, 45]))
        }
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
    }

    @Test("a 2 GiB claim is refused from its 4-byte prefix alone")
    func hugeClaim() throws {
        let channel = try makeChannel()
        #expect(throws: KafkaFrameError.frameTooLarge(size: Int32.max, maximum: 1_000)) {
            try channel.writeInbound(ByteBuffer(bytes: [0x7F, 0xFF, 0xFF, 0xFF]))
        }
    }

    @Test("zero and negative sizes are refused", arguments: [Int32(0), -1, Int32.min])
    func nonPositive(size: Int32) throws {
        let channel = try makeChannel()
        var buffer = ByteBuffer()
        buffer.writeInteger(size)
        buffer.writeBytes([1, 2, 3])
        #expect(throws: KafkaFrameError.nonPositiveSize(size)) {
            try channel.writeInbound(buffer)
        }
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
    }

    @Test("a frame cut short by end of input yields nothing and reports truncation")
    func truncated() throws {
        let channel = try makeChannel()
        let bytes = framed([[1, 2, 3], Array(repeating: 5, count: 50)])
        try channel.writeInbound(ByteBuffer(bytes: bytes.dropLast(10)))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == [1, 2, 3])
        #expect(throws: KafkaFrameError.truncated(available: 44)) {
            _ = try channel.finish()
        }
    }
}
