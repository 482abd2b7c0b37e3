// Goal: Kafka error codes carry Kafka's names and retriable classification, and unknown codes
// survive as values.
// Method: spot checks against Apache Kafka's Errors.java and the RetriableException hierarchy
// for the codes the broker sends most, plus table-wide invariants (contiguous -1...129, unique
// upper-snake-case names).

import Testing
import TernWire

@Suite("Kafka error codes")
struct ErrorCodeTests {
    @Test("names and retriable flags of the codes the broker uses")
    func spotChecks() {
        let cases: [(ErrorCode, Int16, String, Bool)] = [
            (.unknownServerError, -1, "UNKNOWN_SERVER_ERROR", false),
            (.noError, 0, "NONE", false),
            (.offsetOutOfRange, 1, "OFFSET_OUT_OF_RANGE", false),
            (.corruptMessage, 2, "CORRUPT_MESSAGE", true),
            (.unknownTopicOrPartition, 3, "UNKNOWN_TOPIC_OR_PARTITION", true),
            (.leaderNotAvailable, 5, "LEADER_NOT_AVAILABLE", true),
            (.notLeaderOrFollower, 6, "NOT_LEADER_OR_FOLLOWER", true),
            (.requestTimedOut, 7, "REQUEST_TIMED_OUT", true),
            (.messageTooLarge, 10, "MESSAGE_TOO_LARGE", false),
            (.coordinatorLoadInProgress, 14, "COORDINATOR_LOAD_IN_PROGRESS", true),
            (.notCoordinator, 16, "NOT_COORDINATOR", true),
            (.notEnoughReplicas, 19, "NOT_ENOUGH_REPLICAS", true),
            (.rebalanceInProgress, 27, "REBALANCE_IN_PROGRESS", false),
            (.unsupportedVersion, 35, "UNSUPPORTED_VERSION", false),
            (.topicAlreadyExists, 36, "TOPIC_ALREADY_EXISTS", false),
            (.invalidRequest, 42, "INVALID_REQUEST", false),
            (.outOfOrderSequenceNumber, 45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false),
            (.duplicateSequenceNumber, 46, "DUPLICATE_SEQUENCE_NUMBER", false),
            (.kafkaStorageError, 56, "KAFKA_STORAGE_ERROR", true),
            (.fencedLeaderEpoch, 74, "FENCED_LEADER_EPOCH", true),
            (.unsupportedCompressionType, 76, "UNSUPPORTED_COMPRESSION_TYPE", false),
            (.unknownTopicId, 100, "UNKNOWN_TOPIC_ID", true),
            (.transactionAbortable, 120, "TRANSACTION_ABORTABLE", false),
            (.rebootstrapRequired, 129, "REBOOTSTRAP_REQUIRED", false),
        ]
        for (code, raw, name, retriable) in cases {
            #expect(code.rawValue == raw)
            #expect(code.name == name)
            #expect(code.isRetriable == retriable, "\(name)")
            #expect(code.description == "\(name)(\(raw))")
        }
    }

    @Test("the table covers -1...129 with unique upper-snake-case names")
    func table() {
        let all = ErrorCode.allKnown
        #expect(all.first?.rawValue == -1)
        #expect(ErrorCode.highestKnown >= 120)
        #expect(all.count == Int(ErrorCode.highestKnown) + 2)
        let names = all.compactMap(\.name)
        #expect(names.count == all.count)
        #expect(Set(names).count == names.count)
        for name in names {
            #expect(name.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }, "\(name)")
        }
    }

    @Test("unknown codes keep their value, print as unknown and are not retriable")
    func unknown() {
        let code = ErrorCode(rawValue: 9_999)
        #expect(!code.isKnown)
        #expect(code.name == nil)
        #expect(!code.isRetriable)
        #expect(code.description == "UNKNOWN_CODE(9999)")
        #expect(ErrorCode(rawValue: -2).name == nil)
        #expect(ErrorCode.noError.isSuccess)
    }
}
