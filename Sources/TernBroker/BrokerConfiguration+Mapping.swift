public import TernLog
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
    /// per-connection bounds stay at their `Limits` maximums.
    public func kafkaListenerConfiguration(advertisedVersions: AdvertisedApiVersions) -> KafkaListenerConfiguration {
        KafkaListenerConfiguration(advertisedVersions: advertisedVersions, frameBytesMax: requestBytesMax)
    }
}
