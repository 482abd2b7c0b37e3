import Foundation
import NIOCore
import TernController
import TernModel
import TernTransport
import TernWire
import Synchronization

/// An admin change for the controller leader (PeerAPI.admin). Any broker receives Kafka's
/// admin requests and forwards them as one of these, so clients never see NOT_CONTROLLER.
enum AdminCall: Sendable, Codable {
    case createTopics([TopicCreation], validateOnly: Bool)
    case deleteTopics([String])
    case createPartitions([PartitionGrowth], validateOnly: Bool)
    case alterConfigs(String, [ConfigChange], validateOnly: Bool)
    case register(BrokerRegistration)
    case allocateProducerIDs(broker: Int32, count: Int64)
}

/// The controller leader's answer.
struct AdminReply: Sendable, Codable {
    /// 0, or an error for the whole call (NOT_CONTROLLER: ask the new leader; REQUEST_TIMED_OUT).
    var error: Int16 = 0
    /// Per topic, in request order.
    var outcomes: [TopicOutcome] = []
    /// The controller offset of the change (-1: nothing was proposed).
    var offset: Int64 = -1
    /// For allocateProducerIDs: the first id of the block and its size.
    var producerBlock: [Int64]?

    init(error: Int16 = 0, outcomes: [TopicOutcome] = [], offset: Int64 = -1, producerBlock: [Int64]? = nil) {
        self.error = error
        self.outcomes = outcomes
        self.offset = offset
        self.producerBlock = producerBlock
    }

    /// The outcome to give every topic of a call that failed as a whole. NOT_CONTROLLER is not
    /// something a client should see: after the deadline it becomes REQUEST_TIMED_OUT.
    var refusal: TopicOutcome {
        let code = ErrorCode(rawValue: error)
        let answered: ErrorCode = code == .notController ? .requestTimedOut : code
        return .refused(answered, "the controller did not answer: \(code)")
    }
}

extension Broker {
    /// Runs `call` on the controller leader: here if this node leads the controller, else over
    /// RPC; retried until `timeoutMs` while the controller has no leader or it moves.
    func submitAdmin(_ call: AdminCall, timeoutMs: Int32) async -> AdminReply {
        let deadline = clock.now().advanced(by: Int64(max(1_000, min(timeoutMs, 120_000))))
        let body = PeerJSON.encode(call)
        // Bounded by the deadline; each round waits at least 50 ms unless it got an answer.
        while clock.now() < deadline, !Task.isCancelled {
            if await isServingController() {
                let reply = await answerAdminCall(call)
                if reply.error != ErrorCode.notController.rawValue { return reply }
            } else if let leader = controllerLeader.leader, leader != nodeID {
                let remaining = max(deadline - clock.now(), 100)
                do throws(PeerError) {
                    let answer = try await network.request(
                        to: leader, .admin, body, timeout: .milliseconds(min(remaining, 20_000)))
                    if let reply = PeerJSON.decode(AdminReply.self, answer),
                        reply.error != ErrorCode.notController.rawValue
                    {
                        return reply
                    }
                } catch {
                    // The leader is unreachable or slow: ask again (it may have moved).
                }
            }
            do {
                try await Task.sleep(for: .milliseconds(50))
            } catch {
                break
            }
        }
        return AdminReply(error: ErrorCode.requestTimedOut.rawValue)
    }

    /// The controller leader's handling of a call (NOT_CONTROLLER if this node does not lead).
    func answerAdminCall(_ call: AdminCall) async -> AdminReply {
        guard await isServingController() else { return AdminReply(error: ErrorCode.notController.rawValue) }
        switch call {
        case .createTopics(let creations, let validateOnly):
            return await createTopicsAsController(creations, validateOnly: validateOnly)
        case .deleteTopics(let names):
            return await deleteTopicsAsController(names)
        case .createPartitions(let requests, let validateOnly):
            return await createPartitionsAsController(requests, validateOnly: validateOnly)
        case .alterConfigs(let name, let changes, let validateOnly):
            return await alterTopicConfigsAsController(name, changes, validateOnly: validateOnly)
        case .register(let registration):
            guard state.withLock({ $0.image.brokers[registration.id] != registration }) else { return AdminReply() }
            switch await proposeToController([.registerBroker(registration)]) {
            case .success(let offset): return AdminReply(offset: offset)
            case .failure(let error): return AdminReply(error: error.rawValue)
            }
        case .allocateProducerIDs(let broker, let count):
            switch await proposeToController([.allocateProducerIDs(broker: broker, count: count)]) {
            case .success(let offset):
                guard let block = cluster.withLock({ $0.producerBlocks[offset] }) else {
                    return AdminReply(error: ErrorCode.unknownServerError.rawValue)
                }
                return AdminReply(offset: offset, producerBlock: [block.lowerBound, Int64(block.count)])
            case .failure(let error):
                return AdminReply(error: error.rawValue)
            }
        }
    }
}
