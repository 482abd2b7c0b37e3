// Helpers the interop suites that run three-node clusters and Python scripts share.
import Foundation
import Testing

/// Runs `body` with a fresh `ProcessCleanup`, which stops every process registered with it
/// afterwards, also when `body` throws.
func withProcessCleanup(_ body: (ProcessCleanup) async throws -> Void) async throws {
    let cleanup = ProcessCleanup()
    do {
        try await body(cleanup)
    } catch {
        await cleanup.run()
        throw error
    }
    await cleanup.run()
}

/// A 3-node cluster whose controller has a leader, registered with `cleanup`.
func startTestCluster(_ cleanup: ProcessCleanup, suite: String) async throws -> TernCluster {
    let cluster = try await TernCluster.start()
    cleanup.add(cluster)
    let controller = try await cluster.controllerLeader()
    print("\(suite): cluster of \(cluster.ids) up, controller leader \(controller)")
    return cluster
}

/// An error carrying `message`, the cluster's state and the tails of its logs.
func clusterFailure(_ cluster: TernCluster, _ message: String) async -> HarnessError {
    let state = await cluster.describe()
    return HarnessError("\(message)\n--- cluster state ---\n\(state)\n--- node logs (tails) ---\n\(cluster.logs(tail: 2500))")
}

/// The last line of `output` that is a JSON object, decoded as `type`.
func decodeSummary<Summary: Decodable>(_ type: Summary.Type, from output: String, script: String) throws -> Summary {
    guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
        throw HarnessError("\(script) printed no JSON summary line:\n\(output.suffix(4000))")
    }
    do {
        return try JSONDecoder().decode(Summary.self, from: Data(line.utf8))
    } catch {
        throw HarnessError("\(script)'s summary does not decode as \(Summary.self): \(error)\n\(line.prefix(4000))")
    }
}

/// SIGTERM to every running node; each must exit 0.
func shutdownTestCluster(_ cluster: TernCluster) async {
    let statuses = await cluster.shutdown()
    for (id, status) in statuses.sorted(by: { $0.key < $1.key }) {
        #expect(
            status == 0,
            "node \(id) exited with \(status) on SIGTERM (-1: still running after 60 s, killed)\n\(cluster.logs(tail: 2000))")
    }
}
