import ArgumentParser
import Foundation
import TernClient
import TernModel

struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group", abstract: "List, describe, seek and delete consumer groups.",
        subcommands: [List.self, Describe.self, Seek.self, Delete.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List groups.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let admin = KafkaAdmin(configuration: try connection.configuration(), logger: quietLogger)
                let groups = try await admin.listGroups()
                await admin.close()
                if connection.format == .json {
                    printJSON(groups.map { ["group": $0.groupID, "state": $0.state, "protocolType": $0.protocolType] })
                } else {
                    printTable(["GROUP", "STATE"], groups.map { [$0.groupID, $0.state] })
                }
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A group's members and, per partition, its offsets and lag.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Group.") var group: String

        func run() async throws {
            try await reportingErrors {
                let admin = KafkaAdmin(configuration: try connection.configuration(), logger: quietLogger)
                let description = try await admin.describeGroup(group)
                let lags = try await admin.groupOffsets(group)
                await admin.close()
                var owner: [TernClient.TopicPartition: GroupDescriptionMember] = [:]
                for member in description.members {
                    for partition in member.assignment { owner[partition] = GroupDescriptionMember(member) }
                }
                if connection.format == .json {
                    printJSON([
                        "group": description.groupID, "state": description.state, "coordinator": Int(description.coordinator.rawValue),
                        "assignor": description.assignor, "members": description.members.count,
                        "partitions": lags.map { lag -> [String: Any] in
                            ["topic": lag.partition.topic, "partition": lag.partition.partition,
                             "currentOffset": lag.committed, "logEndOffset": lag.logEnd, "lag": lag.lag,
                             "memberId": owner[lag.partition]?.memberID ?? "", "clientId": owner[lag.partition]?.clientID ?? ""]
                        },
                    ])
                } else {
                    print("GROUP        \(description.groupID)")
                    print("COORDINATOR  \(description.coordinator)")
                    print("STATE        \(description.state)")
                    print("BALANCER     \(description.assignor)")
                    print("MEMBERS      \(description.members.count)")
                    print("TOTAL-LAG    \(lags.map(\.lag).reduce(0, +))")
                    print("")
                    printTable(["TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER-ID", "CLIENT-ID", "HOST"],
                               lags.map { lag in
                        [lag.partition.topic, "\(lag.partition.partition)", lag.committed < 0 ? "-" : "\(lag.committed)",
                         "\(lag.logEnd)", "\(lag.lag)", owner[lag.partition]?.memberID ?? "-",
                         owner[lag.partition]?.clientID ?? "-", owner[lag.partition]?.host ?? "-"]
                    })
                }
            }
        }
    }

    struct Seek: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a group's offsets of a topic (the group must have no members).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Group.") var group: String
        @Option(help: "Topic.") var topic: String
        @Option(help: "Where: start, end, an offset, or @<unix ms>.") var to: String

        func run() async throws {
            try await reportingErrors {
                let position = try ConsumeCommand.position(to)
                let admin = KafkaAdmin(configuration: try connection.configuration(), logger: quietLogger)
                let described = try await admin.describeTopic(topic)
                var offsets: [TernClient.TopicPartition: Int64] = [:]
                for partition in described.partitions {
                    let key = TernClient.TopicPartition(topic, partition.partition)
                    offsets[key] = try await admin.listOffset(key, position)
                }
                try await admin.setGroupOffsets(group, offsets)
                await admin.close()
                if connection.format == .json {
                    printJSON(offsets.sorted { $0.key < $1.key }.map { ["topic": $0.key.topic, "partition": $0.key.partition, "offset": $0.value] })
                } else {
                    printTable(["TOPIC", "PARTITION", "NEW-OFFSET"], offsets.sorted { $0.key < $1.key }.map {
                        [$0.key.topic, "\($0.key.partition)", "\($0.value)"]
                    })
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete groups (they must have no members).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Groups.") var groups: [String]

        func run() async throws {
            try await reportingErrors {
                let admin = KafkaAdmin(configuration: try connection.configuration(), logger: quietLogger)
                for group in groups {
                    do throws(ClientError) { try await admin.deleteGroup(group) } catch {
                        await admin.close()
                        throw error
                    }
                }
                await admin.close()
                if connection.format == .json {
                    printJSON(groups.map { ["group": $0, "status": "OK"] })
                } else {
                    printTable(["GROUP", "STATUS"], groups.map { [$0, "OK"] })
                }
            }
        }
    }
}

/// The owner of a partition in `group describe`.
struct GroupDescriptionMember {
    var memberID: String
    var clientID: String
    var host: String
    init(_ member: KafkaAdmin.GroupMember) {
        memberID = member.memberID
        clientID = member.clientID
        host = member.host
    }
}
