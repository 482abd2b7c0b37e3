import NIOCore
import TernClient
import TernModel

/// Reads every partition of a topic from its log start to its end (as it is when the read
/// starts) and keeps the records of one run, in log order per partition.
struct ReadBack {
    var brokers: String
    var topic: String
    var partitions: Int32
    var run: UInt64
    /// Per partition, one past the highest acknowledged offset: with acks=1 an acknowledged
    /// record may still be above the high watermark when the producers stop, so the read
    /// waits (up to `settleTimeout`) for the end to reach it.
    var acknowledgedEnds: [Int32: Int64] = [:]
    var settleTimeout: Duration = .seconds(30)
    /// The whole read must end within this.
    var timeout: Duration = .seconds(600)

    /// The records of `run` (records of other runs or tools are passed over).
    func records() async throws(BenchError) -> [ReadBackRecord] {
        let client = try clientConfiguration(brokers: brokers, clientID: "tern-bench-verify")
        let reader = try PartitionReader(client: client, topic: topic, partitions: partitions, label: "tern-bench.verify")
        let admin = KafkaAdmin(configuration: client)
        do throws(BenchError) {
            let result = try await read(reader, ends: try await endOffsets(admin))
            await reader.close()
            await admin.close()
            return result
        } catch {
            await reader.close()
            await admin.close()
            throw error
        }
    }

    /// Every partition's high watermark, once it covers the acknowledged records (or the
    /// settle timeout passed).
    private func endOffsets(_ admin: KafkaAdmin) async throws(BenchError) -> [TernClient.TopicPartition: Int64] {
        var ends: [TernClient.TopicPartition: Int64] = [:]
        let settled = ContinuousClock.now.advanced(by: settleTimeout)
        do throws(ClientError) {
            for index in 0..<partitions {
                let partition = TernClient.TopicPartition(topic, index)
                var end = try await admin.listOffset(partition, .end)
                // Bounded by `settleTimeout`.
                while end < acknowledgedEnds[index, default: 0] && ContinuousClock.now < settled {
                    try? await Task.sleep(for: .milliseconds(100))
                    end = try await admin.listOffset(partition, .end)
                }
                ends[partition] = end
            }
        } catch {
            throw BenchError("cannot find the end offsets of \(topic) at \(brokers): \(error)")
        }
        return ends
    }

    /// Reads until a poll comes back empty (nothing buffered) with every fetch position at its
    /// end: the positions count records fetched, not yet handed over, and control batches.
    private func read(_ reader: PartitionReader, ends: [TernClient.TopicPartition: Int64]) async throws(BenchError) -> [ReadBackRecord] {
        try await reader.start(at: .beginning)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var records: [ReadBackRecord] = []
        // Bounded by the deadline.
        while true {
            guard ContinuousClock.now < deadline else {
                throw BenchError("reading \(topic) back did not reach the end offsets \(ends.values.sorted()) within \(timeout)")
            }
            let batch = try await reader.poll()
            if batch.isEmpty, await reader.reached(ends) { return records }
            for record in batch where record.offset.rawValue < ends[record.topicPartition, default: 0] {
                guard let value = record.value, let payload = BenchPayload(decoding: value), payload.run == run else { continue }
                records.append(ReadBackRecord(partition: record.partition, offset: record.offset.rawValue, id: payload.id))
            }
        }
    }
}
