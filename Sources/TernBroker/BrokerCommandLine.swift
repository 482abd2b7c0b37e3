/// The command line of `ternd`, parsed by a small pure function (no argument-parser package:
/// the grammar is `--flag value`, `--flag=value` and `--config FILE`, nothing more).
public struct BrokerCommandLine: Sendable, Equatable {
    /// One flag's value, in command-line order (a repeated flag: the last one wins).
    public struct Assignment: Sendable, Equatable {
        /// The setting the flag names.
        public var setting: BrokerSetting
        /// The value as written.
        public var value: String
    }

    /// The flag naming the config file.
    public static let configFlag = "--config"

    /// The config file path (`--config FILE`), if given.
    public var configPath: String?
    /// Setting flags, in order.
    public var assignments: [Assignment] = []

    /// Parses `arguments` (without the program name). Every word must be a known flag followed
    /// by its value; anything else is an error, so a typo never silently falls back to a default.
    public static func parse(_ arguments: [String]) throws(BrokerConfigurationError) -> BrokerCommandLine {
        let flags = Dictionary(uniqueKeysWithValues: BrokerSetting.allCases.map { ($0.flag, $0) })
        var result = BrokerCommandLine()
        var index = 0
        while index < arguments.count {
            precondition(index >= 0, "argument index stays in bounds")
            let word = arguments[index]
            guard word.hasPrefix("--") else {
                throw BrokerConfigurationError(
                    .unexpectedArgument, "unexpected argument \(BrokerConfigurationError.quote(word)): expected a --flag")
            }
            let equals = word.firstIndex(of: "=")
            let name = String(word[..<(equals ?? word.endIndex)])
            let setting = flags[name]
            guard setting != nil || name == configFlag else {
                throw BrokerConfigurationError(.unknownFlag, "unknown flag \(BrokerConfigurationError.quote(name))")
            }
            let value: String
            if let equals {
                value = String(word[word.index(after: equals)...])
                index += 1
            } else {
                guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") else {
                    throw BrokerConfigurationError(.missingFlagValue, "flag \(name) needs a value")
                }
                value = arguments[index + 1]
                index += 2
            }
            if let setting {
                result.assignments.append(Assignment(setting: setting, value: value))
            } else {
                result.configPath = value
            }
        }
        return result
    }
}
