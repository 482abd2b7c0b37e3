import ArgumentParser
import Foundation
import NIOCore
import TernClient
import TernModel

struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume", abstract: "Print records of a topic, as a group member or from chosen partitions.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Topic.") var topic: String
    @Option(name: .shortAndLong, help: "Consume as a member of this group (commits as it goes).") var group: String?
    @Option(name: .shortAndLong, help: "Start: start, end, an offset, or @<unix ms> (without a group; default start).")
    var offset: String = "start"
    @Option(name: .shortAndLong, help: "Partitions, comma-separated (without a group; default all).") var partitions: String?
    @Option(name: .shortAndLong, help: "Stop after this many records.") var num: Int?
    @Option(help: "Stop when no record came for this many seconds (default: never).") var idle: Int?

    func run() async throws {
        try await reportingErrors {
            let start = try Self.position(offset)
            if let num, num <= 0 { throw CLIError("--num: \(num) must be positive") }
            var configuration = ConsumerConfiguration(client: try connection.configuration(), groupID: group)
            configuration.offsetReset = start == .end ? .latest : .earliest
            configuration.fetchMaxWait = .milliseconds(200)
            let consumer = try KafkaConsumer(configuration: configuration, logger: quietLogger)
            if group != nil {
                if partitions != nil { throw CLIError("--partitions assigns partitions; it cannot be used with --group") }
                try await consumer.subscribe(to: [topic])
            } else {
                let admin = KafkaAdmin(configuration: try connection.configuration(), logger: quietLogger)
                let described: TopicMetadata
                do throws(ClientError) { described = try await admin.describeTopic(topic) } catch {
                    await admin.close()
                    throw error
                }
                await admin.close()
                let all = described.partitions.map { $0.partition }
                var chosen = all
                if let partitions {
                    chosen = try partitions.split(separator: ",").map { text in
                        guard let number = Int32(text.trimmingCharacters(in: .whitespaces)), all.contains(number) else {
                            throw CLIError("--partitions: \(topic) has no partition '\(text)' (it has 0...\(all.count - 1))")
                        }
                        return number
                    }
                }
                let assigned = chosen.map { TernClient.TopicPartition(topic, $0) }
                try await consumer.assign(assigned)
                for partition in assigned { try await consumer.seek(partition, to: start) }
            }
            var printed = 0
            var lastRecord = ContinuousClock.now
            // Bounded by --num, --idle, or the user's interrupt.
            while num.map({ printed < $0 }) ?? true {
                let records = try await consumer.poll()
                if records.isEmpty, let idle, ContinuousClock.now - lastRecord >= .seconds(idle) { break }
                for record in records {
                    if let num, printed >= num { break }
                    Self.show(record, format: connection.format)
                    printed += 1
                    lastRecord = .now
                }
            }
            if group != nil { try await consumer.commit() }
            await consumer.close()
        }
    }

    static func position(_ text: String) throws -> SeekPosition {
        switch text {
        case "start", "oldest", "beginning": return .beginning
        case "end", "newest": return .end
        default:
            if text.hasPrefix("@"), let millis = Int64(text.dropFirst()) { return .timestamp(TimestampMs(millis)) }
            if let offset = Int64(text), offset >= 0 { return .offset(offset) }
            throw CLIError("--offset: '\(text)' is not start, end, an offset or @<unix ms>")
        }
    }

    static func show(_ record: ConsumerRecord, format: OutputFormat) {
        if format == .json {
            var object: [String: Any] = [
                "topic": record.topic, "partition": record.partition, "offset": record.offset.rawValue,
                "timestamp": record.timestamp.rawValue,
                "headers": record.headers.map { header -> [String: Any] in
                    ["key": header.key, "value": header.value.map { String(buffer: $0) as Any } ?? NSNull()]
                },
            ]
            object["key"] = record.keyString ?? NSNull()
            object["value"] = record.valueString ?? NSNull()
            printJSON(object)
        } else {
            print(record.valueString ?? "")
        }
    }
}
