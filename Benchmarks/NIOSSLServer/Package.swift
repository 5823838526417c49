// swift-tools-version: 6.1
// A swift-nio-ssl HTTPS server, one of the peers `scripts/compare-servers.sh` measures ours against
// (issue 17). Its own package: the root package does not depend on it, and `swift build` in the
// repository root ignores this folder.
import PackageDescription

let package = Package(
    name: "NIOSSLServer",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
    ],
    targets: [
        // Bind, print ACCEPT, serve until SIGTERM/SIGINT: shared by the two servers.
        .target(
            name: "BenchServerLifecycle",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "nio-ssl-server",
            dependencies: [
                "BenchServerLifecycle",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // SwiftNIO alone per connection (no TLS, no HTTP): the floor under the NIO servers.
        .executableTarget(
            name: "nio-tcp-floor",
            dependencies: [
                "BenchServerLifecycle",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
