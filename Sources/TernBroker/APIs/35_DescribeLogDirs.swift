// DescribeLogDirs (key 35): v1–v4.
//
// Behaviour:
// - One log directory (`<data>/topics`) with the size of every local partition (or of the
//   requested ones; unknown ones are left out, as Kafka does), offset lag 0 (no future
//   replicas), and v4+ the file system's total and usable bytes (statvfs).
// - kafka-ui and Redpanda Console read topic sizes from this.
import Foundation
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire

extension Broker {
    func describeLogDirs(_ request: DescribeLogDirsRequest, _ head: KafkaRequestHead) async -> DescribeLogDirsResponse {
        let replicas = state.withLock { $0.replicas }
        var wanted: [TopicPartition]
        if let topics = request.topics {
            wanted = topics.flatMap { topic in
                topic.partitions.map { TopicPartition(topic: topic.topic, partition: PartitionID($0)) }
            }
        } else {
            wanted = Array(replicas.keys)
        }
        wanted.sort()
        var byTopic: [String: [DescribeLogDirsResponse.DescribeLogDirsPartition]] = [:]
        for partition in wanted {
            guard let summary = await replicas[partition]?.summary() else { continue }
            byTopic[partition.topic, default: []].append(
                DescribeLogDirsResponse.DescribeLogDirsPartition(
                    partitionIndex: partition.partition.rawValue, partitionSize: Int64(summary.sizeInBytes),
                    offsetLag: 0, isFutureKey: false))
        }
        var result = DescribeLogDirsResponse.DescribeLogDirsResult(
            errorCode: 0, logDir: topicsDirectory,
            topics: byTopic.keys.sorted().map { DescribeLogDirsResponse.DescribeLogDirsTopic(name: $0, partitions: byTopic[$0] ?? []) })
        var stats = statvfs()
        if statvfs(topicsDirectory, &stats) == 0 {
            result.totalBytes = Int64(stats.f_blocks) * Int64(stats.f_frsize)
            result.usableBytes = Int64(stats.f_bavail) * Int64(stats.f_frsize)
        }
        return DescribeLogDirsResponse(throttleTimeMs: 0, errorCode: 0, results: [result])
    }
}
