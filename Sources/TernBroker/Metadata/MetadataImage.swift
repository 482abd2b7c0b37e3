import Foundation
public import TernModel
import TernLog

/// The cluster metadata this broker holds: its topics, their partitions and configs. A value,
/// published whole on every change, so request handlers read it without locks or hops.
public struct MetadataImage: Sendable, Equatable, Codable {
    /// Format version of the persisted image.
    public var version = 1
    /// Bumped on every change.
    public var epoch: Int64 = 0
    /// Topics by name.
    public var topics: [String: TopicMetadata] = [:]

    /// An empty image.
    public init() {}

    /// Partitions in the image, counted.
    public var partitionCount: Int { topics.values.reduce(0) { $0 + Int($1.partitionCount) } }

    /// Every partition in the image.
    public var allPartitions: [TopicPartition] { topics.values.flatMap(\.partitions) }

    /// The topic with `id`, if any.
    public func topic(withID high: UInt64, _ low: UInt64) -> TopicMetadata? {
        topics.values.first { $0.idHigh == high && $0.idLow == low }
    }
}

/// Reads and writes the metadata image in `<data>/controller/metadata.state` (an atomic replace
/// with a CRC: a crash leaves the old or the new image, never a mix). Blocking; runs on a
/// storage event loop.
struct MetadataFile: Sendable {
    let file: DurableStateFile

    init(fileSystem: any LogFileSystem, directory: String) {
        file = DurableStateFile(fileSystem: fileSystem, directory: directory, name: "metadata.state")
    }

    func read() throws(BrokerStartupError) -> MetadataImage {
        let bytes: [UInt8]?
        do throws(DurableStateError) {
            bytes = try file.read()
        } catch {
            throw BrokerStartupError("cannot read the metadata in \(file.directory): \(error)")
        }
        guard let bytes else { return MetadataImage() }
        do {
            return try JSONDecoder().decode(MetadataImage.self, from: Data(bytes))
        } catch {
            throw BrokerStartupError("the metadata in \(file.directory) does not decode: \(error)")
        }
    }

    func write(_ image: MetadataImage) throws(DurableStateError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a value of plain strings and integers cannot fail.
        let data = (try? encoder.encode(image)) ?? Data()
        precondition(!data.isEmpty, "the metadata image encodes")
        try file.write(Array(data))
    }
}

/// Why the broker could not start (one line, for the operator).
public struct BrokerStartupError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
