// Goal: the getting-started example in Sources/TernClient/README.md compiles, runs against a
// real broker, and is the code the README shows (the README cannot drift from it).
// Method: the example is the body of `gettingStarted(_:)` below, between the markers; the test
// runs it against an in-process broker and compares its lines with the README's code block.
import Foundation
import TernBroker
import TernClient
import Testing

/// The README's example: produce a few records, read them back in a group, commit.
func gettingStarted(_ bootstrap: String) async throws -> [String] {
    // BEGIN getting-started
    let client = ClientConfiguration(bootstrap: BrokerAddress.list(parsing: bootstrap) ?? [])

    let admin = KafkaAdmin(configuration: client)
    try await admin.createTopic("greetings", partitions: 3, replicationFactor: 1)
    await admin.close()

    // Idempotent, acks=all, LZ4 by default.
    let producer = try KafkaProducer(configuration: ProducerConfiguration(client: client))
    for name in ["ada", "grace", "linus"] {
        let stored = try await producer.send(ProducerRecord(topic: "greetings", key: name, value: "hello, \(name)"))
        print("stored at \(stored)")
    }
    await producer.close()

    var settings = ConsumerConfiguration(client: client, groupID: "greeters")
    settings.offsetReset = .earliest
    let consumer = try KafkaConsumer(configuration: settings)
    try await consumer.subscribe(to: ["greetings"])
    var greetings: [String] = []
    for try await record in consumer.records {
        greetings.append(record.valueString ?? "")
        if greetings.count == 3 { break }
    }
    try await consumer.commit()
    await consumer.close()
    // END getting-started
    return greetings
}

@Suite struct GettingStartedTests {
    @Test("the README's getting-started example runs and reads back what it wrote")
    func runs() async throws {
        try await withClientBroker({ $0.groupInitialRebalanceDelayMs = 0 }) { address, _ in
            let greetings = try await gettingStarted("\(address)")
            #expect(greetings.sorted() == ["hello, ada", "hello, grace", "hello, linus"])
        }
    }

    @Test("the README shows exactly the example's code")
    func readmeMatches() throws {
        let here = URL(fileURLWithPath: #filePath)
        let source = try String(contentsOf: here, encoding: .utf8)
        let readme = try String(
            contentsOf: here.deletingLastPathComponent().appendingPathComponent("../../Sources/TernClient/README.md"),
            encoding: .utf8)
        func lines(_ text: String) -> [String] {
            text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let all = lines(source)
        let start = try #require(all.firstIndex(of: "// BEGIN getting-started"))
        let end = try #require(all.firstIndex(of: "// END getting-started"))
        let example = Array(all[(start + 1)..<end])
        let shown = lines(readme)
        let first = try #require(shown.firstIndex(of: example[0]), "the README lacks the example")
        #expect(Array(shown[first..<min(shown.count, first + example.count)]) == example)
    }
}
