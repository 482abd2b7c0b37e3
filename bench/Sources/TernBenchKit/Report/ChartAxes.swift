import Foundation

/// How a chart's y axis maps values to height.
enum ChartScale: Sendable, Equatable {
    case linear
    /// Decades evenly spaced; values at or below zero have no place on it and are not drawn
    /// (a latency of 0 means no acknowledgement arrived in the bucket).
    case log10
}

/// A y axis fitted to the values drawn: its range and the ticks labelled on it.
struct ValueAxis: Sendable, Equatable {
    var scale: ChartScale
    /// Linear: the range; log10: the exponents of the range (10^low ... 10^high).
    var low: Double
    var high: Double
    var ticks: [Double]

    /// A log axis spans at most this many decades: below them a value sits on the bottom edge.
    static let decadesMax = 9.0

    /// Fits an axis to `values` (non-finite ones ignored); nil for a log axis with no positive
    /// value, which has nothing to show.
    static func fitted(to values: [Double], scale: ChartScale) -> ValueAxis? {
        let finite = values.filter(\.isFinite)
        switch scale {
        case .linear:
            // 15% headroom above the largest value leaves the top band to the marker labels.
            let top = max(finite.max() ?? 0, 0) * 1.15
            guard top > 0 else { return ValueAxis(scale: .linear, low: 0, high: 1, ticks: [0, 0.5, 1]) }
            let step = niceStep(top / 5)
            let high = (top / step).rounded(.up) * step
            let count = Int((high / step).rounded())
            return ValueAxis(scale: .linear, low: 0, high: high, ticks: (0...count).map { Double($0) * step })
        case .log10:
            let positive = finite.filter { $0 > 0 }
            guard let smallest = positive.min(), let largest = positive.max() else { return nil }
            let high = Foundation.log10(largest).rounded(.up)
            var low = Foundation.log10(smallest).rounded(.down)
            if low >= high { low = high - 1 }
            low = max(low, high - decadesMax)
            let decades = Int(high - low)
            var ticks: [Double] = []
            for exponent in Int(low)...Int(high) {
                let decade = Foundation.pow(10, Double(exponent))
                ticks.append(decade)
                // Few decades leave the axis bare: label 2 and 5 within each as well.
                if decades <= 2, exponent < Int(high) { ticks += [2 * decade, 5 * decade] }
            }
            return ValueAxis(scale: .log10, low: low, high: high, ticks: ticks)
        }
    }

    /// Where `value` sits, 0 (bottom) ... 1 (top); nil when it cannot be drawn (non-finite, or
    /// at or below zero on a log axis).
    func fraction(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        switch scale {
        case .linear:
            return min(max((value - low) / (high - low), 0), 1)
        case .log10:
            guard value > 0 else { return nil }
            return min(max((Foundation.log10(value) - low) / (high - low), 0), 1)
        }
    }
}

/// 1, 2 or 5 times a power of ten, the smallest at least `rough` (rough > 0).
func niceStep(_ rough: Double) -> Double {
    precondition(rough > 0 && rough.isFinite, "a step is positive and finite")
    let power = Foundation.pow(10, Foundation.log10(rough).rounded(.down))
    for multiple in [1.0, 2, 5, 10] where multiple * power >= rough * (1 - 1e-9) { return multiple * power }
    return 10 * power
}

/// Ticks for a time axis from 0 to `seconds`, about ten of them.
func timeTicks(upTo seconds: Double) -> [Double] {
    precondition(seconds > 0 && seconds.isFinite, "a time axis has a positive length")
    let step = niceStep(seconds / 10)
    let count = Int((seconds / step).rounded(.down))
    return (0...count).map { Double($0) * step }
}

/// How the buckets of a long run are merged so that a chart stays small.
enum BucketMerge: Sendable, Equatable {
    /// The mean of the merged buckets: still a value per bucket (per 100 ms), and the area
    /// under the chart (the total) is preserved. For counts.
    case mean
    /// The largest of the merged buckets, so a latency spike is never averaged away.
    case max
}

