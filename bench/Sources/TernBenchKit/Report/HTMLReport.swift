import Foundation

/// A result as one self-contained HTML page: inline CSS and SVG charts, no JavaScript and no
/// external resource, so it opens from disk, from a CI artifact or from an e-mail alike.
public enum HTMLReport {
    /// The failover report: verdict and counts, the acknowledgement and latency charts with
    /// every kill and recovery marked, one table row per kill, the run and its settings.
    public static func render(_ result: FailoverResult) -> String {
        var page = ReportPage(title: "Tern failover benchmark", context: result.context)
        page.failoverHeadline(result)
        page.charts(result.timeline, markers: markers(of: result.kills))
        page.killTable(result.kills)
        page.contextTable(result.context)
        page.settingsTable(SettingsRows.rows(result.settings))
        return page.finished
    }

    /// The produce report: throughput and latency figures, the same two charts (the end of
    /// the warm-up marked), the run and its settings.
    public static func render(_ result: ProduceResult) -> String {
        var page = ReportPage(title: "Tern produce benchmark", context: result.context)
        page.produceHeadline(result)
        let warmup = result.settings.warmupSeconds
        let markers = warmup > 0 ? [ChartMarker(kind: .phase, atSeconds: warmup, label: "measured from here")] : []
        page.charts(result.timeline, markers: markers)
        page.contextTable(result.context)
        page.settingsTable(SettingsRows.rows(result.settings))
        return page.finished
    }

    /// Each kill's moments as chart markers: the kill, the first acknowledgement after it
    /// (`recoveredAtMs`), and when present the restart and the replicas in sync again.
    static func markers(of kills: [KillEvent]) -> [ChartMarker] {
        kills.flatMap { kill -> [ChartMarker] in
            var marks = [ChartMarker(kind: .kill, atSeconds: kill.killAtMs / 1_000, label: "kill n\(kill.node)")]
            if let at = kill.recoveredAtMs { marks.append(ChartMarker(kind: .recovery, atSeconds: at / 1_000, label: "ack")) }
            if let at = kill.restartedAtMs {
                marks.append(ChartMarker(kind: .restart, atSeconds: at / 1_000, label: "restart n\(kill.node)"))
            }
            if let at = kill.inSyncAtMs { marks.append(ChartMarker(kind: .inSync, atSeconds: at / 1_000, label: "in sync")) }
            return marks
        }
    }

    /// The two charts of a timeline; internal so tests can check them without a page.
    static func timelineCharts(_ timeline: TimelineSeries, markers: [ChartMarker]) -> (acks: SVGChart, latency: SVGChart) {
        // A result file with a broken bucket length still gets a report, not a crash.
        let bucketMs = max(timeline.bucketMs, 1)
        var counts = [
            ChartSeries(name: "acknowledged", values: timeline.acked.map(Double.init), colour: "#1f77b4", style: .area, merge: .mean)
        ]
        if timeline.failed.contains(where: { $0 > 0 }) {
            counts.append(
                ChartSeries(name: "failed", values: timeline.failed.map(Double.init), colour: "#d62728", style: .area, merge: .mean))
        }
        let acks = SVGChart(
            id: "acks-chart", title: "Acknowledged records per \(bucketMs) ms", unit: "records", bucketMs: bucketMs, scale: .linear,
            series: counts, markers: markers)
        let latency = SVGChart(
            id: "latency-chart", title: "Acknowledgement latency (ms, log scale): max and mean per \(bucketMs) ms", unit: "ms",
            bucketMs: bucketMs, scale: .log10,
            series: [
                ChartSeries(name: "max", values: timeline.latencyMaxMs, colour: "#ff7f0e", style: .line, merge: .max),
                ChartSeries(name: "mean", values: timeline.latencyMeanMs, colour: "#1f77b4", style: .line, merge: .max),
            ],
            markers: markers)
        return (acks, latency)
    }
}
