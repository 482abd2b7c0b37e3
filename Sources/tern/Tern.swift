// tern: the command line for Tern (and any Kafka-protocol cluster), modelled on Redpanda's rpk.
import ArgumentParser
import Foundation
import Logging
import TernClient

@main
struct Tern: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern",
        abstract: "Topics, records, groups and cluster health of a Kafka-protocol cluster.",
        subcommands: [TopicCommand.self, ProduceCommand.self, ConsumeCommand.self, GroupCommand.self, ClusterCommand.self])
}

/// Options every command shares.
struct ConnectionOptions: ParsableArguments {
    @Option(name: [.long, .customShort("X")], help: "Brokers, host:port,... (default: $TERN_BROKERS, else 127.0.0.1:9092).")
    var brokers: String?

    @Option(help: "Output: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Seconds to wait for a broker's answer.")
    var timeout: Int = 30

    func configuration() throws -> ClientConfiguration {
        let text = brokers ?? ProcessInfo.processInfo.environment["TERN_BROKERS"] ?? "127.0.0.1:9092"
        guard let addresses = BrokerAddress.list(parsing: text) else {
            throw CLIError("--brokers: '\(text)' is not a list of host:port")
        }
        guard (1...3_600).contains(timeout) else { throw CLIError("--timeout: \(timeout) is not within 1...3600 seconds") }
        var configuration = ClientConfiguration(bootstrap: addresses, clientID: "tern-cli")
        configuration.requestTimeout = .seconds(timeout)
        configuration.connectTimeout = .seconds(min(timeout, 10))
        return configuration
    }
}

enum OutputFormat: String, ExpressibleByArgument, Sendable {
    case text
    case json
}

/// A failure the user can act on: printed as one line, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`; a `ClientError` or `CLIError` becomes one line on stderr and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CLIError {
        fail(error.description)
    } catch let error as ClientError {
        fail(error.description)
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("tern: \(message)\n".utf8))
    exit(1)
}

/// Prints one JSON value (sorted keys) on a line.
func printJSON(_ value: Any) {
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]),
        let text = String(data: data, encoding: .utf8)
    else { return }
    print(text)
}

/// Rows as aligned columns under a header (rpk's tables).
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
        }.joined()
    }
    print(line(header))
    for row in rows { print(line(row)) }
}

/// `key=value` pairs.
func keyValues(_ pairs: [String], option: String) throws -> [String: String] {
    var result: [String: String] = [:]
    for pair in pairs {
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            throw CLIError("\(option): '\(pair)' is not key=value")
        }
        result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
    }
    return result
}

/// The library's logger for the CLI: warnings and worse only, so standard output and error carry
/// the command's results and its one-line errors.
let quietLogger: Logger = {
    var logger = Logger(label: "tern")
    logger.logLevel = .warning
    return logger
}()
