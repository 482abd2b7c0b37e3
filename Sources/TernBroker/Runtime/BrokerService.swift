public import Logging
public import ServiceLifecycle

/// The broker as a swift-service-lifecycle service: `run` starts it, waits for the graceful
/// shutdown signal (SIGTERM/SIGINT through the `ServiceGroup`), then shuts it down cleanly.
public struct BrokerService: Service {
    let configuration: BrokerConfiguration
    let clock: BrokerClock
    let seed: UInt64
    let logger: Logger
    let onReady: @Sendable (Broker) -> Void

    /// A service that runs a broker with `configuration`; `onReady` is called once it serves.
    public init(
        configuration: BrokerConfiguration, clock: BrokerClock, seed: UInt64, logger: Logger,
        onReady: @escaping @Sendable (Broker) -> Void
    ) {
        self.configuration = configuration
        self.clock = clock
        self.seed = seed
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        let broker = try await Broker.start(configuration: configuration, clock: clock, seed: seed, logger: logger)
        onReady(broker)
        // Returns on graceful shutdown; throws on cancellation, which ends the broker the same way.
        try? await gracefulShutdown()
        await broker.shutdown()
    }
}
