import Logging
import TernClient
import TernModel
import TernWire

/// The client settings for `brokers` (host:port,…), or a one-line error naming the bad part.
func clientConfiguration(brokers: String, clientID: String) throws(BenchError) -> ClientConfiguration {
    guard let list = BrokerAddress.list(parsing: brokers), !list.isEmpty else {
        throw BenchError("--brokers: '\(brokers)' is not a list of host:port")
    }
    return ClientConfiguration(bootstrap: list, clientID: clientID)
}

/// Logs warnings and errors to standard error; the clients' routine messages stay out of the
/// benchmark's output.
func benchLogger(_ label: String) -> Logger {
    var logger = Logger(label: label, factory: { StreamLogHandler.standardError(label: $0) })
    logger.logLevel = .warning
    return logger
}

/// The topic's partition count, creating the topic first when it is missing (through an
/// admin client of its own).
func prepareTopic(_ target: TargetSettings, client: ClientConfiguration) async throws(BenchError) -> Int32 {
    let admin = KafkaAdmin(configuration: client)
    do throws(BenchError) {
        let partitions = try await ensureTopic(target, admin: admin)
        await admin.close()
        return partitions
    } catch {
        await admin.close()
        throw error
    }
}

/// The topic's partition count, creating the topic first when it is missing.
private func ensureTopic(_ target: TargetSettings, admin: KafkaAdmin) async throws(BenchError) -> Int32 {
    do throws(ClientError) {
        let topic = try await admin.describeTopic(target.topic)
        return Int32(topic.partitions.count)
    } catch where error.kind == .broker(.unknownTopicOrPartition) {
        // Created below.
    } catch {
        throw BenchError("cannot describe topic \(target.topic) at \(target.brokers): \(error)")
    }
    do throws(ClientError) {
        try await admin.createTopic(target.topic, partitions: target.partitions, replicationFactor: target.replicationFactor)
        return Int32(try await admin.describeTopic(target.topic).partitions.count)
    } catch {
        throw BenchError("cannot create topic \(target.topic) at \(target.brokers): \(error)")
    }
}

/// A partition's leader and replicas as the cluster reports them now.
struct PartitionState: Sendable, Equatable {
    var partition: Int32
    var leader: NodeID?
    var replicas: [NodeID]
    var inSync: [NodeID]

    /// Every replica is in sync and a leader serves.
    var healthy: Bool { leader != nil && Set(inSync) == Set(replicas) && !replicas.isEmpty }
}

/// Fresh metadata of `topic` (nil when the cluster cannot be asked right now).
func partitionStates(_ topic: String, cluster: KafkaCluster) async -> [PartitionState]? {
    guard let metadata = try? await cluster.refreshMetadata(topics: [topic]), let info = metadata.topics[topic],
        info.error == .noError
    else { return nil }
    return info.partitions.map {
        PartitionState(partition: $0.partition, leader: $0.leader, replicas: $0.replicas, inSync: $0.inSyncReplicas)
    }
}
