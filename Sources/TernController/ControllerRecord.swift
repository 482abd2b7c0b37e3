import Foundation
public import NIOCore
public import TernModel
import TernWire

/// How a `ControllerCommand` is stored: one record of a RecordBatch v2 in the controller
/// group's log (KRaft keeps its metadata log the same way), its value the command as JSON, its
/// key `tern.controller`. JSON because the metadata log is small and rarely written, and an
/// operator can read it with any Kafka tool that dumps record values.
public enum ControllerRecord {
    /// The record key that marks a controller command.
    public static let key = "tern.controller"

    /// The batch proposing `commands`, one record each, applied together in order (offsets
    /// and epoch are stamped by the Raft leader).
    /// - Precondition: 1...Limits.controllerRecordsPerBatchMax commands.
    public static func batch(_ commands: [ControllerCommand], timestamp: TimestampMs) -> ByteBuffer {
        precondition(!commands.isEmpty && commands.count <= Limits.controllerRecordsPerBatchMax, "commands per batch")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let records = commands.enumerated().map { position, command in
            // Encoding plain strings, integers and arrays cannot fail.
            let value = (try? encoder.encode(command)) ?? Data()
            precondition(!value.isEmpty, "a controller command encodes")
            return Record(offsetDelta: Int32(position), key: ByteBuffer(string: key), value: ByteBuffer(bytes: value))
        }
        return RecordBatch(baseTimestamp: timestamp, records: records).encoded()
    }

    /// The commands in one committed batch of the controller log, with their offsets.
    /// - Throws: `RecordBatchError` for bytes that are not a batch, `ControllerRecordError` for
    ///   a record that is not a command.
    public static func commands(in payload: [UInt8]) throws -> [(Offset, ControllerCommand)] {
        let batch = try RecordBatch.decode(ByteBuffer(bytes: payload))
        return try batch.records.map { record in
            guard let value = record.value, record.key.map({ String(buffer: $0) }) == key else {
                throw ControllerRecordError("a controller log record without a command")
            }
            do {
                let command = try JSONDecoder().decode(ControllerCommand.self, from: Data(value.readableBytesView))
                return (batch.offset(of: record), command)
            } catch {
                throw ControllerRecordError("a controller command does not decode: \(error)")
            }
        }
    }
}

/// A controller log record that is not a command this version understands.
public struct ControllerRecordError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
