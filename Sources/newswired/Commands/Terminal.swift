import ArgumentParser
import Foundation
import NewswireCore
#if canImport(Glibc)
import Glibc
#endif

/// What the reading commands need to know about where their output goes.
enum Terminal {
    static func isTTY(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Colour on `fd`: only on a terminal, never when NO_COLOR is set (any value, https://no-color.org), never
    /// for TERM=dumb.
    static func colour(_ fd: Int32) -> Bool {
        let env = ProcessInfo.processInfo.environment
        if let nc = env["NO_COLOR"], !nc.isEmpty { return false }
        if env["TERM"] == "dumb" { return false }
        return isTTY(fd)
    }

    static func bold(_ s: String, _ on: Bool) -> String { on ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    static func dim(_ s: String, _ on: Bool) -> String { on ? "\u{1B}[2m\(s)\u{1B}[0m" : s }
    static func highlight(_ s: String, _ on: Bool) -> String { on ? "\u{1B}[1;33m\(s)\u{1B}[0m" : s }

    /// A search snippet with its match markers turned into highlighting (colour) or dropped (plain).
    static func snippet(_ s: String, colour: Bool) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case SearchHit.matchStart: if colour { out += "\u{1B}[1;33m" }
            case SearchHit.matchEnd: if colour { out += "\u{1B}[0m" }
            default: out.append(ch)
            }
        }
        return out
    }
}

/// Buffered writes to a file descriptor (stdout by default): one `write` per 256 KiB, not per line.
final class OutputBuffer {
    private var buffer: [UInt8] = []
    private let fd: Int32
    private let limit: Int

    init(fd: Int32 = 1, limit: Int = 256 << 10) {
        self.fd = fd
        self.limit = limit
        buffer.reserveCapacity(limit + 64 << 10)
    }

    deinit { flush() }

    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= limit { flush() }
    }

    func line(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        buffer.append(0x0A)
        if buffer.count >= limit { flush() }
    }

    func append(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= limit { flush() }
    }

    /// Writes `bytes` (after what is buffered) and empties it.
    func write(bytes: inout [UInt8]) {
        flush()
        Self.writeAll(fd, bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        Self.writeAll(fd, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        // A failure is EPIPE and the like: the reader has gone, and SIGPIPE ends us.
        Bytes.writeAll(bytes) { Glibc.write(fd, $0, $1) }
    }
}

/// A one-line progress display on stderr, redrawn at most ten times a second, only when stderr is a terminal.
final class Progress {
    private let enabled: Bool
    private let label: String
    private let total: Int?
    private var last = Date.distantPast
    private var shown = false

    init(_ label: String, total: Int? = nil) {
        self.enabled = Terminal.isTTY(2)
        self.label = label
        self.total = total
    }

    static var isShown: Bool { Terminal.isTTY(2) }

    func update(_ done: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.1 else { return }
        last = now
        draw(done)
    }

    private func draw(_ done: Int) {
        var s = "\r\(label) \(done)"
        if let total, total > 0 { s += "/\(total) (\(done * 100 / total) %)" }
        FileHandle.standardError.write(Data((s + "\u{1B}[K").utf8))
        shown = true
    }

    func finish(_ done: Int) {
        guard enabled else { return }
        draw(done)
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

/// `--json` on the listing commands.
struct JSONFlag: ParsableArguments {
    @Flag(name: .long, help: "Print JSON: archive records as JSON Lines, other listings as one JSON document.")
    var json = false
}

extension GlobalOptions {
    /// The state directory, reading the config only when `--state` is not given.
    func resolvedStateDirectory() throws -> URL {
        if let state { return URL(fileURLWithPath: state, isDirectory: true) }
        return stateDirectory(for: try loadConfig())
    }

    /// The store the archive commands read: the config's `store:` when it names a PostgreSQL URL, else the
    /// SQLite store under the state directory. The config is read when it is named (`--config`,
    /// `$NEWSWIRED_CONFIG`) or when `--state` is not given; `--state DIR` alone reads that directory's store
    /// without a config, as before.
    func openArchiveStore() throws -> any ArchiveReading {
        let named = config != nil || !(ProcessInfo.processInfo.environment["NEWSWIRED_CONFIG"] ?? "").isEmpty
        if named || state == nil {
            let config = try loadConfig()
            if let url = config.store { return try PostgresStore(url: url, migrating: false) }
        }
        return try openExistingStore()
    }

    /// The store under the state directory, which must exist already (the reading commands create nothing),
    /// opened read-only.
    func openExistingStore() throws -> ItemStore {
        let dir = try resolvedStateDirectory()
        let file = dir.appendingPathComponent(ItemStore.fileName).path
        guard FileManager.default.fileExists(atPath: file) else {
            throw StoreError(path: file, message: "no store here yet; `newswired once` or the daemon creates it (or pass --state DIR)")
        }
        return try ItemStore.openForReading(stateDirectory: dir)
    }
}

/// Writes an error line and exits with `status`.
func fail(_ message: String, status: Int32) -> ExitCode {
    FileHandle.standardError.write(Data("newswired: \(message)\n".utf8))
    return ExitCode(status)
}
