import Foundation

/// The sections only one kind of report has. Figures are named as in the result file's JSON
/// (`out_of_order`), so the page and the file can be read side by side.
extension ReportPage {
    mutating func failoverHeadline(_ result: FailoverResult) {
        section("summary", "Result")
        badge(passed: result.passed)
        let count = { (value: Int) in ReportText.grouped(value) }
        figures([
            ("acked", count(result.acked), false),
            ("lost", count(result.lost), result.lost > 0),
            ("duplicated", count(result.duplicated), result.duplicated > 0),
            ("out_of_order", count(result.outOfOrder), result.outOfOrder > 0),
            ("unacknowledged_stored", count(result.unacknowledgedStored), false),
            ("offset_mismatches", count(result.offsetMismatches), result.offsetMismatches > 0),
        ])
        figures([
            ("sent", count(result.sent), false),
            ("failed", count(result.failed), false),
            ("read_back", count(result.readBack), false),
            ("unique_read_back", count(result.uniqueReadBack), false),
            ("kills", count(result.kills.count), false),
        ] + latencyFigures(result.latency))
        if !result.problems.isEmpty {
            subheading("Problems")
            list(id: "problems", result.problems)
        }
        if let error = result.firstError { paragraph("First send error: \(error)", class: "error") }
        endSection()
    }

    mutating func produceHeadline(_ result: ProduceResult) {
        section("summary", "Result")
        figures([
            ("records_per_second", ReportText.grouped(result.recordsPerSecond), false),
            ("megabytes_per_second", ReportText.grouped(result.megabytesPerSecond, decimals: 2), false),
        ] + latencyFigures(result.latency))
        figures([
            ("acked", ReportText.grouped(result.acked), false),
            ("acked_total", ReportText.grouped(result.ackedTotal), false),
            ("failed", ReportText.grouped(result.failed), result.failed > 0),
            ("measured_seconds", ReportText.number(result.measuredSeconds, decimals: 2), false),
        ])
        paragraph(
            "Records and MB (10^6 bytes of keys and values) per second over the measured window, the warm-up excluded; "
                + "latency from send to acknowledgement in ms.", class: "note")
        if let error = result.firstError { paragraph("First send error: \(error)", class: "error") }
        endSection()
    }

    /// One row per kill; "—" where the run saw nothing (no acknowledgement before the
    /// recovery deadline, no restart).
    mutating func killTable(_ kills: [KillEvent]) {
        section("kills", "Kills")
        guard !kills.isEmpty else {
            paragraph("No leader was killed.", class: "note")
            endSection()
            return
        }
        let none = "—"
        let ms = { (value: Double?) in value.map(ReportText.milliseconds) ?? none }
        let rows = kills.enumerated().map { index, kill -> [String] in
            // From the restart when there was one: the time the replicas took to catch up.
            let inSync = kill.inSyncAtMs.map { ReportText.seconds(fromMilliseconds: $0 - (kill.restartedAtMs ?? kill.killAtMs)) }
            return [
                "\(index + 1)", "n\(kill.node)", kill.partitions.map(String.init).joined(separator: ", "),
                ReportText.seconds(fromMilliseconds: kill.killAtMs), ms(kill.unavailableMs), ms(kill.gapMs),
                ReportText.milliseconds(kill.maxAckLatencyMs), kill.newLeader.map { "n\($0)" } ?? none,
                ReportText.milliseconds(kill.killCommandMs), inSync ?? none,
            ]
        }
        table(
            id: "kills-table",
            header: [
                "#", "node", "partitions", "kill at s", "unavailable ms", "gap ms", "max ack latency ms", "new leader",
                "kill command ms", "in sync after s",
            ], rows: rows, rowClass: "kill-row")
        paragraph(
            "unavailable: the kill to the first acknowledgement of a record sent after it; gap: the last acknowledgement before "
                + "the kill to the first after it; in sync after: from the restart (or the kill) to the replicas in sync again; "
                + "—: not seen before the recovery deadline.", class: "note")
        endSection()
    }

    private func latencyFigures(_ latency: LatencySummary) -> [(name: String, value: String, bad: Bool)] {
        [
            ("latency_p50_ms", ReportText.milliseconds(latency.p50Ms), false),
            ("latency_p99_ms", ReportText.milliseconds(latency.p99Ms), false),
            ("latency_p999_ms", ReportText.milliseconds(latency.p999Ms), false),
            ("latency_max_ms", ReportText.milliseconds(latency.maxMs), false),
        ]
    }
}
