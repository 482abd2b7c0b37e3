internal import CCRC32C
public import NIOCore

/// CRC-32C (Castagnoli), the checksum of Kafka RecordBatch v2, from the `CCRC32C` C target.
///
/// `checksum` uses the CPU's CRC instructions when present (SSE4.2 on x86_64, the ARMv8 CRC32
/// extension on arm64) and slicing-by-8 tables otherwise; `portableChecksum` and
/// `hardwareChecksum` force one path so tests and benchmarks can compare them. Every function
/// takes the finalised CRC of the bytes before (0 for none) so a checksum can be continued
/// across discontiguous pieces.
public enum CRC32C {
    /// True when the hardware path really uses CPU instructions on this machine.
    public static var isHardwareAvailable: Bool { tern_crc32c_hardware_available() != 0 }

    /// The CRC-32C of `bytes`, continuing `crc`.
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        fastest(crc, bytes)
    }

    /// The CRC-32C of `buffer`'s readable bytes, continuing `crc`.
    @inlinable
    public static func checksum(_ buffer: ByteBuffer, continuing crc: UInt32 = 0) -> UInt32 {
        buffer.withUnsafeReadableBytes { fastest(crc, $0) }
    }

    /// The CRC-32C of a byte array (or any contiguous byte collection), continuing `crc`.
    @inlinable
    public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { fastest(crc, $0) }
    }

    /// The table-driven implementation, whatever the CPU offers.
    public static func portableChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        tern_crc32c_extend_portable(crc, bytes.baseAddress, bytes.count)
    }

    /// The CPU-instruction implementation (falls back to the tables where there are none; see
    /// `isHardwareAvailable`).
    public static func hardwareChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        tern_crc32c_extend_hardware(crc, bytes.baseAddress, bytes.count)
    }

    @usableFromInline
    static func fastest(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        tern_crc32c_extend(crc, bytes.baseAddress, bytes.count)
    }
}
