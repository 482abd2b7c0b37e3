import TernModel

/// The configurations found in a node's log, so that truncating an uncommitted configuration
/// entry restores the one before it (single-server changes take effect on append, §4.1).
///
/// `points[0]` is the base: the configuration at the snapshot point or at a committed entry.
/// Later points are configuration entries above it, in log order. The configuration in force
/// is `points.last`.
struct ConfigurationHistory {
    private(set) var points: [ConfigurationPoint]

    init(base: ConfigurationPoint, later: [ConfigurationPoint]) {
        points = [base] + later
        precondition(points.count <= Limits.raftUnstableEntriesMax, "configuration history overflow")
    }

    /// The configuration in force.
    var current: ClusterConfiguration { points[points.count - 1].configuration }

    /// Index of the latest configuration entry (or the base point).
    var latestIndex: Offset { points[points.count - 1].id.index }

    /// Records the configuration entries among `entries` (just appended to the log).
    mutating func record(_ entries: [Entry]) {
        for entry in entries {
            guard case .configuration(let configuration) = entry.kind else { continue }
            precondition(entry.last > latestIndex, "configuration entries are recorded in log order")
            points.append(ConfigurationPoint(id: entry.id, configuration: configuration))
        }
    }

    /// Forgets configuration entries at or after `offset` (they were truncated).
    mutating func truncate(from offset: Offset) {
        while points.count > 1 && points[points.count - 1].id.index >= offset {
            points.removeLast()
        }
        precondition(points[0].id.index < offset, "the base configuration is committed and cannot be truncated")
    }

    /// Folds points at or below the commit index into the base, keeping the history short.
    mutating func compact(committed: Offset) {
        while points.count > 1 && points[1].id.index <= committed {
            points.removeFirst()
        }
    }

    /// Starts over from a snapshot.
    mutating func reset(to metadata: SnapshotMetadata) {
        points = [ConfigurationPoint(id: metadata.last, configuration: metadata.configuration)]
    }
}
