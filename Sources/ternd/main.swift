// ternd: the Tern broker. Configuration from defaults < `--config FILE` < `TERN_*` environment <
// flags (Sources/TernBroker/README.md lists every setting); logs on stderr; one line on stdout
// once the Kafka listener serves (`ternd ready node=N kafka=HOST:PORT admin=HOST:PORT cluster=ID`), which scripts
// and tests wait for; SIGTERM or SIGINT shut it down cleanly (every appended byte synced).
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import TernBroker
import TernModel

let configuration: BrokerConfiguration
do {
    configuration = try BrokerConfiguration.load()
} catch {
    FileHandle.standardError.write(Data("ternd: \(error)\n".utf8))
    exit(2)
}

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["TERN_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
    return handler
}
let logger = Logger(label: "ternd")

let service = BrokerService(
    configuration: configuration,
    clock: BrokerClock { TimestampMs(Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))) },
    seed: UInt64.random(in: .min ... .max), logger: logger
) { broker in
    let admin = broker.adminAddress.map { "\($0)" } ?? "-"
    let line = "ternd ready node=\(broker.nodeID) kafka=\(broker.advertisedAddress) admin=\(admin) cluster=\(broker.clusterID)\n"
    FileHandle.standardOutput.write(Data(line.utf8))
}
let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
do {
    try await group.run()
} catch {
    FileHandle.standardError.write(Data("ternd: \(error)\n".utf8))
    exit(1)
}
