import NIOCore
import TernWire

/// The "consumer" protocol's member metadata and assignments (Kafka's
/// `ConsumerProtocolSubscription` / `ConsumerProtocolAssignment`), version 0, which every
/// client reads: the group's leader may be any client, so the bytes must be Kafka's.
enum ConsumerProtocol {
    /// version int16, topics [string], user data bytes (null).
    static func subscription(topics: [String]) -> ByteBuffer {
        var writer = WireWriter()
        writer.writeInteger(Int16(0))
        writer.writeInteger(Int32(topics.count))
        for topic in topics { writer.writeString(topic, compact: false) }
        writer.writeInteger(Int32(-1))
        return writer.buffer
    }

    /// The topics of a member's subscription (any version: later versions only add fields).
    static func topics(inSubscription bytes: ByteBuffer) -> [String]? {
        var reader = WireReader(buffer: bytes)
        do throws(WireDecodingError) {
            let version = try reader.readInteger(as: Int16.self, field: "Subscription.version")
            guard version >= 0 else { return nil }
            return try reader.readArray(compact: false, minElementBytes: 2, field: "Subscription.topics") {
                (element: inout WireReader) throws(WireDecodingError) in
                try element.readString(compact: false, field: "Subscription.topic")
            }
        } catch {
            return nil
        }
    }

    /// version int16, [topic string, partitions [int32]], user data bytes (null).
    static func assignment(_ partitions: [TopicPartition]) -> ByteBuffer {
        var byTopic: [String: [Int32]] = [:]
        for partition in partitions { byTopic[partition.topic, default: []].append(partition.partition) }
        var writer = WireWriter()
        writer.writeInteger(Int16(0))
        writer.writeInteger(Int32(byTopic.count))
        for topic in byTopic.keys.sorted() {
            writer.writeString(topic, compact: false)
            let list = byTopic[topic, default: []].sorted()
            writer.writeInteger(Int32(list.count))
            for partition in list { writer.writeInteger(partition) }
        }
        writer.writeInteger(Int32(-1))
        return writer.buffer
    }

    /// The partitions of an assignment; an empty buffer is an empty assignment (Kafka's leader
    /// sends none to a member it gives nothing).
    static func partitions(inAssignment bytes: ByteBuffer) -> [TopicPartition]? {
        guard bytes.readableBytes > 0 else { return [] }
        var reader = WireReader(buffer: bytes)
        do throws(WireDecodingError) {
            let version = try reader.readInteger(as: Int16.self, field: "Assignment.version")
            guard version >= 0 else { return nil }
            let topics = try reader.readArray(compact: false, minElementBytes: 6, field: "Assignment.topics") {
                (element: inout WireReader) throws(WireDecodingError) -> [TopicPartition] in
                let topic = try element.readString(compact: false, field: "Assignment.topic")
                let partitions = try element.readArray(compact: false, minElementBytes: 4, field: "Assignment.partitions") {
                    (item: inout WireReader) throws(WireDecodingError) in
                    try item.readInteger(as: Int32.self, field: "Assignment.partition")
                }
                return partitions.map { TopicPartition(topic, $0) }
            }
            return topics.flatMap { $0 }
        } catch {
            return nil
        }
    }
}

/// Kafka's client-side assignors.
enum Assignment {
    /// `subscriptions`: member id → topics; `partitionCounts`: topic → partitions.
    static func assign(
        _ assignor: ConsumerConfiguration.Assignor, subscriptions: [String: [String]], partitionCounts: [String: Int32]
    ) -> [String: [TopicPartition]] {
        var result: [String: [TopicPartition]] = [:]
        for member in subscriptions.keys { result[member] = [] }
        switch assignor {
        case .range:
            // Kafka's RangeAssignor: per topic, members sorted by id, consecutive ranges, the
            // first (partitions % members) members one extra.
            let topics = Set(subscriptions.values.flatMap { $0 })
            for topic in topics.sorted() {
                guard let count = partitionCounts[topic], count > 0 else { continue }
                let members = subscriptions.filter { $0.value.contains(topic) }.keys.sorted()
                guard !members.isEmpty else { continue }
                let each = Int(count) / members.count
                let extra = Int(count) % members.count
                var next = 0
                for (index, member) in members.enumerated() {
                    let size = each + (index < extra ? 1 : 0)
                    for partition in next..<(next + size) { result[member, default: []].append(TopicPartition(topic, Int32(partition))) }
                    next += size
                }
            }
        case .roundRobin:
            // Kafka's RoundRobinAssignor: every partition in (topic, partition) order to the next
            // member (sorted by id) that subscribes to its topic.
            let members = subscriptions.keys.sorted()
            var cursor = 0
            let topics = Set(subscriptions.values.flatMap { $0 }).sorted()
            for topic in topics {
                guard let count = partitionCounts[topic], count > 0 else { continue }
                for partition in 0..<count {
                    // Bounded: at most one full turn over the members.
                    for _ in 0..<members.count {
                        let member = members[cursor % members.count]
                        cursor += 1
                        if subscriptions[member]?.contains(topic) == true {
                            result[member, default: []].append(TopicPartition(topic, partition))
                            break
                        }
                    }
                }
            }
        }
        return result
    }
}
