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
            var configuration = ProducerConfiguration(client: client)
            // Nothing leaves before the shutdown: only the flush on close can deliver.
            configuration.linger = .seconds(600)
            let producer = try KafkaProducer(configuration: configuration)
            var consumerSettings = ConsumerConfiguration(client: client, groupID: "lifecycle-readers")
            consumerSettings.offsetReset = .earliest
            let consumer = try KafkaConsumer(configuration: consumerSettings)
            try await consumer.subscribe(to: ["lifecycle"])
            var logger = Logger(label: "tern.client-service-test")
            logger.logLevel = .warning
            let group = ServiceGroup(services: [producer, consumer], logger: logger)
            let running = Task { try await group.run() }
            let delivered = Counter()
            for index in 0..<500 {
                await producer.send(ProducerRecord(topic: "lifecycle", key: "k\(index % 7)", value: "v\(index)")) { result in
                    if case .success = result { delivered.add() }
                }
            }
            #expect(delivered.value == 0, "a 600 s linger sends nothing before the shutdown")
            let read = try await consume(consumer, count: 0, seconds: 0)
            #expect(read.isEmpty)
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(delivered.value == 500, "close flushed every buffered record")
            let late = try? await producer.send(ProducerRecord(topic: "lifecycle", key: "k", value: "late"))
            #expect(late == nil, "a closed producer takes no more records")
            // The consumer left and committed; a new member of the group sees the 500 records.
            let reader = try KafkaConsumer(configuration: consumerSettings)
            try await reader.subscribe(to: ["lifecycle"])
            let records = try await consume(reader, count: 500, seconds: 60)
            #expect(records.count == 500)
            await reader.close()
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
