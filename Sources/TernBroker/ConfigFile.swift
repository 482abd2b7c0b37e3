import Foundation

/// The JSON config file: one object whose keys are setting keys (`"node.id": 2`) and whose values
/// are strings, integers or booleans. Every key must be a setting: an unknown key is an error,
/// because a misspelt key silently ignored is a setting silently left at its default.
enum ConfigFile {
    /// A file value, turned into the same text a flag or environment variable would carry, so all
    /// three layers share one parser per setting.
    private enum Scalar: Decodable {
        case text(String)
        case unusable(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .unusable("null")
            } else if let value = try? container.decode(Bool.self) {
                self = .text(value ? "true" : "false")
            } else if let value = try? container.decode(Int64.self) {
                self = .text(String(value))
            } else if let value = try? container.decode(Double.self) {
                self = .text(String(value))
            } else if let value = try? container.decode(String.self) {
                self = .text(value)
            } else {
                self = .unusable("an array or object")
            }
        }
    }

    /// Largest config file accepted: a real one is a few hundred bytes; this bounds the parse.
    static let bytesMax = 1024 * 1024

    /// The file's settings, in key order (so errors are deterministic). A file may use a key and
    /// its alias (`data.dir`, `log.dirs`) only if they agree.
    static func assignments(
        _ contents: [UInt8], name: String
    ) throws(BrokerConfigurationError) -> [(setting: BrokerSetting, value: String, origin: String)] {
        guard contents.count <= bytesMax else {
            throw BrokerConfigurationError(.malformedFile, "config file \(name): larger than \(bytesMax) bytes")
        }
        let object: [String: Scalar]
        do {
            object = try JSONDecoder().decode([String: Scalar].self, from: Data(contents))
        } catch {
            throw BrokerConfigurationError(.malformedFile, "config file \(name): not a JSON object of settings")
        }
        var byKey: [String: BrokerSetting] = [:]
        for setting in BrokerSetting.allCases {
            for key in [setting.key] + setting.aliases { byKey[key] = setting }
        }
        var result: [(setting: BrokerSetting, value: String, origin: String)] = []
        var seen: [BrokerSetting: (key: String, value: String)] = [:]
        for key in object.keys.sorted() {
            let quotedKey = BrokerConfigurationError.quote(key)
            guard let setting = byKey[key] else {
                throw BrokerConfigurationError(.unknownKey, "config file \(name): unknown key \(quotedKey)")
            }
            guard case .text(let value) = object[key] else {
                throw BrokerConfigurationError(
                    .malformedFile, "config file \(name): key \(quotedKey) must be a string, number or boolean")
            }
            if let earlier = seen[setting], earlier.value != value {
                throw BrokerConfigurationError(
                    .conflict, "config file \(name): keys \"\(earlier.key)\" and \(quotedKey) disagree")
            }
            seen[setting] = (key, value)
            result.append((setting, value, "config file key \(quotedKey)"))
        }
        return result
    }
}
