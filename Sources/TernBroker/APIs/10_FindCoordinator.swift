// FindCoordinator (key 10): v0–v4.
//
// Behaviour:
// - Key type 0 (group): the leader of the group's `__consumer_offsets` partition (Kafka's hash,
//   `abs(javaHashCode(group)) % partitions`), as `liveLeadership` sees it, with its address.
//   COORDINATOR_NOT_AVAILABLE while the topic does not exist yet or the partition has no leader
//   (clients retry). An empty group id is INVALID_REQUEST, as in Kafka.
// - Key type 1 (transaction): COORDINATOR_NOT_AVAILABLE: Tern has no transactions.
// - Other key types: INVALID_REQUEST.
// - v4 answers every key of `CoordinatorKeys` (batched, KIP-699); v0–v3 the single `Key`.
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire

extension Broker {
    func findCoordinator(_ request: FindCoordinatorRequest, _ head: KafkaRequestHead) -> FindCoordinatorResponse {
        let keys = head.apiVersion >= 4 ? request.coordinatorKeys : [request.key]
        let brokers = knownBrokers
        let answers = keys.prefix(Limits.listedGroupsMax).map { key -> FindCoordinatorResponse.Coordinator in
            let (error, message, node): (ErrorCode, String?, Int32?)
            switch request.keyType {
            case 0 where key.isEmpty:
                (error, message, node) = (.invalidRequest, "the group id is empty", nil)
            case 0:
                if let partition = offsetsPartition(of: key), let leader = liveLeadership(of: partition)?.leader {
                    (error, message, node) = (.noError, nil, leader.rawValue)
                } else {
                    (error, message, node) = (.coordinatorNotAvailable, "The coordinator is not available.", nil)
                }
            case 1:
                (error, message, node) = (.coordinatorNotAvailable, "Tern has no transactions", nil)
            default:
                (error, message, node) = (.invalidRequest, "unknown coordinator key type \(request.keyType)", nil)
            }
            guard let node, let broker = brokers.first(where: { $0.id == node }) else {
                let failure = error == .noError ? ErrorCode.coordinatorNotAvailable : error
                return FindCoordinatorResponse.Coordinator(
                    key: key, nodeId: -1, host: "", port: -1, errorCode: failure.rawValue,
                    errorMessage: message ?? "The coordinator is not available.")
            }
            return FindCoordinatorResponse.Coordinator(
                key: key, nodeId: node, host: broker.host, port: broker.port, errorCode: 0, errorMessage: nil)
        }
        if head.apiVersion >= 4 { return FindCoordinatorResponse(coordinators: Array(answers)) }
        let one = answers.first ?? FindCoordinatorResponse.Coordinator(
            key: "", nodeId: -1, host: "", port: -1, errorCode: ErrorCode.invalidRequest.rawValue, errorMessage: nil)
        return FindCoordinatorResponse(
            errorCode: one.errorCode, errorMessage: one.errorMessage, nodeId: one.nodeId, host: one.host, port: one.port)
    }
}
