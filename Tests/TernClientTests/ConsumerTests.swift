// Goal: TernClient's consumer against a real broker: assigned partitions are read from the
// reset position, in offset order, and seek (offset, beginning, end, timestamp), pause and resume
// do what they say; group members share partitions by the range assignor, a member that leaves
// hands its partitions over (rebalance events say so), and commits make a new member resume
// where the group stopped.
// Method: an in-process `Broker` (initial rebalance delay 0); records written by TernClient's
// producer; consumers poll with deadlines.
import Foundation
import Synchronization
import NIOCore
import TernBroker
import TernClient
import TernModel
import Testing

@Suite struct ConsumerTests {
    static func configuration(_ address: BrokerAddress, group: String?) -> ConsumerConfiguration {
        var configuration = ConsumerConfiguration(client: ClientConfiguration(bootstrap: [address]), groupID: group)
        configuration.offsetReset = .earliest
        configuration.fetchMaxWait = .milliseconds(100)
        configuration.heartbeatInterval = .milliseconds(500)
        configuration.sessionTimeout = .seconds(10)
        return configuration
    }

    @Test("assign: every record once in offset order per partition; seek to an offset, the beginning, the end, a time; pause and resume")
    func assignAndSeek() async throws {
        try await withClientBroker { address, connection in
            try await createTopic(connection, "ledger", partitions: 2)
            try await produce(address, topic: "ledger", count: 1_000)
            let consumer = try KafkaConsumer(configuration: Self.configuration(address, group: nil))
            let partitions = [TopicPartition("ledger", 0), TopicPartition("ledger", 1)]
            try await consumer.assign(partitions)
            let records = try await consume(consumer, count: 1_000)
            #expect(records.count == 1_000)
            #expect(Set(records.compactMap(\.valueString)).count == 1_000, "each record once")
            for partition in partitions {
                let offsets = records.filter { $0.topicPartition == partition }.map(\.offset.rawValue)
                #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count, "\(partition) in order")
            }
            // Seek back to a known offset of partition 0.
            let target = try #require(records.first { $0.partition == 0 && $0.offset.rawValue > 10 })
            try await consumer.seek(TopicPartition("ledger", 0), to: .offset(target.offset.rawValue))
            await consumer.pause([TopicPartition("ledger", 1)])
            let again = try await consume(consumer, count: 1)
            #expect(again.first?.offset == target.offset && again.first?.valueString == target.valueString)
            #expect(again.allSatisfy { $0.partition == 0 }, "a paused partition is not read")
            await consumer.resume([TopicPartition("ledger", 1)])
            try await consumer.seek(TopicPartition("ledger", 1), to: .end)
            try await produce(address, topic: "ledger", count: 50, from: 1_000)
            try await consumer.seek(TopicPartition("ledger", 0), to: .end)
            try await produce(address, topic: "ledger", count: 50, from: 1_050)
            let fresh = try await consume(consumer, count: 1)
            let freshIndex = Int(fresh.first?.valueString?.split(separator: "-").last ?? "") ?? -1
            #expect(freshIndex >= 1_000, "after seeking to the end only new records come (\(freshIndex))")
            try await consumer.seek(TopicPartition("ledger", 0), to: .beginning)
            try await consumer.seek(TopicPartition("ledger", 1), to: .timestamp(TimestampMs(0)))
            let fromStart = try await consume(consumer, count: 1_100)
            #expect(Set(fromStart.compactMap(\.valueString)).count == 1_100, "from the beginning and from time 0: everything")
            await consumer.close()
        }
    }

    @Test("a group: two members share four partitions; one leaves, the other takes all; a new member resumes at the commits")
    func groupMembership() async throws {
        try await withClientBroker({ $0.groupInitialRebalanceDelayMs = 0 }) { address, connection in
            try await createTopic(connection, "orders", partitions: 4)
            try await produce(address, topic: "orders", count: 400, keys: 40)
            let first = try KafkaConsumer(configuration: Self.configuration(address, group: "billing"))
            let second = try KafkaConsumer(configuration: Self.configuration(address, group: "billing"))
            try await first.subscribe(to: ["orders"])
            try await second.subscribe(to: ["orders"])
            // Each member polls in its own task, as an application would: a member's JoinGroup
            // waits for the others to rejoin in their own polls.
            let seen = Seen()
            let pollers = [first, second].map { consumer in
                Task {
                    let deadline = ContinuousClock.now.advanced(by: .seconds(90))
                    while ContinuousClock.now < deadline, !Task.isCancelled {
                        for record in (try? await consumer.poll()) ?? [] { seen.add(record.valueString ?? "") }
                        let shares = await (first.assigned.count, second.assigned.count)
                        if shares == (2, 2) && seen.count == 400 { return }
                    }
                }
            }
            for poller in pollers { await poller.value }
            let a = await first.assigned
            let b = await second.assigned
            #expect(a.count == 2 && b.count == 2 && Set(a + b).count == 4, "shares \(a) \(b)")
            #expect(seen.count == 400, "every record read (\(seen.count))")
            try await first.commit()
            try await second.commit()
            await first.close()
            // The second member rejoins and takes every partition.
            try await produce(address, topic: "orders", count: 40, keys: 40, from: 400)
            var more: Set<String> = []
            let takeover = ContinuousClock.now.advanced(by: .seconds(60))
            while ContinuousClock.now < takeover {
                for record in try await second.poll() { more.insert(record.valueString ?? "") }
                if await second.assigned.count == 4 && more.count >= 40 { break }
            }
            #expect(await second.assigned.count == 4)
            #expect(more.isSuperset(of: (400..<440).map { "value-\($0)" }), "the new records, from every partition")
            try await second.commit()
            let committed = try await second.committed((0..<4).map { TopicPartition("orders", $0) })
            await second.close()
            // A new member starts at the committed offsets: nothing old comes again.
            let third = try KafkaConsumer(configuration: Self.configuration(address, group: "billing"))
            try await third.subscribe(to: ["orders"])
            _ = try await third.poll()
            for partition in (0..<4).map({ TopicPartition("orders", $0) }) {
                #expect(await third.position(of: partition) == committed[partition], "\(partition)")
            }
            var events: [RebalanceEvent] = []
            for await event in third.events {
                events.append(event)
                break
            }
            #expect(events.first.map { if case .assigned(let parts, _) = $0 { parts.count == 4 } else { false } } == true)
            await third.close()
        }
    }
}

/// Values seen by concurrent pollers.
final class Seen: Sendable {
    private let values = Mutex<Set<String>>([])
    func add(_ value: String) { _ = values.withLock { $0.insert(value) } }
    var count: Int { values.withLock { $0.count } }
}
