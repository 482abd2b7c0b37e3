public import Logging
public import NIOCore
public import NIOPosix
public import TernModel
import TernWire

/// The client's view of one Kafka cluster: a connection per broker (opened on first use,
/// reopened after it breaks, one attempt at a time per broker) and the metadata cache.
///
/// Metadata is refreshed on demand (an error that means it is stale: the caller calls
/// `refreshMetadata`), and whenever it is older than `metadataMaxAge`.
public actor KafkaCluster {
    public nonisolated let configuration: ClientConfiguration
    nonisolated let group: any EventLoopGroup
    let logger: Logger
    private var connections: [NodeID: KafkaConnection] = [:]
    private var opening: [NodeID: Task<KafkaConnection, any Error>] = [:]
    /// A connection to a bootstrap broker, before (or besides) the node ids are known.
    private var bootstrapConnection: KafkaConnection?
    /// The last metadata answer and when it came.
    public private(set) var metadata = ClusterMetadata()
    private var fetchedAt: ContinuousClock.Instant?
    /// Topics whose metadata the client needs (a refresh asks for all of them).
    private var interest: Set<String> = []
    private var isClosed = false

    public init(
        configuration: ClientConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "tern.client")
    ) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
    }

    /// A usable connection to `node`, opened if needed.
    public func connection(to node: NodeID) async throws(ClientError) -> KafkaConnection {
        if isClosed { throw ClientError(.closed, "the client was closed") }
        if let problem = configuration.transportProblem { throw problem }
        if let existing = connections[node], await existing.isUsable { return existing }
        if metadata.brokers[node] == nil { _ = try await refreshMetadata() }
        guard let address = metadata.brokers[node] else {
            throw ClientError(.invalidArgument, "broker \(node) is not in the cluster's metadata")
        }
        let attempt: Task<KafkaConnection, any Error>
        if let running = opening[node] {
            attempt = running
        } else {
            let configuration = self.configuration
            let group = self.group
            attempt = Task {
                try await KafkaConnection.open(
                    to: address, nodeID: node, group: group, clientID: configuration.clientID,
                    connectTimeout: configuration.connectTimeout, requestTimeout: configuration.requestTimeout,
                    inFlightMax: configuration.inFlightPerConnectionMax)
            }
            opening[node] = attempt
        }
        do {
            let opened = try await attempt.value
            if opening[node] == attempt { opening[node] = nil }
            if isClosed {
                await opened.close()
                throw ClientError(.closed, "the client was closed")
            }
            connections[node] = opened
            return opened
        } catch let error as ClientError {
            if opening[node] == attempt { opening[node] = nil }
            throw ClientError(error.kind, "broker \(node): \(error.detail)")
        } catch {
            if opening[node] == attempt { opening[node] = nil }
            throw ClientError(.unreachable, "broker \(node) at \(address): \(error)")
        }
    }

    /// A usable connection to some broker: a known broker's, else a bootstrap broker's (tried in
    /// order). Fails only when none answers.
    public func anyConnection() async throws(ClientError) -> KafkaConnection {
        if isClosed { throw ClientError(.closed, "the client was closed") }
        if let problem = configuration.transportProblem { throw problem }
        for connection in connections.values where await connection.isUsable { return connection }
        if let bootstrapConnection, await bootstrapConnection.isUsable { return bootstrapConnection }
        var failures: [String] = []
        for node in metadata.brokers.keys.sorted() {
            do throws(ClientError) {
                return try await connection(to: node)
            } catch {
                failures.append(error.description)
            }
        }
        for address in configuration.bootstrap {
            do throws(ClientError) {
                let opened = try await KafkaConnection.open(
                    to: address, group: group, clientID: configuration.clientID,
                    connectTimeout: configuration.connectTimeout, requestTimeout: configuration.requestTimeout,
                    inFlightMax: configuration.inFlightPerConnectionMax)
                await bootstrapConnection?.close()
                bootstrapConnection = opened
                return opened
            } catch {
                failures.append(error.description)
            }
        }
        throw ClientError(
            .unreachable,
            "no broker answers (bootstrap \(configuration.bootstrap.map(\.description).joined(separator: ","))): "
                + failures.joined(separator: "; "))
    }

    /// Asks for the metadata of every topic of interest plus `topics` (nil: every topic of the
    /// cluster) and caches the answer.
    @discardableResult
    public func refreshMetadata(topics: [String]? = [], allowAutoCreation: Bool = false) async throws(ClientError)
        -> ClusterMetadata
    {
        var request = MetadataRequest()
        if let topics {
            interest.formUnion(topics)
            request.topics = interest.sorted().map { name in
                var topic = MetadataRequest.MetadataRequestTopic()
                topic.name = name
                return topic
            }
        } else {
            request.topics = nil
        }
        request.allowAutoTopicCreation = allowAutoCreation
        let connection = try await anyConnection()
        let response: MetadataResponse
        do throws(ClientError) {
            response = try await connection.call(request, timeout: configuration.requestTimeout)
        } catch {
            throw ClientError(error.kind, "Metadata from \(connection.address): \(error.detail)")
        }
        var fresh = ClusterMetadata(response)
        if topics != nil {
            // Keep what the cache knew of topics not asked for this time.
            for (name, topic) in metadata.topics where fresh.topics[name] == nil && !interest.contains(name) {
                fresh.topics[name] = topic
            }
        }
        metadata = fresh
        fetchedAt = .now
        for (node, connection) in connections where fresh.brokers[node] == nil {
            connections[node] = nil
            await connection.close()
        }
        return fresh
    }

    /// The cache, refreshed first when it is older than `metadataMaxAge` or lacks `topic`.
    public func metadata(for topic: String) async throws(ClientError) -> TopicMetadata {
        let stale = fetchedAt.map { ContinuousClock.now - $0 > configuration.metadataMaxAge } ?? true
        if stale || metadata.topics[topic] == nil || !interest.contains(topic) {
            try await refreshMetadata(topics: [topic])
        }
        guard let found = metadata.topics[topic] else {
            throw ClientError(.broker(.unknownTopicOrPartition), "topic \(topic) is not in the cluster's metadata")
        }
        return found
    }

    /// Closes every connection; later calls fail with `.closed`.
    public func close() async {
        isClosed = true
        for attempt in opening.values { attempt.cancel() }
        opening = [:]
        let open = Array(connections.values) + (bootstrapConnection.map { [$0] } ?? [])
        connections = [:]
        bootstrapConnection = nil
        for connection in open { await connection.close() }
    }
}