/// Merges consecutive runs of `factor` values (the last run may be shorter) into one.
func downsample(_ values: [Double], factor: Int, merge: BucketMerge) -> [Double] {
    precondition(factor >= 1, "a downsampling factor is at least 1")
    guard factor > 1 else { return values }
    var out: [Double] = []
    out.reserveCapacity(values.count / factor + 1)
    var start = 0
    while start < values.count {
        let group = values[start..<min(start + factor, values.count)]
        switch merge {
        case .mean: out.append(group.reduce(0, +) / Double(group.count))
        case .max: out.append(group.max() ?? 0)
        }
        start += factor
    }
    return out
}

/// The smallest merge factor that brings `buckets` down to at most `pointsMax` points.
func downsampleFactor(buckets: Int, pointsMax: Int) -> Int {
    precondition(pointsMax >= 1 && buckets >= 0, "a positive point budget")
    return max(1, (buckets + pointsMax - 1) / pointsMax)
}

/// Maps run time and axis fractions to the plot area of an `SVGChart`, and draws the axes.
struct ChartFrame: Sendable {
    /// The x axis runs from 0 to this many seconds.
    var seconds: Double
    /// nil: nothing can be drawn (no positive value on a log axis).
    var axis: ValueAxis?

    private var plot: (left: Double, right: Double, top: Double, bottom: Double) { SVGChart.plot }

    func x(_ seconds: Double) -> Double {
        plot.left + min(max(seconds / self.seconds, 0), 1) * (plot.right - plot.left)
    }

    func y(_ fraction: Double) -> Double { plot.bottom - fraction * (plot.bottom - plot.top) }

    /// Grid, ticks and their labels, the axis titles, and `note` (how points were merged).
    func renderAxes(_ svg: inout MarkupWriter, unit: String, note: String?) {
        let c = ReportText.coordinate
        svg.open("g", [("class", "axes"), ("fill", "#555")])
        for tick in timeTicks(upTo: seconds) {
            let x = x(tick)
            svg.leaf("line", [("x1", c(x)), ("x2", c(x)), ("y1", c(plot.top)), ("y2", c(plot.bottom)), ("stroke", "#eeeeee")])
            svg.element("text", [("x", c(x)), ("y", c(plot.bottom + 18)), ("text-anchor", "middle")], text: ReportText.compact(tick))
        }
        if let axis {
            for tick in axis.ticks {
                guard let fraction = axis.fraction(tick) else { continue }
                let y = y(fraction)
                svg.leaf("line", [("x1", c(plot.left)), ("x2", c(plot.right)), ("y1", c(y)), ("y2", c(y)), ("stroke", "#e4e4e4")])
                svg.element(
                    "text", [("class", "y-tick"), ("x", c(plot.left - 6)), ("y", c(y + 4)), ("text-anchor", "end")],
                    text: ReportText.compact(tick))
            }
        }
        svg.leaf(
            "rect",
            [
                ("x", c(plot.left)), ("y", c(plot.top)), ("width", c(plot.right - plot.left)), ("height", c(plot.bottom - plot.top)),
                ("fill", "none"), ("stroke", "#999"),
            ])
        svg.element("text", [("x", c(plot.left)), ("y", c(plot.bottom + 40))], text: "seconds since start")
        if let note {
            svg.element(
                "text", [("class", "merge-note"), ("x", c(plot.right)), ("y", c(plot.bottom + 40)), ("text-anchor", "end")], text: note)
        }
        let middle = (plot.top + plot.bottom) / 2
        svg.element(
            "text", [("x", "18"), ("y", c(middle)), ("text-anchor", "middle"), ("transform", "rotate(-90 18 \(c(middle)))")],
            text: unit)
        svg.close("g")
    }
}
