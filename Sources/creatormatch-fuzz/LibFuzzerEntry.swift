#if CREATORMATCH_LIBFUZZER
/// libFuzzer's entry point, compiled only into the fuzz build (`Scripts/fuzz.sh` passes
/// `-D CREATORMATCH_LIBFUZZER` with `-sanitize=fuzzer,address`; libFuzzer brings `main`). The target
/// is named with `--target=NAME`: libFuzzer leaves flags that start with `--` to the program.
let selectedTarget: FuzzTarget = {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    guard let flag = CommandLine.arguments.last(where: { $0.hasPrefix("--target=") }),
          let target = FuzzTarget(rawValue: String(flag.dropFirst("--target=".count))) else {
        fatalError("name the fuzz target with --target=NAME, one of: \(names)")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = count == 0 ? [] : Array(UnsafeBufferPointer(start: start, count: count))
    selectedTarget.run(bytes)
    return 0
}
#endif
