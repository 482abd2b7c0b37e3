public import ServiceLifecycle

/// A producer in a `ServiceGroup`: it runs until the group shuts down gracefully (SIGTERM, say),
/// then flushes what is buffered and closes, so an application's shutdown loses no record it
/// handed over.
extension KafkaProducer: Service {
    public nonisolated func run() async throws {
        // Cancellation ends the wait too; either way the producer closes.
        try? await gracefulShutdown()
        await close()
    }
}

/// A consumer in a `ServiceGroup`: on graceful shutdown it commits (with auto-commit), leaves
/// its group (so the others take its partitions at once) and closes; `records` then ends.
extension KafkaConsumer: Service {
    public nonisolated func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}
