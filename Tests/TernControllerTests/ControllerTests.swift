import NIOCore
import TernController
import TernModel
import TernWire
import Testing

@Suite struct ControllerTests {
    static func topic(_ name: String, partitions: Int, on brokers: [Int32], image: MetadataImage) -> TopicMetadata {
        let replicas = ReplicaAssignment.assign(partitions: partitions, factor: 3, brokers: brokers, existing: image)
        return TopicMetadata(
            name: name, idHigh: 1, idLow: UInt64(name.utf8.count), partitionCount: Int32(partitions),
            replicationFactor: 3, replicas: replicas, configs: [:], isInternal: false)
    }

    @Test("a command survives the trip through a record batch")
    func commandRoundTrip() throws {
        let commands: [ControllerCommand] = [
            .initializeCluster(clusterID: "abc"),
            .registerBroker(BrokerRegistration(id: 2, host: "127.0.0.1", port: 9093, rpcHost: "127.0.0.1", rpcPort: 9193)),
            .createTopics([Self.topic("t", partitions: 2, on: [1, 2, 3], image: MetadataImage())]),
            .deleteTopics(["t"]), .addPartitions(topic: "t", replicas: [[1, 2, 3]]),
            .setTopicConfigs(topic: "t", configs: ["retention.ms": "1000"]),
            .allocateProducerIDs(broker: 1, count: 1000),
        ]
        for command in commands {
            var batch = ControllerRecord.batch([command], timestamp: TimestampMs(5))
            RecordBatchHeader.rewrite(baseOffset: Offset(41), partitionLeaderEpoch: 3, in: &batch)
            let decoded = try ControllerRecord.commands(in: Array(batch.readableBytesView))
            #expect(decoded.count == 1)
            #expect(decoded.first?.0 == Offset(41))
            #expect(decoded.first?.1 == command)
        }
    }

    @Test("several commands in one batch keep their order and offsets")
    func severalCommands() throws {
        let commands: [ControllerCommand] = [.deleteTopics(["a"]), .deleteTopics(["b"]), .initializeCluster(clusterID: "x")]
        var batch = ControllerRecord.batch(commands, timestamp: TimestampMs(5))
        RecordBatchHeader.rewrite(baseOffset: Offset(10), partitionLeaderEpoch: 1, in: &batch)
        let decoded = try ControllerRecord.commands(in: Array(batch.readableBytesView))
        #expect(decoded.map(\.0) == [Offset(10), Offset(11), Offset(12)])
        #expect(decoded.map(\.1) == commands)
    }

    @Test("a record that is not a command is refused")
    func foreignRecordRefused() {
        let record = Record(offsetDelta: 0, key: ByteBuffer(string: "other"), value: ByteBuffer(string: "{}"))
        let batch = RecordBatch(baseTimestamp: TimestampMs(0), records: [record]).encoded()
        #expect(throws: ControllerRecordError.self) { try ControllerRecord.commands(in: Array(batch.readableBytesView)) }
        #expect(throws: (any Error).self) { try ControllerRecord.commands(in: [1, 2, 3]) }
    }

    @Test("applying the same log twice gives the same image; stale commands are skipped")
    func deterministicApply() {
        let base = MetadataImage()
        let log: [ControllerCommand] = [
            .initializeCluster(clusterID: "first"), .initializeCluster(clusterID: "second"),
            .createTopics([Self.topic("a", partitions: 3, on: [1, 2, 3], image: base)]),
            .createTopics([Self.topic("a", partitions: 5, on: [1, 2, 3], image: base)]),
            .addPartitions(topic: "a", replicas: [[2, 3, 1]]), .addPartitions(topic: "missing", replicas: [[1]]),
            .setTopicConfigs(topic: "a", configs: ["cleanup.policy": "delete"]), .deleteTopics(["nope"]),
        ]
        func run() -> (MetadataImage, [ControllerApplyResult]) {
            var image = MetadataImage()
            let results = log.enumerated().map { image.apply($0.element, at: Offset(Int64($0.offset * 2))) }
            return (image, results)
        }
        let (one, results) = run()
        let (two, _) = run()
        #expect(one == two)
        #expect(one.clusterID == "first")
        #expect(one.topics["a"]?.partitionCount == 4)
        #expect(one.topics["a"]?.configs == ["cleanup.policy": "delete"])
        #expect(one.appliedOffset == 14)
        #expect(results[1] != .applied && results[3] != .applied && results[5] != .applied && results[7] != .applied)
    }

    @Test("producer-id blocks never overlap")
    func producerBlocks() {
        var image = MetadataImage()
        var blocks: [(Int64, Int64)] = []
        for index in 0..<50 {
            if case .producerIDBlock(let first, let count) = image.apply(
                .allocateProducerIDs(broker: Int32(index % 3 + 1), count: 1000), at: Offset(Int64(index)))
            {
                blocks.append((first, count))
            }
        }
        #expect(blocks.count == 50)
        for (index, block) in blocks.enumerated() where index > 0 {
            #expect(block.0 == blocks[index - 1].0 + blocks[index - 1].1)
        }
        #expect(image.apply(.allocateProducerIDs(broker: 1, count: 0), at: Offset(100)) != .applied)
    }

    @Test("replicas and preferred leaders spread evenly, also across topics")
    func balancedAssignment() {
        var image = MetadataImage()
        var offset: Int64 = 0
        for (name, partitions) in [("one", 1), ("two", 1), ("three", 1), ("six", 6)] {
            let topic = Self.topic(name, partitions: partitions, on: [3, 1, 2], image: image)
            offset += 1
            _ = image.apply(.createTopics([topic]), at: Offset(offset))
        }
        var leaders: [Int32: Int] = [:]
        var replicas: [Int32: Int] = [:]
        for topic in image.topics.values {
            for list in topic.replicas {
                #expect(Set(list).count == 3)
                leaders[list[0], default: 0] += 1
                for broker in list { replicas[broker, default: 0] += 1 }
            }
        }
        #expect(leaders == [1: 3, 2: 3, 3: 3])
        #expect(replicas == [1: 9, 2: 9, 3: 9])
    }
}
