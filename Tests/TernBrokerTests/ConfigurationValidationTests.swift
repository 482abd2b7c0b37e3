// Goal: every mistake in any layer is refused with a typed error whose one-line message names
// the setting, where the value came from and the bad value; nothing is silently ignored.
// Method: feed one bad input per case (file text, environment or arguments) and compare the
// error's kind and exact message.
import TernBroker
import Testing

/// The error `resolveConfiguration` throws for these inputs (a failed expectation if none).
func configurationError(
    file: String? = nil, environment: [String: String] = [:], arguments: [String] = []
) -> BrokerConfigurationError? {
    do {
        _ = try resolveConfiguration(file: file, environment: environment, arguments: arguments)
        Issue.record("expected a configuration error")
        return nil
    } catch {
        #expect(!error.message.contains("\n"))
        return error
    }
}

@Suite struct ConfigurationValidationTests {
    /// (arguments, kind, message) for flag-borne mistakes.
    static let flagCases: [([String], BrokerConfigurationError.Kind, String)] = [
        (["--node-id", "0"], .outOfRange, #"node.id (flag --node-id): "0" is out of range 1...2147483647"#),
        (["--node-id", "-3"], .outOfRange, #"node.id (flag --node-id): "-3" is out of range 1...2147483647"#),
        (["--node-id", "two"], .notAnInteger, #"node.id (flag --node-id): "two" is not an integer"#),
        (["--default-replication-factor", "0"], .outOfRange,
         #"default.replication.factor (flag --default-replication-factor): "0" is out of range 1...16"#),
        (["--default-partitions", "10001"], .outOfRange,
         #"num.partitions (flag --default-partitions): "10001" is out of range 1...10000"#),
        (["--log-segment-bytes", "1000"], .outOfRange,
         #"log.segment.bytes (flag --log-segment-bytes): "1000" is out of range 1048576...2147483647"#),
        (["--log-segment-ms", "0"], .outOfRange, #"log.segment.ms (flag --log-segment-ms): "0" is out of range 1..."#),
        (["--log-retention-bytes", "-2"], .outOfRange,
         #"log.retention.bytes (flag --log-retention-bytes): "-2" is out of range -1..."#),
        (["--request-max-bytes", "104857601"], .outOfRange,
         #"socket.request.max.bytes (flag --request-max-bytes): "104857601" is out of range 1024...104857600"#),
        (["--fsync-interval-ms", "0"], .outOfRange,
         #"log.fsync.interval.ms (flag --fsync-interval-ms): "0" is out of range 1...3600000"#),
        (["--fsync-policy", "never"], .invalidValue,
         #"log.fsync.policy (flag --fsync-policy): "never" is not always or interval"#),
        (["--auto-create-topics", "yes"], .notABoolean,
         #"auto.create.topics.enable (flag --auto-create-topics): "yes" is not true or false"#),
        (["--listener", "0.0.0.0:70000"], .invalidAddress,
         #"listeners (flag --listener): "0.0.0.0:70000" has port 70000 out of range 0...65535"#),
        (["--rpc-listener", "localhost"], .invalidAddress,
         #"rpc.listener (flag --rpc-listener): "localhost" is not host:port (expected host:port)"#),
        (["--admin-listener", "::1:9644"], .invalidAddress,
         #"admin.listener (flag --admin-listener): "::1:9644" is not host:port (write an IPv6 host in brackets)"#),
        (["--advertised-listener", "h:0"], .invalidAddress,
         #"advertised.listeners (flag --advertised-listener): "h:0" has port 0, which clients cannot dial"#),
        (["--data-dir", "/a,/b"], .invalidValue, #"data.dir (flag --data-dir): "/a,/b" names several directories; Tern uses one"#),
        (["--data-dir="], .invalidValue, #"data.dir (flag --data-dir): "" is empty"#),
        (["--nodeid", "2"], .unknownFlag, #"unknown flag "--nodeid""#),
        (["--nodeid"], .unknownFlag, #"unknown flag "--nodeid""#),
        (["--config"], .missingFlagValue, "flag --config needs a value"),
        (["--node-id"], .missingFlagValue, "flag --node-id needs a value"),
        (["--node-id", "--data-dir", "/x"], .missingFlagValue, "flag --node-id needs a value"),
        (["serve"], .unexpectedArgument, #"unexpected argument "serve": expected a --flag"#),
        (["--rpc-listener", "0.0.0.0:9092"], .conflict, "listeners 0.0.0.0:9092 and rpc.listener 0.0.0.0:9092 use the same port"),
        (["--listener", "127.0.0.1:9644", "--advertised-listener", "a:1"], .conflict,
         "listeners 127.0.0.1:9644 and admin.listener 127.0.0.1:9644 use the same port"),
        (["--advertised-listener", "0.0.0.0:9092"], .invalidAddress,
         #"advertised.listeners "0.0.0.0:9092": clients cannot dial a wildcard host"#),
    ]

    @Test(arguments: flagCases)
    func flagMistakes(arguments: [String], kind: BrokerConfigurationError.Kind, message: String) {
        let error = configurationError(arguments: arguments)
        #expect(error?.kind == kind)
        #expect(error?.message == message)
    }

    /// (file text, kind, message) for config-file mistakes.
    static let fileCases: [(String, BrokerConfigurationError.Kind, String)] = [
        (#"{"node.idd": 2}"#, .unknownKey, #"config file /etc/tern.json: unknown key "node.idd""#),
        (#"{"log.segment.bytes": "big"}"#, .notAnInteger,
         #"log.segment.bytes (config file key "log.segment.bytes"): "big" is not an integer"#),
        (#"{"num.partitions": 1.5}"#, .notAnInteger,
         #"num.partitions (config file key "num.partitions"): "1.5" is not an integer"#),
        (#"{"num.partitions": [1]}"#, .malformedFile,
         #"config file /etc/tern.json: key "num.partitions" must be a string, number or boolean"#),
        (#"{"num.partitions": null}"#, .malformedFile,
         #"config file /etc/tern.json: key "num.partitions" must be a string, number or boolean"#),
        (#"{"auto.create.topics.enable": 1}"#, .notABoolean,
         #"auto.create.topics.enable (config file key "auto.create.topics.enable"): "1" is not true or false"#),
        (#"{"data.dir": "/a", "log.dirs": "/b"}"#, .conflict, #"config file /etc/tern.json: keys "data.dir" and "log.dirs" disagree"#),
        ("[1, 2]", .malformedFile, "config file /etc/tern.json: not a JSON object of settings"),
        ("{\"node.id\": 2", .malformedFile, "config file /etc/tern.json: not a JSON object of settings"),
    ]

    @Test(arguments: fileCases)
    func fileMistakes(file: String, kind: BrokerConfigurationError.Kind, message: String) {
        let error = configurationError(file: file)
        #expect(error?.kind == kind)
        #expect(error?.message == message)
    }

    @Test func environmentMistakes() {
        let bad = configurationError(environment: ["TERN_NODE_ID": "x1"])
        #expect(bad?.message == #"node.id (environment variable TERN_NODE_ID): "x1" is not an integer"#)
        let clash = configurationError(environment: ["TERN_DATA_DIR": "/a", "TERN_LOG_DIRS": "/b"])
        #expect(clash?.kind == .conflict)
        #expect(clash?.message == "environment variables TERN_DATA_DIR and TERN_LOG_DIRS disagree")
    }

    @Test func hostileValuesStayOnOneLine() {
        let error = configurationError(arguments: ["--node-id", "1\n2" + String(repeating: "9", count: 500)])
        #expect(error?.kind == .notAnInteger)
        #expect((error?.message.count ?? 0) < 150)
    }

    @Test func unreadableFileIsATypedError() {
        #expect(throws: BrokerConfigurationError.self) {
            _ = try BrokerConfiguration.load(arguments: ["--config", "/nonexistent/tern.json"], environment: [:])
        }
    }
}

@Suite struct HostileNameTests {
    @Test func lineBreaksInFlagNamesAndPathsAreEscaped() {
        let flag = configurationError(arguments: ["--config\n"])
        #expect(flag?.message == #"unknown flag "--config\n""#)
        do {
            _ = try BrokerConfiguration.load(arguments: ["--config", "/no\nsuch"], environment: [:])
            Issue.record("expected an unreadable file")
        } catch {
            #expect(error.kind == .unreadableFile)
            #expect(!error.message.contains("\n"))
        }
    }
}
