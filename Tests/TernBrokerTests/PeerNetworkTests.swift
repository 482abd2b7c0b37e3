// Goal: the peer network coalesces Raft messages per peer: the heartbeats of many groups wait for
// the per-tick heartbeat flush and then travel as one envelope per peer, while other messages
// leave at once; envelopes carry the cluster id. Method: a PeerServer on 127.0.0.1 records the
// envelopes it receives; a PeerNetwork whose seed list names it sends through a real PeerClient.
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TernModel
import TernRaft
import TernReplication
import TernTransport
import Testing

@testable import TernBroker

final class EnvelopeRecorder: PeerRequestHandling {
    let envelopes = Mutex<[(clusterID: String, envelope: RaftEnvelope)]>([])

    func handle(_ frame: PeerFrame) async -> ByteBuffer { ByteBuffer() }

    func receive(_ frame: PeerFrame) {
        guard let unwrapped = try? PeerNetwork.unwrap(frame.body) else { return }
        envelopes.withLock { $0.append(unwrapped) }
    }
}

@Suite struct PeerNetworkTests {
    @Test("heartbeats of 100 groups leave as one envelope at the tick's flush; appends leave at once")
    func heartbeatsCoalescePerTick() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let recorder = EnvelopeRecorder()
        let logger = Logger(label: "tern.test.peers")
        let server = try await PeerServer.start(
            host: "127.0.0.1", port: 0, group: group, frameBytesMax: 1 << 20, handler: recorder, logger: logger)
        let port = try #require(server.localAddress.port)
        let network = PeerNetwork(
            localID: NodeID(1),
            seeds: [
                ClusterSeed(id: NodeID(1), address: HostPort(host: "127.0.0.1", port: 1)),
                ClusterSeed(id: NodeID(2), address: HostPort(host: "127.0.0.1", port: port)),
            ],
            group: group, frameBytesMax: 1 << 20, logger: logger, onLoss: { _, _ in })
        network.clusterID.withLock { $0 = "cluster-x" }

        let groups = (0..<100).map { RaftGroupID.partition(TopicPartition(topic: "t", partition: PartitionID(Int32($0)))) }
        for group in groups {
            network.send(
                [Message(from: NodeID(1), to: NodeID(2), term: Term(3), kind: .heartbeat(commit: Offset(7)))],
                group: group)
        }
        // A vote request is not a heartbeat: it leaves at once, alone.
        network.send(
            [Message(from: NodeID(1), to: NodeID(2), term: Term(4), kind: .preVoteRequest(lastLog: .origin))],
            group: .controller)
        #expect(try await eventually { recorder.envelopes.withLock { $0.count } == 1 })
        let first = try #require(recorder.envelopes.withLock { $0.first })
        #expect(first.envelope.messages.count == 1)
        #expect(first.envelope.messages.first?.group == .controller)
        #expect(first.clusterID == "cluster-x")

        network.flushHeartbeats()
        #expect(try await eventually { recorder.envelopes.withLock { $0.count } == 2 })
        let heartbeats = try #require(recorder.envelopes.withLock { $0.last }).envelope
        #expect(heartbeats.messages.count == 100)
        #expect(heartbeats.messages.map(\.group) == groups)
        #expect(heartbeats.from == NodeID(1) && heartbeats.to == NodeID(2))

        await network.close()
        await server.shutdown()
        try await group.shutdownGracefully()
    }
}
