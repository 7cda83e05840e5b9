// swift-tools-version:6.0
import PackageDescription

// libbkcc.so is the `bkcc` product: the C ABI skin (BKCCExports) over the core (BKCC). The Makefile builds it
// in release mode with the static Swift stdlib; the linker flags below give it its SONAME and limit its exports
// to bkcc_* (exports.map).
let exportsMap = Context.packageDirectory + "/Sources/BKCCExports/exports.map"

let package = Package(
    name: "bkcc",
    products: [
        .library(name: "BKCC", targets: ["BKCC"]),
        .library(name: "bkcc", type: .dynamic, targets: ["BKCCExports"]),
        .executable(name: "bkcc-cli", targets: ["bkcc-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CJansson", pkgConfig: "jansson", providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // The CLI's .xlsx reader: libzip opens the workbook (random access, by descriptor), expat streams its XML.
        .systemLibrary(name: "CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
        .systemLibrary(name: "CExpat", pkgConfig: "expat", providers: [.apt(["libexpat1-dev"])]),
        // xxHash's XXH3, header only (inlined: nothing linked): the hash of a row's strings (`ValueDigest`).
        .systemLibrary(name: "CXXHash", providers: [.apt(["libxxhash-dev"])]),
        // The JSON string scan's sixteen-bytes-at-a-time test (SSE2), header only.
        .systemLibrary(name: "CByteScan"),
        // include/bkcc.h seen from Swift, so that the exports are checked against the header at compile time.
        .systemLibrary(name: "CBKCCHeader"),
        .target(name: "BKCC", dependencies: ["CJansson", "CCurl", "CXXHash", "CByteScan"]),
        .target(
            name: "BKCCExports",
            dependencies: ["BKCC", "CJansson", "CBKCCHeader"],
            exclude: ["exports.map"],
            linkerSettings: [
                .unsafeFlags(["-use-ld=lld", "-Xlinker", "-soname=libbkcc.so.0", "-Xlinker", "--version-script=\(exportsMap)"]),
            ]
        ),
        // Helpers every Swift test suite shares: the emulator launcher, fixtures, error capture.
        .target(name: "BKCCTestSupport", dependencies: ["BKCC"], path: "Tests/BKCCTestSupport"),
        .testTarget(name: "BKCCTests", dependencies: ["BKCC", "BKCCTestSupport", "CJansson"]),
        // The command-line tool: everything testable in BKCCCLI, argument parsing only in bkcc-cli.
        .target(name: "BKCCCLI", dependencies: ["BKCC", "CJansson", "CCurl", "CZip", "CExpat"]),
        .executableTarget(
            name: "bkcc-cli",
            dependencies: ["BKCCCLI", "BKCC", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            // lld, as for the library: gold prints glibc's "the use of `mktemp' is dangerous" for the static
            // Foundation that swift-argument-parser brings, on every link (lld does not).
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
        ),
        .testTarget(name: "BKCCCLITests", dependencies: ["BKCCCLI", "BKCC", "BKCCTestSupport", "CJansson"], exclude: ["Fixtures"]),
    ]
)
