/// Bounds of the cluster layer (TernBroker's controller, metadata sync and peer network).
extension Limits {
    /// Most nodes a seed list may name. Every node keeps a connection, an outbox and metadata for
    /// every other one; 64 is far beyond the three-node deployments Tern is built for.
    public static let clusterNodesMax = 64

    /// Voters of the controller group: the first seeds by id. Three tolerate one failure, which
    /// is what a three-node cluster can offer; more voters only slow metadata commits.
    public static let controllerVotersMax = 3

    /// Raft messages waiting in the peer outbox between two flushes. Past this new messages are
    /// dropped, which Raft tolerates (it resends on the next heartbeat or probe).
    public static let peerOutboxMessagesMax = 200_000

    /// Bytes of one metadata sync answer (the whole image as JSON). 10,000 partitions with three
    /// replicas each fit in a few megabytes.
    public static let metadataImageBytesMax = 64 * 1024 * 1024

    /// Controller commands applied per committed batch (one record each in practice).
    public static let controllerRecordsPerBatchMax = 1_000

    /// Leadership transfers the balancer starts per round.
    public static let balancerTransfersPerRound = 4
}
