/// How connections to the brokers are secured (`security.protocol`).
///
/// The shape the security issue fills in: `.ssl` names the files a TLS connection needs, and
/// a TLS handler will go in front of the Kafka framing in `KafkaConnection`'s pipeline. Until
/// then a client configured for SSL refuses to connect with an error that says so, rather
/// than silently talking plaintext.
public enum SecurityProtocol: Sendable, Equatable {
    case plaintext
    case ssl(TLSSettings)
}

/// What a TLS connection needs (librdkafka's `ssl.*` settings).
public struct TLSSettings: Sendable, Equatable {
    /// PEM file of the certificate authorities to trust (`ssl.ca.location`); nil: the system's.
    public var caCertificatePath: String?
    /// PEM certificate and key for client authentication (`ssl.certificate.location`,
    /// `ssl.key.location`); nil: none.
    public var certificatePath: String?
    public var keyPath: String?
    /// Check that the broker's certificate names the host dialled
    /// (`ssl.endpoint.identification.algorithm=https`).
    public var verifyHostname = true

    public init(caCertificatePath: String? = nil, certificatePath: String? = nil, keyPath: String? = nil, verifyHostname: Bool = true) {
        self.caCertificatePath = caCertificatePath
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.verifyHostname = verifyHostname
    }
}

extension ClientConfiguration {
    /// Why connections cannot be opened with this configuration, nil when they can.
    var transportProblem: ClientError? {
        switch security {
        case .plaintext: nil
        case .ssl:
            ClientError(
                .invalidArgument,
                "security protocol SSL is configured, but this TernClient has no TLS transport yet; use plaintext")
        }
    }
}
