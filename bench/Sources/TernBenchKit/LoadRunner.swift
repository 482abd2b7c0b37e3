import Foundation
import NIOCore
import Synchronization
import TernClient
import TernModel
import TernWire

/// `load.producers` TernClient producers sending `BenchPayload` records to one topic, at a
/// fixed rate or as fast as they go, until `stop()`; every answer goes to the recorder.
final class LoadRunner: Sendable {
    let target: TargetSettings
    let load: LoadSettings
    let recorder: AckRecorder
    /// Tells this run's records from any other in the topic.
    let run: UInt64
    /// The wall clock (µs since 1970) at the recorder's start, so payload times need no
    /// system call per record.
    let wallStartMicros: Int64
    private let producers: [KafkaProducer]
    private let stopped = Mutex(false)

    init(target: TargetSettings, load: LoadSettings, recorder: AckRecorder, run: UInt64) throws(BenchError) {
        if let problem = load.problem { throw BenchError(problem) }
        self.target = target
        self.load = load
        self.recorder = recorder
        self.run = run
        self.wallStartMicros = Int64(Date().timeIntervalSince1970 * 1_000_000) - recorder.clock.micros
        var configuration = ProducerConfiguration(client: try clientConfiguration(brokers: target.brokers, clientID: "tern-bench"))
        configuration.acks =
            switch load.acks {
            case "1": .leader
            case "0": .none
            default: .all
            }
        configuration.idempotence = load.idempotence
        configuration.compression = load.compression == "lz4" ? .lz4 : .none
        configuration.linger = .milliseconds(load.lingerMs)
        configuration.batchBytesMax = load.batchBytes
        configuration.bufferBytesMax = max(configuration.bufferBytesMax, 4 * load.batchBytes)
        configuration.deliveryTimeout = .milliseconds(load.deliveryTimeoutMs)
        configuration.client.retryBackoff = .milliseconds(load.retryBackoffMs)
        configuration.client.retryBackoffMax = max(configuration.client.retryBackoffMax, configuration.client.retryBackoff)
        var made: [KafkaProducer] = []
        for index in 0..<load.producers {
            do throws(ClientError) {
                made.append(try KafkaProducer(configuration: configuration, logger: benchLogger("tern-bench.producer.\(index)")))
            } catch {
                throw BenchError("producer settings: \(error)")
            }
        }
        producers = made
    }

    /// Starts sending; the task ends once `stop()` was called (or `deadline`, µs on the
    /// recorder's clock, passed, or each producer sent `limit` records) and everything sent
    /// was answered.
    func start(deadline: Int64? = nil, limit: UInt64? = nil) -> Task<Void, Never> {
        let begin = recorder.clock.micros
        return Task {
            await withTaskGroup(of: Void.self) { group in
                for (index, producer) in producers.enumerated() {
                    group.addTask {
                        await self.sendLoop(index: index, producer: producer, begin: begin, deadline: deadline, limit: limit)
                    }
                }
            }
            for producer in producers { await producer.close() }
        }
    }

    func stop() { stopped.withLock { $0 = true } }

    private var isStopped: Bool { stopped.withLock { $0 } }

    /// One producer's sends. With a rate, record n is due at begin + n / rate; a producer
    /// that falls behind sends at once (and its latency counts from the due time).
    private func sendLoop(index: Int, producer: KafkaProducer, begin: Int64, deadline: Int64?, limit: UInt64?) async {
        let interval = load.rate.map { 1_000_000 * Double(load.producers) / Double($0) }
        let allocator = ByteBufferAllocator()
        let padding = BenchPayload.randomPadding()
        var sequence: UInt64 = 0
        // Bounded by the stop flag, the deadline or the limit.
        while !isStopped && sequence < (limit ?? .max) {
            let now = recorder.clock.micros
            let due = interval.map { begin + Int64(Double(sequence) * $0) } ?? now
            if let deadline, due >= deadline { break }
            if due > now + 200 {
                try? await Task.sleep(until: recorder.clock.instant(atMicros: due), tolerance: .microseconds(200), clock: .continuous)
                continue
            }
            let payload = BenchPayload(run: run, producer: UInt32(index), sequence: sequence, sentAtMicros: wallStartMicros + due)
            let key = load.keys > 0 ? ByteBuffer(string: "key-\(Int.random(in: 0..<load.keys))") : nil
            let value = payload.encoded(
                size: load.recordBytes, padding: padding, paddingStart: Int(truncatingIfNeeded: sequence &* 7_919), allocator: allocator)
            let bytes = value.readableBytes + (key?.readableBytes ?? 0)
            let record = ProducerRecord(topic: target.topic, key: key, value: value)
            let recorder = recorder
            let id = payload.id
            recorder.sent()
            await producer.send(record) { result in
                switch result {
                case .success(let stored):
                    let ack = Acknowledgement(partition: stored.partition, offset: stored.offset.rawValue)
                    recorder.answered(id, sentAt: due, bytes: bytes, outcome: .stored(ack))
                case .failure(let error):
                    recorder.answered(id, sentAt: due, bytes: bytes, outcome: .failed(error.description))
                }
            }
            sequence += 1
        }
        await producer.flush()
    }
}
