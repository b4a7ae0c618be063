import ArgumentParser
import Dispatch
import Foundation
import MatchCore
import MatchInterchange
import MatchProtocol
import MatchService

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Answer JSON-RPC 2.0 requests on stdin, one response line each on stdout, until end of input.",
        discussion: """
            Methods: shortlist, commission, eligibility, upsert_creators, upsert_products, stats, rpc.discover
            (an OpenRPC description). Batches (at most 1,000 requests) and notifications follow the spec. A bad
            line gets an error response and the server goes on. SIGTERM finishes the request in hand and exits
            0; the rest of a batch is answered "not run" (-32000). Logs go to stderr; stdout carries only
            protocol lines.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("max-line-bytes"), help: "Longest accepted request line; longer ones are skipped unread and answered with an error.")
    var maxLineBytes = 16 << 20

    func validate() throws {
        try global.rejectCSV()
        guard maxLineBytes >= 1024 else { throw ValidationError("--max-line-bytes must be at least 1024") }
    }

    func run() throws {
        try runReportingErrors {
            let dispatcher = try RPCDispatcher(database: try global.openDatabase(), models: try global.loadModels(), logger: global.logger)
            let reader = try LineReader(path: "-")
            let state = ServerState()
            state.installSignalHandlers()
            while true {
                let next: LineReader.BoundedLine?
                do {
                    next = try reader.nextLine(maxBytes: maxLineBytes)
                } catch {
                    Terminal.standardError("error: cannot read standard input: \(error)\n")
                    throw ExitCode.failure
                }
                guard let line = next else { break }
                state.begin()
                switch line {
                case .tooLong(let bytes):
                    state.write(JSONRPC.failure(id: .null, JSONRPC.Failure(.invalidRequest, "a line of \(bytes) bytes is over the limit of \(maxLineBytes) bytes (--max-line-bytes); it was skipped unread")))
                case .line(let bytes):
                    if let response = Self.respond(to: bytes, with: dispatcher, stopping: state.isTerminating) { state.write(response) }
                }
                state.end()
            }
        }
    }

    /// The response line for one request line, or nil when nothing is due (notifications, blank line).
    /// `stopping` is asked between the requests of a batch: once it says yes, the rest are not run.
    static func respond(to bytes: [UInt8], with dispatcher: RPCDispatcher, stopping: () -> Bool = { false }) -> String? {
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return nil }
        func answer(_ item: JSONRPC.Item) -> String? {
            switch item {
            case .invalid(let id, let failure):
                return JSONRPC.failure(id: id, failure)
            case .request(let request):
                let result = dispatcher.handle(request)
                guard let id = request.id else { return nil }
                switch result {
                case .success(let json): return JSONRPC.success(id: id, resultJSON: json)
                case .failure(let failure): return JSONRPC.failure(id: id, failure)
                }
            }
        }
        switch JSONRPC.parse(bytes) {
        case .failure(let failure):
            return JSONRPC.failure(id: .null, failure)
        case .single(let item):
            return answer(item)
        case .batch(let items):
            var responses: [String] = []
            for item in items {
                if stopping() {
                    // Stop between requests: what was not run is said so, for the client to send again.
                    if case .request(let request) = item, let id = request.id {
                        responses.append(JSONRPC.failure(id: id, JSONRPC.Failure(.applicationError, "not run: the server is stopping (SIGTERM); send this request again")))
                    } else if case .invalid = item, let response = answer(item) {
                        responses.append(response)
                    }
                    continue
                }
                if let response = answer(item) { responses.append(response) }
            }
            return responses.isEmpty ? nil : "[" + responses.joined(separator: ",") + "]"
        }
    }
}

/// Whether a request is in hand, so SIGTERM can wait for it; and the one writer of stdout.
final class ServerState: @unchecked Sendable {
    private let lock = Lock()
    private var busy = false
    private var terminating = false
    private var signalSource: (any DispatchSourceSignal)?

    func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler { [self] in
            let idle = lock.withLock { () -> Bool in
                terminating = true
                return !busy
            }
            if idle { exit(0) }
        }
        source.resume()
        signalSource = source
    }

    func begin() {
        lock.withLock { busy = true }
    }

    /// Whether SIGTERM has come (the server stops after the line in hand).
    func isTerminating() -> Bool {
        lock.withLock { terminating }
    }

    /// Marks the request done; exits 0 when SIGTERM came while it ran.
    func end() {
        let stop = lock.withLock { () -> Bool in
            busy = false
            return terminating
        }
        if stop { exit(0) }
    }

    func write(_ line: String) {
        let data = Data((line + "\n").utf8)
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(1, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    exit(0)  // stdout closed: nobody is listening
                }
                offset += written
            }
        }
    }
}
