// swift-tools-version: 6.2
//
// Tern: a Kafka-compatible replicated log. Module map and layering: README.md and
// ARCHITECTURE.md. Every target gets the same `sharedSwiftSettings`.
import Foundation
import PackageDescription

/// Warnings are errors wherever the environment asks for it (CI sets `CI=true`; the README's
/// test command sets `TERN_WARNINGS_AS_ERRORS=1`), so a local edit-compile loop is not blocked by
/// an unused variable while CI still refuses any warning.
let environment = ProcessInfo.processInfo.environment
let warningsAsErrors = environment["CI"] != nil || environment["TERN_WARNINGS_AS_ERRORS"] == "1"

/// One settings array for every Swift target (STYLE.md habit 10).
let sharedSwiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
] + (warningsAsErrors ? [.treatAllWarnings(as: .error)] : [])

/// The same discipline for the small C targets.
let sharedCSettings: [CSetting] = [.unsafeFlags(warningsAsErrors ? ["-Wall", "-Werror"] : ["-Wall"])]

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let collections = Target.Dependency.product(name: "DequeModule", package: "swift-collections")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioEmbedded = Target.Dependency.product(name: "NIOEmbedded", package: "swift-nio")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let histogram = Target.Dependency.product(name: "Histogram", package: "hdrhistogram-swift")

