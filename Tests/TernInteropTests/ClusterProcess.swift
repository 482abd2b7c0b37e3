// Test support: a cluster of `ternd` processes on 127.0.0.1 (the contract:
// /work/notes/cluster-interface.md). Every node gets fixed ports picked once (Kafka, RPC, admin),
// the same `--seeds` list and its own data directory, so a restarted node comes back where it
// was. All nodes are launched before any ready line is awaited (a node prints it only once a
// controller quorum exists). State is read from each node's admin endpoint `GET /v1/cluster`.
// Nodes are killed (SIGKILL), stopped (SIGTERM), paused (SIGSTOP) and resumed (SIGCONT) by PID.
// Every wait polls with a deadline; nothing sleeps for a fixed time to synchronise.
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - /v1/cluster

/// One node's answer to `GET /v1/cluster` (fields the contract marks optional, or that a node
/// may leave out, are optionals here).
struct ClusterStatus: Decodable, Sendable {
    struct Controller: Decodable, Sendable {
        var leader: Int?
        var epoch: Int?
        var version: Int?
        var voters: [Int]?
    }

    struct Broker: Decodable, Sendable {
        var id: Int
        var host: String?
        var port: Int?
        var alive: Bool?
    }

    /// This node's replica of a partition (only when it hosts one).
    struct Local: Decodable, Sendable {
        var role: String
        var highWatermark: Int
        var logEnd: Int?
        /// Only on the leader.
        var inSync: [Int]?
    }

    struct Partition: Decodable, Sendable {
        var topic: String
        var partition: Int
        var replicas: [Int]
        /// This node's metadata cache (may lag a few hundred ms after a change).
        var leader: Int?
        var epoch: Int?
        var local: Local?
    }

    var node: Int
    var cluster: String?
    var controller: Controller
    var brokers: [Broker]
    var partitions: [Partition]

    /// The entry of `topic`-`partition`, if this node's cache has it.
    func partition(_ topic: String, _ partition: Int) -> Partition? {
        partitions.first { $0.topic == topic && $0.partition == partition }
    }

