// Goal: a failover report opened from disk in a real browser shows its charts: headless Chromium
// loads it (file://), its DOM holds both chart SVGs with their series drawn and the kill and
// recovery markers, and its screenshot is a real picture (1280 × 1800, many colours, the
// orange latency line and the green recovery lines in it), not a blank or an error page.
// Method: the synthetic result of HTMLReportTests written to a temporary folder; Chromium run
// twice (--screenshot, --dump-dom), each with its own profile folder and killed by PID after
// 120 s; the PNG read here (chunks and scanline filters in Swift, the zlib stream inflated by
// python3). A missing Chromium fails the test with the install command, never skips it.
// The screenshot is also copied to /tmp/tern-report-screenshot.png for a person to look at.
import Foundation
import Testing

@testable import TernBenchKit

@Suite struct ReportRenderingTests {
    static let chromiumSeconds = 120.0
    static let screenshotCopy = "/tmp/tern-report-screenshot.png"

    @Test("headless Chromium renders the failover report: both charts in its DOM, a real picture")
    func chromiumRendersTheReport() async throws {
        let chromium = try #require(
            executableInPath(["chromium", "chromium-browser"]),
            "chromium is missing: apt-get install -y chromium (scripts/test.sh installs it)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-report-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let reportPath = directory + "/report.html"
        try Data(HTMLReport.render(ReportFixtures.failover()).utf8).write(to: URL(fileURLWithPath: reportPath))
        let page = URL(fileURLWithPath: reportPath).absoluteString
        #expect(page.hasPrefix("file:///"))
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1800", "--no-first-run",
            "--no-default-browser-check", "--disable-dev-shm-usage",
        ]

        // The DOM as Chromium built it from the file.
        let dumped = try await runChild(
            chromium, common + ["--user-data-dir=\(directory)/profile-dom", "--dump-dom", page], in: directory, name: "dom",
            seconds: Self.chromiumSeconds)
        #expect(dumped.status == 0, "chromium --dump-dom: \(dumped.stderrTail)")
        let dom = Page(dumped.stdout)
        for (id, series, least) in [("acks-chart", "acknowledged", 300), ("latency-chart", "max", 273)] {
            let svg = try #require(dom.svg(id: id), "no <svg id=\"\(id)\"> in the DOM Chromium built: \(dom.text.prefix(500))")
            #expect(svg.has(#"class="chart""#))
            let pairs = pathPoints(in: svg.text, series: series)
            #expect(pairs >= least, "\(id): \(pairs) points in the \(series) line")
            #expect(svg.count(#"class="marker marker-kill""#) == 2, "\(id)")
            #expect(svg.count(#"class="marker marker-recovery""#) == 2, "\(id)")
        }
        #expect(dom.has("Tern failover benchmark") && dom.has(#"id="kills-table""#))

