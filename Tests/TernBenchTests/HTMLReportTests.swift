// Goal: the HTML reports of tern-bench (issue 9) hold what a reader needs and are well formed:
// both charts with one drawn point per bucket (or per merged group on a long run), a kill and a
// recovery marker per kill at the right place, a table row per kill, the headline figures, the
// settings, the debug-build warning, escaping of hostile text, and a valid page for an empty run.
// Method: synthetic results (300 buckets of 100 ms, two kills with a hole in the acknowledgement
// stream), rendered, then each chart's SVG cut out of the page and parsed with XMLParser, so the
// checks read elements and attributes rather than matching text.
import Foundation
import Testing

@testable import TernBenchKit

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct HTMLReportTests {
    @Test("failover report: both charts with a point per bucket, markers per kill, a row per kill")
    func failoverStructure() throws {
        let result = ReportFixtures.failover()
        let html = Page(HTMLReport.render(result))
        #expect(html.starts("<!DOCTYPE html>"))
        #expect(html.has("<h1>Tern failover benchmark</h1>"))
        #expect(!html.hasIgnoringCase("<script"), "no JavaScript")
        let links = html.count("http://")
        let namespaces = html.count("http://www.w3.org/2000/svg")
        #expect(links == 2 && namespaces == 2, "only the SVG namespaces")
        #expect(!html.has("https://") && !html.has("<link") && !html.has("<img"), "no external resource")

        let acks = try SVGDocument(html: html, id: "acks-chart")
        let acked = try #require(acks.series("series series-line", named: "acknowledged"))
        #expect(acked.points == 300 && acked.subpaths == 1, "one point per bucket: \(acked)")
        #expect(acked.dataPoints == 300)
        let area = try #require(acks.series("series series-area", named: "acknowledged"))
        #expect(area.points == 302, "the outline and two points on the baseline")
        #expect(acks.series("series series-line", named: "failed") != nil, "failed sends drawn once there are some")

        let latency = try SVGDocument(html: html, id: "latency-chart")
        let positive = result.timeline.latencyMaxMs.filter { $0 > 0 }.count
        let maxLine = try #require(latency.series("series series-line", named: "max"))
        #expect(maxLine.points == positive && maxLine.points == 300 - 15 - 12, "\(maxLine)")
        #expect(maxLine.subpaths == 3, "the line breaks at each hole: \(maxLine)")
        let meanLine = try #require(latency.series("series series-line", named: "mean"))
        #expect(meanLine.points == result.timeline.latencyMeanMs.filter { $0 > 0 }.count)

        for chart in [acks, latency] {
            #expect(chart.root["class"] == "chart" && chart.root["data-buckets"] == "300" && chart.root["data-merge-factor"] == "1")
            let kills = chart.groups("marker marker-kill")
            let recoveries = chart.groups("marker marker-recovery")
            #expect(kills.map(\.label) == ["kill n2", "kill n3"] && kills.allSatisfy(\.labelShown))
            #expect(recoveries.map(\.label) == ["ack", "ack"])
            #expect(kills.map(\.atSeconds) == ["8", "20"] && recoveries.map(\.atSeconds) == ["9.5", "21.2"])
            #expect(chart.groups("marker marker-restart").count == 1 && chart.groups("marker marker-in-sync").count == 1)
            // x = left + seconds / 30 × plot width: the kill at 8 s of a 30 s run.
            let plot = SVGChart.plot
            let expected = plot.left + 8.0 / 30 * (plot.right - plot.left)
            #expect(abs((kills.first?.x ?? 0) - expected) < 0.2, "\(kills)")
            for (kill, recovery) in zip(kills, recoveries) { #expect(kill.x < recovery.x) }
            #expect(kills.allSatisfy { $0.dashed && $0.stroke == "#d62728" })
            #expect(recoveries.allSatisfy { !$0.dashed && $0.stroke == "#2ca02c" })
        }

        let rows = tableRows(html, rowClass: "kill-row")
        #expect(rows.count == 2)
        #expect(rows.first == ["1", "n2", "0, 3", "8", "1,500", "1,520", "1,650", "n1", "42.5", "6"], "\(rows)")
        #expect(rows.last == ["2", "n3", "1", "20", "—", "1,230", "1,180", "—", "38", "—"], "\(rows)")
        #expect(html.has(#"<span class="badge failed" id="verdict">FAILED</span>"#))
        #expect(html.has(#"<li>1 record lost</li>"#))
        #expect(html.has(#"class="figure bad" id="figure-lost""#) && html.has(#"class="figure" id="figure-duplicated""#))
        for name in ["acked", "lost", "duplicated", "out_of_order", "unacknowledged_stored", "offset_mismatches", "latency_p999_ms"] {
            #expect(html.has(#"id="figure-\#(name)""#), "\(name)")
        }
        let settings = Dictionary(uniqueKeysWithValues: tableRows(html, rowClass: "setting-row").map { ($0[0], $0[1]) })
        #expect(settings["target.topic"] == "bench-failover" && settings["load.record_bytes"] == "100" && settings["kills"] == "2")
        #expect(settings["load.idempotence"] == "true" && settings["settle_seconds"] == "5")
        let run = Dictionary(uniqueKeysWithValues: tableRows(html, rowClass: "run-row").map { ($0[0], $0[1]) })
        #expect(run["revision"] == "0123abcd" && run["cores"] == "8" && run["memory"] == "16 GiB" && run["build"] == "release")
        #expect(!html.has("debug-warning"))
    }

    @Test("hostile text is escaped everywhere it appears")
    func escaping() throws {
        var result = ReportFixtures.failover()
        result.context.command = ["tern-bench", "failover", "--kill", "<script>alert('x')</script>", "--topic", "a&b\"c"]
        result.context.revision = "<img src=x onerror=alert(1)>"
        result.settings.target.topic = "</td><script>bad()</script>"
        result.problems = ["<b>lost</b> & found"]
        result.firstError = "\"><iframe src=x>"
        let html = Page(HTMLReport.render(result))
        #expect(!html.hasIgnoringCase("<script") && !html.has("<img") && !html.has("<iframe") && !html.has("<b>"))
        #expect(html.has("&lt;script&gt;alert(") && html.has("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.has("&lt;b&gt;lost&lt;/b&gt; &amp; found"))
        let run = Dictionary(uniqueKeysWithValues: tableRows(html, rowClass: "run-row").map { ($0[0], $0[1]) })
        // The command reads back as a shell would take it: the hostile word quoted, unchanged.
        #expect(run["command"] == #"tern-bench failover --kill '<script>alert('\''x'\'')</script>' --topic 'a&b"c'"#)
        #expect(try SVGDocument(html: html, id: "acks-chart").groups("marker marker-kill").count == 2)
    }

    @Test("a debug build carries a visible warning")
    func debugWarning() {
        var result = ReportFixtures.failover()
        result.context.build = "debug"
        let html = Page(HTMLReport.render(result))
        #expect(html.has(#"<div class="warning" id="debug-warning" role="alert">"#))
        #expect(html.has("Not figures: this run used a debug build."))
        var produce = ReportFixtures.produce()
        produce.context.build = "debug"
        #expect(Page(HTMLReport.render(produce)).has(#"id="debug-warning""#))
        #expect(!Page(HTMLReport.render(ReportFixtures.produce())).has(#"id="debug-warning""#))
    }

    @Test("an empty timeline gives a valid page with both charts saying no data")
    func emptyTimeline() throws {
        var result = ReportFixtures.failover()
        result.timeline = TimelineSeries(bucketMs: 100, acked: [], failed: [], latencyMaxMs: [], latencyMeanMs: [])
        result.kills = []
        let html = Page(HTMLReport.render(result))
        for id in ["acks-chart", "latency-chart"] {
            let chart = try SVGDocument(html: html, id: id)
            #expect(chart.contains { $0.name == "text" && $0["class"] == "no-data" && $0.text == "no data" }, "\(id)")
            #expect(!chart.contains { ($0["class"] ?? "").hasPrefix("series") }, "\(id)")
            #expect(chart.groups("marker marker-kill").isEmpty)
        }
        #expect(html.has("No leader was killed.") && tableRows(html, rowClass: "kill-row").isEmpty)
        // Kills but no acknowledgement at all: the markers still stand on an empty chart.
        result.kills = ReportFixtures.failover().kills
        let withKills = try SVGDocument(html: Page(HTMLReport.render(result)), id: "latency-chart")
        #expect(withKills.groups("marker marker-kill").count == 2)
        #expect(withKills.contains { $0["class"] == "no-data" })
    }

    @Test("latencies all zero: the log chart says no data, the count chart draws its zeros")
    func noPositiveLatency() throws {
        var result = ReportFixtures.produce()
        let count = result.timeline.acked.count
        result.timeline = TimelineSeries(
            bucketMs: 100, acked: Array(repeating: 0, count: count), failed: Array(repeating: 0, count: count),
            latencyMaxMs: Array(repeating: 0, count: count), latencyMeanMs: Array(repeating: 0, count: count))
        let html = Page(HTMLReport.render(result))
        let latency = try SVGDocument(html: html, id: "latency-chart")
        #expect(latency.contains { $0["class"] == "no-data" })
        let acks = try SVGDocument(html: html, id: "acks-chart")
        #expect(try #require(acks.series("series series-line", named: "acknowledged")).points == count)
    }

    @Test("produce report: throughput and latency figures, both charts, the warm-up marked")
    func produceStructure() throws {
        let result = ReportFixtures.produce()
        let html = Page(HTMLReport.render(result))
        #expect(html.has("<h1>Tern produce benchmark</h1>"))
        let figures = figureValues(html)
        #expect(figures["records_per_second"] == "812,345" && figures["megabytes_per_second"] == "81.23")
        #expect(figures["latency_p50_ms"] == "3.21" && figures["latency_p99_ms"] == "12.4" && figures["latency_p999_ms"] == "25")
        #expect(figures["latency_max_ms"] == "1,234" && figures["acked"] == "20,307,625")
        let acks = try SVGDocument(html: html, id: "acks-chart")
        #expect(try #require(acks.series("series series-line", named: "acknowledged")).points == 300)
        #expect(acks.series("series series-line", named: "failed") == nil, "no failed series when nothing failed")
        #expect(acks.groups("marker marker-phase").map(\.atSeconds) == ["2"])
        #expect(acks.groups("marker marker-kill").isEmpty)
        let latency = try SVGDocument(html: html, id: "latency-chart")
        #expect(try #require(latency.series("series series-line", named: "max")).points == 300)
        #expect(!html.has(#"id="kills-table""#) && !html.has(#"id="verdict""#))
        let settings = Dictionary(uniqueKeysWithValues: tableRows(html, rowClass: "setting-row").map { ($0[0], $0[1]) })
        #expect(settings["warmup_seconds"] == "2" && settings["duration_seconds"] == "30" && settings["load.compression"] == "lz4")
    }

    @Test("a long run is downsampled: counts by mean (the total kept), latencies by max (spikes kept)")
    func downsampling() throws {
        var result = ReportFixtures.failover()
        let buckets = 100_000
        var latency = Array(repeating: 4.0, count: buckets)
        latency[77_777] = 9_000
        result.timeline = TimelineSeries(
            bucketMs: 100, acked: (0..<buckets).map { $0 % 10 }, failed: Array(repeating: 0, count: buckets),
            latencyMaxMs: latency, latencyMeanMs: Array(repeating: 2, count: buckets))
        // A kill every 10 minutes of a 10,000 s run (66 px apart): every marker drawn, the kill
        // labels (49 px) shown, the restart labels (70 px) that would collide kept as tooltips.
        result.kills = (0..<16).map { index in
            let base = Double(index) * 600_000 + 1_000
            return KillEvent(
                node: Int32(index % 3 + 1), partitions: [0], killAtMs: base, unavailableMs: 900, gapMs: 950, maxAckLatencyMs: 1_000,
                recoveredAtMs: base + 900, newLeader: 1, killCommandMs: 5, restartedAtMs: base + 20_000, inSyncAtMs: base + 60_000)
        }
        let charts = HTMLReport.timelineCharts(result.timeline, markers: HTMLReport.markers(of: result.kills))
        #expect(charts.acks.mergeFactor == 50)
        let acksText = charts.acks.render()
        let latencyText = charts.latency.render()
        #expect(acksText.utf8.count < 150_000 && latencyText.utf8.count < 150_000, "\(acksText.utf8.count) \(latencyText.utf8.count)")
        let acks = try SVGDocument(svg: acksText)
        #expect(try #require(acks.series("series series-line", named: "acknowledged")).points == 2_000)
        #expect(acks.root["data-merge-factor"] == "50")
        let kills = acks.groups("marker marker-kill")
        #expect(kills.count == 16 && kills.allSatisfy(\.labelShown), "a kill label every 66 px fits")
        #expect(acks.groups("marker marker-recovery").count == 16)
        let inSync = acks.groups("marker marker-in-sync")
        #expect(inSync.count == 16 && inSync.allSatisfy { $0.label == "in sync" })
        let restarts = acks.groups("marker marker-restart")
        #expect(restarts.count == 16 && restarts.filter(\.labelShown).count == 8, "every other restart label collides")
        #expect(restarts.allSatisfy { $0.label.hasPrefix("restart n") })
        #expect(acks.contains { $0["class"] == "merge-note" && ($0.text ?? "").contains("50 buckets") })
        let maxLine = try #require(try SVGDocument(svg: latencyText).series("series series-line", named: "max"))
        #expect(maxLine.points == 2_000)
        // The spike survives the merge: the highest point of the line is 9000 on an axis of 10^0 ... 10^4 (the means are 2).
        let plot = SVGChart.plot
        let spikeY = plot.bottom - Foundation.log10(9_000) / 4 * (plot.bottom - plot.top)
        #expect(abs((maxLine.ys.min() ?? 0) - spikeY) < 0.2, "\(maxLine.ys.min() ?? -1) vs \(spikeY)")

        let values = (0..<1_003).map { Double($0 % 17) }
        let means = downsample(values, factor: 10, merge: .mean)
        #expect(means.count == 101)
        let total = means.enumerated().reduce(0.0) { $0 + $1.element * Double(min(10, values.count - $1.offset * 10)) }
        #expect(abs(total - values.reduce(0, +)) < 1e-6, "mean × group size gives the total back")
        #expect(downsample(values, factor: 10, merge: .max).max() == 16 && downsample(values, factor: 1, merge: .max) == values)
        #expect(downsampleFactor(buckets: 2_000, pointsMax: 2_000) == 1 && downsampleFactor(buckets: 2_001, pointsMax: 2_000) == 2)
    }

    @Test("axes: nice linear ticks, decades on a log axis")
    func axes() throws {
        // 730 with 15% headroom is 839.5: steps of 200 up to 1000.
        let linear = try #require(ValueAxis.fitted(to: [0, 730, 12], scale: .linear))
        #expect(linear.high == 1_000 && linear.ticks == [0, 200, 400, 600, 800, 1_000])
        let log = try #require(ValueAxis.fitted(to: [0, 0.4, 3, 1_500], scale: .log10))
        #expect(log.low == -1 && log.high == 4 && log.ticks == [0.1, 1, 10, 100, 1_000, 10_000])
        #expect(ValueAxis.fitted(to: [0, 0], scale: .log10) == nil)
        #expect(log.fraction(0) == nil && log.fraction(10_000) == 1 && log.fraction(0.1) == 0)
        #expect(timeTicks(upTo: 30) == [0, 5, 10, 15, 20, 25, 30])
        #expect(niceStep(0.7) == 1 && niceStep(1.2) == 2 && niceStep(3) == 5 && niceStep(50) == 50)
    }

    @Test("text helpers: escaping, numbers, shell quoting")
    func text() {
        #expect(ReportText.escape("<a href=\"x\">'&'</a>\u{1}") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\u{FFFD}")
        #expect(ReportText.grouped(1_234_567) == "1,234,567" && ReportText.grouped(-1_000) == "-1,000" && ReportText.grouped(999) == "999")
        #expect(ReportText.grouped(81.234, decimals: 2) == "81.23" && ReportText.grouped(-12_345.5, decimals: 1) == "-12,345.5")
        #expect(ReportText.milliseconds(0.4123) == "0.412" && ReportText.milliseconds(41.23) == "41.2")
        #expect(ReportText.milliseconds(4_123) == "4,123")
        #expect(ReportText.number(.infinity, decimals: 1) == "inf" && ReportText.number(2.50, decimals: 2) == "2.5")
        #expect(ReportText.compact(15_000) == "15k" && ReportText.compact(2_000_000) == "2M" && ReportText.compact(0.05) == "0.05")
        #expect(ReportText.shellCommand(["a", "b c", "", "it's"]) == #"a 'b c' '' 'it'\''s'"#)
    }
}

// MARK: - Synthetic results

/// Results as a run would write them, with figures chosen so every cell of the report is known.
enum ReportFixtures {
    static let machine = MachineInfo(cores: 8, memoryBytes: 16 * 1_073_741_824, hostname: "bench-host", os: "Linux 6.1")

    static func context(_ subcommand: String) -> RunContext {
        RunContext(
            subcommand: subcommand, startedAt: "2025-01-02T03:04:05Z", revision: "0123abcd", build: "release", machine: machine,
            command: ["tern-bench", subcommand, "--brokers", "127.0.0.1:9092"])
    }

    static let target = TargetSettings(
        brokers: "127.0.0.1:9092,127.0.0.1:9093", topic: "bench-failover", partitions: 6, replicationFactor: 3)

    /// 30 s of 100 ms buckets: 500 acknowledgements and 3–9 ms latency in each, except the
    /// holes after the kills (buckets 80..<95 and 200..<212); the first bucket after a hole
    /// holds the slow acknowledgements that waited for the new leader.
    static func timeline() -> TimelineSeries {
        var acked = [Int]()
        var failed = [Int]()
        var latencyMax = [Double]()
        var latencyMean = [Double]()
        for bucket in 0..<300 {
            let hole = (80..<95).contains(bucket) || (200..<212).contains(bucket)
            let afterHole = bucket == 95 || bucket == 212
            acked.append(hole ? 0 : afterHole ? 2_000 : 450 + (bucket * 37) % 100)
            failed.append(bucket == 96 ? 3 : 0)
            latencyMax.append(hole ? 0 : afterHole ? 1_650 : 3 + Double(bucket % 7))
            latencyMean.append(hole ? 0 : afterHole ? 700 : 1.5 + Double(bucket % 3) * 0.25)
        }
        return TimelineSeries(bucketMs: 100, acked: acked, failed: failed, latencyMaxMs: latencyMax, latencyMeanMs: latencyMean)
    }

    static func failover() -> FailoverResult {
        let kills = [
            KillEvent(
                node: 2, partitions: [0, 3], killAtMs: 8_000, unavailableMs: 1_500, gapMs: 1_520, maxAckLatencyMs: 1_650,
                recoveredAtMs: 9_500, newLeader: 1, killCommandMs: 42.5, restartedAtMs: 11_000, inSyncAtMs: 17_000),
            KillEvent(
                node: 3, partitions: [1], killAtMs: 20_000, unavailableMs: nil, gapMs: 1_230, maxAckLatencyMs: 1_180,
                recoveredAtMs: 21_200, newLeader: nil, killCommandMs: 38, restartedAtMs: nil, inSyncAtMs: nil),
        ]
        let settings = FailoverSettings(
            target: target, load: LoadSettings(), kills: 2, killCommand: "docker kill tern-{node}",
            restartCommand: "docker start tern-{node}", settleSeconds: 5, recoveryTimeoutSeconds: 30)
        return FailoverResult(
            context: context("failover"), settings: settings, kills: kills, acked: 140_000, lost: 1, duplicated: 0, outOfOrder: 0,
            readBack: 139_999, uniqueReadBack: 139_999, unacknowledgedStored: 4, offsetMismatches: 0, failed: 3, sent: 140_007,
            latency: LatencySummary(count: 140_000, p50Ms: 3.2, p99Ms: 9.1, p999Ms: 1_200, maxMs: 1_650, meanMs: 4.4),
            timeline: timeline(), passed: false, problems: ["1 record lost"], firstError: "Request timed out")
    }

    static func produce() -> ProduceResult {
        var timeline = timeline()
        timeline.acked = timeline.acked.map { max($0, 400) }
        timeline.failed = Array(repeating: 0, count: timeline.acked.count)
        timeline.latencyMaxMs = timeline.latencyMaxMs.map { max($0, 5) }
        timeline.latencyMeanMs = timeline.latencyMeanMs.map { max($0, 2) }
        var target = target
        target.topic = "bench-produce"
        return ProduceResult(
            context: context("produce"),
            settings: ProduceSettings(target: target, load: LoadSettings(), warmupSeconds: 2, durationSeconds: 30),
            measuredSeconds: 25, acked: 20_307_625, ackedTotal: 21_000_000, failed: 0, recordsPerSecond: 812_345.2,
            megabytesPerSecond: 81.2345,
            latency: LatencySummary(count: 20_307_625, p50Ms: 3.214, p99Ms: 12.43, p999Ms: 25.04, maxMs: 1_234.4, meanMs: 4),
            timeline: timeline, firstError: nil)
    }
}

// MARK: - Reading the output back

struct ParsedElement {
    var name: String
    var attributes: [String: String]
    var text: String?
    /// Index of the parent in `SVGDocument.elements`; nil for the root.
    var parent: Int?

    subscript(_ attribute: String) -> String? { attributes[attribute] }
}

/// Collects every element of an XML document in document order.
private final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [ParsedElement] = []
    private var stack: [Int] = []

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        elements.append(ParsedElement(name: elementName, attributes: attributeDict, text: nil, parent: stack.last))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard let index = stack.last else { return }
        elements[index].text = (elements[index].text ?? "") + string
    }
}

