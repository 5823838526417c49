// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-resumable-tls",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "ResumableTLS", targets: ["ResumableTLS"]),
        .library(name: "NIOResumableTLS", targets: ["NIOResumableTLS"]),
        .library(name: "ResumableTLSRedis", targets: ["ResumableTLSRedis"]),
        .executable(name: "rtls", targets: ["rtls"]),
        .executable(name: "rtls-allocations", targets: ["rtls-allocations"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", exact: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        // `rtls server --metrics` only (a Prometheus text endpoint); the libraries export through
        // swift-metrics and never depend on it.
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        // Counts allocations for `rtls-allocations` only (it replaces malloc in the process that links it).
        .package(url: "https://github.com/ordo-one/malloc-interposer", exact: "1.6.1"),
        // Plugin only (`swift package generate-documentation`, scripts/docs.sh); no target depends on it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", exact: "1.5.0"),
    ],
    targets: [
        .target(
            name: "ResumableTLS",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "NIOResumableTLS",
            dependencies: [
                "ResumableTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // A Redis (RESP2) client over ResumableTLS.
        .target(
            name: "ResumableTLSRedis",
            dependencies: [
                "ResumableTLS",
                "NIOResumableTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // The workloads of `rtls bench` and `rtls-allocations` (issue 7).
        .target(name: "RTLSBenchmarks", dependencies: ["ResumableTLS", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "rtls",
            dependencies: [
                "ResumableTLS",
                "NIOResumableTLS",
                "ResumableTLSRedis",
                "RTLSBenchmarks",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The same workloads with every malloc counted: allocations per handshake, record and
        // cache operation. A separate executable so that `rtls` itself keeps the plain allocator.
        .executableTarget(
            name: "rtls-allocations",
            dependencies: [
                "RTLSBenchmarks",
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer targets: a plain `swift build` gives a stub; `scripts/fuzz.sh` builds them
        // with `-sanitize=fuzzer,address -DFUZZING`.
        .executableTarget(name: "FuzzRecordLayer", dependencies: ["ResumableTLS"], path: "Fuzz/FuzzRecordLayer"),
        .executableTarget(name: "FuzzHandshakeMessages", dependencies: ["ResumableTLS"], path: "Fuzz/FuzzHandshakeMessages"),
        .executableTarget(name: "FuzzExtensions", dependencies: ["ResumableTLS"], path: "Fuzz/FuzzExtensions"),
        .executableTarget(name: "FuzzSessionDecoder", dependencies: ["ResumableTLS"], path: "Fuzz/FuzzSessionDecoder"),
        .executableTarget(name: "FuzzTLS12Messages", dependencies: ["ResumableTLS"], path: "Fuzz/FuzzTLS12Messages"),
        .testTarget(
            name: "ResumableTLSTests",
            dependencies: [
                "ResumableTLS",
                // HostileClientHello: the ClientHellos the M1 benchmark times, asserted here.
                "RTLSBenchmarks",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            resources: [.copy("Vectors"), .copy("Fixtures")]
        ),
        .testTarget(
            name: "NIOResumableTLSTests",
            dependencies: [
                "ResumableTLS",
                "NIOResumableTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ResumableTLSRedisTests",
            dependencies: [
                "ResumableTLSRedis",
                "ResumableTLS",
                "NIOResumableTLS",
                // The in-memory handshake pump that rtls bench-fleet uses too.
                "RTLSBenchmarks",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // Runs the built `rtls` executable (the dependency makes sure it is built first) and
        // the README's library example.
        .testTarget(
            name: "RTLSTests",
            dependencies: [
                "rtls",
                "ResumableTLS",
                "NIOResumableTLS",
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
