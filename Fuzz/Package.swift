// swift-tools-version: 6.2
// libFuzzer targets for every parser a hostile sender or relay can reach (SECURITY.md,
// "Fuzzing"). A package of its own, so the normal build never carries the sanitizers:
// `make fuzz` builds it with `-sanitize=fuzzer,address` applied to SealRelay's modules too
// (scripts/fuzz.sh), which is what gives libFuzzer coverage inside them.
import PackageDescription

/// One executable per target: libFuzzer wants one entry point per binary. Each is a few
/// lines calling into FuzzTargets, where the harnesses live.
let names = [
    "EnvelopeHead", "Validator", "UploadTable", "RelayConfig", "ReportContainer", "Bundle", "KeyFile", "RequestSignature",
    "PoWToken",
    "ScrubJPEG", "ScrubPNG", "ScrubWebP", "ScrubHEIF", "ScrubMP4", "ScrubMP3", "ScrubFLAC", "ScrubOgg",
    "ScrubPDF", "ScrubOffice",
]

let package = Package(
    name: "SealRelayFuzz",
    products: names.map { .executable(name: "fuzz-\($0)", targets: ["Fuzz\($0)"]) },
    dependencies: [.package(name: "SealRelay", path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .target(
            name: "FuzzTargets",
            dependencies: [
                "CFuzzerDriver",
                .product(name: "SealCore", package: "SealRelay"),
                .product(name: "SealAPI", package: "SealRelay"),
                .product(name: "SealScrub", package: "SealRelay"),
                .product(name: "SealRelayLibrary", package: "SealRelay"),
            ]
        ),
    ] + names.map { .executableTarget(name: "Fuzz\($0)", dependencies: ["FuzzTargets"], path: "Sources/Entry/\($0)") },
    swiftLanguageModes: [.v6]
)
