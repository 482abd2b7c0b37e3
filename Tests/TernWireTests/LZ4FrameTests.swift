// Goal: LZ4 frames interoperate with the reference tool, round-trip, and hostile frames fail
// with a typed error within the decompression bound, never a crash or a huge allocation.
// Method: round trips over seeded data of many sizes and block-size options; interop both ways
// with the `lz4` command-line tool (run through Foundation.Process on temporary files: our frame
// → `lz4 -d`, `lz4` frame → our decoder); every truncation of a frame, every single-bit flip of
// a small frame, random garbage after the magic, a forged header claiming a 2^60-byte content
// size, and compressible data that inflates past the caller's bound.
import Foundation
import NIOCore
import Testing
import TernModel
@testable import TernWire

@Suite struct LZ4FrameTests {
    static let lz4Tool = "/usr/bin/lz4"

    /// JSON-like text: repetitive enough to compress, varied enough to exercise matches.
    static func jsonLike(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var text = ""
        var index = 0
        while text.utf8.count < count {
            let amount = Int.random(in: 0..<100_000, using: &generator)
            text += "{\"id\":\(index),\"user\":\"u\(amount % 977)\",\"amount\":\(amount),\"ok\":true},"
            index += 1
        }
        return Array(text.utf8.prefix(count))
    }

    @Test func roundTripsManySizesAndBlockSizes() throws {
        var generator = SplitMix64(seed: 4)
        let sizes = [0, 1, 2, 15, 64, 1000, 65_535, 65_536, 65_537, 300_000]
        for size in sizes {
            let random = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            for data in [random, Self.jsonLike(size, seed: UInt64(size))] {
                for blockSize in [LZ4Frame.BlockSize.max64KB, .max4MB] {
                    let options = LZ4Frame.Options(blockSize: blockSize, contentChecksum: size % 2 == 0)
                    let frame = LZ4Frame.compress(ByteBuffer(bytes: data), options: options)
                    #expect(Array(frame.readableBytesView.prefix(4)) == LZ4Frame.magic)
                    let back = try LZ4Frame.decompress(frame)
                    #expect(Array(back.readableBytesView) == data, "size \(size) block \(blockSize)")
                }
            }
        }
    }

    @Test func compressibleDataShrinks() {
        let data = Self.jsonLike(100_000, seed: 1)
        let frame = LZ4Frame.compress(ByteBuffer(bytes: data))
        #expect(frame.readableBytes < data.count / 2)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: lz4Tool), "needs /usr/bin/lz4"))
    func ourFramesDecodeWithTheLZ4Tool() throws {
        let directory = try TemporaryDirectory()
        for (index, data) in [Self.jsonLike(200_000, seed: 2), GoldenBatches.recordBytes, []].enumerated() {
            let frameFile = directory.url.appendingPathComponent("ours-\(index).lz4")
            let outFile = directory.url.appendingPathComponent("ours-\(index).out")
            let frame = LZ4Frame.compress(ByteBuffer(bytes: data))
            try Data(frame.readableBytesView).write(to: frameFile)
            try runTool(["-d", "-q", "-f", frameFile.path, outFile.path])
            #expect(try Array(Data(contentsOf: outFile)) == data, "case \(index)")
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: lz4Tool), "needs /usr/bin/lz4"))
    func toolFramesDecodeWithOurs() throws {
        let directory = try TemporaryDirectory()
        let data = Self.jsonLike(500_000, seed: 3)
        let input = directory.url.appendingPathComponent("input.json")
        try Data(data).write(to: input)
        // Default frames, linked blocks + 64 KiB blocks + block checksums, content size stored.
        let variants: [[String]] = [[], ["-BD", "-B4", "-BX"], ["--content-size", "-9"]]
        for (index, flags) in variants.enumerated() {
            let frameFile = directory.url.appendingPathComponent("tool-\(index).lz4")
            try runTool(["-q", "-f"] + flags + [input.path, frameFile.path])
            let frame = ByteBuffer(bytes: try Data(contentsOf: frameFile))
            let back = try LZ4Frame.decompress(frame)
            #expect(Array(back.readableBytesView) == data, "flags \(flags)")
        }
    }

    @Test func everyTruncationFailsCleanly() throws {
        let frame = Array(LZ4Frame.compress(ByteBuffer(bytes: Self.jsonLike(5000, seed: 5))).readableBytesView)
        for length in 0..<frame.count {
            #expect(throws: RecordBatchError.self) { try LZ4Frame.decompress(ByteBuffer(bytes: frame[..<length])) }
        }
        // Extra bytes after a complete frame are refused too: a records region is one frame.
        #expect(throws: RecordBatchError.self) { try LZ4Frame.decompress(ByteBuffer(bytes: frame + [0])) }
    }

