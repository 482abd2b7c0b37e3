/// Where the producer was told a record was stored.
public struct Acknowledgement: Sendable, Equatable {
    public var partition: Int32
    /// -1 when the broker gave no offset (acks=0).
    public var offset: Int64

    public init(partition: Int32, offset: Int64) {
        self.partition = partition
        self.offset = offset
    }
}

/// One record of the run found in the partition logs.
public struct ReadBackRecord: Sendable, Equatable {
    public var partition: Int32
    public var offset: Int64
    public var id: RecordID

    public init(partition: Int32, offset: Int64, id: RecordID) {
        self.partition = partition
        self.offset = offset
        self.id = id
    }
}

/// The comparison of what the producers were told with what the logs hold.
///
/// Counting rules, so that the figures add up (`readBack == acked − lost +
/// unacknowledgedStored + duplicated`):
/// - lost: acknowledged, never read back;
/// - duplicated: every copy after the first;
/// - out of order: a record's first copy that comes, in its partition, after a record the same
///   producer sent later (idempotent producers keep send order per partition);
/// - unacknowledged stored: read back, but its send failed or was never answered.
public struct Verification: Sendable, Equatable {
    public var acked = 0
    public var lost = 0
    public var duplicated = 0
    public var outOfOrder = 0
    public var readBack = 0
    public var uniqueReadBack = 0
    public var unacknowledgedStored = 0
    public var offsetMismatches = 0
    /// Up to ten lost records, to name in the report.
    public var lostExamples: [RecordID] = []

    public var passed: Bool { lost == 0 && duplicated == 0 && outOfOrder == 0 && offsetMismatches == 0 }

    /// One line per problem.
    public var problems: [String] {
        var lines: [String] = []
        if lost > 0 {
            let examples = lostExamples.map { "producer \($0.producer) #\($0.sequence)" }.joined(separator: ", ")
            lines.append("\(lost) acknowledged records were not read back (for example \(examples))")
        }
        if duplicated > 0 { lines.append("\(duplicated) records were read back more than once") }
        if outOfOrder > 0 { lines.append("\(outOfOrder) records were stored out of their producer's send order") }
        if offsetMismatches > 0 { lines.append("\(offsetMismatches) records were read back at another offset than acknowledged") }
        return lines
    }

    /// Compares `acknowledged` with `records`, which must be in log order per partition
    /// (partitions may interleave).
    public init(acknowledged: [RecordID: Acknowledgement], records: [ReadBackRecord]) {
        acked = acknowledged.count
        readBack = records.count
        var seen: [RecordID: Int] = [:]
        seen.reserveCapacity(records.count)
        /// Per partition and producer, the highest sequence read so far.
        var highest: [Int32: [UInt32: UInt64]] = [:]
        for record in records {
            let copies = seen[record.id, default: 0]
            seen[record.id] = copies + 1
            guard copies == 0 else {
                duplicated += 1
                continue
            }
            uniqueReadBack += 1
            if let top = highest[record.partition]?[record.id.producer], record.id.sequence < top {
                outOfOrder += 1
            } else {
                highest[record.partition, default: [:]][record.id.producer] = record.id.sequence
            }
            if let ack = acknowledged[record.id] {
                if ack.offset >= 0 && (ack.partition != record.partition || ack.offset != record.offset) { offsetMismatches += 1 }
            } else {
                unacknowledgedStored += 1
            }
        }
        for id in acknowledged.keys.sorted() where seen[id] == nil {
            lost += 1
            if lostExamples.count < 10 { lostExamples.append(id) }
        }
        precondition(readBack == acked - lost + unacknowledgedStored + duplicated, "every record read back is counted once")
    }
}
