import Foundation
import TernController
import TernLog

/// Reads and writes the metadata image in `<data>/controller/metadata.state` (an atomic replace
/// with a CRC: a crash leaves the old or the new image, never a mix). The image is a snapshot of
/// the controller log at its `appliedOffset` (or a copy pulled from a voter, which is the same
/// thing): on restart the controller replica hands out only the entries after it. Blocking.
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
            let image = try JSONDecoder().decode(MetadataImage.self, from: Data(bytes))
            // Format 1 (a single broker's image, before the controller log) starts over.
            return image.format == MetadataImage().format ? image : MetadataImage()
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
