// swift-tools-version:6.1
import PackageDescription

// Arrows point one way: creatormatch → MatchService → {MatchStore, MatchInterchange, MatchKernels, MatchProtocol} → MatchCore.
// MatchCore depends on nothing; MatchKernels is the only importer of CBLAS and of CMatchScan (its SIMD scan).
let package = Package(
    name: "CreatorMatch",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "creatormatch", targets: ["creatormatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Test targets only: property-based tests (generators and shrinking over Swift Testing).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "MatchCore"),
        .target(name: "CMatchScan"),
        .target(name: "MatchKernels", dependencies: ["CBLAS", "CMatchScan", "MatchCore"]),
        .target(name: "MatchInterchange", dependencies: ["MatchCore"]),
        .target(name: "MatchProtocol", dependencies: ["MatchCore"]),
        .target(
            name: "MatchStore",
            dependencies: [
                "MatchCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "MatchService",
            dependencies: [
                "MatchCore", "MatchKernels", "MatchInterchange", "MatchStore", "MatchProtocol",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "creatormatch",
            dependencies: [
                "MatchService", "MatchCore", "MatchKernels", "MatchProtocol", "MatchInterchange",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "creatormatch-bench",
            dependencies: ["MatchKernels", "MatchCore"]
        ),
        // Fuzz targets for every reader of outside bytes. An ordinary build replays the committed corpus
        // (Tests/Fuzz/Corpus); Scripts/fuzz.sh builds it with libFuzzer and ASan and fuzzes.
        .executableTarget(
            name: "creatormatch-fuzz",
            dependencies: ["MatchCore", "MatchInterchange", "MatchProtocol", "MatchService"]
        ),
        .testTarget(
            name: "MatchCoreTests",
            dependencies: ["MatchCore", "MatchInterchange", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "MatchKernelsTests", dependencies: ["MatchKernels", "MatchCore"]),
        .testTarget(name: "MatchInterchangeTests", dependencies: ["MatchInterchange", "MatchCore"]),
        .testTarget(name: "MatchStoreTests", dependencies: ["MatchStore", "MatchCore"]),
        .testTarget(
            name: "MatchServiceTests",
            dependencies: ["MatchService", "MatchStore", "MatchCore", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "CreatorMatchCLITests",
            dependencies: ["creatormatch", "MatchStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ]
)
