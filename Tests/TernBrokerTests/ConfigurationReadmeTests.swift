// Goal: the module README documents the configuration truthfully: its sample config file
// parses to the values it shows, and its table names every setting's key, variable and flag.
// Method: read Sources/TernBroker/README.md next to this source tree (via #filePath), extract
// the ```json block, resolve it, and search the table for every `BrokerSetting`'s names.
import Foundation
import TernBroker
import TernModel
import Testing

@Suite struct ConfigurationReadmeTests {
    static func readme() throws -> String {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let root = tests.deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appending(path: "Sources/TernBroker/README.md"), encoding: .utf8)
    }

    @Test func sampleConfigFileParses() throws {
        let text = try Self.readme()
        let start = try #require(text.range(of: "```json\n"))
        let end = try #require(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
        let sample = String(text[start.upperBound..<end.lowerBound])
        let configuration = try resolveConfiguration(file: sample)
        #expect(configuration.nodeID == NodeID(2))
        #expect(configuration.dataDirectory == "/srv/tern/data")
        #expect(configuration.kafkaListener == HostPort(host: "0.0.0.0", port: 19_092))
        #expect(configuration.effectiveAdvertisedListener.description == "broker2.example.com:19092")
        #expect(configuration.defaultReplicationFactor == 3)
        #expect(configuration.segmentBytes == 512 * 1024 * 1024)
        #expect(configuration.retentionMs == 3 * 86_400_000)
        #expect(configuration.requestBytesMax == 50 * 1024 * 1024)
    }

    @Test func tableNamesEverySetting() throws {
        let text = try Self.readme()
        for setting in BrokerSetting.allCases {
            #expect(text.contains("| `\(setting.key)`"), "README table lacks \(setting.key)")
            #expect(text.contains("`\(setting.environmentName)`"), "README lacks \(setting.environmentName)")
            #expect(text.contains("`\(setting.flag)`"), "README lacks \(setting.flag)")
        }
    }
}
