public import TernModel

/// The broker's wall clock, injected at the root (`ternd` passes the system clock; tests may
/// pass a fixed or stepped one). Batch timestamps, retention and request deadlines read it;
/// Raft never does (it counts ticks).
public struct BrokerClock: Sendable {
    private let read: @Sendable () -> TimestampMs

    /// A clock that reads `read`.
    public init(_ read: @escaping @Sendable () -> TimestampMs) {
        self.read = read
    }

    /// Milliseconds since the Unix epoch.
    public func now() -> TimestampMs { read() }
}
