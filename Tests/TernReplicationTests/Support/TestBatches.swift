// Helpers shared by the replication tests: client-style batches, opening a replica's storage on
// a fault-injecting file system, and reading a partition log back batch by batch.
import NIOCore
import TernLog
import TernModel
import TernRaft
import TernReplication
import TernWire

enum TestBatches {
    /// A producer-style batch of `records` records (base offset 0, epoch -1, as a client sends).
    static func data(records: Int, tag: Int) -> ByteBuffer {
        let list = (0..<records).map { number in
            Record(
                timestampDelta: Int64(number), offsetDelta: Int32(number), key: ByteBuffer(string: "key-\(tag)-\(number)"),
                value: ByteBuffer(string: "value-\(tag)-\(number)-" + String(repeating: "x", count: tag % 50)))
        }
        return RecordBatch(baseTimestamp: TimestampMs(1_700_000_000_000 + Int64(tag)), records: list).encoded()
    }

    /// Every batch of `log` from its start to its end (or `upTo`, exclusive), each as its own buffer.
    static func batches(of log: SegmentedLog, upTo end: Offset? = nil) throws -> [ByteBuffer] {
        var result: [ByteBuffer] = []
        var next = log.logStartOffset
        let limit = end ?? log.logEndOffset
        while next < limit {
            var bytes = try log.readBytes(from: next, maxBytes: 1 << 20, maxOffset: limit)
            if bytes.readableBytes == 0 { break }
            while bytes.readableBytes > 0 {
                let header = try RecordBatchHeader(parsing: bytes)
                result.append(bytes.readSlice(length: header.totalSize)!)
                next = header.nextOffset
            }
        }
        return result
    }

    /// `batch` with the broker-stamped fields (baseOffset, partitionLeaderEpoch) zeroed, to
    /// compare a stored batch with what the client sent.
    static func unstamped(_ batch: ByteBuffer) -> [UInt8] {
        var copy = batch
        RecordBatchHeader.rewrite(baseOffset: .zero, partitionLeaderEpoch: 0, in: &copy)
        return Array(copy.readableBytesView)
    }
}

/// One replica's disk and how to (re)open it.
struct ReplicaDisk {
    let id: NodeID
    let fileSystem: FaultInjectingFileSystem
    let bootstrap: ClusterConfiguration
    let directory = "/data/topics/orders-0"
    /// Small segments so tests cross segment boundaries.
    let logConfiguration: LogConfiguration

    init(id: NodeID, bootstrap: ClusterConfiguration, seed: UInt64, retentionBytes: Int? = nil) {
        self.id = id
        self.logConfiguration = LogConfiguration(segmentBytes: 1024, indexIntervalBytes: 128, retentionBytes: retentionBytes)
        self.bootstrap = bootstrap
        self.fileSystem = FaultInjectingFileSystem(seed: seed)
    }

    func openStorage(now: TimestampMs = TimestampMs(1_000)) throws -> PartitionRaftLog {
        try PartitionRaftLog.open(
            directory: directory, fileSystem: fileSystem, localID: id, bootstrap: bootstrap,
            configuration: logConfiguration, now: now)
    }

    func openDriver(seed: UInt64) throws -> ReplicaDriver {
        ReplicaDriver(options: RaftOptions(id: id), storage: try openStorage(), seed: seed)
    }
}
