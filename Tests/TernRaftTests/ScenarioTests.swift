// Goal: run every scripted scenario in Scenarios/*.txt (etcd datadriven style) and compare each
// command's transcript with the expected one. Method: a fresh InteractionEnvironment per file,
// commands run in order; on mismatch the test reports the file, line, command and both texts.
// With TERN_REWRITE=1 the files in the source tree are rewritten with the actual transcripts:
// commit the result only if you understand every line of the diff.
import Foundation
import Testing

@Suite struct ScenarioTests {
    /// The scenario folder copied into the test bundle.
    static var bundledFolder: URL { Bundle.module.resourceURL!.appendingPathComponent("Scenarios") }

    /// The scenario folder in the source tree (for rewrite mode).
    static var sourceFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scenarios")
    }

    static var scenarioNames: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: bundledFolder.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test func scenarioFolderIsNotEmpty() {
        #expect(Self.scenarioNames.count >= 6)
    }

    @Test(arguments: scenarioNames)
    func scenario(_ name: String) throws {
        let rewrite = ProcessInfo.processInfo.environment["TERN_REWRITE"] == "1"
        let folder = rewrite ? Self.sourceFolder : Self.bundledFolder
        let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        let file = try ScenarioFile(parsing: text)
        var environment = InteractionEnvironment()
        var outputs: [String] = []
        for block in file.blocks {
            let actual: String
            do {
                actual = try environment.run(block.command)
            } catch {
                actual = "error: \(error)"
            }
            outputs.append(actual)
            if !rewrite && actual != block.expected {
                Issue.record(
                    "\(name):\(block.line): \(block.command)\n--- expected\n\(block.expected)\n--- actual\n\(actual)")
                return
            }
        }
        if rewrite {
            try file.rendered(outputs: outputs).write(
                to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }
}