struct ReportTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One chart, parsed as XML (which also proves it is well formed).
struct SVGDocument: CustomStringConvertible {
    /// A drawn series: its path data read back.
    struct Series: CustomStringConvertible {
        /// Coordinate pairs in the path (M and L commands).
        var points: Int
        /// Pieces of line (M commands).
        var subpaths: Int
        var dataPoints: Int?
        var ys: [Double]
        var description: String { "\(points) points in \(subpaths) pieces (data-points \(dataPoints ?? -1))" }
    }

    /// A marker group read back: its label, line position and style.
    struct Marker: CustomStringConvertible {
        var label: String
        var labelShown: Bool
        var atSeconds: String
        var x: Double
        var stroke: String
        var dashed: Bool
        var description: String { "\(label) at \(atSeconds) s, x \(x)" }
    }

    var elements: [ParsedElement]
    var root: ParsedElement { elements[0] }
    var description: String { "svg \(root["id"] ?? "") of \(elements.count) elements" }

    func contains(where predicate: (ParsedElement) -> Bool) -> Bool { elements.contains(where: predicate) }

    /// The `<svg>` element with `id` cut out of a page.
    init(html: Page, id: String) throws {
        guard let svg = html.svg(id: id) else { throw ReportTestError("no <svg id=\"\(id)\"> in the page") }
        try self.init(svg: svg.text)
        guard root.name == "svg", root["id"] == id else { throw ReportTestError("the element cut out is not the svg \(id)") }
    }

