/// What every TernClient component shares: where the cluster is and how long to wait.
public struct ClientConfiguration: Sendable {
    /// Brokers to bootstrap from (any subset of the cluster; the rest is learnt from metadata).
    public var bootstrap: [BrokerAddress]
    /// Sent in every request header (`client.id`).
    public var clientID: String
    /// How long a connection attempt may take.
    public var connectTimeout: Duration = .seconds(10)
    /// How long one request may wait for its answer (`request.timeout.ms`).
    public var requestTimeout: Duration = .seconds(30)
    /// Cached metadata older than this is refreshed before use (`metadata.max.age.ms`).
    public var metadataMaxAge: Duration = .seconds(300)
    /// The first pause before a retry; it doubles up to `retryBackoffMax` (KIP-580).
    public var retryBackoff: Duration = .milliseconds(100)
    public var retryBackoffMax: Duration = .seconds(1)
    /// Requests one connection may have waiting for answers.
    public var inFlightPerConnectionMax = 1_000
    /// Plaintext, or TLS (`security.protocol`; TLS itself arrives with the security issue).
    public var security: SecurityProtocol = .plaintext

    public init(bootstrap: [BrokerAddress], clientID: String = "tern-client") {
        precondition(!bootstrap.isEmpty, "a client needs at least one bootstrap broker")
        self.bootstrap = bootstrap
        self.clientID = clientID
    }
}
