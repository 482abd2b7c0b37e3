public import NIOCore
public import TernModel

/// A run of whole batches in one segment file: what a fetch sends, ideally with `sendfile`
/// (wrap `file.descriptor` in a `NIOFileHandle`/`FileRegion`; duplicate the descriptor first,
/// since the region's file keeps ownership).
///
/// The region holds its file open, so it stays valid even if retention deletes the segment
/// meanwhile. Every byte in it was checked (CRC, lengths, offsets) before it was handed out.
public struct LogFileRegion: Sendable {
    /// The segment file.
    public var file: any LogFile
    /// Byte position of the first batch.
    public var position: Int
    /// Bytes of whole batches.
    public var length: Int
    /// Base offset of the first batch.
    public var firstOffset: Offset
    /// Last offset of the last batch.
    public var lastOffset: Offset

    /// Reads the region's bytes (for tests, and for callers that cannot send a file region).
    public func readBytes(allocator: ByteBufferAllocator = ByteBufferAllocator()) throws(LogFileError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: length)
        let read = try file.read(at: position, count: length, into: &buffer)
        guard read == length else {
            throw LogFileError(.read, path: file.path, errno: SystemErrno.io, kind: .io)
        }
        return buffer
    }
}

/// The answer to a read: whole batches from the first one holding the asked offset (or the
/// first after it), as file regions in log order.
public struct LogReadResult: Sendable {
    /// The batches, one region per segment touched.
    public var regions: [LogFileRegion]
    /// The offset a following read should ask for (the asked offset when nothing was read).
    public var nextOffset: Offset
    /// Total bytes of the regions.
    public var byteCount: Int { regions.reduce(0) { $0 + $1.length } }
    /// True when no batch was read.
    public var isEmpty: Bool { regions.isEmpty }

    /// All bytes, concatenated (tests and small reads).
    public func readBytes(allocator: ByteBufferAllocator = ByteBufferAllocator()) throws(LogFileError) -> ByteBuffer {
        var all = allocator.buffer(capacity: byteCount)
        for region in regions {
            var bytes = try region.readBytes(allocator: allocator)
            all.writeBuffer(&bytes)
        }
        return all
    }
}

/// Where a batch is, and what it holds (answers to lookups by timestamp).
public struct BatchLocation: Sendable, Equatable {
    /// Base offset of the batch.
    public var baseOffset: Offset
    /// Last offset of the batch.
    public var lastOffset: Offset
    /// The batch's max timestamp.
    public var maxTimestamp: TimestampMs
    /// Base offset of its segment.
    public var segmentBaseOffset: Offset
    /// Byte position in the segment.
    public var position: Int
}

/// What an append did.
public struct LogAppendInfo: Sendable, Equatable {
    /// The batch's first offset (its `baseOffset`).
    public var firstOffset: Offset
    /// The batch's last offset.
    public var lastOffset: Offset
    /// True when an fsync covering the batch completed before the call returned.
    public var isDurable: Bool
}
