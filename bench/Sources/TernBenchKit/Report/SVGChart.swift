import Foundation

/// One series of a time-series chart: a value per timeline bucket.
struct ChartSeries: Sendable, Equatable {
    enum Style: Sendable, Equatable {
        /// A filled area under an outline: counts.
        case area
        /// A line, broken where a value cannot be drawn (a zero on a log axis): latencies.
        case line
    }

    var name: String
    var values: [Double]
    /// A CSS colour, e.g. `#1f77b4`.
    var colour: String
    var style: Style
    /// How buckets are merged when the run has more of them than the chart draws.
    var merge: BucketMerge
}

/// A vertical line at a moment of the run, with a label at its top.
struct ChartMarker: Sendable, Equatable {
    enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A leader was killed: red, dashed.
        case kill
        /// The first acknowledgement after a kill: green.
        case recovery
        /// The killed node was started again: grey, dotted.
        case restart
        /// Its replicas were in sync again: grey.
        case inSync = "in-sync"
        /// A phase of the run began (the end of the warm-up): grey, dashed.
        case phase
    }

    var kind: Kind
    /// Seconds since the start of the run.
    var atSeconds: Double
    var label: String
}

/// A time-series chart as a standalone SVG element: x is seconds since the start of the run
/// (bucket index × bucketMs), y is linear or log10. Pure: the same input gives the same text.
struct SVGChart: Sendable {
    /// The element id (`acks-chart`), also the prefix of ids inside it.
    var id: String
    var title: String
    /// The y axis title, e.g. "records" or "ms".
    var unit: String
    var bucketMs: Int
    var scale: ChartScale
    var series: [ChartSeries]
    var markers: [ChartMarker]
    /// At most this many points per series; longer runs are downsampled (`BucketMerge`). 2,000
    /// points keep a chart well under 100 kB and are more than its 1,100 pixels can show.
    var pointsMax = 2_000

    static let width = 1_200.0
    static let height = 420.0
    /// The plot area inside the margins (titles, legend and tick labels outside it).
    static let plot = (left: 72.0, right: 1_176.0, top: 44.0, bottom: 364.0)

    /// Buckets in the timeline (every series has as many).
    var bucketCount: Int { series.first?.values.count ?? 0 }

    /// How many buckets each drawn point covers.
    var mergeFactor: Int { downsampleFactor(buckets: bucketCount, pointsMax: pointsMax) }

    func render() -> String {
        precondition(bucketMs > 0, "a bucket has a positive length")
        precondition(pointsMax >= 1, "a chart draws at least one point")
        precondition(series.allSatisfy { $0.values.count == bucketCount }, "every series has one value per bucket")
        let factor = mergeFactor
        let drawn = series.map { downsample($0.values, factor: factor, merge: $0.merge) }
        // No buckets: no y axis either, only the time axis (stretched to the markers) and a note.
        let axis = bucketCount > 0 ? ValueAxis.fitted(to: drawn.flatMap { $0 }, scale: scale) : nil
        let frame = ChartFrame(seconds: xRangeSeconds(), axis: axis)
        var svg = MarkupWriter()
        svg.open(
            "svg",
            [
                ("xmlns", "http://www.w3.org/2000/svg"), ("class", "chart"), ("id", id),
                ("viewBox", "0 0 \(Int(Self.width)) \(Int(Self.height))"), ("width", "\(Int(Self.width))"),
                ("height", "\(Int(Self.height))"), ("role", "img"), ("aria-labelledby", "\(id)-title"),
                ("font-family", "system-ui, -apple-system, 'Segoe UI', sans-serif"), ("font-size", "12"),
                ("data-buckets", "\(bucketCount)"), ("data-merge-factor", "\(factor)"),
            ])
        svg.element("title", [("id", "\(id)-title")], text: title)
        svg.leaf("rect", [("x", "0"), ("y", "0"), ("width", "100%"), ("height", "100%"), ("fill", "#ffffff")])
        svg.element(
            "text", [("x", "\(Int(Self.plot.left))"), ("y", "24"), ("font-size", "16"), ("font-weight", "600"), ("fill", "#222")],
            text: title)
        renderLegend(&svg)
        frame.renderAxes(&svg, unit: unit, note: factor > 1 ? mergeNote(factor) : nil)
        if let axis {
            for (index, values) in drawn.enumerated() {
                renderSeries(&svg, series[index], values: values, factor: factor, frame: frame, axis: axis)
            }
        } else {
            svg.element(
                "text",
                [
                    ("class", "no-data"), ("x", ReportText.coordinate((Self.plot.left + Self.plot.right) / 2)),
                    ("y", ReportText.coordinate((Self.plot.top + Self.plot.bottom) / 2)), ("text-anchor", "middle"),
                    ("font-size", "18"), ("fill", "#888"),
                ], text: "no data")
        }
        renderMarkers(&svg, frame: frame)
        svg.close("svg")
        return svg.finished
    }

    /// The run's length, stretched to show every marker.
    private func xRangeSeconds() -> Double {
        let timeline = Double(bucketCount) * Double(bucketMs) / 1_000
        let lastMarker = markers.map(\.atSeconds).filter(\.isFinite).max() ?? 0
        let seconds = max(timeline, lastMarker * 1.02)
        return seconds > 0 ? seconds : 1
    }

    private func mergeNote(_ factor: Int) -> String {
        let merges = Set(series.map(\.merge))
        let how = merges == [.max] ? "the largest of them" : merges == [.mean] ? "their mean" : "counts their mean, latencies the largest"
        return "each point covers \(factor) buckets (\(factor * bucketMs) ms): \(how)"
    }

