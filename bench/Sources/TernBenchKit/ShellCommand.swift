import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `--kill` or `--restart` command: a `/bin/sh -c` line with `{node}` replaced by a node id.
/// Its output goes to standard error (standard output is the benchmark's summary).
///
/// Spawned with posix_spawn and every descriptor above 2 closed, not with Foundation's
/// `Process`: `Process` learns of the exit through a socket the child inherits, so a command
/// that starts a daemon (`cluster.sh start`) would look alive for as long as the daemon runs,
/// and the daemon would also hold whatever descriptors tern-bench's own parent handed down.
public struct ShellCommand: Sendable {
    /// A command still running after this long is killed and reported.
    public static let timeout: Duration = .seconds(300)
    public var template: String

    public init(template: String) { self.template = template }

    public func line(node: Int32) -> String { template.replacingOccurrences(of: "{node}", with: "\(node)") }

    /// Runs the command for `node` and waits for it; throws when it fails or hangs.
    public func run(node: Int32 = 0) async throws(BenchError) {
        let line = line(node: node)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        // Every open descriptor above 2 (bounded: the first 4,096 numbers).
        for descriptor in 3..<min(Int32(4_096), Int32(clamping: sysconf(Int32(_SC_OPEN_MAX))))
        where fcntl(descriptor, F_GETFD) != -1 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        var pid: pid_t = 0
        let arguments = ["/bin/sh", "-c", line]
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw BenchError("cannot run '\(line)': \(String(cString: strerror(spawned)))") }
        let deadline = ContinuousClock.now.advanced(by: Self.timeout)
        var status: Int32 = 0
        // Polls every 5 ms (bounded by the timeout): the command's own time is what counts.
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw BenchError("'\(line)' did not finish within \(Self.timeout)")
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        let exitedNormally = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exitedNormally, code == 0 else {
            throw BenchError("'\(line)' failed (\(exitedNormally ? "exit status \(code)" : "signal \(status & 0x7f)"))")
        }
    }
}
