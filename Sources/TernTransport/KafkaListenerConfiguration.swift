public import TernModel

/// Settings of a Kafka listener's connections.
public struct KafkaListenerConfiguration: Sendable {
    /// Largest request frame accepted (the broker's request size limit); larger frames close
    /// the connection. At most `Limits.frameBytesMax`.
    public var frameBytesMax: Int
    /// Requests a connection may have in flight before it stops reading.
    /// At most `Limits.connectionInFlightRequestsMax`.
    public var inFlightRequestsMax: Int
    /// Request and held response bytes a connection may buffer before it stops reading.
    /// At most `Limits.connectionBufferedBytesMax`.
    public var bufferedBytesMax: Int
    /// The versions advertised, and let through to the handler.
    public var advertisedVersions: AdvertisedApiVersions

    /// A configuration; bounds default to the `Limits` maximums.
    public init(
        advertisedVersions: AdvertisedApiVersions,
        frameBytesMax: Int = Limits.frameBytesMax,
        inFlightRequestsMax: Int = Limits.connectionInFlightRequestsMax,
        bufferedBytesMax: Int = Limits.connectionBufferedBytesMax
    ) {
        self.advertisedVersions = advertisedVersions
        self.frameBytesMax = frameBytesMax
        self.inFlightRequestsMax = inFlightRequestsMax
        self.bufferedBytesMax = bufferedBytesMax
    }

    /// Traps on a configuration outside the `Limits` (a programmer or config-validation error).
    func checked() -> Self {
        precondition(frameBytesMax > 0, "frameBytesMax must be positive")
        precondition(frameBytesMax <= Limits.frameBytesMax, "frameBytesMax above Limits.frameBytesMax")
        precondition(inFlightRequestsMax > 0, "inFlightRequestsMax must be positive")
        precondition(inFlightRequestsMax <= Limits.connectionInFlightRequestsMax, "inFlightRequestsMax too large")
        precondition(bufferedBytesMax > 0, "bufferedBytesMax must be positive")
        precondition(bufferedBytesMax <= Limits.connectionBufferedBytesMax, "bufferedBytesMax too large")
        return self
    }
}
