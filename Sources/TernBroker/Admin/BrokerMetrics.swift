import Prometheus
import Synchronization
import TernModel
import TernWire
import TernController

/// The broker's Prometheus metrics (swift-prometheus), with Redpanda's names and labels under a
/// `tern_` prefix so dashboards port (PROTOCOL.md §4.7). Counters count as requests happen;
/// gauges of partitions and the cluster are refreshed when `/metrics` is scraped, and the
/// gauges of partitions that went away are unregistered then (no stale series).
final class BrokerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let requests: [ApiKey: Counter]
    private let producedRecords: Counter
    private let producedBytes: Counter
    private let topics: Gauge
    private let partitions: Gauge
    private let unavailablePartitions: Gauge
    private let uptime: Gauge
    private let started: TimestampMs
    private let partitionGauges = Mutex<[TopicPartition: PartitionGauges]>([:])

    /// The per-partition series.
    private struct PartitionGauges {
        var highWatermark: Gauge
        var logStart: Gauge
        var size: Gauge
        var epoch: Gauge
    }

    init(started: TimestampMs) {
        self.started = started
        var requests: [ApiKey: Counter] = [:]
        for key in ApiKey.allCases {
            requests[key] = registry.makeCounter(descriptor: Self.name("kafka", "requests", "total", "Kafka requests received, by API"), labels: [("api", key.name)])
        }
        self.requests = requests
        producedRecords = registry.makeCounter(
            descriptor: Self.name("kafka", "records_produced", "total", "Records acknowledged to producers"))
        producedBytes = registry.makeCounter(
            descriptor: Self.name("kafka", "produced_bytes", "total", "Record batch bytes acknowledged to producers"))
        topics = registry.makeGauge(descriptor: Self.name("cluster", "topics", "", "Topics in the cluster metadata"))
        partitions = registry.makeGauge(descriptor: Self.name("cluster", "partitions", "", "Partitions in the cluster metadata"))
        unavailablePartitions = registry.makeGauge(
            descriptor: Self.name("cluster", "unavailable_partitions", "", "Partitions without a leader"))
        uptime = registry.makeGauge(descriptor: Self.name("application", "uptime", "seconds_total", "Seconds since the broker started"))
    }

    /// One request of `key` arrived.
    func countRequest(_ key: ApiKey) {
        requests[key]?.increment()
    }

    /// A batch of `records` records and `bytes` bytes was acknowledged.
    func countProduced(records: Int, bytes: Int) {
        producedRecords.increment(by: Int64(records))
        producedBytes.increment(by: Int64(bytes))
    }

    /// What one partition looks like at a scrape.
    struct PartitionSample {
        var partition: TopicPartition
        var summary: PartitionSummary?
        var leadership: PartitionLeadership?
    }

    /// Refreshes the gauges from a scrape's samples and returns the exposition text.
    func exposition(image: MetadataImage, samples: [PartitionSample], now: TimestampMs) -> String {
        topics.set(Int64(image.topics.count))
        partitions.set(Int64(image.partitionCount))
        unavailablePartitions.set(Int64(samples.filter { $0.leadership?.leader == nil }.count))
        uptime.set(Double(now - started) / 1000)
        let present = Set(samples.map(\.partition))
        partitionGauges.withLock { gauges in
            for (partition, series) in gauges where !present.contains(partition) {
                for gauge in [series.highWatermark, series.logStart, series.size, series.epoch] {
                    registry.unregisterGauge(gauge)
                }
                gauges[partition] = nil
            }
            for sample in samples {
                let series = gauges[sample.partition] ?? makeSeries(sample.partition)
                gauges[sample.partition] = series
                series.highWatermark.set(sample.summary?.highWatermark.rawValue ?? -1)
                series.logStart.set(sample.summary?.logStartOffset.rawValue ?? -1)
                series.size.set(Int64(sample.summary?.sizeInBytes ?? 0))
                series.epoch.set(Int64(sample.leadership?.epoch ?? -1))
            }
        }
        return registry.emitToString()
    }

    /// `tern_<subsystem>_<metric>[_<unit>]` with its help text.
    private static func name(_ subsystem: String, _ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tern", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
    }

    private func makeSeries(_ partition: TopicPartition) -> PartitionGauges {
        let labels = [("topic", partition.topic), ("partition", String(partition.partition.rawValue))]
        return PartitionGauges(
            highWatermark: registry.makeGauge(descriptor: Self.name("kafka", "max_offset", "", "High watermark: one past the last committed offset"), labels: labels),
            logStart: registry.makeGauge(descriptor: Self.name("kafka", "log_start_offset", "", "First offset still in the log"), labels: labels),
            size: registry.makeGauge(descriptor: Self.name("storage", "log_size", "bytes", "Bytes of the partition's segment files"), labels: labels),
            epoch: registry.makeGauge(descriptor: Self.name("raft", "leader_epoch", "", "The partition's leader epoch (Raft term)"), labels: labels))
    }
}
