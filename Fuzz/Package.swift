// swift-tools-version:6.0
// The parser's libFuzzer targets, in a package of its own: libFuzzer brings its own `main`, which would
// clash with the daemon's if the targets lived in the main package (whose plain `swift build` does not
// link libFuzzer). Build and run them with `scripts/fuzz-parser` (`FUZZ_MODE=html` for FuzzHTMLText),
// which passes -sanitize=fuzzer,address to every Swift module.
import PackageDescription

let package = Package(
    name: "newswired-fuzz",
    dependencies: [
        .package(name: "newswired", path: ".."),
    ],
    targets: [
        // SwiftPM links an executable target's own main (`--defsym main=FuzzParser_main`), never
        // libFuzzer's, so main.swift hands the command line to libFuzzer's driver, LLVMFuzzerRunDriver.
        .systemLibrary(name: "CLibFuzzer"),
        .executableTarget(
            name: "FuzzParser",
            dependencies: ["CLibFuzzer", .product(name: "NewswireCore", package: "newswired")]
        ),
        // The html mode: the byte-level HTML-to-text path against libxml2's on one field.
        .executableTarget(
            name: "FuzzHTMLText",
            dependencies: ["CLibFuzzer", .product(name: "NewswireCore", package: "newswired")]
        ),
    ]
)
