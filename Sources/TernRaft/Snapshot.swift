/// Describes the point a log was compacted to: the entry at `last` (and everything before it)
/// is no longer in the log, and `configuration` was in force at that point. In Tern a
/// partition's log start moves by Kafka retention; the snapshot is then "the log starts at
/// `last.index + 1`", plus whatever state the application keeps in `Snapshot.data`.
public struct SnapshotMetadata: Hashable, Sendable, CustomStringConvertible {
    /// The last entry covered by the snapshot (the log's new start is `last.index + 1`).
    public var last: EntryID
    /// The configuration in force at `last`.
    public var configuration: ClusterConfiguration

    /// Creates snapshot metadata.
    public init(last: EntryID, configuration: ClusterConfiguration) {
        self.last = last
        self.configuration = configuration
    }

    public var description: String { "\(last) \(configuration)" }
}

/// A snapshot as it travels in InstallSnapshot: metadata plus opaque application state.
public struct Snapshot: Hashable, Sendable, CustomStringConvertible {
    /// Where the snapshot stands and the configuration at that point.
    public var metadata: SnapshotMetadata
    /// Opaque application state (empty for a plain partition log).
    public var data: [UInt8]

    /// Creates a snapshot.
    public init(metadata: SnapshotMetadata, data: [UInt8] = []) {
        self.metadata = metadata
        self.data = data
    }

    public var description: String { "snapshot \(metadata) \(data.count)B" }
}
