public import Logging
public import NIOCore
import NIOPosix
import Synchronization
import TernModel

/// A running Kafka listener: a server socket whose connections each get the frame decoder and
/// a `KafkaConnectionHandler`. Start it with `start(...)`, stop it with `shutdown()`.
public final class KafkaListener: Sendable {
    /// The address the listener is bound to (with the real port when asked for port 0).
    public let localAddress: SocketAddress
    private let serverChannel: any Channel
    private let connections: ConnectionRegistry
    private let tasks: RequestTasks
    private let logger: Logger

    private init(
        serverChannel: any Channel, connections: ConnectionRegistry, tasks: RequestTasks, logger: Logger
    ) throws {
        guard let address = serverChannel.localAddress else {
            throw KafkaListenerError.noLocalAddress
        }
        self.localAddress = address
        self.serverChannel = serverChannel
        self.connections = connections
        self.tasks = tasks
        self.logger = logger
    }

    /// Binds `host:port` (port 0 picks a free port) on `group` and starts accepting.
    /// - Parameters:
    ///   - group: the event loops (a `MultiThreadedEventLoopGroup`) owned by the caller.
    ///   - handler: answers every request that passes the version gate.
    public static func start(
        host: String, port: Int, group: any EventLoopGroup, configuration: KafkaListenerConfiguration,
        handler: any KafkaRequestHandling, logger: Logger
    ) async throws -> KafkaListener {
        let configuration = configuration.checked()
        let connections = ConnectionRegistry()
        let tasks = RequestTasks()
        let waterMark = ChannelOptions.Types.WriteBufferWaterMark(
            low: Limits.connectionPendingWriteBytesMax / 2, high: Limits.connectionPendingWriteBytesMax)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: waterMark)
            .childChannelInitializer { channel in
                let id = connections.register(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(KafkaFrameDecoder(frameBytesMax: configuration.frameBytesMax)),
                        KafkaConnectionHandler(
                            configuration: configuration, requestHandler: handler, connectionID: id, logger: logger,
                            tasks: tasks),
                    ])
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        let listener = try KafkaListener(
            serverChannel: channel, connections: connections, tasks: tasks, logger: logger)
        logger.info("Kafka listener started", metadata: ["address": "\(listener.localAddress)"])
        return listener
    }

    /// Stops accepting, closes every connection and waits until all are closed, then cancels
    /// the handler tasks still running and waits for them, so the caller may shut its event
    /// loops down afterwards. Their answers are dropped. Call once the handler can return.
    public func shutdown() async {
        do {
            try await serverChannel.close()
        } catch ChannelError.alreadyClosed {
            // A second shutdown: nothing left to close.
        } catch {
            logger.warning("closing the listening socket failed", metadata: ["error": "\(error)"])
        }
        for channel in connections.closeAll() {
            try? await channel.closeFuture.get()
        }
        await tasks.cancelAllAndWait()
        logger.info("Kafka listener stopped", metadata: ["address": "\(localAddress)"])
    }
}

/// Why a listener could not start.
public enum KafkaListenerError: Error, Sendable {
    /// The bound socket reported no local address.
    case noLocalAddress
}

/// The open connections of one listener, so `shutdown()` can close them.
final class ConnectionRegistry: Sendable {
    private struct State {
        var nextID: UInt64 = 1
        var channels: [UInt64: any Channel] = [:]
        var isShutDown = false
    }

    private let state = Mutex(State())

    /// Records a new connection and returns its id; a connection accepted after shutdown is
    /// closed at once.
    func register(_ channel: any Channel) -> UInt64 {
        let (id, accepted) = state.withLock { state -> (UInt64, Bool) in
            let id = state.nextID
            state.nextID += 1
            if state.isShutDown { return (id, false) }
            state.channels[id] = channel
            return (id, true)
        }
        if accepted {
            channel.closeFuture.whenComplete { _ in
                self.state.withLock { _ = $0.channels.removeValue(forKey: id) }
            }
        } else {
            channel.close(promise: nil)
        }
        return id
    }

    /// Marks the registry shut down, closes every connection and returns them.
    func closeAll() -> [any Channel] {
        let channels = state.withLock { state -> [any Channel] in
            state.isShutDown = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.close(promise: nil)
        }
        return channels
    }
}
