internal import CLZ4
public import NIOCore
public import TernModel

/// The standard LZ4 frame format (codec 3 of RecordBatch v2) through liblz4's lz4frame API.
///
/// Compression writes what sarama (pierrec/lz4) writes and what PROTOCOL.md §2.4's vector holds:
/// 4 MiB independent blocks with a content checksum and no content size, so the reference batch
/// re-encodes byte for byte. Any conforming frame decompresses (linked blocks, 64 KiB blocks,
/// block checksums, content size: librdkafka and the Java client emit those).
///
/// Decompression never trusts the frame: output is bounded by the caller's maximum (at most
/// `Limits.decompressedBatchBytesMax`), a frame that claims a larger content size is refused
/// before anything is allocated, and truncated, corrupt or trailing bytes give
/// `RecordBatchError` (`.decompressionFailed` or `.decompressedTooLarge`), never a trap.
public enum LZ4Frame {
    /// The frame parameters used when compressing.
    public struct Options: Sendable, Equatable {
        /// Largest block: 4 MiB matches sarama and the reference vector; smaller blocks make
        /// decoders allocate less.
        public var blockSize: BlockSize
        /// Whether to append the xxhash32 of the content (FLG bit 2).
        public var contentChecksum: Bool

        /// Creates options; the defaults reproduce sarama's frames.
        public init(blockSize: BlockSize = .max4MB, contentChecksum: Bool = true) {
            self.blockSize = blockSize
            self.contentChecksum = contentChecksum
        }

        /// sarama / pierrec/lz4 frames, as in PROTOCOL.md §2.4.
        public static let `default` = Options()
    }

    /// LZ4 frame block-size ids (the BD byte).
    public enum BlockSize: Sendable, Equatable {
        case max64KB, max256KB, max1MB, max4MB
    }

    /// The four magic bytes every LZ4 frame starts with (0x184D2204 little-endian).
    public static let magic: [UInt8] = [0x04, 0x22, 0x4D, 0x18]

