// DeleteTopics (key 20): v1–v6.
//
// Behaviour:
// - Any broker accepts it; the deletion is durable in the cluster metadata before the
//   partitions are closed and their directories removed (a crash in between is finished at the
//   next start, which removes directories of partitions the metadata no longer has).
// - v1–v5 delete by name; v6 by name or by topic id (UNKNOWN_TOPIC_ID for an unknown id).
// - An unknown topic: UNKNOWN_TOPIC_OR_PARTITION.
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire
import TernController

extension Broker {
    func deleteTopics(_ request: DeleteTopicsRequest, _ head: KafkaRequestHead) async -> DeleteTopicsResponse {
        let image = state.withLock { $0.image }
        // Each requested entry resolved to a name, or answered at once (unknown id).
        var names: [String?] = []
        var answers: [DeleteTopicsResponse.DeletableTopicResult] = []
        if head.apiVersion >= 6 {
            for entry in request.topics {
                if let name = entry.name {
                    names.append(name)
                } else if let topic = image.topic(withID: entry.topicId.high, entry.topicId.low) {
                    names.append(topic.name)
                } else {
                    names.append(nil)
                }
            }
        } else {
            names = request.topicNames.map { Optional($0) }
        }
        let outcomes = await deleteTopics(named: names.compactMap { $0 })
        var next = outcomes.makeIterator()
        for (position, name) in names.enumerated() {
            guard let name, let outcome = next.next() else {
                let id = head.apiVersion >= 6 ? request.topics[position].topicId : .zero
                answers.append(
                    DeleteTopicsResponse.DeletableTopicResult(
                        name: nil, topicId: id, errorCode: ErrorCode.unknownTopicId.rawValue,
                        errorMessage: "This server does not host this topic ID."))
                continue
            }
            answers.append(
                DeleteTopicsResponse.DeletableTopicResult(
                    name: name, topicId: outcome.topic?.id ?? .zero, errorCode: outcome.error.rawValue,
                    errorMessage: outcome.message))
        }
        return DeleteTopicsResponse(throttleTimeMs: 0, responses: answers)
    }
}
