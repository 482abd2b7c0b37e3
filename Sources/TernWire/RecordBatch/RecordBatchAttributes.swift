/// The compression codec of a batch's records region (attribute bits 0–2).
public enum CompressionCodec: Int16, Sendable, CaseIterable {
    /// Records stored as they are.
    case none = 0
    /// gzip: recognised, refused with UNSUPPORTED_COMPRESSION_TYPE until an issue asks for it.
    case gzip = 1
    /// snappy (xerial framing): recognised and refused like gzip.
    case snappy = 2
    /// The standard LZ4 frame format (liblz4's lz4frame): implemented.
    case lz4 = 3
    /// zstd: recognised and refused like gzip.
    case zstd = 4

    /// Whether Tern can compress and decompress this codec.
    public var isSupported: Bool { self == .none || self == .lz4 }
}

/// Kafka's two timestamp meanings (attribute bit 3).
public enum TimestampType: Sendable, Equatable {
    /// The producer's clock.
    case createTime
    /// The broker's clock at append (the broker rewrites `maxTimestamp`).
    case logAppendTime
}

/// The int16 `attributes` field of a RecordBatch v2 header.
///
/// Kept as the raw value so that bits Tern does not interpret (bit 6, hasDeleteHorizonMs, and
/// the reserved bits) survive a decode/encode round trip byte for byte.
public struct RecordBatchAttributes: Sendable, Hashable, RawRepresentable {
    /// The field exactly as on the wire.
    public var rawValue: Int16

    /// Wraps the wire value.
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// Builds attributes from their meanings; reserved bits are zero.
    public init(
        compression: CompressionCodec = .none, timestampType: TimestampType = .createTime,
        isTransactional: Bool = false, isControlBatch: Bool = false
    ) {
        var raw = compression.rawValue
        if timestampType == .logAppendTime { raw |= Self.timestampTypeBit }
        if isTransactional { raw |= Self.transactionalBit }
        if isControlBatch { raw |= Self.controlBit }
        self.rawValue = raw
    }

    static let codecMask: Int16 = 0x07
    static let timestampTypeBit: Int16 = 0x08
    static let transactionalBit: Int16 = 0x10
    static let controlBit: Int16 = 0x20
    static let deleteHorizonBit: Int16 = 0x40

    /// The raw codec number (0–7); values 5–7 are not defined by Kafka.
    public var codecNumber: Int16 { rawValue & Self.codecMask }

    /// The codec, or nil for the undefined numbers 5–7.
    public var compression: CompressionCodec? {
        get { CompressionCodec(rawValue: codecNumber) }
        set {
            precondition(newValue != nil, "a batch always has a codec")
            rawValue = (rawValue & ~Self.codecMask) | (newValue?.rawValue ?? 0)
        }
    }

    /// CreateTime or LogAppendTime (bit 3).
    public var timestampType: TimestampType {
        get { rawValue & Self.timestampTypeBit != 0 ? .logAppendTime : .createTime }
        set { setBit(Self.timestampTypeBit, newValue == .logAppendTime) }
    }

    /// Part of a transaction (bit 4).
    public var isTransactional: Bool {
        get { rawValue & Self.transactionalBit != 0 }
        set { setBit(Self.transactionalBit, newValue) }
    }

    /// A control batch: transaction markers or Raft LEADER_CHANGE (bit 5).
    public var isControlBatch: Bool {
        get { rawValue & Self.controlBit != 0 }
        set { setBit(Self.controlBit, newValue) }
    }

    /// The batch carries a delete horizon (bit 6, KIP-534 compaction); preserved, not used.
    public var hasDeleteHorizonMs: Bool { rawValue & Self.deleteHorizonBit != 0 }

    private mutating func setBit(_ bit: Int16, _ on: Bool) {
        rawValue = on ? rawValue | bit : rawValue & ~bit
    }
}
