/// A `host:port` network address as written in configuration (`listeners`,
/// `advertised.listeners`, `rpc.listener`, `admin.listener`). IPv6 hosts are written in brackets
/// (`[::1]:9092`). The host is kept as text: resolution is the listener's job, not the parser's.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// The host name or address literal, without brackets.
    public var host: String
    /// The TCP port; 0 on a bind address asks the OS for a free port (tests use this).
    public var port: Int

    /// An address; `port` must be in 0...65535.
    public init(host: String, port: Int) {
        precondition(port >= 0, "port must not be negative")
        precondition(port <= 65_535, "port must fit 16 bits")
        self.host = host
        self.port = port
    }

    /// `host:port`, with brackets around an IPv6 host so the text parses back.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether the host is a wildcard bind address (every interface), which a client cannot dial.
    public var isWildcard: Bool { host == "0.0.0.0" || host == "::" }

    /// Parses `host:port` or `[ipv6]:port`, accepting Kafka's `PLAINTEXT://` prefix because
    /// users copy `listeners` lines from Kafka configs. Returns a reason on failure (the caller
    /// names the setting). Kafka's comma lists of listeners are refused: Tern has one Kafka listener.
    static func parse(_ text: String) -> Result<HostPort, AddressProblem> {
        var rest = Substring(text)
        if rest.lowercased().hasPrefix("plaintext://") { rest = rest.dropFirst("plaintext://".count) }
        if rest.contains(",") { return .failure(.malformed("only one address is supported")) }
        let host: Substring
        let portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return .failure(.malformed("missing ']'")) }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { return .failure(.malformed("expected host:port")) }
            portText = after.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { return .failure(.malformed("expected host:port")) }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
            if host.contains(":") { return .failure(.malformed("write an IPv6 host in brackets")) }
        }
        guard !host.isEmpty else { return .failure(.malformed("empty host")) }
        guard host.allSatisfy(Self.isHostCharacter) else { return .failure(.malformed("invalid host")) }
        guard let port = Int(portText) else { return .failure(.malformed("port is not a number")) }
        guard port >= 0, port <= 65_535 else { return .failure(.portOutOfRange(port)) }
        return .success(HostPort(host: String(host), port: port))
    }

    /// Letters, digits and the punctuation of DNS names and IPv4/IPv6 literals.
    private static func isHostCharacter(_ character: Character) -> Bool {
        guard character.isASCII else { return false }
        return character.isLetter || character.isNumber || ".-_:%".contains(character)
    }
}

/// Why an address did not parse.
enum AddressProblem: Error {
    /// Not of the form `host:port`; the text says what is wrong.
    case malformed(String)
    /// The port is outside 0...65535.
    case portOutOfRange(Int)
}