    init(svg: String) throws {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = ElementCollector()
        parser.delegate = collector
        guard parser.parse(), !collector.elements.isEmpty else {
            throw ReportTestError("not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "empty") in \(svg.prefix(300))")
        }
        elements = collector.elements
    }

    func series(_ className: String, named name: String) -> Series? {
        guard let path = elements.first(where: { $0.name == "path" && $0["class"] == className && $0["data-series"] == name }),
            let data = path["d"]
        else { return nil }
        var points = 0
        var subpaths = 0
        var ys: [Double] = []
        for token in data.split(separator: " ") where token.hasPrefix("M") || token.hasPrefix("L") {
            if token.hasPrefix("M") { subpaths += 1 }
            let pair = token.dropFirst().split(separator: ",")
            guard pair.count == 2, Double(pair[0]) != nil, let y = Double(pair[1]) else { return nil }
            points += 1
            ys.append(y)
        }
        return Series(points: points, subpaths: subpaths, dataPoints: path["data-points"].flatMap { Int($0) }, ys: ys)
    }

    /// The marker groups with exactly this class, in document order.
    func groups(_ className: String) -> [Marker] {
        elements.indices.compactMap { index -> Marker? in
            let group = elements[index]
            guard group.name == "g", group["class"] == className else { return nil }
            let children = elements.filter { $0.parent == index }
            // The label is drawn (text) or, when it would overlap its neighbour, a tooltip (title).
            let text = children.first { $0.name == "text" }
            guard let line = children.first(where: { $0.name == "line" }), let label = (text ?? children.first { $0.name == "title" }),
                let x = line["x1"].flatMap({ Double($0) }), line["x1"] == line["x2"]
            else { return nil }
            return Marker(
                label: (label.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines), labelShown: text != nil,
                atSeconds: group["data-at-seconds"] ?? "", x: x, stroke: line["stroke"] ?? "", dashed: line["stroke-dasharray"] != nil)
        }
    }
}

