import Foundation

/// Layering: built-in defaults < config file < environment < command-line flags. Each layer's
/// values go through the same per-setting parser, so a value means the same wherever it is set.
extension BrokerConfiguration {
    /// The configuration from already-read inputs: `fileContents` (nil: no file), the process
    /// environment and the parsed command line. Pure, so tests need no real files or environment.
    public static func resolve(
        fileContents: [UInt8]?, fileName: String = "(config)", environment: [String: String],
        commandLine: BrokerCommandLine
    ) throws(BrokerConfigurationError) -> BrokerConfiguration {
        var configuration = BrokerConfiguration()
        if let fileContents {
            for entry in try ConfigFile.assignments(fileContents, name: fileName) {
                try entry.setting.apply(entry.value, origin: entry.origin, to: &configuration)
            }
        }
        for entry in try environmentAssignments(environment) {
            try entry.setting.apply(entry.value, origin: entry.origin, to: &configuration)
        }
        for assignment in commandLine.assignments {
            try assignment.setting.apply(assignment.value, origin: "flag \(assignment.setting.flag)", to: &configuration)
        }
        try configuration.validate()
        return configuration
    }

    /// The configuration from raw `arguments`, reading the `--config` file (if any) through
    /// `readFile`, which tests replace with an in-memory map.
    public static func resolve(
        arguments: [String], environment: [String: String],
        readFile: (String) throws(BrokerConfigurationError) -> [UInt8]
    ) throws(BrokerConfigurationError) -> BrokerConfiguration {
        let commandLine = try BrokerCommandLine.parse(arguments)
        let contents = try commandLine.configPath.map { path throws(BrokerConfigurationError) in try readFile(path) }
        return try resolve(
            fileContents: contents, fileName: commandLine.configPath ?? "(none)", environment: environment,
            commandLine: commandLine)
    }

    /// The real thing for `ternd`: the config file from disk, and this process's arguments and
    /// environment where none are given.
    public static func load(
        arguments: [String]? = nil, environment: [String: String]? = nil
    ) throws(BrokerConfigurationError) -> BrokerConfiguration {
        try resolve(
            arguments: arguments ?? Array(CommandLine.arguments.dropFirst()),
            environment: environment ?? ProcessInfo.processInfo.environment, readFile: readConfigFile)
    }

    /// Reads a config file, refusing one larger than `ConfigFile.bytesMax`.
    static func readConfigFile(_ path: String) throws(BrokerConfigurationError) -> [UInt8] {
        let quoted = BrokerConfigurationError.quote(path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= ConfigFile.bytesMax else {
            throw BrokerConfigurationError(.malformedFile, "config file \(quoted): larger than \(ConfigFile.bytesMax) bytes")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BrokerConfigurationError(.unreadableFile, "config file \(quoted): cannot be read")
        }
        return [UInt8](data)
    }

    /// `TERN_*` variables naming settings, in setting order. Other `TERN_*` variables are
    /// ignored, unlike unknown file keys: the environment is shared with other tools (the build
    /// itself sets `TERN_DEV_TARGETS`), so the broker cannot claim the whole prefix.
    static func environmentAssignments(
        _ environment: [String: String]
    ) throws(BrokerConfigurationError) -> [(setting: BrokerSetting, value: String, origin: String)] {
        var result: [(setting: BrokerSetting, value: String, origin: String)] = []
        for setting in BrokerSetting.allCases {
            var chosen: (name: String, value: String)?
            for key in [setting.key] + setting.aliases {
                let name = BrokerSetting.environmentName(ofKey: key)
                guard let value = environment[name] else { continue }
                if let chosen, chosen.value != value {
                    throw BrokerConfigurationError(
                        .conflict, "environment variables \(chosen.name) and \(name) disagree")
                }
                chosen = (name, value)
            }
            if let chosen { result.append((setting, chosen.value, "environment variable \(chosen.name)")) }
        }
        return result
    }
}
