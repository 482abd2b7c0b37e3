import ArgumentParser
import Foundation
import NIOPosix
import TernClient
import TernModel

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "The cluster's brokers and health.", subcommands: [Info.self, Health.self])

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cluster id, controller and brokers.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let admin = KafkaAdmin(configuration: try connection.configuration(), logger: quietLogger)
                let cluster = try await admin.describeCluster()
                await admin.close()
                let brokers = cluster.brokers.sorted { $0.key < $1.key }
                if connection.format == .json {
                    printJSON([
                        "clusterId": cluster.clusterID ?? "", "controller": cluster.controller.map { Int($0.rawValue) } ?? -1,
                        "brokers": brokers.map { ["id": Int($0.key.rawValue), "host": $0.value.host, "port": $0.value.port] },
                    ])
                } else {
                    print("CLUSTER     \(cluster.clusterID ?? "-")")
                    print("CONTROLLER  \(cluster.controller.map { "\($0)" } ?? "-")")
                    print("")
                    printTable(["ID", "HOST", "PORT"], brokers.map { ["\($0.key)\($0.key == cluster.controller ? "*" : "")", $0.value.host, "\($0.value.port)"] })
                }
            }
        }
    }

    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Healthy when every partition has a leader and all its replicas in sync, and every broker answers; exits 1 otherwise.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let configuration = try connection.configuration()
                let admin = KafkaAdmin(configuration: configuration, logger: quietLogger)
                let cluster = try await admin.describeCluster()
                let topics = try await admin.listTopics(includeInternal: true)
                await admin.close()
                var down: [Int] = []
                for (id, address) in cluster.brokers.sorted(by: { $0.key < $1.key }) {
                    do throws(ClientError) {
                        let probe = try await KafkaConnection.open(
                            to: address, group: MultiThreadedEventLoopGroup.singleton, clientID: "tern-cli-health",
                            connectTimeout: .seconds(3), requestTimeout: .seconds(5))
                        await probe.close()
                    } catch {
                        down.append(Int(id.rawValue))
                    }
                }
                var leaderless: [String] = []
                var underReplicated: [String] = []
                var unknownReplicas = Set<Int>()
                for topic in topics {
                    for partition in topic.partitions {
                        let name = "\(topic.name)-\(partition.partition)"
                        if partition.leader == nil { leaderless.append(name) }
                        if partition.inSyncReplicas.count < partition.replicas.count { underReplicated.append(name) }
                        for replica in partition.replicas where cluster.brokers[replica] == nil {
                            unknownReplicas.insert(Int(replica.rawValue))
                        }
                    }
                }
                let nodesDown = (Set(down).union(unknownReplicas)).sorted()
                let healthy = nodesDown.isEmpty && leaderless.isEmpty && underReplicated.isEmpty
                if connection.format == .json {
                    printJSON([
                        "healthy": healthy, "nodesDown": nodesDown, "leaderlessPartitions": leaderless,
                        "underReplicatedPartitions": underReplicated,
                        "brokers": cluster.brokers.keys.map { Int($0.rawValue) }.sorted(),
                    ])
                } else {
                    print("HEALTHY                      \(healthy)")
                    print("NODES DOWN                   \(nodesDown)")
                    print("LEADERLESS PARTITIONS        \(leaderless)")
                    print("UNDER-REPLICATED PARTITIONS  \(underReplicated)")
                }
                if !healthy { throw ExitCode(1) }
            }
        }
    }
}
