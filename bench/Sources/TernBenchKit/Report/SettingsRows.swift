import Foundation

/// The settings of a run as `(key path, value)` rows, made from their JSON encoding so the
/// report names them as the result file does (`load.record_bytes`) and shows every field a
/// later change adds without being edited. A nil optional is absent from the encoding and so
/// from the table.
enum SettingsRows {
    /// Nesting deeper than settings ever go is cut off with a note instead of recursing on.
    static let depthMax = 8

    static func rows(_ settings: some Encodable) -> [(key: String, value: String)] {
        do {
            let data = try BenchJSON.encoder().encode(settings)
            // A plain decoder: the key strategy of `BenchJSON.decoder()` would rename the keys.
            let value = try JSONDecoder().decode(JSONValue.self, from: data)
            var rows: [(key: String, value: String)] = []
            flatten(value, path: "", depth: 0, into: &rows)
            return rows
        } catch {
            return [(key: "(settings)", value: "not encodable: \(error)")]
        }
    }

    private static func flatten(_ value: JSONValue, path: String, depth: Int, into rows: inout [(key: String, value: String)]) {
        if case .object(let members) = value {
            guard depth < depthMax else {
                rows.append((key: path, value: "(nested too deep)"))
                return
            }
            for key in members.keys.sorted() {
                flatten(members[key] ?? .null, path: path.isEmpty ? key : path + "." + key, depth: depth + 1, into: &rows)
            }
            return
        }
        rows.append((key: path.isEmpty ? "(value)" : path, value: value.text))
    }
}

/// Any JSON value, decoded without knowing its shape.
indirect enum JSONValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // JSONDecoder is strict: `true` does not decode as a number nor `1` as a Bool.
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// How a settings table shows the value.
    var text: String {
        switch self {
        case .null: "—"
        case .bool(let bool): bool ? "true" : "false"
        case .number(let number): ReportText.number(number, decimals: 6)
        case .string(let string): string
        case .array(let values): values.map(\.text).joined(separator: ", ")
        case .object(let members): members.keys.sorted().map { "\($0)=\(members[$0]?.text ?? "")" }.joined(separator: ", ")
        }
    }
}
