#if !CREATORMATCH_LIBFUZZER
import Foundation

/// Without libFuzzer, the targets replay files: the committed corpus (every reproducer a fuzz run
/// ever saved lives there), or inputs named on the command line. Runs in the ordinary build, so
/// `Scripts/test.sh` checks that no known hostile input crashes again.
@main
struct Replay {
    static let usage = """
        usage: creatormatch-fuzz [-v] --corpus DIR        replay DIR/<target>/* through each target
               creatormatch-fuzz [-v] TARGET PATH...      replay files (or directories' files) through one target
        -v names each input on stderr before running it (to see which one crashes).
        targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))
        """

    nonisolated(unsafe) static var verbose = false

    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "-v" {
            verbose = true
            arguments.removeFirst()
        }
        guard let first = arguments.first else { fail(usage) }
        if first == "--corpus", arguments.count == 2 {
            for target in FuzzTarget.allCases {
                replay(target, [URL(fileURLWithPath: arguments[1]).appendingPathComponent(target.rawValue).path])
            }
        } else if let target = FuzzTarget(rawValue: first), arguments.count >= 2 {
            replay(target, Array(arguments.dropFirst()))
        } else {
            fail(usage)
        }
    }

    static func replay(_ target: FuzzTarget, _ paths: [String]) {
        let files = paths.flatMap(self.files)
        guard !files.isEmpty else { fail("no inputs for \(target.rawValue) in \(paths.joined(separator: " ")); check the path") }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
            if verbose { FileHandle.standardError.write(Data("\(target.rawValue): \(file)\n".utf8)) }
            target.run([UInt8](data))
        }
        print("\(target.rawValue): \(files.count) inputs, every check held")
    }

    /// A file, or the regular files under a directory (sorted, hidden ones skipped).
    static func files(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { fail("\(path) does not exist") }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
        return names.sorted().compactMap { name in
            let full = (path as NSString).appendingPathComponent(name)
            var isDir: ObjCBool = false
            guard !name.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                  FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue else { return nil }
            return full
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }
}
#endif