    @Test func bitFlipsAndGarbageNeverCrash() {
        let frame = Array(LZ4Frame.compress(ByteBuffer(bytes: Self.jsonLike(300, seed: 6))).readableBytesView)
        for bit in 0..<(frame.count * 8) {
            var mutated = frame
            mutated[bit / 8] ^= UInt8(1 << (bit % 8))
            // Checksums catch most flips; either outcome is fine as long as it is not a crash
            // and any output respects the bound.
            if let out = try? LZ4Frame.decompress(ByteBuffer(bytes: mutated), maxBytes: 4096) {
                #expect(out.readableBytes <= 4096)
            }
        }
        var generator = SplitMix64(seed: 8)
        for _ in 0..<2000 {
            let tail = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            if let out = try? LZ4Frame.decompress(ByteBuffer(bytes: LZ4Frame.magic + tail), maxBytes: 4096) {
                #expect(out.readableBytes <= 4096)
            }
        }
    }

    @Test func hostileContentSizeIsRefusedBeforeAllocating() throws {
        // The forging helper reproduces the reference vector's header checksum (FLG 0x64, BD 0x70).
        #expect((xxhash32([0x64, 0x70]) >> 8) & 0xFF == 0xb9)
        // FLG 0x68: version 01, independent blocks, content size present; BD 0x70 (4 MiB).
        var header: [UInt8] = [0x68, 0x70]
        header += withUnsafeBytes(of: (UInt64(1) << 60).littleEndian, Array.init)
        let checksum = UInt8((xxhash32(header) >> 8) & 0xFF)
        let frame = LZ4Frame.magic + header + [checksum] + [0, 0, 0, 0]
        #expect {
            try LZ4Frame.decompress(ByteBuffer(bytes: frame))
        } throws: { ($0 as? RecordBatchError)?.kind == .decompressedTooLarge }
    }

    @Test func inflationPastTheBoundIsRefused() throws {
        let frame = LZ4Frame.compress(ByteBuffer(repeating: 0x41, count: 1_000_000))
        #expect(frame.readableBytes < 10_000)
        #expect {
            try LZ4Frame.decompress(frame, maxBytes: 999_999)
        } throws: { ($0 as? RecordBatchError)?.kind == .decompressedTooLarge }
        #expect(try LZ4Frame.decompress(frame, maxBytes: 1_000_000).readableBytes == 1_000_000)
    }

    /// A small frame with sarama's 4 MiB block size must not make the decoder allocate a whole
    /// block: the output grows with the content, not with the frame's declared block size.
    @Test func smallFrameWithLargeBlocksDecodesIntoASmallBuffer() throws {
        let data = Self.jsonLike(64 * 1024, seed: 7)
        let frame = LZ4Frame.compress(ByteBuffer(bytes: data), options: .default)
        #expect(frame.readableBytes > 4096)
        let back = try LZ4Frame.decompress(frame)
        #expect(Array(back.readableBytesView) == data)
        #expect(back.capacity < 1024 * 1024)
    }

    func runTool(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.lz4Tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "lz4 \(arguments) exited \(process.terminationStatus)")
    }
}

/// xxHash32 with seed 0 (the LZ4 frame header checksum is its second byte), written here from
/// the xxHash specification so the test can forge a header liblz4 will accept.
func xxhash32(_ input: [UInt8]) -> UInt32 {
    let prime1: UInt32 = 2_654_435_761, prime2: UInt32 = 2_246_822_519, prime3: UInt32 = 3_266_489_917
    let prime4: UInt32 = 668_265_263, prime5: UInt32 = 374_761_393
    precondition(input.count < 16, "short-input form only")
    var hash = prime5 &+ UInt32(input.count)
    var index = 0
    while index + 4 <= input.count {
        let lane = UInt32(input[index]) | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2]) << 16
            | UInt32(input[index + 3]) << 24
        hash = hash &+ lane &* prime3
        hash = ((hash << 17) | (hash >> 15)) &* prime4
        index += 4
    }
    while index < input.count {
        hash = hash &+ UInt32(input[index]) &* prime5
        hash = ((hash << 11) | (hash >> 21)) &* prime1
        index += 1
    }
    hash ^= hash >> 15
    hash = hash &* prime2
    hash ^= hash >> 13
    hash = hash &* prime3
    hash ^= hash >> 16
    return hash
}
