// Goal: the broker's configuration has the documented defaults, and each layer (config file <
// environment < flags) overrides the one below it, setting by setting.
// Method: resolve configurations from in-memory file text, environment dictionaries and argument
// arrays (no real environment or files), and compare individual fields and the mapped
// LogConfiguration / KafkaListenerConfiguration values.
import TernBroker
import TernLog
import TernModel
import TernTransport
import TernWire
import Testing

/// Resolves with `file` served as the `--config` file `/etc/tern.json` when given.
func resolveConfiguration(
    file: String? = nil, environment: [String: String] = [:], arguments: [String] = []
) throws(BrokerConfigurationError) -> BrokerConfiguration {
    let all = (file == nil ? [] : ["--config", "/etc/tern.json"]) + arguments
    return try BrokerConfiguration.resolve(arguments: all, environment: environment) { path throws(BrokerConfigurationError) in
        #expect(path == "/etc/tern.json")
        return Array((file ?? "").utf8)
    }
}

@Suite struct ConfigurationLayeringTests {
    @Test func defaultsMatchKafkaAndTheReadme() throws {
        let configuration = try resolveConfiguration()
        #expect(configuration == BrokerConfiguration())
        #expect(configuration.nodeID == NodeID(1))
        #expect(configuration.kafkaListener.description == "0.0.0.0:9092")
        #expect(configuration.effectiveAdvertisedListener.description == "localhost:9092")
        #expect(configuration.rpcListener.description == "0.0.0.0:9093")
        #expect(configuration.adminListener.description == "127.0.0.1:9644")
        #expect(configuration.defaultPartitions == 1)
        #expect(configuration.defaultReplicationFactor == 1)
        #expect(configuration.autoCreateTopics == false)
        #expect(configuration.fsyncMode == .always)
        #expect(configuration.segmentBytes == 1 << 30)
        #expect(configuration.segmentMs == 604_800_000)
        #expect(configuration.retentionBytes == -1)
        #expect(configuration.retentionMs == 604_800_000)
        #expect(configuration.requestBytesMax == 104_857_600)
        #expect(configuration.requestBytesMax <= Limits.frameBytesMax)
        // The defaults map onto TernLog's own (Kafka) defaults exactly.
        #expect(configuration.logConfiguration() == LogConfiguration())
    }

    @Test func fileOverridesDefaults() throws {
        let configuration = try resolveConfiguration(file: """
            {"node.id": 7, "log.dirs": "/d", "num.partitions": 4, "auto.create.topics.enable": true,
             "log.fsync.policy": "interval", "log.fsync.interval.ms": 50, "log.retention.bytes": 1000}
            """)
        #expect(configuration.nodeID == NodeID(7))
        #expect(configuration.dataDirectory == "/d")
        #expect(configuration.defaultPartitions == 4)
        #expect(configuration.autoCreateTopics)
        #expect(configuration.logConfiguration().fsyncPolicy == .interval(milliseconds: 50, bytes: Int.max))
        #expect(configuration.logConfiguration().retentionBytes == 1000)
        #expect(configuration.segmentBytes == BrokerConfiguration().segmentBytes)
    }

    @Test func environmentOverridesFile() throws {
        let file = #"{"node.id": 7, "log.segment.bytes": 2097152, "num.partitions": 4}"#
        let environment = [
            "TERN_NODE_ID": "8", "TERN_LOG_SEGMENT_BYTES": "4194304", "TERN_DEV_TARGETS": "ignored",
            "PATH": "/bin",
        ]
        let configuration = try resolveConfiguration(file: file, environment: environment)
        #expect(configuration.nodeID == NodeID(8))
        #expect(configuration.segmentBytes == 4_194_304)
        #expect(configuration.defaultPartitions == 4)
    }

    @Test func flagsOverrideEnvironmentAndFile() throws {
        let configuration = try resolveConfiguration(
            file: #"{"node.id": 7, "data.dir": "/file", "num.partitions": 4, "listeners": "0.0.0.0:1"}"#,
            environment: ["TERN_NODE_ID": "8", "TERN_DATA_DIR": "/env", "TERN_LISTENERS": "0.0.0.0:2"],
            arguments: ["--node-id", "2", "--data-dir", "/x", "--default-partitions=6", "--listener", "[::1]:0"])
        #expect(configuration.nodeID == NodeID(2))
        #expect(configuration.dataDirectory == "/x")
        #expect(configuration.defaultPartitions == 6)
        #expect(configuration.kafkaListener == HostPort(host: "::1", port: 0))
        #expect(configuration.effectiveAdvertisedListener.description == "[::1]:0")
    }

    @Test func lastRepeatedFlagWins() throws {
        let configuration = try resolveConfiguration(arguments: ["--node-id", "2", "--node-id", "3"])
        #expect(configuration.nodeID == NodeID(3))
    }

    @Test func mapsRequestLimitAndRetentionForTheLowerModules() throws {
        let configuration = try resolveConfiguration(arguments: [
            "--request-max-bytes", "2048", "--log-retention-ms", "-1", "--log-segment-ms", "60000",
            "--advertised-listener", "kafka.example:9092",
        ])
        let log = configuration.logConfiguration()
        #expect(log.retentionMs == nil)
        #expect(log.segmentMs == 60_000)
        #expect(throws: Never.self) { try log.validate() }
        #expect(configuration.effectiveAdvertisedListener == HostPort(host: "kafka.example", port: 9092))
        #expect(configuration.requestBytesMax == 2048)
    }
}

@Suite struct ListenerMappingTests {
    @Test func requestLimitBecomesTheFrameMaximum() throws {
        let versions = AdvertisedApiVersions([.apiVersions: 0...3])
        let configuration = try resolveConfiguration(arguments: ["--request-max-bytes", "65536"])
        let listener = configuration.kafkaListenerConfiguration(advertisedVersions: versions)
        #expect(listener.frameBytesMax == 65_536)
        #expect(listener.advertisedVersions == versions)
        #expect(BrokerConfiguration().kafkaListenerConfiguration(advertisedVersions: versions).frameBytesMax == Limits.frameBytesMax)
        // Per-connection bounds well below the Limits maximums, but above one largest request.
        #expect(listener.inFlightRequestsMax == 256)
        #expect(listener.bufferedBytesMax == 65_536 + 32 * 1024 * 1024)
        let defaults = BrokerConfiguration().kafkaListenerConfiguration(advertisedVersions: versions)
        #expect(defaults.bufferedBytesMax == Limits.frameBytesMax + 32 * 1024 * 1024)
        #expect(defaults.bufferedBytesMax <= Limits.connectionBufferedBytesMax)
    }
}
