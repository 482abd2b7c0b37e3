import Foundation

/// The machine a run was made on: figures mean little without it.
public struct MachineInfo: Codable, Sendable, Equatable {
    public var cores: Int
    public var memoryBytes: UInt64
    public var hostname: String
    public var os: String

    public init(cores: Int, memoryBytes: UInt64, hostname: String, os: String) {
        self.cores = cores
        self.memoryBytes = memoryBytes
        self.hostname = hostname
        self.os = os
    }

    /// This machine: active cores, physical memory, host name and OS version.
    public static var current: MachineInfo {
        let info = ProcessInfo.processInfo
        return MachineInfo(
            cores: info.activeProcessorCount, memoryBytes: info.physicalMemory, hostname: info.hostName,
            os: info.operatingSystemVersionString)
    }
}

/// The git revision of the checkout at `directory` (or the working directory): the commit,
/// `-dirty` when tracked files changed; "unknown" when git or the checkout is missing.
public func gitRevision(in directory: String? = nil) -> String {
    func git(_ arguments: [String]) -> (status: Int32, output: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + (directory.map { ["-C", $0] } ?? []) + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
    guard let head = git(["rev-parse", "HEAD"]), head.status == 0, !head.output.isEmpty else { return "unknown" }
    let dirty = git(["status", "--porcelain", "--untracked-files=no"]).map { $0.status == 0 && !$0.output.isEmpty } ?? false
    return head.output + (dirty ? "-dirty" : "")
}

/// Now in ISO 8601 (UTC, seconds).
public func isoTimestamp() -> String {
    Date().formatted(.iso8601)
}