    /// The entries of `topic`, by partition number.
    func entries(of topic: String) -> [Int: Partition] {
        Dictionary(partitions.filter { $0.topic == topic }.map { ($0.partition, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// Who leads a partition, as resolved from the live nodes' statuses.
struct PartitionLeader: Sendable, Equatable, CustomStringConvertible {
    /// The leader's node id.
    var node: Int
    /// The highest epoch a live node's cache gives this leader (-1 if no cache names it).
    var epoch: Int
    /// Whether the node itself reports `local.role == "leader"`.
    var claimed: Bool
    /// How many live nodes' caches name this leader.
    var votes: Int

    var description: String {
        "node \(node) (epoch \(epoch), \(claimed ? "claims it" : "not claimed"), named by \(votes) cache(s))"
    }
}

// MARK: - The cluster

/// A cluster of `ternd` processes (node ids 1...n) on 127.0.0.1.
final class TernCluster: Sendable {
    /// One node: what stays the same across restarts, and its current process.
    struct Node: Sendable {
        let id: Int
        let dataDirectory: String
        let kafkaPort: Int
        let rpcPort: Int
        let adminPort: Int
        /// The running process (nil after kill9/stop/shutdown, until restart).
        var process: TerndProcess?
        /// Stopped with SIGSTOP.
        var paused = false
        /// Earlier processes of this node (their logs stay readable).
        var earlier: [TerndProcess] = []
    }

    /// The node ids, 1...n.
    let ids: [Int]
    /// The `--seeds` value every node gets.
    let seeds: String
    /// The arguments every node gets after the listener and seed flags.
    let arguments: [String]
    private let nodes: Mutex<[Node]>

    private init(nodes: [Node], seeds: String, arguments: [String]) {
        self.ids = nodes.map(\.id)
        self.seeds = seeds
        self.arguments = arguments
        self.nodes = Mutex(nodes)
    }

    /// Picks 3 free ports per node, starts `nodes` `ternd` processes with
    /// `--node-id N --data-dir D --listener 127.0.0.1:K --rpc-listener 127.0.0.1:R
    /// --admin-listener 127.0.0.1:A --seeds 1@127.0.0.1:R1,... --default-replication-factor
    /// min(3, nodes)` plus `extraArguments`, all before waiting (up to `readySeconds` each) for
    /// their ready lines. On failure every process started is killed and the error carries the
    /// logs.
    static func start(nodes count: Int = 3, extraArguments: [String] = [], readySeconds: Double = 120) async throws
        -> TernCluster
    {
        precondition(count >= 1, "a cluster has at least one node")
        _ = sigpipeIgnored
        let ports = try pickFreePorts(count * 3)
        var members: [Node] = []
        for index in 0..<count {
            members.append(
                Node(
                    id: index + 1, dataDirectory: try temporaryDirectory("ternd-cluster-node\(index + 1)"),
                    kafkaPort: ports[3 * index], rpcPort: ports[3 * index + 1], adminPort: ports[3 * index + 2]))
        }
        let seeds = members.map { "\($0.id)@127.0.0.1:\($0.rpcPort)" }.joined(separator: ",")
        let arguments = ["--default-replication-factor", "\(min(3, count))"] + extraArguments
        var launches: [TerndLaunch] = []
        do {
            for member in members {
                launches.append(
                    try TerndLaunch.launch(
                        dataDirectory: member.dataDirectory, nodeID: member.id, port: member.kafkaPort,
                        rpcPort: member.rpcPort, adminPort: member.adminPort, seeds: seeds, extraArguments: arguments))
            }
            for (index, launch) in launches.enumerated() {
                members[index].process = try await launch.waitForReady(seconds: readySeconds)
            }
        } catch {
            for launch in launches { try? await launch.kill9() }
            let logs = launches.map { "--- node \($0.nodeID) log (\($0.logPath)) ---\n\($0.log.suffix(3000))" }
            throw HarnessError(
                "the cluster did not start (seeds \(seeds)): \(error)\n\(logs.joined(separator: "\n"))")
        }
        return TernCluster(nodes: members, seeds: seeds, arguments: arguments)
    }

    // MARK: Nodes

    /// The node `id` (its fixed ports and data directory, and its process if it runs).
    func info(_ id: Int) throws -> Node {
        try nodes.withLock { nodes in
            guard id >= 1, id <= nodes.count else { throw HarnessError("no node \(id) in a cluster of \(nodes.count)") }
            return nodes[id - 1]
        }
    }

    /// The running process of node `id`; throws if it is down.
    func node(_ id: Int) throws -> TerndProcess {
        guard let process = try info(id).process, process.isRunning else {
            throw HarnessError("node \(id) is not running")
        }
        return process
    }

    /// The data directory of node `id` (the same across restarts).
    func dataDirectory(_ id: Int) throws -> String { try info(id).dataDirectory }

    /// `127.0.0.1:PORT` of node `id`'s Kafka listener (fixed across restarts).
    func kafkaAddress(_ id: Int) throws -> String { "127.0.0.1:\(try info(id).kafkaPort)" }

    /// Nodes whose process runs and is not paused.
    var liveIDs: [Int] {
        nodes.withLock { nodes in
            nodes.filter { ($0.process?.isRunning ?? false) && !$0.paused }.map(\.id)
        }
    }

    /// Nodes whose process runs (paused or not).
    var runningIDs: [Int] {
        nodes.withLock { nodes in nodes.filter { $0.process?.isRunning ?? false }.map(\.id) }
    }

    /// The node ids other than `excluded`.
    func otherIDs(than excluded: Int...) -> [Int] { ids.filter { !excluded.contains($0) } }

    /// Kafka addresses of the live nodes, comma-separated (for a client started now).
    var bootstrap: String {
        let live = Set(liveIDs)
        return nodes.withLock { nodes in
            nodes.filter { live.contains($0.id) }.map { "127.0.0.1:\($0.kafkaPort)" }.joined(separator: ",")
        }
    }

    /// Kafka addresses of every node, down or not (ports are fixed, so a long-running client can
    /// reach a node that comes back).
    var allBootstrap: String {
        nodes.withLock { nodes in nodes.map { "127.0.0.1:\($0.kafkaPort)" }.joined(separator: ",") }
    }

    /// SIGKILL node `id` (also when paused) and waits for the exit.
    func kill9(_ id: Int) async throws {
        let process = try node(id)
        try await process.kill9()
        retire(id, process)
    }

    /// SIGTERM node `id` (continued first if paused), waits up to 60 s; its exit status (-1:
    /// killed after the deadline).
    @discardableResult
    func stop(_ id: Int) async throws -> Int32 {
        let process = try node(id)
        let status = try await process.stop()
        retire(id, process)
        return status
    }

    /// Starts node `id` again: the same data directory, ports, seeds and arguments; waits for
    /// its ready line (which needs a controller quorum with the nodes that run).
    @discardableResult
    func restart(_ id: Int, readySeconds: Double = 120) async throws -> TerndProcess {
        let member = try info(id)
        if let running = member.process, running.isRunning {
            throw HarnessError("node \(id) still runs (pid \(running.pid)); kill or stop it first")
        }
        let process = try await TerndProcess.start(
            dataDirectory: member.dataDirectory, nodeID: id, port: member.kafkaPort, rpcPort: member.rpcPort,
            adminPort: member.adminPort, seeds: seeds, extraArguments: arguments, readySeconds: readySeconds)
        nodes.withLock { nodes in
            if let old = nodes[id - 1].process { nodes[id - 1].earlier.append(old) }
            nodes[id - 1].process = process
            nodes[id - 1].paused = false
        }
        return process
    }

    /// Starts the nodes `ids` again together, as `restart(_:)` does one: every one is launched
    /// before any ready line is awaited (a node prints it only once a controller quorum exists,
    /// so after a full stop one node alone would never become ready). On failure every process
    /// launched here is killed and the error carries their logs.
    func restart(_ ids: [Int], readySeconds: Double = 120) async throws {
        var launches: [TerndLaunch] = []
        do {
            for id in ids {
                let member = try info(id)
                if let running = member.process, running.isRunning {
                    throw HarnessError("node \(id) still runs (pid \(running.pid)); kill or stop it first")
                }
                launches.append(
                    try TerndLaunch.launch(
                        dataDirectory: member.dataDirectory, nodeID: id, port: member.kafkaPort,
                        rpcPort: member.rpcPort, adminPort: member.adminPort, seeds: seeds, extraArguments: arguments))
            }
            var processes: [TerndProcess] = []
            for launch in launches { processes.append(try await launch.waitForReady(seconds: readySeconds)) }
            nodes.withLock { nodes in
                for process in processes {
                    let index = process.nodeID - 1
                    if let old = nodes[index].process { nodes[index].earlier.append(old) }
                    nodes[index].process = process
                    nodes[index].paused = false
                }
            }
        } catch {
            for launch in launches { try? await launch.kill9() }
            let logs = launches.map { "--- node \($0.nodeID) log (\($0.logPath)) ---\n\($0.log.suffix(3000))" }
            throw HarnessError("nodes \(ids) did not start again: \(error)\n\(logs.joined(separator: "\n"))")
        }
    }

    /// SIGSTOP node `id`: it freezes with its sockets open (a stalled machine).
    func pause(_ id: Int) throws {
        let process = try node(id)
        process.pause()
        nodes.withLock { $0[id - 1].paused = true }
    }

    /// SIGCONT node `id` after `pause`.
    func resume(_ id: Int) throws {
        let process = try node(id)
        process.resume()
        nodes.withLock { $0[id - 1].paused = false }
    }

    /// Whether node `id` is paused.
    func isPaused(_ id: Int) -> Bool { (try? info(id).paused) ?? false }

    /// SIGTERM to every running node (paused ones are continued), then waits for each (SIGKILL
    /// after 60 s). Returns the exit status of each node that was running (-1: killed).
    @discardableResult
    func shutdown() async -> [Int: Int32] {
        let running = nodes.withLock { nodes in nodes.compactMap { $0.process }.filter { $0.isRunning } }
        for process in running {
            kill(process.pid, SIGTERM)
            kill(process.pid, SIGCONT)
        }
        var statuses: [Int: Int32] = [:]
        for process in running {
            statuses[process.nodeID] = (try? await process.stop()) ?? -1
            retire(process.nodeID, process)
        }
        return statuses
    }

    /// Records that `process` of node `id` ended.
    private func retire(_ id: Int, _ process: TerndProcess) {
        nodes.withLock { nodes in
            guard nodes[id - 1].process === process else { return }
            nodes[id - 1].earlier.append(process)
            nodes[id - 1].process = nil
            nodes[id - 1].paused = false
        }
    }

    /// The tail of every node's log (the current process and earlier ones), for failure messages.
    func logs(tail: Int = 3000) -> String {
        let snapshot = nodes.withLock { $0 }
        var parts: [String] = []
        for member in snapshot {
            let processes = member.earlier + (member.process.map { [$0] } ?? [])
            for process in processes {
                let state = process.isRunning ? (member.paused ? "paused" : "running") : "exited \(process.exitStatus ?? -1)"
                parts.append(
                    "--- node \(member.id) pid \(process.pid) (\(state)), log \(process.logPath), data \(member.dataDirectory) ---\n"
                        + String(process.log.suffix(tail)))
            }
        }
        return parts.joined(separator: "\n")
    }

    // MARK: Status

    /// `GET http://127.0.0.1:ADMIN/v1/cluster` of node `id`, decoded.
    func clusterStatus(from id: Int, timeoutSeconds: Int = 5) async throws -> ClusterStatus {
        let port = try info(id).adminPort
        let response = try await httpGet(port: port, path: "/v1/cluster", timeoutSeconds: timeoutSeconds)
        let text = String(decoding: response.body, as: UTF8.self)
        guard response.status == 200 else {
            throw HarnessError("GET /v1/cluster on node \(id): HTTP \(response.status): \(text.prefix(500))")
        }
        do {
            return try JSONDecoder().decode(ClusterStatus.self, from: response.body)
        } catch {
            throw HarnessError("/v1/cluster of node \(id) does not decode: \(error)\n\(text.prefix(2000))")
        }
    }

    /// The statuses of the live nodes that answered.
    func liveStatuses() async -> [Int: ClusterStatus] {
        var statuses: [Int: ClusterStatus] = [:]
        for id in liveIDs {
            if let status = try? await clusterStatus(from: id) { statuses[id] = status }
        }
        return statuses
    }

    /// Who leads `topic`-`partition` according to the live nodes: among the nodes that claim it
    /// (`local.role == "leader"`; after a pause two may), the one with the highest epoch in the
    /// caches, then the one most caches name; with no claimant, the caches' answer ranked alike
    /// (it may name a dead node). Nil when no live node knows a leader.
    func leader(of topic: String, partition: Int) async -> PartitionLeader? {
        Self.resolveLeader(topic: topic, partition: partition, statuses: await liveStatuses())
    }

    /// `leader(of:partition:)` from given statuses.
    static func resolveLeader(topic: String, partition: Int, statuses: [Int: ClusterStatus]) -> PartitionLeader? {
        var votes: [Int: Int] = [:]
        var epochs: [Int: Int] = [:]
        var claimants: Set<Int> = []
        for (id, status) in statuses {
            guard let entry = status.partition(topic, partition) else { continue }
            if let leader = entry.leader {
                votes[leader, default: 0] += 1
                epochs[leader] = max(epochs[leader] ?? -1, entry.epoch ?? -1)
            }
            if entry.local?.role == "leader" { claimants.insert(id) }
        }
        let candidates = claimants.isEmpty ? Set(votes.keys) : claimants
        let ranked = candidates.map { node in
            PartitionLeader(
                node: node, epoch: epochs[node] ?? -1, claimed: claimants.contains(node), votes: votes[node] ?? 0)
        }.sorted { ($0.epoch, $0.votes, -$0.node) > ($1.epoch, $1.votes, -$1.node) }
        return ranked.first
    }

    /// The leader of `topic`-`partition` once a live node claims it and every live node's
    /// cache names it (up to `seconds`).
    func currentLeader(topic: String, partition: Int, seconds: Double = 60) async throws -> PartitionLeader {
        try await poll("a leader of \(topic)-\(partition) that every live node names", seconds: seconds) {
            () async -> PartitionLeader? in
            let statuses = await self.liveStatuses()
            guard statuses.count == self.liveIDs.count,
                let leader = Self.resolveLeader(topic: topic, partition: partition, statuses: statuses),
                leader.claimed, leader.votes == statuses.count
            else { return nil }
            return leader
        }
    }

    /// Waits (up to `seconds`) until every live node's cache has `topic` with `partitions`
    /// partitions, each with a leader that is a live node, and every such leader claims it.
    func waitForLeaders(topic: String, partitions: Int, seconds: Double = 120) async throws {
        _ = try await poll("leaders of every partition of \(topic) (\(partitions)) on every live node", seconds: seconds) {
            () async -> Bool? in
            let live = self.liveIDs
            let statuses = await self.liveStatuses()
            guard statuses.count == live.count else { return nil }
            for status in statuses.values {
                let entries = status.entries(of: topic)
                guard entries.count == partitions else { return nil }
                for (_, entry) in entries {
                    guard let leader = entry.leader, live.contains(leader) else { return nil }
                }
            }
            for partition in 0..<partitions {
                guard let leader = Self.resolveLeader(topic: topic, partition: partition, statuses: statuses),
                    leader.claimed
                else { return nil }
            }
            return true
        }
    }

    /// Waits (up to `seconds`) for a leader of `topic`-`partition` other than `old`: a live node
    /// that claims it and that every live node's cache names. Returns it (its epoch from the
    /// caches).
    func waitForNewLeader(topic: String, partition: Int, notEqual old: Int, seconds: Double = 120) async throws
        -> PartitionLeader
    {
        try await poll("a new leader of \(topic)-\(partition) (not node \(old))", seconds: seconds) {
            () async -> PartitionLeader? in
            let statuses = await self.liveStatuses()
            guard statuses.count == self.liveIDs.count,
                let leader = Self.resolveLeader(topic: topic, partition: partition, statuses: statuses),
                leader.node != old, leader.claimed, leader.votes == statuses.count
            else { return nil }
            return leader
        }
    }

    /// The controller leader every live node names (up to `seconds`).
    func controllerLeader(seconds: Double = 60) async throws -> Int {
        try await poll("a controller leader every live node names", seconds: seconds) {
            () async -> Int? in
            let statuses = await self.liveStatuses()
            guard statuses.count == self.liveIDs.count, !statuses.isEmpty else { return nil }
            let leaders = Set(statuses.values.map { $0.controller.leader })
            guard leaders.count == 1, let only = leaders.first, let leader = only, self.liveIDs.contains(leader) else {
                return nil
            }
            return leader
        }
    }

    /// Waits (up to `seconds`) until every node runs, is live, and reports the same
    /// `local.highWatermark` for `topic`-`partition`; returns it.
    func waitForEqualHighWatermarks(topic: String, partition: Int, seconds: Double = 120) async throws -> Int {
        try await poll("the same high watermark of \(topic)-\(partition) on every node", seconds: seconds) {
            () async -> Int? in
            guard self.liveIDs.count == self.ids.count else { return nil }
            let statuses = await self.liveStatuses()
            guard statuses.count == self.ids.count else { return nil }
            let marks = statuses.values.compactMap { $0.partition(topic, partition)?.local?.highWatermark }
            guard marks.count == self.ids.count, let first = marks.first, marks.allSatisfy({ $0 == first }), first > 0
            else { return nil }
            return first
        }
    }

    /// Polls `attempt` (every `interval`) until it returns a value or `seconds` pass; then
    /// throws, naming `what` and the cluster's state.
    func poll<Value>(
        _ what: String, seconds: Double, interval: Duration = .milliseconds(100),
        _ attempt: () async throws -> Value?
    ) async throws -> Value {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let value = try await attempt() { return value }
            if Date() >= deadline { break }
            try await Task.sleep(for: interval)
        }
        let state = await describe()
        throw HarnessError("timed out after \(seconds) s waiting for \(what); the cluster:\n\(state)")
    }

    /// Every node's state and, for the live ones, their `/v1/cluster` (internal topics left
    /// out), one line per partition, for failure messages.
    func describe() async -> String {
        let live = Set(liveIDs)
        let running = Set(runningIDs)
        var lines: [String] = []
        for id in ids {
            guard live.contains(id) else {
                lines.append("node \(id): \(running.contains(id) ? "paused" : "down")")
                continue
            }
            do {
                let status = try await clusterStatus(from: id)
                let brokers = status.brokers.map { "\($0.id)\(($0.alive ?? true) ? "" : "(dead)")" }
                lines.append(
                    "node \(id): cluster \(status.cluster ?? "nil"), controller leader "
                        + "\(status.controller.leader.map { String($0) } ?? "nil") epoch \(status.controller.epoch ?? -1) "
                        + "version \(status.controller.version ?? -1), brokers \(brokers)")
                for entry in status.partitions where !entry.topic.hasPrefix("__") {
                    var line =
                        "  \(entry.topic)-\(entry.partition) replicas \(entry.replicas) leader "
                        + "\(entry.leader.map { String($0) } ?? "nil") epoch \(entry.epoch ?? -1)"
                    if let local = entry.local {
                        line += " local \(local.role) hw \(local.highWatermark) end \(local.logEnd ?? -1)"
                        if let inSync = local.inSync { line += " inSync \(inSync)" }
                    }
                    lines.append(line)
                }
            } catch {
                lines.append("node \(id): \(error)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

// MARK: - Sockets

/// SIGPIPE ignored once for the test process (a write to a node that just died must fail with
/// EPIPE, not end the process).
private let sigpipeIgnored: Bool = {
    #if canImport(Glibc)
    _ = Glibc.signal(SIGPIPE, SIG_IGN)
    #elseif canImport(Darwin)
    _ = Darwin.signal(SIGPIPE, SIG_IGN)
    #endif
    return true
}()

private func streamSocketType() -> Int32 {
    #if canImport(Glibc)
    return Int32(SOCK_STREAM.rawValue)
    #else
    return SOCK_STREAM
    #endif
}

private func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    #if canImport(Darwin)
    address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
    #endif
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return address
}

/// The local ephemeral port range (`/proc/sys/net/ipv4/ip_local_port_range`), 32768...60999 if
/// unreadable.
private func ephemeralPortRange() -> ClosedRange<Int> {
    let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
    let numbers = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
    guard numbers.count == 2, numbers[0] <= numbers[1] else { return 32768...60999 }
    return numbers[0]...numbers[1]
}

/// Whether a TCP socket can bind 127.0.0.1:`port` right now.
private func canBind(_ port: Int) -> Bool {
    let descriptor = socket(AF_INET, streamSocketType(), 0)
    guard descriptor >= 0 else { return false }
    defer { _ = close(descriptor) }
    let address = loopbackAddress(port: port)
    let result = withUnsafePointer(to: address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    return result == 0
}

/// `count` distinct ports free on 127.0.0.1 now, below the ephemeral range: a port the kernel
/// hands out for outgoing connections could be taken by a client's socket while its node is
/// down and then block the node's restart on the same port.
func pickFreePorts(_ count: Int) throws -> [Int] {
    let ephemeral = ephemeralPortRange()
    let upper = min(ephemeral.lowerBound - 1, 32767)
    let lower = 20000
    guard upper - lower > count * 10 else { throw HarnessError("no port range below \(ephemeral) to pick from") }
    var ports: [Int] = []
    // Bounded: each attempt probes one random port; free ports are plentiful.
    for _ in 0..<(count * 200) where ports.count < count {
        let candidate = Int.random(in: lower...upper)
        if !ports.contains(candidate), canBind(candidate) { ports.append(candidate) }
    }
    guard ports.count == count else { throw HarnessError("found only \(ports.count) of \(count) free ports") }
    return ports
}

/// An HTTP answer.
struct HTTPResponse: Sendable {
    var status: Int
    var body: Data
}

/// `GET http://127.0.0.1:PORT/path` (HTTP/1.0: the server closes after the answer), on a
/// Dispatch thread so that the blocking socket calls never hold a Swift concurrency thread.
func httpGet(port: Int, path: String, timeoutSeconds: Int = 5) async throws -> HTTPResponse {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
        DispatchQueue.global().async {
            do {
                continuation.resume(returning: try blockingHTTPGet(port: port, path: path, timeoutSeconds: timeoutSeconds))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}

private func blockingHTTPGet(port: Int, path: String, timeoutSeconds: Int) throws -> HTTPResponse {
    _ = sigpipeIgnored
    let deadline = Date().addingTimeInterval(Double(timeoutSeconds))
    let descriptor = socket(AF_INET, streamSocketType(), 0)
    guard descriptor >= 0 else { throw HarnessError("socket(): errno \(errno)") }
    defer { _ = close(descriptor) }
    let address = loopbackAddress(port: port)
    let connected = withUnsafePointer(to: address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw HarnessError("connect to 127.0.0.1:\(port): errno \(errno)") }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8)
    var sent = 0
    while sent < request.count {
        let written = request.withUnsafeBytes { bytes in
            write(descriptor, bytes.baseAddress! + sent, bytes.count - sent)
        }
        if written < 0 {
            if errno == EINTR { continue }
            throw HarnessError("write to 127.0.0.1:\(port): errno \(errno)")
        }
        sent += written
    }
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        if let response = parseHTTPResponse(received, atEnd: false) { return response }
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0 else {
            throw HarnessError("GET \(path) on 127.0.0.1:\(port): no complete answer within \(timeoutSeconds) s")
        }
        var descriptorPoll = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptorPoll, 1, Int32(max(1, min(remaining * 1000, 60_000))))
        if ready < 0 {
            if errno == EINTR { continue }
            throw HarnessError("poll on 127.0.0.1:\(port): errno \(errno)")
        }
        if ready == 0 { continue }
        let count = chunk.withUnsafeMutableBytes { bytes in read(descriptor, bytes.baseAddress, bytes.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw HarnessError("read from 127.0.0.1:\(port): errno \(errno)")
        }
        if count == 0 {
            if let response = parseHTTPResponse(received, atEnd: true) { return response }
            throw HarnessError("GET \(path) on 127.0.0.1:\(port): connection closed after \(received.count) bytes")
        }
        received.append(contentsOf: chunk[0..<count])
    }
}

/// The answer in `bytes` once complete (its Content-Length reached, or the connection closed).
private func parseHTTPResponse(_ bytes: [UInt8], atEnd: Bool) -> HTTPResponse? {
    let separator: [UInt8] = [13, 10, 13, 10]
    guard bytes.count >= separator.count,
        let headerEnd = (0...(bytes.count - separator.count)).first(where: {
            bytes[$0..<($0 + separator.count)].elementsEqual(separator)
        })
    else { return nil }
    let head = String(decoding: bytes[0..<headerEnd], as: UTF8.self)
    let lines = head.components(separatedBy: "\r\n")
    let statusFields = lines.first?.split(separator: " ") ?? []
    guard statusFields.count >= 2, let status = Int(statusFields[1]) else { return nil }
    let body = Array(bytes[(headerEnd + separator.count)...])
    let length = lines.dropFirst().compactMap { line -> Int? in
        let parts = line.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
        return Int(parts[1].trimmingCharacters(in: .whitespaces))
    }.first
    if let length {
        return body.count >= length ? HTTPResponse(status: status, body: Data(body.prefix(length))) : nil
    }
    return atEnd ? HTTPResponse(status: status, body: Data(body)) : nil
}
