internal import NIOCore
internal import TernModel
internal import TernWire

/// Why a state file could not be read or written.
public struct DurableStateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure; compare against the static members.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case io, tooShort, badMagic, unsupportedVersion, badLength, checksumMismatch, payloadTooLarge
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A file operation failed (`fileError`).
        public static let io = Kind(.io)
        /// Fewer bytes than the smallest valid file.
        public static let tooShort = Kind(.tooShort)
        /// The file does not start with the state-file magic.
        public static let badMagic = Kind(.badMagic)
        /// A format version this build does not know.
        public static let unsupportedVersion = Kind(.unsupportedVersion)
        /// The recorded payload length disagrees with the file size.
        public static let badLength = Kind(.badLength)
        /// The CRC-32C does not match: the file is damaged.
        public static let checksumMismatch = Kind(.checksumMismatch)
        /// The payload exceeds `Limits.durableStatePayloadBytesMax`.
        public static let payloadTooLarge = Kind(.payloadTooLarge)

        /// The kind's name, for logs.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var kind: Kind
    /// Specifics for an operator.
    public var detail: String
    /// The file-system error behind an `io` error.
    public var fileError: LogFileError?

    init(_ kind: Kind, _ detail: String, fileError: LogFileError? = nil) {
        self.kind = kind
        self.detail = detail
        self.fileError = fileError
    }

    /// One line for logs.
    public var description: String { "state file \(kind): \(detail)" }
}

/// A small file replaced atomically, for state that must survive crashes whole or not at all:
/// Raft's term and vote (ARCHITECTURE.md: `raft.state`), snapshot metadata.
///
/// Format (big-endian): magic `TSTF`, version (UInt16, 1), reserved (UInt16, 0), payload length
/// (UInt32), payload, CRC-32C of everything before it (UInt32).
///
/// `write` goes to `<name>.tmp`, fsyncs it, renames it over `<name>`, and fsyncs the directory:
/// a crash at any point leaves the old value or the new one, never a mix. A leftover `.tmp` is
/// ignored (the rename never happened, so the old value is the truth).
public struct DurableStateFile: Sendable {
    /// The file system holding the file.
    public let fileSystem: any LogFileSystem
    /// The directory holding the file.
    public let directory: String
    /// The file's name in `directory`.
    public let name: String

    static let magic: [UInt8] = Array("TSTF".utf8)
    static let version: UInt16 = 1
    static let headerSize = 12
    static let checksumSize = 4

    /// A state file `name` in `directory`.
    public init(fileSystem: any LogFileSystem, directory: String, name: String) {
        self.fileSystem = fileSystem
        self.directory = directory
        self.name = name
    }

    var path: String { fileSystem.path(directory, name) }
    var temporaryPath: String { fileSystem.path(directory, name + ".tmp") }

    /// The stored payload, or nil if the file does not exist. A damaged file is an error,
    /// never a guess.
    public func read() throws(DurableStateError) -> [UInt8]? {
        let file: any LogFile
        do throws(LogFileError) {
            file = try fileSystem.openFile(path, mode: .existing)
        } catch {
            if error.kind == .notFound { return nil }
            throw DurableStateError(.io, error.description, fileError: error)
        }
        let size: Int
        do throws(LogFileError) {
            size = try file.size()
        } catch {
            throw DurableStateError(.io, error.description, fileError: error)
        }
        // Refused before anything is allocated: a huge file here is damage, not state.
        guard size <= Self.headerSize + Limits.durableStatePayloadBytesMax + Self.checksumSize else {
            throw DurableStateError(.payloadTooLarge, "file of \(size) bytes")
        }
        let bytes: ByteBuffer
        do throws(LogFileError) {
            bytes = try file.read(at: 0, count: size)
        } catch {
            throw DurableStateError(.io, error.description, fileError: error)
        }
        return try Self.decode(bytes)
    }

    /// Replaces the stored payload atomically and durably.
    public func write(_ payload: [UInt8]) throws(DurableStateError) {
        guard payload.count <= Limits.durableStatePayloadBytesMax else {
            throw DurableStateError(.payloadTooLarge, "payload of \(payload.count) bytes")
        }
        let encoded = Self.encode(payload)
        do throws(LogFileError) {
            let file = try fileSystem.openFile(temporaryPath, mode: .createTruncating)
            try file.write(encoded, at: 0)
            try file.sync()
            try fileSystem.rename(temporaryPath, to: path)
            try fileSystem.syncDirectory(directory)
        } catch {
            throw DurableStateError(.io, error.description, fileError: error)
        }
    }

    static func encode(_ payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: headerSize + payload.count + checksumSize)
        buffer.writeBytes(magic)
        buffer.writeInteger(version, endianness: .big)
        buffer.writeInteger(UInt16(0), endianness: .big)
        buffer.writeInteger(UInt32(payload.count), endianness: .big)
        buffer.writeBytes(payload)
        buffer.writeInteger(CRC32C.checksum(buffer), endianness: .big)
        return buffer
    }

    static func decode(_ bytes: ByteBuffer) throws(DurableStateError) -> [UInt8] {
        guard bytes.readableBytes >= headerSize + checksumSize else {
            throw DurableStateError(.tooShort, "\(bytes.readableBytes) bytes")
        }
        let start = bytes.readerIndex
        guard bytes.getBytes(at: start, length: 4) == magic else { throw DurableStateError(.badMagic, "not a state file") }
        let version = bytes.getInteger(at: start + 4, endianness: .big, as: UInt16.self)!
        let length = Int(bytes.getInteger(at: start + 8, endianness: .big, as: UInt32.self)!)
        let stored = bytes.getInteger(at: start + bytes.readableBytes - checksumSize, endianness: .big, as: UInt32.self)!
        let covered = bytes.getSlice(at: start, length: bytes.readableBytes - checksumSize)!
        // The checksum first: a damaged version or length field must read as damage.
        guard CRC32C.checksum(covered) == stored else { throw DurableStateError(.checksumMismatch, "CRC-32C mismatch") }
        guard version == Self.version else { throw DurableStateError(.unsupportedVersion, "version \(version)") }
        guard headerSize + length + checksumSize == bytes.readableBytes else {
            throw DurableStateError(.badLength, "payload length \(length) in a \(bytes.readableBytes)-byte file")
        }
        return bytes.getBytes(at: start + headerSize, length: length)!
    }
}
