// Goal: TernClient in an application's lifecycle: a producer and a consumer run in a
// swift-service-lifecycle `ServiceGroup`; on graceful shutdown the producer delivers what it
// buffered and closes, the consumer commits and closes; an SSL configuration is refused with
// an error that says why (TLS arrives with the security issue), never sent in plaintext.
import Logging
import ServiceLifecycle
import Synchronization
import TernClient
import TernModel
import Testing

@Suite struct ClientServiceTests {
    @Test("graceful shutdown of a ServiceGroup flushes the producer's buffer and closes it; the consumer commits and closes")
    func serviceGroupShutdown() async throws {
        try await withClientBroker { address, connection in
            try await createTopic(connection, "lifecycle", partitions: 2)
            let client = ClientConfiguration(bootstrap: [address])
            var logger = Logger(label: "tern.client-service-test")
            logger.logLevel = .warning

            // The producer: nothing leaves before the shutdown (a 600 s linger), so only the
            // flush on close can deliver.
            var configuration = ProducerConfiguration(client: client)
            configuration.linger = .seconds(600)
            let producer = try KafkaProducer(configuration: configuration)
            let producers = ServiceGroup(services: [producer], logger: logger)
            let producing = Task { try await producers.run() }
            let delivered = Counter()
            for index in 0..<500 {
                await producer.send(ProducerRecord(topic: "lifecycle", key: "k\(index % 7)", value: "v\(index)")) { result in
                    if case .success = result { delivered.add() }
                }
            }
            #expect(delivered.value == 0, "a 600 s linger sends nothing before the shutdown")
            await producers.triggerGracefulShutdown()
            try await producing.value
            #expect(delivered.value == 500, "close flushed every buffered record")
            let late = try? await producer.send(ProducerRecord(topic: "lifecycle", key: "k", value: "late"))
            #expect(late == nil, "a closed producer takes no more records")

            // The consumer reads everything while its group runs; the shutdown commits
            // (auto-commit) and closes it.
            var consumerSettings = ConsumerConfiguration(client: client, groupID: "lifecycle-readers")
            consumerSettings.offsetReset = .earliest
            let consumer = try KafkaConsumer(configuration: consumerSettings)
            try await consumer.subscribe(to: ["lifecycle"])
            let consumers = ServiceGroup(services: [consumer], logger: logger)
            let consuming = Task { try await consumers.run() }
            #expect(try await consume(consumer, count: 500, seconds: 60).count == 500)
            await consumers.triggerGracefulShutdown()
            try await consuming.value
            let closed = try? await consumer.poll()
            #expect(closed == nil, "a closed consumer polls no more")
            let admin = KafkaAdmin(configuration: client)
            let lags = try await admin.groupOffsets("lifecycle-readers")
            await admin.close()
            #expect(lags.count == 2 && lags.allSatisfy { $0.committed == $0.logEnd }, "the shutdown committed the end: \(lags)")
        }
    }

    @Test("an SSL configuration is refused with a one-line error; nothing is sent in plaintext")
    func sslRefused() async throws {
        try await withClientBroker { address, _ in
            var client = ClientConfiguration(bootstrap: [address])
            client.security = .ssl(TLSSettings(caCertificatePath: "/etc/ssl/certs/ca-certificates.crt"))
            let admin = KafkaAdmin(configuration: client)
            do throws(ClientError) {
                _ = try await admin.listTopics()
                Issue.record("an SSL client talked to a plaintext broker")
            } catch {
                #expect(error.kind == .invalidArgument)
                #expect(error.description.contains("SSL") && !error.description.contains("\n"))
            }
            await admin.close()
        }
    }
}

/// Successful deliveries, counted from the producer's callbacks.
private final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
