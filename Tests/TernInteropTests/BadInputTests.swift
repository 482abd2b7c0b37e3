// Goal: hostile or malformed input never crashes or wedges `ternd`, is answered the way Kafka
// answers it (the connection closed, or the partition error code a client expects), and never
// costs an acknowledged record.
// Method: one broker with a 64 KiB request limit; Scripts/bad_input.py sends hand-built frames
// over raw sockets (framing, header, version and body garbage; invalid RecordBatches through
// Produce) while a long-lived connection keeps producing and fetching, then reads every
// acknowledged record back. The broker must still run afterwards and stop cleanly on SIGTERM.
import Foundation
import Testing

@Suite(.serialized)
struct BadInputTests {
    /// The `--request-max-bytes` the broker runs with (the script gets the same figure).
    static let requestBytesMax = 65_536

    @Test("bad input: connections closed or partition errors, the broker keeps serving, nothing acknowledged lost")
    func badInputIsRejectedAndNothingIsLost() async throws {
        let broker = try await TerndProcess.start(extraArguments: ["--request-max-bytes", "\(Self.requestBytesMax)"])
        let result: (status: Int32, output: String)
        do {
            result = try await runScript(
                "bad_input.py",
                ["--bootstrap", broker.kafkaAddress, "--request-max-bytes", "\(Self.requestBytesMax)"],
                timeoutSeconds: 600)
        } catch {
            _ = try? await broker.stop()
            throw error
        }
        let survived = broker.isRunning
        let status = try await broker.stop()
        #expect(survived, "ternd exited during bad_input.py; its log:\n\(broker.log.suffix(4000))")
        #expect(result.status == 0, "bad_input.py failed (status \(result.status)):\n\(result.output)")
        #expect(status == 0, "ternd exited with \(status) on SIGTERM; its log:\n\(broker.log.suffix(4000))")
    }
}
