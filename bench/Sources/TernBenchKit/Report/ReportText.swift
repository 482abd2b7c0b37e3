import Foundation

/// Text helpers shared by the SVG charts and the HTML report: escaping (every string that
/// reaches the markup goes through `escape`) and number formatting without a locale, so a
/// report reads the same on every machine.
enum ReportText {
    /// Escapes `text` for element content and for double- or single-quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // Control characters other than tab, newline and return are not allowed in XML 1.0; an
            // SVG holding one would not parse, so they become U+FFFD.
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default: out.unicodeScalars.append(scalar.value < 0x20 ? "\u{FFFD}" : scalar)
            }
        }
        return out
    }

    /// `value` rounded to `decimals` places, without trailing zeros ("12", "12.5"); non-finite
    /// values as Swift prints them ("inf", "nan").
    static func number(_ value: Double, decimals: Int) -> String {
        precondition((0...6).contains(decimals), "decimals within 0...6")
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int(rounded)) }
        // `description` is the shortest text that reads back as the same Double, so a value
        // rounded to a few places prints with at most those places.
        return abs(rounded) < 1e15 ? rounded.description : String(format: "%.0f", rounded)
    }

    /// An SVG coordinate: one decimal is a tenth of a pixel, plenty and short.
    static func coordinate(_ value: Double) -> String { number(value, decimals: 1) }

    /// An integer with thousands separators: 1234567 → "1,234,567".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// A rate or count with separators and no more than `decimals` places ("812,345.5").
    static func grouped(_ value: Double, decimals: Int = 0) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return "\(value)" }
        let text = number(abs(value), decimals: decimals)
        let parts = text.split(separator: ".", maxSplits: 1)
        let whole = grouped(Int(parts[0]) ?? 0)
        let sign = value < 0 && text != "0" ? "-" : ""
        return parts.count == 2 ? sign + whole + "." + parts[1] : sign + whole
    }

    /// Milliseconds with about three significant digits: 0.412, 4.12, 41.2, 412, 4,120.
    static func milliseconds(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let magnitude = abs(value)
        if magnitude < 1 { return number(value, decimals: 3) }
        if magnitude < 10 { return number(value, decimals: 2) }
        if magnitude < 100 { return number(value, decimals: 1) }
        return grouped(value)
    }

    /// Seconds from milliseconds, to a tenth of a millisecond at most: 12345.6 → "12.346".
    static func seconds(fromMilliseconds value: Double) -> String { number(value / 1_000, decimals: 3) }

    /// A short axis label: 1500 → "1.5k", 2000000 → "2M", 0.05 → "0.05".
    static func compact(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e9 { return number(value / 1e9, decimals: 2) + "G" }
        if magnitude >= 1e6 { return number(value / 1e6, decimals: 2) + "M" }
        if magnitude >= 1e4 { return number(value / 1e3, decimals: 1) + "k" }
        return number(value, decimals: magnitude < 1 ? 3 : 1)
    }

    /// Bytes as GiB with one decimal ("15.6 GiB"), or MiB below 1 GiB.
    static func memory(_ bytes: UInt64) -> String {
        let gib = Double(bytes) / 1_073_741_824
        if gib >= 1 { return number(gib, decimals: 1) + " GiB" }
        return number(Double(bytes) / 1_048_576, decimals: 1) + " MiB"
    }

    /// The command line as one string a shell would split back into `arguments`: words made
    /// only of safe characters stay bare, the rest are single-quoted.
    static func shellCommand(_ arguments: [String]) -> String {
        arguments.map { argument in
            let safe = !argument.isEmpty && argument.unicodeScalars.allSatisfy { scalar in
                CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII || "-_./:=,@%+".unicodeScalars.contains(scalar)
            }
            return safe ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