/// Rendered markup that prints as its size: a failed expectation shows the fragment looked
/// for, not 30 kB of page.
struct Page: CustomStringConvertible {
    var text: String

    init(_ text: String) { self.text = text }

    var description: String { "a page of \(text.utf8.count) bytes" }

    func has(_ fragment: String) -> Bool { text.contains(fragment) }

    func hasIgnoringCase(_ fragment: String) -> Bool { text.lowercased().contains(fragment.lowercased()) }

    func starts(_ prefix: String) -> Bool { text.hasPrefix(prefix) }

    /// Occurrences of `fragment`.
    func count(_ fragment: String) -> Int { text.components(separatedBy: fragment).count - 1 }

    /// The `<svg …>…</svg>` whose id is `id`.
    func svg(id: String) -> Page? {
        guard let idRange = text.range(of: "id=\"\(id)\""),
            let start = text[..<idRange.lowerBound].range(of: "<svg", options: .backwards),
            let end = text[idRange.upperBound...].range(of: "</svg>")
        else { return nil }
        return Page(String(text[start.lowerBound..<end.upperBound]))
    }
}

/// The cells of every `<tr class="rowClass">`, unescaped.
func tableRows(_ page: Page, rowClass: String) -> [[String]] {
    let html = page.text
    let row = try! Regex(#"<tr class="\#(rowClass)">(.*?)</tr>"#).dotMatchesNewlines()
    let cell = try! Regex(#"<td[^>]*>(.*?)</td>"#).dotMatchesNewlines()
    return html.matches(of: row).map { match in
        let inner = match.output[1].substring.map(String.init) ?? ""
        return inner.matches(of: cell).map { unescape($0.output[1].substring.map(String.init) ?? "") }
    }
}

/// Headline figures by name: `figure-NAME` → its displayed value.
func figureValues(_ page: Page) -> [String: String] {
    let html = page.text
    let figure = try! Regex(#"id="figure-([^"]+)">\s*<div class="value">([^<]*)</div>"#)
    var values: [String: String] = [:]
    for match in html.matches(of: figure) {
        guard let name = match.output[1].substring, let value = match.output[2].substring else { continue }
        values[String(name)] = unescape(String(value))
    }
    return values
}

func unescape(_ text: String) -> String {
    text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
        .replacingOccurrences(of: "&amp;", with: "&")
}