    private func renderLegend(_ svg: inout MarkupWriter) {
        var x = Self.plot.right
        for series in series.reversed() {
            let width = 30 + 7 * Double(series.name.count)
            x -= width
            // A block for an area, a stripe for a line.
            let (y, height, opacity) = series.style == .area ? ("14", "12", "0.5") : ("18", "3", "1")
            svg.open("g", [("class", "legend-item")])
            svg.leaf(
                "rect",
                [
                    ("x", ReportText.coordinate(x)), ("y", y), ("width", "20"), ("height", height), ("fill", series.colour),
                    ("fill-opacity", opacity),
                ])
            svg.element("text", [("x", ReportText.coordinate(x + 25)), ("y", "24"), ("fill", "#333")], text: series.name)
            svg.close("g")
            x -= 12
        }
    }

    private func renderSeries(
        _ svg: inout MarkupWriter, _ series: ChartSeries, values: [Double], factor: Int, frame: ChartFrame, axis: ValueAxis
    ) {
        // Point k covers buckets [k × factor, k × factor + its size): drawn at their middle.
        func x(_ k: Int) -> Double {
            let first = k * factor
            let size = min(factor, bucketCount - first)
            return frame.x((Double(first) + Double(size) / 2) * Double(bucketMs) / 1_000)
        }
        var line = ""
        var points = 0
        var runLength = 0
        for (k, value) in values.enumerated() {
            guard let fraction = axis.fraction(value) else {
                if runLength == 1 { line += " h0" }
                runLength = 0
                continue
            }
            let point = ReportText.coordinate(x(k)) + "," + ReportText.coordinate(frame.y(fraction))
            line += (runLength == 0 ? (line.isEmpty ? "M" : " M") : " L") + point
            runLength += 1
            points += 1
        }
        if runLength == 1 { line += " h0" }
        guard points > 0 else { return }
        if series.style == .area, !values.isEmpty {
            let base = ReportText.coordinate(Self.plot.bottom)
            var area = "M" + ReportText.coordinate(x(0)) + "," + base
            for (k, value) in values.enumerated() {
                let y = axis.fraction(value).map(frame.y) ?? Self.plot.bottom
                area += " L" + ReportText.coordinate(x(k)) + "," + ReportText.coordinate(y)
            }
            area += " L" + ReportText.coordinate(x(values.count - 1)) + "," + base + " Z"
            svg.leaf(
                "path",
                [
                    ("class", "series series-area"), ("data-series", series.name), ("d", area), ("fill", series.colour),
                    ("fill-opacity", "0.3"), ("stroke", "none"),
                ])
        }
        svg.leaf(
            "path",
            [
                ("class", "series series-line"), ("data-series", series.name), ("data-points", "\(points)"), ("d", line),
                ("fill", "none"), ("stroke", series.colour), ("stroke-width", "1.4"), ("stroke-linejoin", "round"),
                ("stroke-linecap", "round"),
            ])
    }

    /// Draws the markers in time order. A label that would overlap the one before it in its
    /// row (many kills on a long run) is left out and kept as the group's tooltip (`<title>`).
    private func renderMarkers(_ svg: inout MarkupWriter, frame: ChartFrame) {
        let ordered = markers.enumerated().filter { $0.element.atSeconds.isFinite }
            .sorted { ($0.element.atSeconds, $0.offset) < ($1.element.atSeconds, $1.offset) }.map(\.element)
        var rowEnds: [Int: Double] = [:]
        for marker in ordered {
            let style = Self.style(marker.kind)
            let x = frame.x(max(marker.atSeconds, 0))
            // About 7 px a character at 12 px bold; a label near the right edge goes left of its line.
            let width = 7 * Double(marker.label.count)
            let leftward = x + 4 + width > Self.plot.right - 2
            let start = leftward ? x - 4 - width : x + 4
            let fits = start > (rowEnds[style.row] ?? -Double.infinity) + 6
            if fits { rowEnds[style.row] = start + width }
            svg.open(
                "g",
                [("class", "marker marker-\(marker.kind.rawValue)"), ("data-at-seconds", ReportText.number(marker.atSeconds, decimals: 3))])
            if !fits { svg.element("title", text: marker.label) }
            var line = [
                ("x1", ReportText.coordinate(x)), ("x2", ReportText.coordinate(x)), ("y1", ReportText.coordinate(Self.plot.top)),
                ("y2", ReportText.coordinate(Self.plot.bottom)), ("stroke", style.colour), ("stroke-width", "1.6"),
            ]
            if let dash = style.dash { line.append(("stroke-dasharray", dash)) }
            svg.leaf("line", line)
            if fits {
                // A white halo keeps the label legible over the series.
                svg.element(
                    "text",
                    [
                        ("x", ReportText.coordinate(leftward ? x - 4 : x + 4)),
                        ("y", ReportText.coordinate(Self.plot.top + 12 + 13 * Double(style.row))),
                        ("text-anchor", leftward ? "end" : "start"), ("fill", style.colour), ("font-weight", "600"),
                        ("stroke", "#ffffff"), ("stroke-width", "3"), ("stroke-linejoin", "round"), ("paint-order", "stroke"),
                    ], text: marker.label)
            }
            svg.close("g")
        }
    }

    /// Colour, dash pattern and label row of each kind of marker.
    private static func style(_ kind: ChartMarker.Kind) -> (colour: String, dash: String?, row: Int) {
        switch kind {
        case .kill: ("#d62728", "6 4", 0)
        case .recovery: ("#2ca02c", nil, 1)
        case .restart: ("#7f7f7f", "2 3", 2)
        case .inSync: ("#7f7f7f", nil, 3)
        case .phase: ("#7f7f7f", "4 4", 0)
        }
    }
}
