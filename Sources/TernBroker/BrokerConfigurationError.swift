/// A configuration the broker refuses, with a one-line message that names the setting, where it
/// came from (file key, environment variable or flag) and the offending value, so an operator
/// can fix it from the log line alone. Startup fails on it: a broker never runs on a guess.
public struct BrokerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of mistake, for callers and tests that branch on it.
    public enum Kind: Sendable, Equatable {
        /// A config-file key that is not a setting.
        case unknownKey
        /// A command-line flag that is not a setting.
        case unknownFlag
        /// A flag given last with no value after it.
        case missingFlagValue
        /// A command-line word that is not a flag.
        case unexpectedArgument
        /// A numeric setting whose value is not an integer.
        case notAnInteger
        /// A boolean setting whose value is not `true` or `false`.
        case notABoolean
        /// A value outside the setting's allowed range.
        case outOfRange
        /// An address that is not `host:port`, or whose port is outside 0...65535.
        case invalidAddress
        /// A value that is not one of the setting's named choices, or otherwise unusable.
        case invalidValue
        /// Two settings that cannot hold together (aliases disagreeing, listeners sharing a port).
        case conflict
        /// The config file could not be read.
        case unreadableFile
        /// The config file is not a JSON object of scalar values.
        case malformedFile
    }

    /// The kind of mistake.
    public let kind: Kind
    /// The one-line message (no line breaks: values are quoted with escapes).
    public let message: String

    /// An error. Line breaks that reach `message` through unquoted input (a file path, a flag
    /// name) are escaped rather than trapped on: hostile input must never crash startup.
    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message.replacing("\n", with: "\\n").replacing("\r", with: "\\r")
    }

    /// The message.
    public var description: String { message }

    /// A value as it appears in a message: quoted, escaped, and cut at 80 characters so a
    /// pasted blob cannot flood the log line.
    static func quote(_ value: String) -> String {
        let cut = value.count > 80 ? String(value.prefix(80)) + "…" : value
        return cut.debugDescription
    }
}
