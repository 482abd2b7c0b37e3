import ArgumentParser
import Foundation
import NIOCore
import TernClient
import TernModel
import TernWire

struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce", abstract: "Send each line of standard input as a record.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Topic.") var topic: String
    @Option(name: .shortAndLong, help: "Key of every record.") var key: String?
    @Option(help: "Split each line at the first SEP: key before, value after.") var keySeparator: String?
    @Option(name: [.customShort("H"), .long], help: "Header key=value on every record (repeatable).") var header: [String] = []
    @Option(name: .shortAndLong, help: "Partition (default: by key, or sticky).") var partition: Int32?
    @Option(help: "acks: all, 1 or 0.") var acks: String = "all"
    @Option(name: [.customShort("z"), .long], help: "Compression: lz4 or none.") var compression: String = "lz4"
    @Option(help: "How long a batch waits for more records (linger.ms).") var lingerMs: Int = 5
    @Option(help: "Most bytes of records in one batch (batch.size).") var batchBytes: Int = 1_000_000

    func run() async throws {
        try await reportingErrors {
            var configuration = ProducerConfiguration(client: try connection.configuration())
            switch acks {
            case "all", "-1": configuration.acks = .all
            case "1": configuration.acks = .leader
            case "0": configuration.acks = .none
            default: throw CLIError("--acks: '\(acks)' is not all, 1 or 0")
            }
            configuration.idempotence = configuration.acks == .all
            switch compression {
            case "lz4": configuration.compression = .lz4
            case "none": configuration.compression = .none
            default: throw CLIError("--compression: '\(compression)' is not lz4 or none")
            }
            guard (0...600_000).contains(lingerMs) else { throw CLIError("--linger-ms: \(lingerMs) is not within 0...600000") }
            guard (1...16_777_216).contains(batchBytes) else { throw CLIError("--batch-bytes: \(batchBytes) is not within 1...16777216") }
            configuration.linger = .milliseconds(lingerMs)
            configuration.batchBytesMax = batchBytes
            configuration.bufferBytesMax = max(configuration.bufferBytesMax, batchBytes)
            if key != nil && keySeparator != nil { throw CLIError("give --key or --key-separator, not both") }
            let headers = try keyValues(header, option: "--header").sorted { $0.key < $1.key }.map {
                (key: $0.key, value: Optional(ByteBuffer(string: $0.value)))
            }
            let producer = try KafkaProducer(configuration: configuration, logger: quietLogger)
            let tally = Tally()
            // Bounded by standard input.
            while let line = readLine(strippingNewline: true) {
                var recordKey = key
                var value = line
                if let keySeparator, let range = line.range(of: keySeparator) {
                    recordKey = String(line[..<range.lowerBound])
                    value = String(line[range.upperBound...])
                }
                let record = ProducerRecord(
                    topic: topic, partition: partition, key: recordKey.map { ByteBuffer(string: $0) },
                    value: ByteBuffer(string: value), headers: headers)
                let format = connection.format
                await producer.send(record) { result in tally.report(result, format: format) }
            }
            await producer.close()
            if tally.failed > 0 { throw CLIError("\(tally.failed) of \(tally.total) records were not stored: \(tally.firstError ?? "")") }
        }
    }
}

/// Delivery reports of `tern produce`, printed as they come.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var total = 0
    private(set) var failed = 0
    private(set) var firstError: String?

    func report(_ result: Result<RecordMetadata, ClientError>, format: OutputFormat) {
        lock.lock()
        defer { lock.unlock() }
        total += 1
        switch result {
        case .success(let stored):
            if format == .json {
                printJSON(["topic": stored.topic, "partition": stored.partition, "offset": stored.offset.rawValue])
            } else {
                print("Produced to partition \(stored.partition) at offset \(stored.offset.rawValue).")
            }
        case .failure(let error):
            failed += 1
            if firstError == nil { firstError = error.description }
        }
    }
}
