import Foundation

/// An HTML report page being written: the head, style sheet, title and (for a debug build)
/// the warning at `init`, then sections in the order they are added.
struct ReportPage {
    private var html = MarkupWriter()

    init(title: String, context: RunContext) {
        html.raw("<!DOCTYPE html>\n")
        html.open("html", [("lang", "en")])
        html.open("head")
        html.void("meta", [("charset", "utf-8")])
        html.void("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")])
        html.element("title", text: "\(title) · \(context.revision) · \(context.startedAt)")
        html.raw("<style>\n" + Self.styleSheet + "</style>\n")
        html.close("head")
        html.open("body")
        html.open("main")
        html.element("h1", text: title)
        html.element(
            "p", [("class", "subtitle")], text: "\(context.tool) \(context.subcommand) · revision \(context.revision) · \(context.startedAt)")
        if context.build != "release" {
            html.open("div", [("class", "warning"), ("id", "debug-warning"), ("role", "alert")])
            html.element("strong", text: "Not figures: this run used a \(context.build) build.")
            html.element(
                "span",
                text: " Throughput and latency of unoptimised code say nothing about Tern."
                    + " Build with swift build -c release and run again.")
            html.close("div")
        }
    }

    var finished: String {
        var done = html
        done.close("main")
        done.close("body")
        done.close("html")
        return done.finished
    }

    mutating func section(_ id: String, _ heading: String) {
        html.open("section", [("id", id)])
        html.element("h2", text: heading)
    }

    mutating func endSection() { html.close("section") }

    mutating func subheading(_ text: String) { html.element("h3", text: text) }

    /// A grid of headline figures; a `bad` one is shown in red.
    mutating func figures(_ items: [(name: String, value: String, bad: Bool)]) {
        html.open("div", [("class", "figures")])
        for item in items {
            html.open("div", [("class", item.bad ? "figure bad" : "figure"), ("id", "figure-\(item.name)")])
            html.element("div", [("class", "value")], text: item.value)
            html.element("div", [("class", "name")], text: item.name)
            html.close("div")
        }
        html.close("div")
    }

    /// A table with a header row; every row has `header.count` cells.
    mutating func table(id: String, header: [String], rows: [[String]], rowClass: String) {
        html.open("table", [("id", id)])
        html.open("thead")
        html.open("tr")
        for cell in header { html.element("th", text: cell) }
        html.close("tr")
        html.close("thead")
        html.open("tbody")
        for row in rows {
            precondition(row.count == header.count, "a row has a cell per column")
            html.open("tr", [("class", rowClass)])
            for cell in row { html.element("td", cell == "—" ? [("class", "none")] : [], text: cell) }
            html.close("tr")
        }
        html.close("tbody")
        html.close("table")
    }

    mutating func paragraph(_ text: String, class className: String? = nil) {
        html.element("p", className.map { [("class", $0)] } ?? [], text: text)
    }

    mutating func list(id: String, _ items: [String]) {
        html.open("ul", [("id", id)])
        for item in items { html.element("li", text: item) }
        html.close("ul")
    }

    mutating func badge(passed: Bool) {
        html.open("p", [("class", "verdict")])
        html.element("span", [("class", passed ? "badge passed" : "badge failed"), ("id", "verdict")], text: passed ? "PASSED" : "FAILED")
        html.close("p")
    }

    /// Both timeline charts, each in a figure with a caption saying how to read it.
    mutating func charts(_ timeline: TimelineSeries, markers: [ChartMarker]) {
        let charts = HTMLReport.timelineCharts(timeline, markers: markers)
        section("charts", "Timeline")
        for (chart, caption) in [
            (charts.acks, "Acknowledgements that arrived in each bucket (failed sends in red when there were any)."),
            (charts.latency, "Send-to-acknowledgement latency of the records acknowledged in each bucket; a gap: none arrived."),
        ] {
            html.open("figure")
            html.raw(chart.render())
            let legend = " Red dashed: a kill; green: the first acknowledgement after it; grey: restart and in sync."
            html.element("figcaption", text: caption + (markers.isEmpty ? "" : legend))
            html.close("figure")
        }
        endSection()
    }

    mutating func contextTable(_ context: RunContext) {
        section("run", "Run")
        let rows = [
            ["tool", context.tool], ["subcommand", context.subcommand], ["revision", context.revision], ["build", context.build],
            ["started_at", context.startedAt], ["hostname", context.machine.hostname], ["os", context.machine.os],
            ["cores", "\(context.machine.cores)"], ["memory", ReportText.memory(context.machine.memoryBytes)],
            ["command", ReportText.shellCommand(context.command)],
        ]
        table(id: "run-table", header: ["", ""], rows: rows, rowClass: "run-row")
        endSection()
    }

    mutating func settingsTable(_ rows: [(key: String, value: String)]) {
        section("settings", "Settings")
        table(id: "settings-table", header: ["setting", "value"], rows: rows.map { [$0.key, $0.value] }, rowClass: "setting-row")
        endSection()
    }

    static let styleSheet = """
        body { margin: 0; background: #f6f7f9; color: #1d2126; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
        main { max-width: 1240px; margin: 0 auto; padding: 20px 20px 60px; }
        h1 { margin: 0 0 2px; font-size: 26px; }
        h2 { margin: 28px 0 10px; font-size: 18px; border-bottom: 1px solid #d8dce1; padding-bottom: 4px; }
        .subtitle { margin: 0 0 14px; color: #5a6270; }
        .warning { margin: 12px 0; padding: 12px 16px; border: 2px solid #b45309; border-radius: 6px;
          background: #fff4d6; color: #6b3a00; font-size: 15px; }
        .verdict { margin: 8px 0 14px; }
        .badge { display: inline-block; padding: 4px 14px; border-radius: 4px;
          font-weight: 700; font-size: 18px; letter-spacing: 0.06em; color: #fff; }
        .badge.passed { background: #1a7f37; }
        .badge.failed { background: #c62828; }
        .figures { display: flex; flex-wrap: wrap; gap: 10px; }
        .figures + .figures { margin-top: 10px; }
        h3 { margin: 16px 0 4px; font-size: 15px; }
        .figure { min-width: 120px; padding: 8px 12px; background: #fff; border: 1px solid #d8dce1; border-radius: 6px; }
        .figure .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .figure .name { color: #5a6270; font-size: 12px; font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; }
        .figure.bad { border-color: #c62828; background: #fdecec; }
        .figure.bad .value { color: #c62828; }
        #problems li { color: #c62828; }
        .error { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; color: #c62828; }
        figure { margin: 0 0 18px; }
        figcaption { color: #5a6270; font-size: 13px; margin-top: 4px; }
        svg.chart { display: block; width: 100%; height: auto; max-width: 1200px;
          background: #fff; border: 1px solid #d8dce1; border-radius: 6px; }
        table { border-collapse: collapse; background: #fff; font-variant-numeric: tabular-nums; }
        th, td { border: 1px solid #d8dce1; padding: 4px 10px; text-align: left; vertical-align: top; }
        th { background: #eef0f3; font-weight: 600; }
        td.none { color: #8a919c; }
        #run-table thead { display: none; }
        #run-table td:first-child, #settings-table td:first-child {
          font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; color: #3d4450; }
        #run-table td { word-break: break-all; }
        .note { color: #5a6270; font-size: 13px; }

        """
}
