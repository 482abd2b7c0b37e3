import TernModel

/// This broker's producer ids: the rest of a block the controller allocated to it. Blocks go
/// through the controller log, so two brokers never hold the same id, and a restarted broker
/// asks for a new block (the unused rest of the old one is never handed out again).
///
/// An actor so that concurrent InitProducerId calls share one refill (single flight) instead of
/// each allocating a block.
actor ProducerIDPool {
    /// Ids per block (the and Kafka's order of magnitude: Kafka takes 1,000 at a time).
    static let blockSize: Int64 = 1_000

    /// The next id to hand out and the last of the block; nil: none held.
    private var block: (next: Int64, last: Int64)?
    /// The refill under way, shared by every caller waiting for it.
    private var refill: Task<ClosedRange<Int64>?, Never>?

    /// A fresh id, or nil when no block could be allocated (`allocate` answers nil: the
    /// controller did not answer in time).
    func take(allocate: @escaping @Sendable () async -> ClosedRange<Int64>?) async -> ProducerID? {
        // Bounded: each round either hands out an id, or waits for one refill; a refill that
        // fails ends the call.
        for _ in 0..<2 {
            if let (next, last) = block, next <= last {
                block = (next + 1, last)
                return ProducerID(next)
            }
            let running = refill ?? Task { await allocate() }
            refill = running
            let got = await running.value
            if refill == running { refill = nil }
            guard let got else { return nil }
            // Another caller may have installed this block already and taken from it.
            if block.map({ $0.last }) != got.upperBound { block = (got.lowerBound, got.upperBound) }
        }
        return nil
    }
}
