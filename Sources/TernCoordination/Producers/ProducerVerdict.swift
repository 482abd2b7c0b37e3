public import TernWire

/// The leader's decision on an idempotent batch, before it is proposed.
public enum ProducerVerdict: Sendable, Equatable {
    /// Append it.
    case accept
    /// A retry of a batch already written: do not append; answer with its original offsets.
    case duplicate(ProducerBatch)
    /// Refuse it with this error (INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER,
    /// INVALID_RECORD) and a message for the client.
    case refuse(ErrorCode, String)
}
