import NIOHTTP1
import Synchronization
import TernModel

extension Broker {
    /// Answers one admin GET: readiness, or the Prometheus exposition.
    func adminResponse(_ path: String) async -> (status: HTTPResponseStatus, contentType: String, body: String) {
        switch path {
        case "/v1/status/ready":
            return (.ok, "text/plain; charset=utf-8", "ready\n")
        case "/metrics", "/public_metrics":
            return (.ok, "text/plain; version=0.0.4; charset=utf-8", await metricsExposition())
        default:
            return (.notFound, "text/plain; charset=utf-8", "unknown path \(path); try /metrics or /v1/status/ready\n")
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
