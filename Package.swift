// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "newswired",
    products: [
        .executable(name: "newswired", targets: ["newswired"]),
        // For the fuzz package in Fuzz/ (its own Package.swift, so libFuzzer's main never meets ours).
        .library(name: "NewswireCore", targets: ["NewswireCore"]),
        // scripts/bench-parse
        .executable(name: "newswired-bench", targets: ["newswired-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // C libraries, each behind a module map and a shim of typed static inline wrappers.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // The pipeline, one folder per stage (see docs/ARCHITECTURE.md).
        .target(
            name: "NewswireCore",
            dependencies: [
                "CCurl", "CLibXML2", "CSQLite", "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "newswired",
            dependencies: [
                "NewswireCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // In-process parse benchmark (scripts/bench-parse builds it in release). One small file: it costs a
        // normal debug build next to nothing.
        .executableTarget(name: "newswired-bench", dependencies: ["NewswireCore"], path: "Benchmarks/ParseBench"),

        // A small programmable HTTP/1.1 server for integration tests (real sockets on 127.0.0.1).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "NewswireCoreTests", dependencies: ["NewswireCore"]),
        .testTarget(name: "IntegrationTests", dependencies: ["NewswireCore", "TestSupport"],
                    exclude: ["Fixtures", "README.md"]),
    ]
)
