// Goal: TernClient works with the rest of the Kafka world (issue 8): records it writes (keys,
// headers, null values, LZ4) are read unchanged by confluent-kafka and kcat; records
// confluent-kafka writes are read unchanged by TernClient's consumer; keys land in the partitions
// librdkafka's murmur2_random puts them in; and three TernClient consumers share six partitions of
// a three-node cluster, take over when one stops, and a restarted member resumes at the commits.
// Method: `ternd` processes (TerndProcess, TernCluster); Scripts/client_interop.py for the
// confluent-kafka and kcat side, exactly:
//   python3 Scripts/client_interop.py read --bootstrap B --topic T --expect-file F
//   python3 Scripts/client_interop.py write --bootstrap B --topic T --count 200 --keys 20
// Consumers poll in their own tasks with deadlines; nothing sleeps to synchronise.
import Foundation
import NIOCore
import Synchronization
import TernClient
import TernModel
import Testing

@Suite(.serialized)
struct ClientInteropTests {
    @Test("TernClient writes what confluent-kafka and kcat read, reads what confluent-kafka writes; keys map like murmur2_random")
    func interop() async throws {
        let cleanup = ProcessCleanup()
        do {
            let broker = try await TerndProcess.start()
            cleanup.add(broker)
            let address = try #require(BrokerAddress(parsing: broker.kafkaAddress))
            let admin = KafkaAdmin(configuration: ClientConfiguration(bootstrap: [address]))
            try await admin.createTopic("from-tern", partitions: 3, replicationFactor: 1)
            try await admin.createTopic("from-librdkafka", partitions: 3, replicationFactor: 1)
            await admin.close()

            // TernClient → confluent-kafka and kcat.
            let producer = try KafkaProducer(configuration: ProducerConfiguration(client: ClientConfiguration(bootstrap: [address])))
            var expected: [[String: Any]] = []
            for index in 0..<100 {
                let key: String? = index == 0 ? nil : "key-\(index % 10)"
                let value: String? = index % 10 == 9 ? nil : "value-\(index)"
                let record = ProducerRecord(
                    topic: "from-tern", key: key.map { ByteBuffer(string: $0) }, value: value.map { ByteBuffer(string: $0) },
                    headers: [("origin", ByteBuffer(string: "tern")), ("index", ByteBuffer(string: "\(index)"))])
                _ = try await producer.send(record)
                expected.append([
                    "key": key as Any? ?? NSNull(), "value": value as Any? ?? NSNull(),
                    "headers": ["origin": "tern", "index": "\(index)"],
                ])
            }
            let directory = try temporaryDirectory("tern-client-interop")
            let expectFile = directory + "/expected.json"
            try JSONSerialization.data(withJSONObject: expected).write(to: URL(fileURLWithPath: expectFile))
            let read = try await runScript(
                "client_interop.py", ["read", "--bootstrap", broker.kafkaAddress, "--topic", "from-tern", "--expect-file", expectFile],
                timeoutSeconds: 300)
            #expect(read.status == 0, "\(read.output.suffix(4000))")

            // confluent-kafka (murmur2_random) → TernClient.
            let written = try await runScript(
                "client_interop.py", ["write", "--bootstrap", broker.kafkaAddress, "--topic", "from-librdkafka", "--count", "200",
                                      "--keys", "20"], timeoutSeconds: 300)
            try #require(written.status == 0, "\(written.output.suffix(4000))")
            let line = try #require(written.output.split(separator: "\n").last { $0.hasPrefix("{") })
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let records = try #require(summary["records"] as? [[String: Any]])
            #expect(records.count == 200)
            var consumerConfiguration = ConsumerConfiguration(client: ClientConfiguration(bootstrap: [address]), groupID: nil)
            consumerConfiguration.offsetReset = .earliest
            consumerConfiguration.fetchMaxWait = .milliseconds(100)
            let consumer = try KafkaConsumer(configuration: consumerConfiguration)
            try await consumer.assign((0..<3).map { TopicPartition("from-librdkafka", $0) })
            var consumed: [String: ConsumerRecord] = [:]
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while consumed.count < 200, ContinuousClock.now < deadline {
                for record in try await consumer.poll() { consumed["\(record.partition)/\(record.offset.rawValue)"] = record }
            }
            await consumer.close()
            #expect(consumed.count == 200)
            var mismatches: [String] = []
            for record in records {
                guard let key = record["key"] as? String, let partition = record["partition"] as? Int,
                    let offset = record["offset"] as? Int
                else { continue }
                let got = consumed["\(partition)/\(offset)"]
                let value = record["value"] as? String
                if got?.keyString != key || got?.valueString != value || got?.headers.first?.key != "origin" {
                    mismatches.append("\(partition)/\(offset): \(String(describing: got?.valueString)) vs \(String(describing: value))")
                }
                if Partitioner.partition(forKey: Array(key.utf8), partitionCount: 3) != Int32(partition) {
                    mismatches.append("\(key): librdkafka chose partition \(partition), TernClient's partitioner another")
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
            // TernClient's producer puts the same keys in the same partitions.
            for key in (0..<20).map({ "key-\($0)" }) {
                let stored = try await producer.send(ProducerRecord(topic: "from-librdkafka", key: key, value: "tern"))
                let theirs = records.first { $0["key"] as? String == key }?["partition"] as? Int
                #expect(Int(stored.partition) == theirs, "\(key): TernClient \(stored.partition), librdkafka \(String(describing: theirs))")
            }
            await producer.close()
            #expect(try await broker.stop() == 0)
        } catch {
            await cleanup.run()
            throw error
        }
        await cleanup.run()
    }

    @Test("three TernClient consumers share six partitions of three nodes; one stops, the others take over; a restart resumes at the commits")
    func groupOnCluster() async throws {
        let cleanup = ProcessCleanup()
        do {
            let (cluster, client) = try await startGroupCluster(cleanup)
            let admin = KafkaAdmin(configuration: client)
            try await admin.createTopic("shared", partitions: 6, replicationFactor: 3)
            await admin.close()
            try await cluster.waitForLeaders(topic: "shared", partitions: 6)
            let producer = try KafkaProducer(configuration: ProducerConfiguration(client: client))
            for index in 0..<600 { await producer.send(ProducerRecord(topic: "shared", key: "k\(index)", value: "v\(index)")) { _ in } }
            await producer.flush()

            func member() throws -> KafkaConsumer {
                var configuration = ConsumerConfiguration(client: client, groupID: "tern-shared")
                configuration.offsetReset = .earliest
                configuration.fetchMaxWait = .milliseconds(100)
                configuration.heartbeatInterval = .milliseconds(500)
                configuration.sessionTimeout = .seconds(10)
                return try KafkaConsumer(configuration: configuration)
            }
            let members = try (0..<3).map { _ in try member() }
            for consumer in members { try await consumer.subscribe(to: ["shared"]) }
            let seen = SeenValues()
            let stop = StopFlag()
            let pollers = members.map { consumer in
                Task {
                    // Bounded by the flag the test sets and by the deadline.
                    let deadline = ContinuousClock.now.advanced(by: .seconds(240))
                    while ContinuousClock.now < deadline, !stop.isSet {
                        for record in (try? await consumer.poll()) ?? [] { seen.add(record.valueString ?? "") }
                    }
                }
            }
            let shares = try await cluster.poll("three members with two partitions each and every record read", seconds: 180) {
                () async -> [Int]? in
                var counts: [Int] = []
                for consumer in members { counts.append(await consumer.assigned.count) }
                return counts == [2, 2, 2] && seen.count == 600 ? counts : nil
            }
            #expect(shares == [2, 2, 2])
            // One member stops (its poller first, then close: commit and LeaveGroup).
            stop.set(true)
            for poller in pollers { await poller.value }
            stop.set(false)
            await members[0].close()
            let remaining = Array(members[1...])
            let again = remaining.map { consumer in
                Task {
                    let deadline = ContinuousClock.now.advanced(by: .seconds(240))
                    while ContinuousClock.now < deadline, !stop.isSet {
                        for record in (try? await consumer.poll()) ?? [] { seen.add(record.valueString ?? "") }
                    }
                }
            }
            for index in 600..<660 { await producer.send(ProducerRecord(topic: "shared", key: "k\(index)", value: "v\(index)")) { _ in } }
            await producer.close()
            let takeover = try await cluster.poll("two members with three partitions each and the new records read", seconds: 180) {
                () async -> [Int]? in
                var counts: [Int] = []
                for consumer in remaining { counts.append(await consumer.assigned.count) }
                return counts == [3, 3] && seen.count == 660 ? counts : nil
            }
            #expect(takeover == [3, 3])
            stop.set(true)
            for poller in again { await poller.value }
            for consumer in remaining {
                try await consumer.commit()
                await consumer.close()
            }
            // A restarted member resumes at the group's commits: the end of every partition.
            let restarted = try member()
            try await restarted.subscribe(to: ["shared"])
            let deadline = ContinuousClock.now.advanced(by: .seconds(120))
            var replayed = 0
            while ContinuousClock.now < deadline, await restarted.assigned.count < 6 { replayed += try await restarted.poll().count }
            replayed += try await restarted.poll().count
            #expect(await restarted.assigned.count == 6)
            #expect(replayed == 0, "\(replayed) records delivered again after a clean handover")
            await restarted.close()
            let statuses = await cluster.shutdown()
            #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
        } catch {
            await cleanup.run()
            throw error
        }
        await cleanup.run()
    }
}

extension ClientInteropTests {
    @Test("a TernClient group consumer follows kill -9 of its group coordinator and of its partitions' leader, and its commits land")
    func consumerFollowsFailover() async throws {
        let cleanup = ProcessCleanup()
        do {
            let (cluster, client) = try await startGroupCluster(cleanup)
            let admin = KafkaAdmin(configuration: client)
            try await admin.createTopic("follow", partitions: 1, replicationFactor: 3)
            try await cluster.waitForLeaders(topic: "follow", partitions: 1)
            let producer = try KafkaProducer(configuration: ProducerConfiguration(client: client))
            for index in 0..<300 { await producer.send(ProducerRecord(topic: "follow", key: "k\(index)", value: "v\(index)")) { _ in } }
            await producer.flush()
            var configuration = ConsumerConfiguration(client: client, groupID: "tern-follow")
            configuration.offsetReset = .earliest
            configuration.fetchMaxWait = .milliseconds(100)
            configuration.heartbeatInterval = .milliseconds(500)
            configuration.sessionTimeout = .seconds(10)
            let consumer = try KafkaConsumer(configuration: configuration)
            try await consumer.subscribe(to: ["follow"])
            let seen = SeenValues()
            let stop = StopFlag()
            let poller = Task {
                // Bounded by the flag the test sets and by the deadline.
                let deadline = ContinuousClock.now.advanced(by: .seconds(300))
                while ContinuousClock.now < deadline, !stop.isSet {
                    for record in (try? await consumer.poll()) ?? [] { seen.add(record.valueString ?? "") }
                }
            }
            _ = try await cluster.poll("the first 300 records read", seconds: 120) { () async -> Bool? in seen.count == 300 ? true : nil }
            // The coordinator dies first, then the partition's leader (maybe the same node: then
            // the leader of the moment, once more).
            let coordinator = Int(try await admin.describeGroup("tern-follow").coordinator.rawValue)
            try await cluster.kill9(coordinator)
            for index in 300..<450 { await producer.send(ProducerRecord(topic: "follow", key: "k\(index)", value: "v\(index)")) { _ in } }
            await producer.flush()
            _ = try await cluster.poll("450 records read after the coordinator's death", seconds: 180) { () async -> Bool? in
                seen.count == 450 ? true : nil
            }
            _ = try await cluster.restart(coordinator)
            try await cluster.waitForLeaders(topic: "follow", partitions: 1)
            let leader = try #require(await cluster.leader(of: "follow", partition: 0)).node
            try await cluster.kill9(leader)
            for index in 450..<600 { await producer.send(ProducerRecord(topic: "follow", key: "k\(index)", value: "v\(index)")) { _ in } }
            await producer.close()
            _ = try await cluster.poll("600 records read after the leader's death", seconds: 180) { () async -> Bool? in
                seen.count == 600 ? true : nil
            }
            stop.set(true)
            await poller.value
            // A commit after both deaths reaches the group's (new) coordinator.
            let committed = try await cluster.poll("a commit of the end offset", seconds: 120) { () async -> KafkaAdmin.PartitionLag? in
                guard (try? await consumer.commit()) != nil,
                    let lag = try? await admin.groupOffsets("tern-follow").first(where: { $0.partition.topic == "follow" })
                else { return nil }
                // The log end counts the new leaders' LEADER_CHANGE control records too.
                return lag.committed == lag.logEnd ? lag : nil
            }
            #expect(committed.logEnd >= 600 && committed.lag == 0)
            await consumer.close()
            await admin.close()
        } catch {
            await cleanup.run()
            throw error
        }
        await cleanup.run()
    }
}

/// Three nodes whose groups rebalance at once, registered with `cleanup`, and a client of all three.
private func startGroupCluster(_ cleanup: ProcessCleanup) async throws -> (TernCluster, ClientConfiguration) {
    let cluster = try await TernCluster.start(extraArguments: ["--group-initial-rebalance-delay-ms", "0"])
    cleanup.add(cluster)
    _ = try await cluster.controllerLeader()
    guard let addresses = BrokerAddress.list(parsing: cluster.allBootstrap) else {
        throw HarnessError("bootstrap list \(cluster.allBootstrap) does not parse")
    }
    return (cluster, ClientConfiguration(bootstrap: addresses))
}

/// Distinct values seen by concurrent pollers.
final class SeenValues: Sendable {
    private let values = Mutex<Set<String>>([])
    func add(_ value: String) { _ = values.withLock { $0.insert(value) } }
    var count: Int { values.withLock { $0.count } }
}

/// A flag the test sets and the pollers read.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set(_ newValue: Bool) { value.withLock { $0 = newValue } }
}
