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

    /// The records of `run`, and how many records of other runs or tools were passed over.
    func records() async throws(BenchError) -> (records: [ReadBackRecord], foreign: Int) {
        let client = try clientConfiguration(brokers: brokers, clientID: "tern-bench-verify")
        var configuration = ConsumerConfiguration(client: client, groupID: nil)
        configuration.maxPollRecords = 10_000
        configuration.fetchMaxWait = .milliseconds(100)
        let consumer: KafkaConsumer
        do throws(ClientError) {
            consumer = try KafkaConsumer(configuration: configuration, logger: benchLogger("tern-bench.verify"))
        } catch {
            throw BenchError("read-back consumer: \(error)")
        }
        let admin = KafkaAdmin(configuration: client)
        do throws(BenchError) {
            let result = try await read(consumer: consumer, admin: admin)
            await consumer.close()
            await admin.close()
            return result
        } catch {
            await consumer.close()
            await admin.close()
            throw error
        }
    }

    private func read(consumer: KafkaConsumer, admin: KafkaAdmin) async throws(BenchError) -> ([ReadBackRecord], Int) {
        let all = (0..<partitions).map { TernClient.TopicPartition(topic, $0) }
        var ends: [TernClient.TopicPartition: Int64] = [:]
        /// The next offset to read per partition, from the records handed over (the
        /// consumer's own position runs ahead: it counts records fetched, not yet returned).
        var next: [TernClient.TopicPartition: Int64] = [:]
        let deadline = ContinuousClock.now.advanced(by: timeout)
        do throws(ClientError) {
            let settled = ContinuousClock.now.advanced(by: settleTimeout)
            for partition in all {
                var end = try await admin.listOffset(partition, .end)
                // Bounded by `settleTimeout`.
                while end < acknowledgedEnds[partition.partition, default: 0] && ContinuousClock.now < settled {
                    try? await Task.sleep(for: .milliseconds(100))
                    end = try await admin.listOffset(partition, .end)
                }
                ends[partition] = end
                next[partition] = try await admin.listOffset(partition, .beginning)
            }
            try await consumer.assign(all)
            for partition in all { try await consumer.seek(partition, to: .beginning) }
        } catch {
            throw BenchError("cannot start reading \(topic) back at \(brokers): \(error)")
        }
        var records: [ReadBackRecord] = []
        var foreign = 0
        // Bounded by the deadline.
        while true {
            if all.allSatisfy({ next[$0, default: 0] >= ends[$0, default: 0] }) { break }
            guard ContinuousClock.now < deadline else {
                throw BenchError("reading \(topic) back did not reach the end offsets \(ends.values.sorted()) within \(timeout)")
            }
            let batch: [ConsumerRecord]
            do throws(ClientError) {
                batch = try await consumer.poll()
            } catch where error.isRetriable {
                continue
            } catch {
                throw BenchError("reading \(topic) back: \(error)")
            }
            for record in batch {
                guard record.offset.rawValue < ends[record.topicPartition, default: 0] else { continue }
                next[record.topicPartition] = max(next[record.topicPartition, default: 0], record.offset.rawValue + 1)
                guard let value = record.value, let payload = BenchPayload(decoding: value), payload.run == run else {
                    foreign += 1
                    continue
                }
                records.append(ReadBackRecord(partition: record.partition, offset: record.offset.rawValue, id: payload.id))
            }
        }
        return (records, foreign)
    }
}
