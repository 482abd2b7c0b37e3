import ArgumentParser
import Foundation
import TernClient
import TernModel
import TernWire

struct TopicCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topic", abstract: "Create, list, describe, delete and change topics.",
        subcommands: [Create.self, List.self, Describe.self, Delete.self, AlterConfig.self, AddPartitions.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create topics.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Topic names.") var topics: [String]
        @Option(name: .shortAndLong, help: "Partitions (default: the cluster's).") var partitions: Int32 = -1
        @Option(name: .shortAndLong, help: "Replication factor (default: the cluster's).") var replicas: Int16 = -1
        @Option(name: [.customShort("c"), .long], help: "Topic config key=value (repeatable).") var topicConfig: [String] = []

        func run() async throws {
            try await reportingErrors {
                let configs = try keyValues(topicConfig, option: "--topic-config")
                let admin = KafkaAdmin(configuration: try connection.configuration(), logger: quietLogger)
                var rows: [[String]] = []
                for topic in topics {
                    do throws(ClientError) {
                        try await admin.createTopic(topic, partitions: partitions, replicationFactor: replicas, configs: configs)
                    } catch {
                        await admin.close()
                        throw error
                    }
                    rows.append([topic, "OK"])
                }
                await admin.close()
                if connection.format == .json {
                    printJSON(topics.map { ["topic": $0, "status": "OK"] })
                } else {
                    printTable(["TOPIC", "STATUS"], rows)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List topics.")
        @OptionGroup var connection: ConnectionOptions
        @Flag(name: [.customShort("i"), .long], help: "Include internal topics.") var includeInternal = false

        func run() async throws {
            try await reportingErrors {
                let admin = KafkaAdmin(configuration: try connection.configuration(), logger: quietLogger)
                let topics = try await admin.listTopics(includeInternal: includeInternal)
                await admin.close()
                if connection.format == .json {
                    printJSON(topics.map { ["name": $0.name, "partitions": $0.partitions.count,
                                            "replicas": $0.partitions.first?.replicas.count ?? 0] })
                } else {
                    printTable(["NAME", "PARTITIONS", "REPLICAS"], topics.map {
                        [$0.name, "\($0.partitions.count)", "\($0.partitions.first?.replicas.count ?? 0)"]
                    })
                }
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a topic: partitions, leaders, replicas, configs.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Topic name.") var topic: String

        func run() async throws {
            try await reportingErrors {
                let admin = KafkaAdmin(configuration: try connection.configuration(), logger: quietLogger)
                let described = try await admin.describeTopic(topic)
                let configs = try await admin.describeConfigs(topic: topic)
                var ends: [Int32: (Int64, Int64)] = [:]
                for partition in described.partitions {
                    let tp = TernClient.TopicPartition(topic, partition.partition)
                    let start = (try? await admin.listOffset(tp, .beginning)) ?? -1
                    let end = (try? await admin.listOffset(tp, .end)) ?? -1
                    ends[partition.partition] = (start, end)
                }
                await admin.close()
                if connection.format == .json {
                    printJSON([
                        "name": described.name,
                        "partitions": described.partitions.map { partition -> [String: Any] in
                            ["partition": partition.partition, "leader": partition.leader.map { Int($0.rawValue) } ?? -1,
                             "epoch": partition.leaderEpoch, "replicas": partition.replicas.map { Int($0.rawValue) },
                             "isr": partition.inSyncReplicas.map { Int($0.rawValue) },
                             "logStartOffset": ends[partition.partition]?.0 ?? -1,
                             "highWatermark": ends[partition.partition]?.1 ?? -1]
                        },
                        "configs": Dictionary(configs.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first }),
                    ])
                } else {
                    print("NAME        \(described.name)")
                    print("PARTITIONS  \(described.partitions.count)")
                    print("")
                    printTable(["PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "LOG-START-OFFSET", "HIGH-WATERMARK"],
                               described.partitions.map { partition in
                        ["\(partition.partition)", partition.leader.map { "\($0)" } ?? "-", "\(partition.leaderEpoch)",
                         partition.replicas.map { "\($0)" }.joined(separator: ","),
                         partition.inSyncReplicas.map { "\($0)" }.joined(separator: ","),
                         "\(ends[partition.partition]?.0 ?? -1)", "\(ends[partition.partition]?.1 ?? -1)"]
                    })
                    print("")
                    printTable(["KEY", "VALUE", "SOURCE"], configs.map {
                        [$0.name, $0.value ?? "", $0.isDefault ? "DEFAULT" : "TOPIC"]
                    })
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete topics.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Topic names.") var topics: [String]

        func run() async throws {
            try await reportingErrors {
                let admin = KafkaAdmin(configuration: try connection.configuration(), logger: quietLogger)
                for topic in topics { try await admin.deleteTopic(topic) }
                await admin.close()
                if connection.format == .json {
                    printJSON(topics.map { ["topic": $0, "status": "OK"] })
                } else {
                    printTable(["TOPIC", "STATUS"], topics.map { [$0, "OK"] })
                }
            }
        }
    }

    struct AlterConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "alter-config", abstract: "Set or delete topic configs.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Topic name.") var topic: String
        @Option(name: .shortAndLong, help: "key=value to set (repeatable).") var set: [String] = []
        @Option(name: .shortAndLong, help: "Key to delete, back to the default (repeatable).") var delete: [String] = []

        func run() async throws {
            try await reportingErrors {
                let changes = try keyValues(set, option: "--set")
                guard !changes.isEmpty || !delete.isEmpty else { throw CLIError("alter-config: give --set key=value or --delete key") }
                let admin = KafkaAdmin(configuration: try connection.configuration(), logger: quietLogger)
                try await admin.alterConfigs(topic: topic, set: changes, delete: delete)
                await admin.close()
                if connection.format == .json { printJSON(["topic": topic, "status": "OK"]) } else { print("TOPIC \(topic) altered") }
            }
        }
    }

    struct AddPartitions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-partitions", abstract: "Add partitions to a topic.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Topic name.") var topic: String
        @Option(name: .shortAndLong, help: "How many partitions to add.") var num: Int32

        func run() async throws {
            try await reportingErrors {
                guard num > 0 else { throw CLIError("--num: \(num) must be positive") }
                let admin = KafkaAdmin(configuration: try connection.configuration(), logger: quietLogger)
                let current = try await admin.describeTopic(topic).partitions.count
                try await admin.addPartitions(topic, totalCount: Int32(current) + num)
                await admin.close()
                if connection.format == .json {
                    printJSON(["topic": topic, "partitions": current + Int(num)])
                } else {
                    print("TOPIC \(topic): \(current) -> \(current + Int(num)) partitions")
                }
            }
        }
    }
}
