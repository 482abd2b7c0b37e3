// Test support: starts `ternd` as a real process on 127.0.0.1 (port 0: the broker picks a free
// port and prints it on its ready line), runs the Python client scripts in Scripts/ against it,
// and stops it by PID (SIGTERM for a clean shutdown, SIGKILL for a crash). Every wait polls with
// a deadline; nothing sleeps for a fixed time to synchronise.
import Foundation
import Synchronization

/// Why a harness step failed.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Where the build put `ternd`: next to the test bundle (`.build/<triple>/debug/`), or
/// `TERND_PATH` if set.
func terndPath() throws -> String {
    if let path = ProcessInfo.processInfo.environment["TERND_PATH"] { return path }
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    // Bounded: the bundle sits at most a few levels below the products directory.
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("ternd").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory.deleteLastPathComponent()
    }
    let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../.build/debug/ternd").standardized.path
    guard FileManager.default.isExecutableFile(atPath: fallback) else {
        throw HarnessError("ternd not found next to \(CommandLine.arguments[0]); run `swift build` first")
    }
    return fallback
}

/// The folder of the client scripts.
let scriptsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")

/// A fresh temporary directory.
func temporaryDirectory(_ prefix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
func waitUntil(seconds: Double, _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}

/// One running `ternd`.
final class TerndProcess: Sendable {
    /// Its data directory (kept across restarts when passed to `start` again).
    let dataDirectory: String
    /// `127.0.0.1:PORT` of its Kafka listener.
    let kafkaAddress: String
    /// `127.0.0.1:PORT` of its admin HTTP listener (readiness, metrics).
    let adminAddress: String
    /// Its process id.
    let pid: Int32
    /// Where its stderr (the log) goes.
    let logPath: String
    private let process: Process

    private init(dataDirectory: String, kafkaAddress: String, adminAddress: String, process: Process, logPath: String) {
        self.dataDirectory = dataDirectory
        self.kafkaAddress = kafkaAddress
        self.adminAddress = adminAddress
        self.process = process
        self.pid = process.processIdentifier
        self.logPath = logPath
    }

    /// Starts `ternd` on 127.0.0.1 port 0 with `dataDirectory` (a new temporary one if nil) and
    /// waits (up to 60 s) for its ready line.
    static func start(
        dataDirectory: String? = nil, nodeID: Int = 1, port: Int = 0, extraArguments: [String] = []
    ) async throws -> TerndProcess {
        let directory = try dataDirectory ?? temporaryDirectory("ternd-data")
        let logPath = try temporaryDirectory("ternd-log") + "/ternd.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try terndPath())
        process.arguments = [
            "--node-id", "\(nodeID)", "--data-dir", directory, "--listener", "127.0.0.1:\(port)",
            "--rpc-listener", "127.0.0.1:0", "--admin-listener", "127.0.0.1:0",
        ] + extraArguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardInput = FileHandle.nullDevice
        let lines = Mutex("")
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            lines.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        var address: String?
        var admin: String?
        _ = try await waitUntil(seconds: 60) {
            let text = lines.withLock { $0 }
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ternd ready") }) {
                let fields = line.split(separator: " ")
                address = fields.first { $0.hasPrefix("kafka=") }.map { String($0.dropFirst("kafka=".count)) }
                admin = fields.first { $0.hasPrefix("admin=") }.map { String($0.dropFirst("admin=".count)) }
                return true
            }
            return !process.isRunning
        }
        guard let address, let admin, process.isRunning else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw HarnessError("ternd did not become ready; its log:\n\(log.suffix(4000))")
        }
        return TerndProcess(
            dataDirectory: directory, kafkaAddress: address, adminAddress: admin, process: process, logPath: logPath)
    }

    /// The broker's log so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Whether the process still runs.
    var isRunning: Bool { process.isRunning }

    /// SIGTERM, then waits (up to 60 s) for the exit; returns the exit status (SIGKILL after
    /// the deadline, status -1).
    @discardableResult
    func stop() async throws -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(pid, SIGTERM)
        if try await waitUntil(seconds: 60, { !process.isRunning }) { return process.terminationStatus }
        kill(pid, SIGKILL)
        _ = try await waitUntil(seconds: 10) { !process.isRunning }
        return -1
    }

    /// SIGKILL (a crash: nothing is synced or closed), then waits for the exit.
    func kill9() async throws {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
        _ = try await waitUntil(seconds: 30) { !process.isRunning }
    }
}

/// Runs `python3 Scripts/<name> args...` (or another executable when `name` has no `.py`),
/// with output to a file (no pipe to fill up), killing it after `timeoutSeconds`.
func runScript(_ name: String, _ arguments: [String], timeoutSeconds: Double = 300) async throws -> (
    status: Int32, output: String
) {
    let outputPath = try temporaryDirectory("ternd-script") + "/output.txt"
    let process = try launchScript(name, arguments, outputPath: outputPath)
    let finished = try await waitUntil(seconds: timeoutSeconds) { !process.isRunning }
    if !finished {
        kill(process.processIdentifier, SIGKILL)
        _ = try await waitUntil(seconds: 10) { !process.isRunning }
    }
    let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    return (finished ? process.terminationStatus : -1, finished ? text : text + "\n(killed after \(timeoutSeconds) s)")
}

/// Starts `python3 Scripts/<name> arguments...` with stdout and stderr to a new file at
/// `outputPath` (a file, not a pipe, so a chatty script can never block on a full pipe).
func launchScript(_ name: String, _ arguments: [String], outputPath: String) throws -> Process {
    guard FileManager.default.createFile(atPath: outputPath, contents: nil) else {
        throw HarnessError("cannot create \(outputPath)")
    }
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", scriptsDirectory.appendingPathComponent(name).path] + arguments
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    try output.close()
    return process
}
