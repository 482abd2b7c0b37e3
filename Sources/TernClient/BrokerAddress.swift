import Foundation

/// Where a broker listens for Kafka clients.
public struct BrokerAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (an IPv6 host in brackets: `[::1]:9092`); nil if it is not one.
    public init?(parsing text: some StringProtocol) {
        let text = String(text).trimmingCharacters(in: .whitespaces)
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    /// A comma-separated list (`--brokers`, `TERN_BROKERS`); nil if any entry is not `host:port`.
    public static func list(parsing text: String) -> [BrokerAddress]? {
        let parts = text.split(separator: ",").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let parsed = parts.compactMap { BrokerAddress(parsing: $0) }
        return parsed.count == parts.count && !parsed.isEmpty ? parsed : nil
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
