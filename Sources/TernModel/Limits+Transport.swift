/// Bounds of the Kafka listener's connection layer (TernTransport). Each connection holds at
/// most this much work, so one greedy or hostile client cannot grow the broker's memory without
/// bound; past a bound the connection stops reading (TCP backpressure) instead of failing.
extension Limits {
    /// Most requests one connection may have dispatched and not yet answered (including answers
    /// held back to keep responses in request order). librdkafka pipelines up to 1,000,000 by
    /// default, but a broker needs only enough to cover a round trip of produce batches; Kafka
    /// itself handles one request per connection at a time. Past this, reading stops.
    public static let connectionInFlightRequestsMax = 1_024

    /// Most request and response bytes one connection may hold (requests read but not yet
    /// answered plus answers waiting for an earlier one). One frame is always accepted when the
    /// connection holds nothing, so a frame up to `frameBytesMax` still travels; past this
    /// bound, reading stops until the connection drains.
    public static let connectionBufferedBytesMax = 2 * frameBytesMax

    /// Bytes queued in the socket's outbound buffer before the channel reports itself not
    /// writable (NIO's high water mark); a client that does not read its responses then stops
    /// being read from. The low water mark is half of this.
    public static let connectionPendingWriteBytesMax = 16 * 1024 * 1024
}