        // The picture.
        let screenshot = directory + "/report.png"
        let shot = try await runChild(
            chromium, common + ["--user-data-dir=\(directory)/profile-shot", "--screenshot=\(screenshot)", page], in: directory,
            name: "shot", seconds: Self.chromiumSeconds) {
                ((try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0) > 0
            }
        #expect(shot.status == 0, "chromium --screenshot: \(shot.stderrTail)")
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        try? FileManager.default.removeItem(atPath: Self.screenshotCopy)
        try FileManager.default.copyItem(atPath: screenshot, toPath: Self.screenshotCopy)
        let image = try await PNGImage.read(png, scratch: directory)
        #expect(image.width == 1280 && image.height == 1800)
        let stats = image.colourStats()
        #expect(stats.distinct >= 300, "a page of text and charts has many colours, not \(stats.distinct)")
        #expect(stats.dominantShare < 0.97, "\(Int(stats.dominantShare * 100))% of the picture is one colour")
        #expect(stats.orange >= 200, "the orange latency line: \(stats.orange) pixels")
        #expect(stats.green >= 100, "the green recovery markers: \(stats.green) pixels")
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Coordinate pairs in the `d` of the series line named `series` (0 if there is none).
private func pathPoints(in svg: String, series: String) -> Int {
    let pattern = try! Regex(#"<path[^>]*class="series series-line"[^>]*data-series="\#(series)"[^>]*\sd="([^"]*)""#)
    guard let match = svg.firstMatch(of: pattern), let data = match.output[1].substring else { return 0 }
    return data.split(separator: " ").filter { $0.hasPrefix("M") || $0.hasPrefix("L") }.count
}

/// The first of `names` found in a folder of PATH.
func executableInPath(_ names: [String]) -> String? {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
    for name in names {
        for folder in folders where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") { return "\(folder)/\(name)" }
    }
    return nil
}

struct ChildOutcome {
    var status: Int32
    var stdout: String
    var stderrTail: String
}

/// Runs `executable arguments` with stdout and stderr in files under `folder`, until it has
/// exited and `done` holds, polled every 50 ms up to `seconds`; past that the child is killed
/// by its PID and the test fails with what it wrote.
func runChild(
    _ executable: String, _ arguments: [String], in folder: String, name: String, seconds: Double, done: () -> Bool = { true }
) async throws -> ChildOutcome {
    let outPath = "\(folder)/\(name).out"
    let errPath = "\(folder)/\(name).err"
    for path in [outPath, errPath] {
        guard FileManager.default.createFile(atPath: path, contents: Data()) else { throw ReportTestError("cannot create \(path)") }
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try process.run()
    let pid = process.processIdentifier
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning || !done() {
        guard Date() < deadline else {
            let running = process.isRunning
            if running { kill(pid, SIGKILL) }
            let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            let what = running ? "did not finish within \(Int(seconds)) s (killed)" : "exited but its output never appeared"
            throw ReportTestError("\(name): \(executable) \(what); stderr: \(stderr.suffix(2_000))")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    return ChildOutcome(status: process.terminationStatus, stdout: stdout, stderrTail: String(stderr.suffix(2_000)))
}

/// An 8-bit RGB or RGBA PNG, decoded: enough to tell a picture from a blank.
struct PNGImage {
    var width: Int
    var height: Int
    /// 3 (RGB) or 4 (RGBA).
    var channels: Int
    /// Unfiltered scanlines, `width × channels` bytes each.
    var pixels: [UInt8]

    /// Larger than any screenshot here: a corrupt header cannot make the test allocate more.
    static let sideMax = 20_000

    /// Parses the chunks, inflates the image data with python3's zlib (in files under
    /// `scratch`), and undoes the scanline filters.
    static func read(_ png: Data, scratch: String) async throws -> PNGImage {
        let bytes = [UInt8](png)
        guard bytes.count > 8, bytes[0..<8].elementsEqual([137, 80, 78, 71, 13, 10, 26, 10]) else {
            throw ReportTestError("not a PNG: \(bytes.prefix(8))")
        }
        func u32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        var at = 8
        var header: (width: Int, height: Int, depth: UInt8, colour: UInt8, interlace: UInt8)?
        var compressed = Data()
        while at + 12 <= bytes.count {
            let length = u32(at)
            let type = String(decoding: bytes[at + 4..<at + 8], as: UTF8.self)
            guard length <= bytes.count - at - 12 else { throw ReportTestError("PNG chunk \(type) runs past the end") }
            let body = at + 8
            if type == "IHDR", length >= 13 {
                header = (u32(body), u32(body + 4), bytes[body + 8], bytes[body + 9], bytes[body + 12])
            } else if type == "IDAT" {
                compressed.append(contentsOf: bytes[body..<body + length])
            } else if type == "IEND" {
                break
            }
            at = body + length + 4
        }
        guard let header, (1...sideMax).contains(header.width), (1...sideMax).contains(header.height) else {
            throw ReportTestError("PNG without a sane IHDR")
        }
        guard header.depth == 8, header.colour == 2 || header.colour == 6, header.interlace == 0 else {
            throw ReportTestError(
                "PNG of depth \(header.depth), colour type \(header.colour), interlace \(header.interlace): not read here")
        }
        let channels = header.colour == 6 ? 4 : 3
        let raw = try await inflate(compressed, scratch: scratch)
        let stride = header.width * channels
        guard raw.count == header.height * (stride + 1) else {
            throw ReportTestError("PNG data of \(raw.count) bytes for \(header.width) × \(header.height)")
        }
        let pixels = try unfilter(raw, stride: stride, channels: channels)
        return PNGImage(width: header.width, height: header.height, channels: channels, pixels: pixels)
    }

    private static func inflate(_ compressed: Data, scratch: String) async throws -> [UInt8] {
        guard let python = executableInPath(["python3"]) else {
            throw ReportTestError("python3 is missing (it inflates the screenshot): apt-get install -y python3")
        }
        let input = scratch + "/idat.zlib"
        let output = scratch + "/idat.raw"
        try compressed.write(to: URL(fileURLWithPath: input))
        let script = "import sys, zlib; open(sys.argv[2], 'wb').write(zlib.decompress(open(sys.argv[1], 'rb').read()))"
        let run = try await runChild(python, ["-c", script, input, output], in: scratch, name: "inflate", seconds: 60)
        guard run.status == 0 else { throw ReportTestError("zlib could not inflate the PNG data: \(run.stderrTail)") }
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    /// Undoes the five PNG filters (none, sub, up, average, Paeth), row by row.
    private static func unfilter(_ raw: [UInt8], stride: Int, channels: Int) throws -> [UInt8] {
        let rows = raw.count / (stride + 1)
        var out = [UInt8](repeating: 0, count: rows * stride)
        try out.withUnsafeMutableBufferPointer { out in
            try raw.withUnsafeBufferPointer { raw in
                for row in 0..<rows {
                    let filter = raw[row * (stride + 1)]
                    let source = row * (stride + 1) + 1
                    let target = row * stride
                    for i in 0..<stride {
                        let a = i >= channels ? Int(out[target + i - channels]) : 0
                        let b = row > 0 ? Int(out[target - stride + i]) : 0
                        let c = row > 0 && i >= channels ? Int(out[target - stride + i - channels]) : 0
                        let predicted: Int
                        switch filter {
                        case 0: predicted = 0
                        case 1: predicted = a
                        case 2: predicted = b
                        case 3: predicted = (a + b) / 2
                        case 4:
                            let p = a + b - c
                            let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                            predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                        default: throw ReportTestError("PNG row \(row) has filter \(filter)")
                        }
                        out[target + i] = UInt8(truncatingIfNeeded: Int(raw[source + i]) + predicted)
                    }
                }
            }
        }
        return out
    }

    /// Distinct colours, the share of the most common one, and pixels of the two chart colours
    /// only the charts use: the orange latency line (#ff7f0e) and the green recovery marker
    /// (#2ca02c), matched loosely because lines are anti-aliased.
    func colourStats() -> (distinct: Int, dominantShare: Double, orange: Int, green: Int) {
        var counts: [UInt32: Int] = [:]
        var orange = 0
        var green = 0
        pixels.withUnsafeBufferPointer { pixels in
            var at = 0
            while at + 2 < pixels.count {
                let (r, g, b) = (Int(pixels[at]), Int(pixels[at + 1]), Int(pixels[at + 2]))
                counts[UInt32(r << 16 | g << 8 | b), default: 0] += 1
                if r > 220, (95...160).contains(g), b < 70 { orange += 1 }
                if g > 130, g > r + 70, g > b + 70 { green += 1 }
                at += channels
            }
        }
        let total = max(pixels.count / channels, 1)
        return (counts.count, Double(counts.values.max() ?? 0) / Double(total), orange, green)
    }
}
