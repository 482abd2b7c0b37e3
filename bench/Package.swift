// swift-tools-version: 6.2
//
// Tern's benchmarks: a separate package so `swift build`/`swift test` of the main package never
// pay for ordo-one/benchmark. Run from this folder, release builds only:
//
//     swift package --allow-writing-to-package-directory benchmark --target WireBenchmarks
//
// Speed targets live here, never in timed tests (README.md, "Benchmarks").
import PackageDescription

let benchmark = Target.Dependency.product(name: "Benchmark", package: "benchmark")
let plugin = Target.PluginUsage.plugin(name: "BenchmarkPlugin", package: "benchmark")
let settings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "TernBench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // CRC32C, LZ4 and RecordBatch encode/decode throughput.
        .executableTarget(
            name: "WireBenchmarks",
            dependencies: [benchmark, .product(name: "TernWire", package: "main")],
            path: "Benchmarks/WireBenchmarks",
            swiftSettings: settings,
            plugins: [plugin]
        ),
        // Segment log append throughput under each fsync policy.
        .executableTarget(
            name: "LogBenchmarks",
            dependencies: [benchmark, .product(name: "TernLog", package: "main"), .product(name: "TernWire", package: "main")],
            path: "Benchmarks/LogBenchmarks",
            swiftSettings: settings,
            plugins: [plugin]
        ),
        // The pure Raft core: proposals committed per second, CPU per idle group per tick.
        .executableTarget(
            name: "RaftBenchmarks",
            dependencies: [benchmark, .product(name: "TernRaft", package: "main")],
            path: "Benchmarks/RaftBenchmarks",
            swiftSettings: settings,
            plugins: [plugin]
        ),
    ]
)
