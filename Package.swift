// swift-tools-version: 6.2
// SealRelay runs on Linux (Debian 12); no other platform is built or tested.
import PackageDescription

/// Upcoming language features that catch mistakes early, on for every target of ours.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Executables have no public API, so every import can be internal.
let strictExecutable: [SwiftSetting] = strict + [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "SealRelay",
    products: [
        .executable(name: "seal", targets: ["seal"]),
        .executable(name: "sealrelayd", targets: ["sealrelayd"]),
        .library(name: "SealCore", targets: ["SealCore"]),
        .library(name: "SealAPI", targets: ["SealAPI"]),
        .library(name: "SealScrub", targets: ["SealScrub"]),
        // The daemon as a library, for the fuzz harnesses in Fuzz/ (the name differs from
        // the package's so SwiftPM does not confuse the two).
        .library(name: "SealRelayLibrary", targets: ["SealRelay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // C shims.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CQPDF", pkgConfig: "libqpdf", providers: [.apt(["libqpdf-dev"])]),
        .systemLibrary(name: "CFileSync"),
        .target(name: "CTLSHardening"),

        // The format and the keys: pure, no network, no process state.
        .target(
            name: "SealCore",
            dependencies: ["CSodium", "CFileSync", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Codename/Wordlists")],
            swiftSettings: strict
        ),
        // Metadata removal; linked by `seal` only, never by the daemon.
        .target(
            name: "SealScrub",
            dependencies: [
                "SealCore", "CQPDF",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strict
        ),
        // The relay protocol as types both ends share.
        .target(
            name: "SealAPI",
            dependencies: [
                "SealCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The daemon as a library.
        .target(
            name: "SealRelay",
            dependencies: [
                "SealCore", "SealAPI", "CTLSHardening",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Relay-to-relay forwarding (the edge's upstream client).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // The PostgreSQL storage backend (docs/ARCHITECTURE.md "Storage").
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            resources: [.copy("Resources/web")],
            swiftSettings: strict
        ),
        // Exit codes and one-line errors shared by both executables.
        .target(
            name: "CommandLineExit",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "sealrelayd",
            dependencies: [
                "SealRelay", "SealCore", "CommandLineExit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictExecutable
        ),
        .executableTarget(
            name: "seal",
            dependencies: [
                "SealCore", "SealScrub", "SealAPI", "CommandLineExit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictExecutable
        ),

        // Helpers the test targets share; never part of a product.
        .target(name: "SealTestSupport", path: "Tests/SealTestSupport", swiftSettings: strict),
        .testTarget(name: "SealCoreTests", dependencies: ["SealCore", "SealTestSupport"], resources: [.copy("Vectors")],
                    swiftSettings: strict),
        .testTarget(name: "SealScrubTests", dependencies: ["SealScrub", "SealCore", "SealTestSupport"],
                    resources: [.copy("Regressions")], swiftSettings: strict),
        .testTarget(name: "SealAPITests", dependencies: ["SealAPI", "SealCore"], swiftSettings: strict),
        .testTarget(name: "CLITests", dependencies: ["SealCore"], swiftSettings: strict),
        .testTarget(
            name: "SealRelayTests",
            dependencies: [
                "SealRelay", "SealAPI", "SealCore", "SealTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
