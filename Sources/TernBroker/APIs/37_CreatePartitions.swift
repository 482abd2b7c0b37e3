// CreatePartitions (key 37): v0–v3.
//
// Behaviour:
// - Grows a topic to Count partitions; the new partitions are durable in the metadata, opened,
//   and answered once they have leaders.
// - Errors: UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS (not more than now: partitions are
//   never removed), INVALID_REPLICA_ASSIGNMENT (wrong count or length, unknown brokers),
//   INVALID_REQUEST (a topic named twice).
// - ValidateOnly: every check, nothing changed.
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire

extension Broker {
    func createPartitions(_ request: CreatePartitionsRequest, _ head: KafkaRequestHead) async -> CreatePartitionsResponse {
        let outcomes = await createPartitions(
            request.topics.map { PartitionGrowth(name: $0.name, count: $0.count, assignments: $0.assignments?.map(\.brokerIds)) },
            validateOnly: request.validateOnly)
        return CreatePartitionsResponse(
            throttleTimeMs: 0,
            results: zip(request.topics, outcomes).map { topic, outcome in
                CreatePartitionsResponse.CreatePartitionsTopicResult(
                    name: topic.name, errorCode: outcome.error.rawValue, errorMessage: outcome.message)
            })
    }
}
