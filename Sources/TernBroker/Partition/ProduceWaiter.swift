public import TernModel
import TernRaft
public import TernWire

/// What became of one produce on one partition.
public enum ProduceOutcome: Sendable, Equatable {
    /// Written (and, for acks=all, committed): the batch's base offset and the log start then.
    case appended(baseOffset: Offset, logStartOffset: Offset)
    /// Not written, or not known to be (a timeout or leader change: the client retries).
    case failed(ErrorCode)
}

/// The acknowledgement a producer asked for (Kafka `acks`).
public enum RequiredAcks: Sendable, Equatable {
    /// acks=0: no answer at all.
    case none
    /// acks=1: after the leader's local append.
    case leader
    /// acks=all (-1): after the batch is committed, i.e. fsynced on a majority of the voters.
    case all

    /// The Kafka value, or nil for a value Kafka refuses with INVALID_REQUIRED_ACKS.
    public init?(kafkaValue: Int16) {
        switch kafkaValue {
        case 0: self = .none
        case 1: self = .leader
        case -1: self = .all
        default: return nil
        }
    }
}

/// A produce waiting on its partition's executor for its acknowledgement.
struct ProduceWaiter {
    /// The proposed entry (index = the batch's last offset).
    var entry: EntryID
    /// The batch's base offset, answered to the client.
    var baseOffset: Offset
    /// acks=1 or acks=all.
    var acks: RequiredAcks
    /// When the client's `TimeoutMs` runs out (REQUEST_TIMED_OUT).
    var deadline: TimestampMs
    /// Completed exactly once, with the outcome.
    var ticket: ProduceTicket
}
