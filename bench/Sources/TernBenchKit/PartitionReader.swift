import TernClient

/// One consumer assigned every partition of a topic, without a group: the reader of
/// `consume` and of the failover read-back.
struct PartitionReader {
    let consumer: KafkaConsumer
    let topic: String
    let partitions: [TernClient.TopicPartition]

    init(client: ClientConfiguration, topic: String, partitions: Int32, label: String) throws(BenchError) {
        var configuration = ConsumerConfiguration(client: client, groupID: nil)
        configuration.maxPollRecords = 10_000
        configuration.fetchMaxWait = .milliseconds(100)
        do throws(ClientError) {
            consumer = try KafkaConsumer(configuration: configuration, logger: benchLogger(label))
        } catch {
            throw BenchError("consumer settings: \(error)")
        }
        self.topic = topic
        self.partitions = (0..<partitions).map { TernClient.TopicPartition(topic, $0) }
    }

    func start(at position: SeekPosition) async throws(BenchError) {
        do throws(ClientError) {
            try await consumer.assign(partitions)
            for partition in partitions { try await consumer.seek(partition, to: position) }
        } catch {
            throw BenchError("cannot read \(topic): \(error)")
        }
    }

    /// The next records; a retriable error (a leader moving) gives none this time.
    func poll() async throws(BenchError) -> [ConsumerRecord] {
        do throws(ClientError) {
            return try await consumer.poll()
        } catch where error.isRetriable {
            return []
        } catch {
            throw BenchError("reading \(topic): \(error)")
        }
    }

    /// Whether every partition's fetch position reached `ends` (control batches included,
    /// which `poll` never hands over).
    func reached(_ ends: [TernClient.TopicPartition: Int64]) async -> Bool {
        for partition in partitions where (await consumer.position(of: partition) ?? 0) < ends[partition, default: 0] {
            return false
        }
        return true
    }

    func close() async { await consumer.close() }
}
