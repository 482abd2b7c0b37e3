import Foundation
import NIOHTTP1
import Synchronization
import TernModel
import TernController

extension Broker {
    /// Answers one admin GET: readiness, or the Prometheus exposition.
    func adminResponse(_ path: String) async -> (status: HTTPResponseStatus, contentType: String, body: String) {
        switch path {
        case "/v1/status/ready":
            guard !clusterID.isEmpty else { return (.serviceUnavailable, "text/plain; charset=utf-8", "joining the cluster\n") }
            return (.ok, "text/plain; charset=utf-8", "ready\n")
        case "/v1/cluster":
            return (.ok, "application/json", await clusterStatusJSON())
        case "/metrics", "/public_metrics":
            return (.ok, "text/plain; version=0.0.4; charset=utf-8", await metricsExposition())
        default:
            return (.notFound, "text/plain; charset=utf-8", "unknown path \(path); try /metrics, /v1/cluster or /v1/status/ready\n")
        }
    }

    /// Samples every local partition (hopping to each replica) and renders the metrics.
    func metricsExposition() async -> String {
        let (image, replicas) = state.withLock { ($0.image, $0.replicas) }
        var samples: [BrokerMetrics.PartitionSample] = []
        for partition in image.allPartitions.sorted() {
            let summary = await replicas[partition]?.summary()
            samples.append(
                BrokerMetrics.PartitionSample(
                    partition: partition, summary: summary, leadership: leadership.leadership(of: partition)))
        }
        return metrics.exposition(image: image, samples: samples, now: clock.now())
    }
}

extension Broker {
    /// `/v1/cluster`: this node's view of the cluster (deploy/local/cluster.sh status, tests).
    func clusterStatusJSON() async -> String {
        let now = clock.now()
        let (image, replicas) = state.withLock { ($0.image, $0.replicas) }
        let controller = controllerLeader
        let live = Set(liveBrokerIDs(now: now))
        var brokers: [[String: Any]] = []
        for broker in image.brokers.values.sorted(by: { $0.id < $1.id }) {
            brokers.append(["id": broker.id, "host": broker.host, "port": broker.port, "alive": live.contains(broker.id)])
        }
        var partitions: [[String: Any]] = []
        for topic in image.topics.values.sorted(by: { $0.name < $1.name }) {
            for partition in topic.partitions {
                let known = liveLeadership(of: partition)
                var entry: [String: Any] = [
                    "topic": topic.name, "partition": partition.partition.rawValue,
                    "replicas": topic.replicas[Int(partition.partition.rawValue)],
                    "leader": known?.leader.map { $0.rawValue as Any } ?? NSNull(), "epoch": known?.epoch ?? -1,
                ]
                if let status = await replicas[partition]?.status {
                    var local: [String: Any] = [
                        "role": "\(status.role)", "term": status.term.rawValue,
                        "highWatermark": status.highWatermark.rawValue, "logEnd": status.logEnd.rawValue,
                    ]
                    if let inSync = status.inSync { local["inSync"] = inSync.map(\.rawValue) }
                    entry["local"] = local
                }
                partitions.append(entry)
            }
        }
        let document: [String: Any] = [
            "node": nodeID.rawValue, "cluster": image.clusterID ?? NSNull(),
            "controller": [
                "leader": controller.leader.map { $0.rawValue as Any } ?? NSNull(), "epoch": controller.epoch,
                "version": image.appliedOffset, "voters": configuration.controllerVoters.map(\.rawValue),
            ] as [String: Any],
            "brokers": brokers, "partitions": partitions,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
