public import NIOCore
import Glibc

/// A piece of a response body: bytes in memory, or a range of a file sent with `sendfile`
/// (zero-copy: Fetch sends stored record batches straight from the segment files).
public enum ResponsePart: Sendable {
    /// Bytes in memory.
    case bytes(ByteBuffer)
    /// `length` bytes of `file` from `offset`.
    case file(ResponseFile, offset: Int, length: Int)

    /// Bytes this part puts on the wire.
    public var byteCount: Int {
        switch self {
        case .bytes(let buffer): buffer.readableBytes
        case .file(_, _, let length): length
        }
    }
}

/// A file descriptor kept open for a response: a duplicate of the caller's, so the file stays
/// readable even if its owner closes or removes it before the response is written (the bytes
/// still on disk are sent; a file truncated meanwhile makes the send fail and the connection
/// close, and the client retries). Closed when the last reference goes.
public final class ResponseFile: Sendable {
    /// The duplicated descriptor.
    let descriptor: CInt

    /// Duplicates `descriptor`; nil if the process is out of descriptors.
    public init?(duplicating descriptor: CInt) {
        let copy = dup(descriptor)
        guard copy >= 0 else { return nil }
        self.descriptor = copy
    }

    deinit { close(descriptor) }

    /// A `FileRegion` over a fresh duplicate (NIO owns and closes the handle it is given).
    func region(offset: Int, length: Int) -> (FileRegion, NIOFileHandle)? {
        let copy = dup(descriptor)
        guard copy >= 0 else { return nil }
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
        return (FileRegion(fileHandle: handle, readerIndex: offset, endIndex: offset + length), handle)
    }

    /// Reads the range into memory (tests, and in-process callers without a socket).
    public func read(offset: Int, length: Int) -> ByteBuffer? {
        var buffer = ByteBufferAllocator().buffer(capacity: length)
        let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { pointer in
            let count = pread(descriptor, pointer.baseAddress, length, off_t(offset))
            return count < 0 ? 0 : count
        }
        return read == length ? buffer : nil
    }
}

extension KafkaResponseAction {
    /// The body as one buffer (file ranges read into memory), or nil for `.noResponse`,
    /// `.closeConnection` and unreadable file ranges: for in-process callers and tests, which
    /// have no socket to `sendfile` to.
    public func flattenedBody() -> ByteBuffer? {
        switch self {
        case .response(let body):
            return body
        case .responseParts(let parts):
            var buffer = ByteBuffer()
            for part in parts {
                switch part {
                case .bytes(var bytes):
                    buffer.writeBuffer(&bytes)
                case .file(let file, let offset, let length):
                    guard var bytes = file.read(offset: offset, length: length) else { return nil }
                    buffer.writeBuffer(&bytes)
                }
            }
            return buffer
        case .noResponse, .closeConnection:
            return nil
        }
    }
}
