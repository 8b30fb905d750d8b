import Foundation
import Logging
import Synchronization

/// swift-log handler writing one `key=value` line per event:
/// `ts=… level=… event=… feed=… <other keys sorted>`.
///
/// Values are quoted when they hold spaces, quotes, `=` or nothing, and control characters are escaped,
/// so a hostile feed title cannot forge a log line. Under systemd (JOURNAL_STREAM names our stderr) the
/// timestamp is left to the journal and each line starts with a syslog priority prefix (`<3>`), so
/// `journalctl -p warning` filters by level.
public struct KeyValueLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let sink: LogSink

    public init(label: String, level: Logger.Level, sink: LogSink = .standardError) {
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level, message = event.message
        var all = metadata
        if let explicit = event.metadata { all.merge(explicit) { _, new in new } }
        if let error = event.error { all["error"] = "\(error)" }
        // Built as UTF-8 bytes: the daemon writes a line per new item, and Strings concatenated per field were
        // most of that line's cost.
        var body: [UInt8] = []
        body.reserveCapacity(256)
        body.append(contentsOf: "level=".utf8)
        body.append(contentsOf: level.rawValue.utf8)
        body.append(contentsOf: " event=".utf8)
        Self.appendQuoted(message.description, to: &body)
        if let feed = all.removeValue(forKey: "feed") {
            body.append(contentsOf: " feed=".utf8)
            Self.appendQuoted(Self.render(feed), to: &body)
        }
        for key in all.keys.sorted() {
            body.append(0x20)
            body.append(contentsOf: key.utf8)
            body.append(0x3D)
            Self.appendQuoted(Self.render(all[key]!), to: &body)
        }
        sink.write(body: body, priority: Self.syslogPriority(level))
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    static func render(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let a): return a.map(render).joined(separator: ",")
        case .dictionary(let d): return d.keys.sorted().map { "\($0):\(render(d[$0]!))" }.joined(separator: ",")
        }
    }

    /// Quotes a value when needed; escapes `"`, `\` and control characters.
    public static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        appendQuoted(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `quote(s)` as UTF-8. The usual value (no space, quote, `=` or control character) is checked
    /// and copied byte by byte; one that needs escapes goes through its Unicode scalars.
    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.makeContiguousUTF8()  // `utf8.span` needs the bytes in one piece (always so for native strings)
        let u = s.utf8.span
        var needsQuotes = u.isEmpty, plain = true
        var i = 0
        while i < u.count {
            let b = u[i]
            if b == 0x20 || b == 0x3D {
                needsQuotes = true
            } else if b == 0x22 || b == 0x5C || b < 0x20 || b == 0x7F
                || (b == 0xC2 && i + 1 < u.count && u[i + 1] <= 0x9F)  // U+0080...U+009F (C1 controls)
                || (b == 0xE2 && i + 2 < u.count && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)) {  // U+2028, U+2029
                needsQuotes = true
                plain = false
                break
            }
            i += 1
        }
        if !needsQuotes { return out.append(contentsOf: s.utf8) }
        out.append(0x22)
        if plain {
            out.append(contentsOf: s.utf8)
        } else {
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out.append(contentsOf: #"\""#.utf8)
                case "\\": out.append(contentsOf: #"\\"#.utf8)
                case "\n": out.append(contentsOf: #"\n"#.utf8)
                case "\r": out.append(contentsOf: #"\r"#.utf8)
                case "\t": out.append(contentsOf: #"\t"#.utf8)
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                        || scalar == "\u{2028}" || scalar == "\u{2029}" {
                        out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".utf8)
                    } else {
                        out.append(contentsOf: String(scalar).utf8)
                    }
                }
            }
        }
        out.append(0x22)
    }
}

/// Where log lines go: standard error, and optionally a log file, whole lines at a time.
public final class LogSink: Sendable {
    /// Standard error goes to the journal: no own timestamp there, syslog priority prefixes instead.
    public let journal: Bool
    private struct File {
        var path: String
        var fd: Int32
    }
    private let lock = Mutex<File?>(nil)

    public init(journal: Bool) {
        self.journal = journal
    }

    public static let standardError = LogSink(journal: LogSink.stderrIsJournal())

    /// Also appends every line to `path` (its directory is created). Reopened by `reopen()`.
    public func openFile(path: String) throws {
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw LogFileError(path: path, message: "cannot open the log file: \(String(cString: strerror(errno)))")
        }
        lock.withLock { file in
            if let old = file { close(old.fd) }
            file = File(path: path, fd: fd)
        }
    }

    /// Reopens the log file under its name (after logrotate moved it away). Safe from any thread.
    public func reopen() {
        lock.withLock { file in
            guard let f = file else { return }
            let fd = open(f.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            guard fd >= 0 else { return }  // keep writing to the old file rather than lose lines
            close(f.fd)
            file = File(path: f.path, fd: fd)
        }
    }

    func write(body: [UInt8], priority: Int) {
        var stamped: [UInt8] = Array("ts=".utf8)
        stamped.reserveCapacity(body.count + 30)
        ISOTime.appendMillis(Date(), to: &stamped)
        stamped.append(0x20)
        stamped.append(contentsOf: body)
        stamped.append(0x0A)
        lock.withLock { file in
            if journal {
                var line = Array("<\(priority)>".utf8)
                line.append(contentsOf: body)
                line.append(0x0A)
                Self.writeAll(2, line)
            } else {
                Self.writeAll(2, stamped)
            }
            if let f = file { Self.writeAll(f.fd, stamped) }
        }
    }

    private static func writeAll(_ fd: Int32, _ line: [UInt8]) {
        Bytes.writeAll(line) { Foundation.write(fd, $0, $1) }
    }

    /// systemd sets JOURNAL_STREAM to "device:inode" of the stream it connected to stderr.
    static func stderrIsJournal() -> Bool {
        guard let env = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        let parts = env.split(separator: ":")
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        var st = stat()
        guard fstat(2, &st) == 0 else { return false }
        return UInt64(st.st_dev) == dev && UInt64(st.st_ino) == ino
    }
}

/// Installs the key=value handler as the process's swift-log backend. A logger's label is its module
/// (daemon, fetch, parse, item, store, metrics); `moduleLevels` overrides `level` per module.
public enum Logs {
    public static func bootstrap(level: Logger.Level, moduleLevels: [String: Logger.Level] = [:], sink: LogSink = .standardError) {
        LoggingSystem.bootstrap { label in
            KeyValueLogHandler(label: label, level: moduleLevels[label] ?? level, sink: sink)
        }
    }
}

/// The log file could not be opened.
public struct LogFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "log \(path): \(message)" }
}