    /// Appends `input`'s readable bytes as one LZ4 frame to `output`.
    ///
    /// - Precondition: `input` is no larger than `Limits.decompressedBatchBytesMax` (what we
    ///   compress is a batch we built, and a decoder would refuse anything larger).
    public static func compress(_ input: ByteBuffer, into output: inout ByteBuffer, options: Options = .default) {
        precondition(input.readableBytes <= Limits.decompressedBatchBytesMax, "records region too large to compress")
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = options.blockSize.lz4ID
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentChecksumFlag =
            options.contentChecksum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum
        preferences.autoFlush = 1
        var context: OpaquePointer? = nil
        let created = LZ4F_createCompressionContext(&context, UInt32(LZ4F_VERSION))
        precondition(LZ4F_isError(created) == 0, "LZ4F_createCompressionContext: \(errorName(created))")
        defer { LZ4F_freeCompressionContext(context) }
        let bound = Int(LZ4F_HEADER_SIZE_MAX) + LZ4F_compressBound(input.readableBytes, &preferences)
        _ = input.withUnsafeReadableBytes { source in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                let base = target.baseAddress!
                var written = LZ4F_compressBegin(context, base, target.count, &preferences)
                precondition(LZ4F_isError(written) == 0, "LZ4F_compressBegin: \(errorName(written))")
                let body = LZ4F_compressUpdate(
                    context, base + written, target.count - written, source.baseAddress, source.count, nil)
                precondition(LZ4F_isError(body) == 0, "LZ4F_compressUpdate: \(errorName(body))")
                written += body
                let end = LZ4F_compressEnd(context, base + written, target.count - written, nil)
                precondition(LZ4F_isError(end) == 0, "LZ4F_compressEnd: \(errorName(end))")
                return written + end
            }
        }
    }

    /// Compresses `input` into a new buffer.
    public static func compress(_ input: ByteBuffer, options: Options = .default) -> ByteBuffer {
        var output = ByteBuffer()
        compress(input, into: &output, options: options)
        return output
    }

    /// Decompresses one whole LZ4 frame (`frame`'s readable bytes, nothing after it).
    ///
    /// - Parameter maxBytes: most bytes the content may have; clamped to
    ///   `Limits.decompressedBatchBytesMax`.
    /// - Throws: `.decompressedTooLarge` past the bound; `.decompressionFailed` for a frame that
    ///   is truncated, corrupt, fails a checksum, or is followed by extra bytes.
    public static func decompress(
        _ frame: ByteBuffer, maxBytes: Int = Limits.decompressedBatchBytesMax
    ) throws(RecordBatchError) -> ByteBuffer {
        let limit = max(0, min(maxBytes, Limits.decompressedBatchBytesMax))
        var context: OpaquePointer? = nil
        let created = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(created) == 0 else {
            throw RecordBatchError(.decompressionFailed, "cannot create LZ4 context: \(errorName(created))")
        }
        defer { LZ4F_freeDecompressionContext(context) }
        let result: Result<ByteBuffer, RecordBatchError> = frame.withUnsafeReadableBytes { source in
            var decoder = FrameDecoder(context: context, source: source, limit: limit)
            do throws(RecordBatchError) {
                return .success(try decoder.run())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func errorName(_ code: Int) -> String {
        String(cString: LZ4F_getErrorName(code))
    }
}

extension LZ4Frame.BlockSize {
    var lz4ID: LZ4F_blockSizeID_t {
        switch self {
        case .max64KB: return LZ4F_max64KB
        case .max256KB: return LZ4F_max256KB
        case .max1MB: return LZ4F_max1MB
        case .max4MB: return LZ4F_max4MB
        }
    }
}

/// The bounded `LZ4F_decompress` loop over one frame held in memory.
private struct FrameDecoder {
    let context: OpaquePointer?
    let source: UnsafeRawBufferPointer
    let limit: Int
    /// Most bytes the frame can possibly inflate to: the caller's bound, and LZ4's maximum
    /// ratio (a compressed byte expands to at most 255 bytes) applied to the input.
    let ceiling: Int
    /// Room offered to the first `LZ4F_decompress` call: the declared content size when the
    /// frame has one, else a guess from the input; later calls double it. Sizing by the frame's
    /// block size instead would allocate 4 MiB for every sarama-style frame, however small.
    var initialRoom = 64 * 1024
    var consumed = 0
    var output = ByteBuffer()

    init(context: OpaquePointer?, source: UnsafeRawBufferPointer, limit: Int) {
        self.context = context
        self.source = source
        self.limit = limit
        self.ceiling = min(limit + 1, 256 * source.count + 1024)
    }

    /// Reads the frame header (refusing a hostile content size), then inflates block by block.
    /// Each round either consumes input or produces output, or fails: the round count is
    /// bounded by input plus output bytes, a limit that is never reached by a working decoder.
    mutating func run() throws(RecordBatchError) -> ByteBuffer {
        let declared = try readFrameInfo()
        initialRoom = max(1, min(ceiling, declared ?? max(64 * 1024, 4 * source.count)))
        output.reserveCapacity(initialRoom)
        let roundsMax = source.count + limit + 2
        var hint = 1
        for _ in 0..<roundsMax {
            if hint == 0 { break }
            let before = (consumed, output.readableBytes)
            hint = try step()
            guard output.readableBytes <= limit else {
                throw RecordBatchError(.decompressedTooLarge, "LZ4 content exceeds \(limit) bytes")
            }
            // No progress with input left is a decoder fault; with none left, the frame is cut.
            guard before != (consumed, output.readableBytes) else {
                let what = consumed == source.count ? "truncated after \(consumed) bytes" : "stalled"
                throw RecordBatchError(.decompressionFailed, "LZ4 frame \(what)")
            }
        }
        guard hint == 0 else { throw RecordBatchError(.decompressionFailed, "LZ4 frame did not end") }
        guard consumed == source.count else {
            throw RecordBatchError(.decompressionFailed, "\(source.count - consumed) bytes after the LZ4 frame")
        }
        if let declared, declared != output.readableBytes {
            throw RecordBatchError(.decompressionFailed, "LZ4 content size \(declared), got \(output.readableBytes)")
        }
        return output
    }

    /// Parses the frame header; returns the declared content size, if any.
    private mutating func readFrameInfo() throws(RecordBatchError) -> Int? {
        var info = LZ4F_frameInfo_t()
        var size = source.count
        let hint = LZ4F_getFrameInfo(context, &info, source.baseAddress, &size)
        guard LZ4F_isError(hint) == 0 else {
            throw RecordBatchError(.decompressionFailed, "LZ4 frame header: \(LZ4Frame.errorName(hint))")
        }
        consumed = size
        guard info.contentSize != 0 else { return nil }
        guard info.contentSize <= UInt64(limit) else {
            throw RecordBatchError(
                .decompressedTooLarge, "LZ4 frame declares \(info.contentSize) bytes, limit \(limit)")
        }
        return Int(info.contentSize)
    }

    /// One `LZ4F_decompress` call into the output's free space: `initialRoom` at first, then as
    /// much as already produced (geometric growth), never past what the input can inflate to nor
    /// `limit + 1` bytes in all (so crossing the bound is detected without inflating further).
    private mutating func step() throws(RecordBatchError) -> Int {
        let produced = output.readableBytes
        let room = min(limit + 1 - produced, max(1, min(ceiling - produced, max(initialRoom, produced))))
        var hint = 0
        var sourceSize = source.count - consumed
        let input = source.baseAddress.map { $0 + consumed }
        let context = self.context
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: room) { target in
            var targetSize = min(target.count, limit + 1 - produced)
            hint = LZ4F_decompress(context, target.baseAddress, &targetSize, input, &sourceSize, nil)
            return LZ4F_isError(hint) == 0 ? targetSize : 0
        }
        guard LZ4F_isError(hint) == 0 else {
            throw RecordBatchError(.decompressionFailed, "LZ4: \(LZ4Frame.errorName(hint))")
        }
        consumed += sourceSize
        return hint
    }
}
