public import TernModel

/// Offset and group expiry, Kafka's rules since KIP-211 (`offsets.retention.minutes`, 7 days by
/// default, counted from when the group became empty rather than from each commit).
///
/// These only say what has expired: the coordinator writes the tombstones, and the state drops
/// the entries when it applies them, like any other record, so every replica agrees.
extension OffsetsState {
    /// Offsets that have expired at `now`: the tombstones the coordinator should write, sorted
    /// by group, topic and partition.
    ///
    /// - A group with members (`hasMembers` true, as the live group state says) never expires.
    /// - A group without members whose stored metadata names a protocol type (it was a consumer
    ///   group once) expires all its offsets once `now - currentStateTimestamp >= retentionMs`:
    ///   retention counts from when it became empty. Without a current state timestamp (value
    ///   v0 or v1, stored as -1) each offset counts from its commit instead, as in Kafka.
    /// - Otherwise (no metadata, or an empty protocol type: simple consumers that commit without
    ///   joining) each offset expires once `now - commitTimestamp >= retentionMs`.
    /// - An offset with an explicit `expireTimestamp` (an OffsetCommit v1–v4 request's own retention) expires
    ///   at it instead, in both of the cases above.
    ///
    /// - Precondition: `retentionMs` is not negative.
    public func expiredOffsets(
        now: TimestampMs, retentionMs: Int64, hasMembers: (String) -> Bool
    ) -> [OffsetCommitKey] {
        precondition(retentionMs >= 0, "offsets retention is not negative")
        var expired: [OffsetCommitKey] = []
        for (group, offsets) in offsetsByGroup where !hasMembers(group) {
            let groupEmptySince = emptySince(group)
            for (key, value) in offsets {
                if let expireTimestamp = value.expireTimestamp {
                    if now >= expireTimestamp { expired.append(key) }
                } else if Self.elapsed(from: groupEmptySince ?? value.commitTimestamp, to: now) >= retentionMs {
                    expired.append(key)
                }
            }
        }
        return expired.sorted()
    }

    /// Groups whose metadata can be dropped (a tombstone written): no members and no committed
    /// offsets left, sorted. Kafka deletes an Empty group once its last offset expired; call this
    /// after the expired offsets' tombstones were applied.
    public func expiredGroups(hasMembers: (String) -> Bool) -> [String] {
        groups.keys.filter { group in
            offsetsByGroup[group] == nil && !hasMembers(group)
        }.sorted()
    }

    /// When `group` became empty, if its offsets all expire together: it has stored metadata
    /// with a protocol type and a current state timestamp. Nil means each offset counts from
    /// its own commit.
    private func emptySince(_ group: String) -> TimestampMs? {
        guard let metadata = groups[group], !metadata.protocolType.isEmpty else { return nil }
        guard metadata.currentStateTimestamp.rawValue >= 0 else { return nil }
        return metadata.currentStateTimestamp
    }

    /// `end - start` in milliseconds, saturating: a timestamp decoded from a damaged or hostile
    /// record must not trap the coordinator's expiry pass.
    private static func elapsed(from start: TimestampMs, to end: TimestampMs) -> Int64 {
        let (difference, overflow) = end.rawValue.subtractingReportingOverflow(start.rawValue)
        guard overflow else { return difference }
        return end.rawValue >= start.rawValue ? Int64.max : Int64.min
    }
}
