public import TernModel
public import TernRaft

/// Fixed 64-bit digests of entries and of the replicated state machine.
///
/// Why digests: the checker compares every node's entries and applied state against one
/// reference history after every step; comparing a word is cheap where comparing payloads is
/// not, and a snapshot can carry the applied state as one word (snapshot equivalence: state
/// from snapshot plus suffix must equal state from full replay).
public enum EntryDigest {
    /// The digest of the empty state machine (nothing applied).
    public static let emptyState: UInt64 = 0x5445_524E_5349_4D00

    /// A digest of everything that makes an entry itself: span, term, kind and payload.
    public static func of(_ entry: Entry) -> UInt64 {
        var hash = TraceHash()
        hash.combine(entry.first.rawValue)
        hash.combine(entry.last.rawValue)
        hash.combine(entry.term.rawValue)
        switch entry.kind {
        case .normal:
            hash.combine(1)
        case .leaderChange:
            hash.combine(2)
        case .configuration(let configuration):
            hash.combine(3)
            for voter in configuration.voters { hash.combine(Int64(voter.rawValue)) }
            hash.combine(-1)
            for learner in configuration.learners { hash.combine(Int64(learner.rawValue)) }
        }
        hash.combine(bytes: entry.payload)
        return hash.value
    }

    /// The state after applying an entry with digest `entry` to state `state`.
    public static func fold(state: UInt64, entry: UInt64) -> UInt64 {
        var hash = TraceHash()
        hash.combine(state)
        hash.combine(entry)
        return hash.value
    }
}

/// The payload of a simulated client batch: the proposal's unique id, little-endian, then one
/// filler byte per record (so payload sizes vary with the record count, as batches do).
public enum ProposalPayload {
    /// Encodes a proposal.
    public static func encode(id: UInt64, recordCount: Int) -> [UInt8] {
        precondition(recordCount >= 1, "a batch has at least one record")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + recordCount)
        var remaining = id
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: remaining))
            remaining >>= 8
        }
        bytes.append(contentsOf: repeatElement(UInt8(truncatingIfNeeded: recordCount), count: recordCount))
        return bytes
    }

    /// The proposal id in a payload, or nil if the payload is not one of ours.
    public static func id(in payload: [UInt8]) -> UInt64? {
        guard payload.count >= 8 else { return nil }
        var value: UInt64 = 0
        for position in (0..<8).reversed() {
            value = (value << 8) | UInt64(payload[position])
        }
        return value
    }
}

/// The application state a simulated snapshot carries: the index it stands at and the state
/// digest there (16 bytes).
public struct SnapshotState: Equatable, Sendable {
    /// The index the snapshot stands at, and the state digest there.
    public var index: Offset
    public var digest: UInt64

    /// The state at `index`.
    public init(index: Offset, digest: UInt64) {
        self.index = index
        self.digest = digest
    }

    /// Serialised for `Snapshot.data`.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for word in [UInt64(bitPattern: index.rawValue), digest] {
            var remaining = word
            for _ in 0..<8 {
                bytes.append(UInt8(truncatingIfNeeded: remaining))
                remaining >>= 8
            }
        }
        return bytes
    }

    /// Parses `Snapshot.data`; nil for anything but 16 bytes (the bootstrap snapshot is empty).
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        func word(at start: Int) -> UInt64 {
            var value: UInt64 = 0
            for position in (start..<(start + 8)).reversed() {
                value = (value << 8) | UInt64(bytes[position])
            }
            return value
        }
        self.index = Offset(Int64(bitPattern: word(at: 0)))
        self.digest = word(at: 8)
    }
}
