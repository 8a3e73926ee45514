// swift-tools-version: 6.1
// libFuzzer harnesses for RankCollapse's file parsers, one executable per parser. Build with the
// fuzzer and address sanitizer (see README.md, "Development"):
//
//   swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer,address
//
// Each harness's `main.swift` hands its test function to libFuzzer's driver
// (`LLVMFuzzerRunDriver`), so libFuzzer's flags (-runs=N, -max_len=N, a corpus folder) work as
// usual.
import PackageDescription

let harnesses = ["FuzzNumPy", "FuzzNumPyArchive", "FuzzSafeTensors", "FuzzIDX"]

let package = Package(
  name: "RankCollapseFuzz",
  dependencies: [
    // CI clones the library into a folder of another name, so the dependency is named explicitly.
    .package(name: "RankCollapse", path: "../")
  ],
  targets: [.target(name: "CFuzzerDriver"), .target(name: "FuzzSupport")]
    + harnesses.map { name in
      .executableTarget(
        name: name,
        dependencies: [
          "CFuzzerDriver", "FuzzSupport", .product(name: "RankCollapse", package: "RankCollapse"),
        ],
        // Debian's default linker, gold, crashes linking the sanitizer runtimes with SwiftPM's
        // renamed `main`; LLVM's lld (shipped with the Swift toolchain) links them.
        linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
      )
    }
)
