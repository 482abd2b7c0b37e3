// InitProducerId (key 22): v0–v4, idempotent producers only.
//
// Behaviour:
// - No producer id (-1): a fresh id from this broker's block (blocks of 1,000 allocated through
//   the controller log: unique in the cluster, never reused after any restart) with epoch 0.
// - v3+ naming an id this cluster allocated and its epoch (librdkafka does this to reset its
//   sequences after an error): the same id with the epoch bumped; at the last epoch, a fresh
//   id with epoch 0 (as Kafka does when the epoch would overflow). An id never allocated:
//   INVALID_PRODUCER_ID_MAPPING; a negative epoch with an id: INVALID_REQUEST.
// - A transactional id: TRANSACTIONAL_ID_AUTHORIZATION_FAILED (Tern has no transactions).
// - No block could be allocated within the request's time (no controller leader):
//   COORDINATOR_NOT_AVAILABLE, which clients retry.
import Logging
import Synchronization
import TernController
import TernModel
import TernTransport
import TernWire

extension Broker {
    func initProducerId(_ request: InitProducerIdRequest, _ head: KafkaRequestHead) async -> InitProducerIdResponse {
        func answer(_ error: ErrorCode, _ producer: ProducerID = .none, _ epoch: ProducerEpoch = .none)
            -> InitProducerIdResponse
        {
            InitProducerIdResponse(
                throttleTimeMs: 0, errorCode: error.rawValue, producerId: producer.rawValue,
                producerEpoch: epoch.rawValue)
        }
        if request.transactionalId != nil { return answer(.transactionalIdAuthorizationFailed) }
        if request.producerId >= 0 {
            guard request.producerEpoch >= 0 else { return answer(.invalidRequest) }
            let allocated = state.withLock { $0.image.nextProducerID }
            guard request.producerId < allocated else { return answer(.invalidProducerIdMapping) }
            if request.producerEpoch < Int16.max - 1 {
                return answer(.noError, ProducerID(request.producerId), ProducerEpoch(request.producerEpoch + 1))
            }
        } else if request.producerId != ProducerID.none.rawValue {
            return answer(.invalidRequest)
        }
        guard let producer = await producerIDs.take(allocate: { [weak self] in await self?.allocateProducerBlock() })
        else {
            return answer(.coordinatorNotAvailable)
        }
        return answer(.noError, producer, ProducerEpoch(0))
    }

    /// A new block of producer ids from the controller (nil: it did not answer within 30 s).
    func allocateProducerBlock() async -> ClosedRange<Int64>? {
        let reply = await submitAdmin(
            .allocateProducerIDs(broker: nodeID.rawValue, count: ProducerIDPool.blockSize), timeoutMs: 30_000)
        guard reply.error == 0, let block = reply.producerBlock, block.count == 2, block[1] > 0 else {
            logger.warning("no producer id block allocated", metadata: ["error": "\(ErrorCode(rawValue: reply.error))"])
            return nil
        }
        logger.info("producer id block allocated", metadata: ["first": "\(block[0])", "count": "\(block[1])"])
        return block[0]...(block[0] + block[1] - 1)
    }
}
