// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "SealRelay",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "seal", targets: ["seal"]),
        .library(name: "SealCore", targets: ["SealCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .target(
            name: "SealCore",
            dependencies: [
                "CSodium",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Codename/Wordlists")]
        ),
        .executableTarget(
            name: "seal",
            dependencies: [
                "SealCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SealCoreTests",
            dependencies: ["SealCore"],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["SealCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
