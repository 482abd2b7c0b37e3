internal import NIOCore

/// A read-ahead window over one file region, so a walk over many small batches costs one
/// `pread` per chunk rather than one per batch.
struct FileWindow {
    let file: any LogFile
    /// Bytes past this position are not part of the walk (the segment's valid size).
    let end: Int
    /// Bytes read per refill, unless a single request needs more.
    let chunkSize: Int
    private var buffer: ByteBuffer
    private var bufferStart = 0

    init(file: any LogFile, end: Int, chunkSize: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        precondition(chunkSize > 0, "a window reads something")
        self.file = file
        self.end = end
        self.chunkSize = chunkSize
        // Sized for the walk, not the chunk: most walks cover a few small batches.
        self.buffer = allocator.buffer(capacity: 0)
    }

    /// The bytes `[position, position + count)`, cut short at `end`; a view into the window.
    mutating func bytes(at position: Int, count: Int) throws(LogFileError) -> ByteBuffer {
        precondition(position >= 0, "negative position")
        let wanted = max(0, min(count, end - position))
        let windowEnd = bufferStart + buffer.readableBytes
        if position < bufferStart || position + wanted > windowEnd {
            buffer.clear()
            bufferStart = position
            let length = min(max(wanted, chunkSize), end - position)
            if length > 0 { _ = try file.read(at: position, count: length, into: &buffer) }
        }
        let available = min(wanted, bufferStart + buffer.readableBytes - position)
        return buffer.getSlice(at: buffer.readerIndex + position - bufferStart, length: max(0, available))!
    }
}
