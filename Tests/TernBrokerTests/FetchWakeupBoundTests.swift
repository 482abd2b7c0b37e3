// Goal: long polls on an idle partition keep waiting however many earlier polls ended by their
// timeout: the wakeups those polls left behind are pruned, so they never fill the partition's
// bound (which would make every later poll return at once and turn consumers into a busy loop).
// Method: the broker in process; more than `Limits.partitionFetchWakeupsMax` wakeups are
// registered on one partition and fired (as their MaxWaitMs timers would), then one more is
// registered: it must stay unfired until data arrives.
import TernModel
import Testing

@testable import TernBroker

@Suite struct FetchWakeupBoundTests {
    @Test("timed-out long polls do not fill the wakeup bound of an idle partition")
    func timedOutWakeupsArePruned() async throws {
        try await withBroker { broker in
            try await broker.createTopic("idle")
            let partition = TopicPartition(topic: "idle", partition: PartitionID(0))
            let replica = try #require(broker.broker.replica(partition))
            let highWatermark = try #require(await replica.servedHighWatermark())
            for _ in 0..<(Limits.partitionFetchWakeupsMax + 500) {
                let wakeup = FetchWakeup()
                await replica.register(wakeup, seen: highWatermark)
                #expect(!wakeup.hasFired)
                wakeup.fire()  // its MaxWaitMs ran out
            }
            #expect(await replica.fetchWakeups.count <= PartitionReplica.fetchWakeupsPruneThreshold + 1)
            let waiting = FetchWakeup()
            await replica.register(waiting, seen: highWatermark)
            #expect(!waiting.hasFired, "an idle partition answers a new long poll at once")
            try await broker.produceOK("idle", records: TestBatch.records(1))
            #expect(try await eventually { waiting.hasFired })
        }
    }
}