let allTargets: [Target] = [
    // Typed identifiers and limits shared by every module.
    .target(name: "TernModel", exclude: ["README.md"], swiftSettings: sharedSwiftSettings),
    // liblz4 through pkg-config (apt: liblz4-dev).
    .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
    // CRC-32C with SSE4.2 / ARMv8 CRC instructions and a portable table fallback.
    .target(name: "CCRC32C", cSettings: sharedCSettings),
    // The Kafka protocol: primitives, headers, messages, error codes, RecordBatch v2.
    .target(
        name: "TernWire",
        dependencies: ["TernModel", "CLZ4", "CCRC32C", nioCore],
        exclude: ["README.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // Segmented log storage, indexes, recovery, retention, durable state files.
    .target(
        name: "TernLog",
        dependencies: ["TernModel", "TernWire", "CCRC32C", nioCore],
        exclude: ["README.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // SwiftNIO framing and connections: the Kafka listener's connection layer and (later) the
    // inter-broker RPC.
    .target(
        name: "TernTransport",
        dependencies: ["TernModel", "TernWire", nioCore, nioPosix, logging, collections],
        exclude: ["README.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // The pure Raft core.
    .target(
        name: "TernRaft",
        dependencies: ["TernModel", collections],
        exclude: ["README.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // The multi-Raft runtime: Raft groups whose log is a TernLog partition log.
    .target(
        name: "TernReplication",
        dependencies: ["TernModel", "TernRaft", "TernLog", "TernWire", nioCore],
        exclude: ["README.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // The pure state machine of cluster metadata, applied from the controller group's log.
    .target(
        name: "TernController",
        dependencies: ["TernModel", "TernWire", nioCore],
        exclude: ["README.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // Pure state machines of consumer groups, committed offsets (`__consumer_offsets` records)
    // and (issue 7) idempotent-producer state.
    .target(
        name: "TernCoordination",
        dependencies: ["TernModel", "TernWire", nioCore],
        exclude: ["README.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // The Swift client library: connections, metadata, the producer (issue #8).
    .target(
        name: "TernClient",
        dependencies: [
            "TernModel", "TernWire", "TernTransport", logging, nioCore, nioPosix, collections, serviceLifecycle,
        ],
        exclude: ["README.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // The `tern` CLI (rpk's commands) on TernClient.
    .executableTarget(
        name: "tern",
        dependencies: ["TernClient", "TernModel", "TernWire", argumentParser, nioCore, nioPosix, logging],
        exclude: ["README.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // The benchmark engine (issue #9): produce, consume and failover runs on TernClient, their
    // JSON results and HTML reports. In bench/ beside the microbenchmarks; a target of this
    // package (not of bench/Package.swift) so its tests run with the others.
    .target(
        name: "TernBenchKit",
        dependencies: ["TernClient", "TernModel", "TernWire", nioCore, histogram, logging],
        path: "bench/Sources/TernBenchKit",
        exclude: ["README.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // `tern-bench produce|consume|failover`: figures come from release builds only.
    .executableTarget(
        name: "tern-bench",
        dependencies: ["TernBenchKit", "TernClient", "TernModel", argumentParser, nioCore],
        path: "bench/Sources/tern-bench",
        swiftSettings: sharedSwiftSettings
    ),
    // The broker: configuration, request handlers, wiring (issue #4 builds it out).
    .target(
        name: "TernBroker",
        dependencies: [
            "TernModel", "TernWire", "TernLog", "TernTransport", "TernReplication", "TernRaft", "TernController",
            "TernCoordination", logging, nioCore,
            nioPosix, serviceLifecycle, nioHTTP1, prometheus,
        ],
        exclude: ["README.md", "DESIGN.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // The broker executable: configuration, logging, lifecycle (SIGTERM/SIGINT), `Broker`.
    .executableTarget(
        name: "ternd",
        dependencies: [
            "TernBroker", "TernModel", logging, serviceLifecycle,
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ],
        exclude: ["README.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // Deterministic simulation: simulated network, disk, clock; invariant checkers.
    .target(
        name: "TernSimulation",
        dependencies: ["TernModel", "TernRaft"],
        exclude: ["README.md"],
        swiftSettings: sharedSwiftSettings
    ),
    // Replays one simulation seed.
    .executableTarget(
        name: "tern-sim",
        dependencies: ["TernSimulation", argumentParser],
        swiftSettings: sharedSwiftSettings
    ),
    .testTarget(name: "TernModelTests", dependencies: ["TernModel"], swiftSettings: sharedSwiftSettings),
    .testTarget(
        name: "TernWireTests",
        dependencies: ["TernWire", "TernModel", "CCRC32C", nioCore],
        resources: [.copy("Fixtures")],
        swiftSettings: sharedSwiftSettings
    ),
    .testTarget(
        name: "TernLogTests",
        dependencies: ["TernLog", "TernWire", "TernModel", nioCore],
        swiftSettings: sharedSwiftSettings
    ),
    .testTarget(
        name: "TernTransportTests",
        dependencies: ["TernTransport", "TernWire", "TernModel", nioCore, nioPosix, nioEmbedded, logging],
        swiftSettings: sharedSwiftSettings
    ),
    .testTarget(
        name: "TernRaftTests",
        dependencies: ["TernRaft", "TernModel"],
        resources: [.copy("Scenarios")],
        swiftSettings: sharedSwiftSettings
    ),
    .testTarget(
        name: "TernReplicationTests",
        dependencies: ["TernReplication", "TernRaft", "TernLog", "TernWire", "TernModel", nioCore],
        swiftSettings: sharedSwiftSettings
    ),
    .testTarget(
        name: "TernCoordinationTests",
        dependencies: ["TernCoordination", "TernModel", "TernWire", nioCore],
        swiftSettings: sharedSwiftSettings
    ),
    .testTarget(
        name: "TernControllerTests",
        dependencies: ["TernController", "TernModel", "TernWire", nioCore],
        swiftSettings: sharedSwiftSettings
    ),
    .testTarget(
        name: "TernBrokerTests",
        dependencies: [
            "TernBroker", "TernController", "TernModel", "TernLog", "TernTransport", "TernWire", nioCore, nioPosix, logging,
        ],
        swiftSettings: sharedSwiftSettings
    ),
    // TernClient against an in-process broker.
    .testTarget(
        name: "TernClientTests",
        dependencies: ["TernClient", "TernBroker", "TernModel", "TernWire", nioCore, nioPosix, logging, serviceLifecycle],
        swiftSettings: sharedSwiftSettings
    ),
    // Real Kafka clients (kcat, confluent-kafka, kafka-python, aiokafka) and raw sockets against
    // `ternd` processes started by the tests.
    .testTarget(
        name: "TernInteropTests",
        dependencies: ["TernLog", "TernWire", "TernModel", "TernClient", "TernBenchKit", nioCore, nioPosix],
        exclude: ["Scripts"],
        swiftSettings: sharedSwiftSettings
    ),
    .testTarget(
        name: "TernBenchTests",
        dependencies: ["TernBenchKit", "TernModel", nioCore],
        swiftSettings: sharedSwiftSettings
    ),
    .testTarget(
        name: "TernSimulationTests",
        dependencies: ["TernSimulation", "TernRaft", "TernModel"],
        swiftSettings: sharedSwiftSettings
    ),
]

/// Development aid only: `TERN_DEV_TARGETS=TernRaft,TernRaftTests swift build` limits the graph
/// to those targets (and what they depend on), so that work on one module is not blocked by an
/// unfinished edit in another. Unset (as in CI), every target is built.
@MainActor func selectedTargets() -> [Target] {
    guard let list = environment["TERN_DEV_TARGETS"], !list.isEmpty else { return allTargets }
    let byName = Dictionary(uniqueKeysWithValues: allTargets.map { ($0.name, $0) })
    var wanted = Set<String>()
    var pending = list.split(separator: ",").map { String($0) }
    while let name = pending.popLast() {
        guard wanted.insert(name).inserted, let target = byName[name] else { continue }
        for dependency in target.dependencies {
            if case .byNameItem(let depName, _) = dependency { pending.append(depName) }
            if case .targetItem(let depName, _) = dependency { pending.append(depName) }
        }
    }
    return allTargets.filter { wanted.contains($0.name) }
}

let targets = selectedTargets()
let targetNames = Set(targets.map(\.name))

/// Products with the targets they need, so a `TERN_DEV_TARGETS` selection drops what it cannot build.
let productList: [(product: Product, needs: String)] = [
    (.library(name: "TernWire", targets: ["TernWire"]), "TernWire"),
    (.library(name: "TernLog", targets: ["TernLog"]), "TernLog"),
    (.library(name: "TernTransport", targets: ["TernTransport"]), "TernTransport"),
    (.library(name: "TernRaft", targets: ["TernRaft"]), "TernRaft"),
    (.library(name: "TernSimulation", targets: ["TernSimulation"]), "TernSimulation"),
    (.library(name: "TernClient", targets: ["TernClient"]), "TernClient"),
    (.executable(name: "tern", targets: ["tern"]), "tern"),
    (.executable(name: "tern-sim", targets: ["tern-sim"]), "tern-sim"),
    (.executable(name: "tern-bench", targets: ["tern-bench"]), "tern-bench"),
    (.executable(name: "ternd", targets: ["ternd"]), "ternd"),
]

let package = Package(
    name: "Tern",
    platforms: [.macOS(.v15)],
    products: productList.filter { targetNames.contains($0.needs) }.map(\.product),
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: targets
)
