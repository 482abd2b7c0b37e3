// Goal: parse and rewrite the datadriven scenario files (etcd's format): a command line, a
// `----` line, the expected transcript up to a blank line. Text before a command (comments,
// blank lines) is kept verbatim so a rewrite changes only transcripts.

/// One command of a scenario with its expected transcript.
struct ScenarioBlock {
    /// Comments and blank lines before the command, verbatim.
    var preamble: String
    /// The command line.
    var command: String
    /// 1-based line number of the command (for failure messages).
    var line: Int
    /// The expected transcript (without the trailing newline).
    var expected: String
}

/// A parsed scenario file.
struct ScenarioFile {
    var blocks: [ScenarioBlock]
    /// Text after the last block.
    var trailer: String

    /// Parses `text`. A command is any non-blank line not starting with `#`; it must be followed
    /// by `----`; its transcript runs to the next blank line or the end of the file.
    init(parsing text: String) throws(ScenarioError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var blocks: [ScenarioBlock] = []
        var preamble = ""
        var position = 0
        while position < lines.count {
            let line = lines[position]
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") {
                if position < lines.count - 1 || !line.isEmpty { preamble += line + "\n" }
                position += 1
                continue
            }
            guard position + 1 < lines.count, lines[position + 1] == "----" else {
                throw ScenarioError(message: "line \(position + 1): command '\(line)' is not followed by ----")
            }
            var output: [String] = []
            var cursor = position + 2
            while cursor < lines.count, !lines[cursor].isEmpty {
                output.append(lines[cursor])
                cursor += 1
            }
            blocks.append(
                ScenarioBlock(
                    preamble: preamble, command: line, line: position + 1, expected: output.joined(separator: "\n")))
            preamble = ""
            position = cursor
        }
        self.blocks = blocks
        self.trailer = preamble
    }

    /// The file text with each block's transcript replaced by `outputs[i]`.
    func rendered(outputs: [String]) -> String {
        precondition(outputs.count == blocks.count, "one output per block")
        var text = ""
        for (block, output) in zip(blocks, outputs) {
            text += block.preamble + block.command + "\n----\n" + output + "\n"
        }
        return text + trailer
    }
}

/// A malformed scenario or command.
struct ScenarioError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension String {
    /// Trims the characters of `set` at both ends (Foundation-free helper).
    func trimmingCharacters(in set: CharacterSetLite) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}

/// The tiny character set `trimmingCharacters` needs.
struct CharacterSetLite {
    let characters: Set<Character>
    func contains(_ character: Character) -> Bool { characters.contains(character) }
    static let whitespaces = CharacterSetLite(characters: [" ", "\t"])
}
