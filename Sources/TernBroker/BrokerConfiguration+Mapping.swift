public import TernLog
import TernModel
public import TernTransport

/// The configuration in the shapes the lower modules take, so wiring `ternd` is one call each.
extension BrokerConfiguration {
    /// The default `LogConfiguration` of a partition (topic configs may override it later).
    /// Kafka's -1 ("no limit") becomes nil; `interval` fsyncs on time only.
    public func logConfiguration() -> LogConfiguration {
        let fsync: FsyncPolicy = switch fsyncMode {
        case .always: .always
        case .interval: .interval(milliseconds: fsyncIntervalMs, bytes: Int.max)
        }
        return LogConfiguration(
            segmentBytes: segmentBytes, segmentMs: segmentMs, fsyncPolicy: fsync,
            retentionBytes: retentionBytes < 0 ? nil : Int(retentionBytes),
            retentionMs: retentionMs < 0 ? nil : retentionMs)
    }

    /// The Kafka listener's connection settings: the request size limit as the frame maximum;
    /// per connection at most 256 requests in flight (librdkafka would pipeline a million) and
    /// one largest request plus 32 MiB buffered before the connection stops reading, so a few
    /// fast producers cannot hold gigabytes of requests and answers in memory.
    public func kafkaListenerConfiguration(advertisedVersions: AdvertisedApiVersions) -> KafkaListenerConfiguration {
        KafkaListenerConfiguration(
            advertisedVersions: advertisedVersions, frameBytesMax: requestBytesMax,
            inFlightRequestsMax: min(256, Limits.connectionInFlightRequestsMax),
            bufferedBytesMax: min(requestBytesMax + 32 * 1024 * 1024, Limits.connectionBufferedBytesMax))
    }
}
