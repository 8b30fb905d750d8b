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
        var body = "level=\(level.rawValue) event=\(Self.quote(message.description))"
        if let feed = all.removeValue(forKey: "feed") {
            body += " feed=\(Self.quote(Self.render(feed)))"
        }
        for key in all.keys.sorted() {
            body += " \(key)=\(Self.quote(Self.render(all[key]!)))"
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
        var needsQuotes = s.isEmpty
        var plain = true
        for u in s.unicodeScalars {
            switch u {
            case " ", "=": needsQuotes = true
            case "\"", "\\": needsQuotes = true; plain = false
            default:
                if u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value)
                    || u == "\u{2028}" || u == "\u{2029}" {
                    needsQuotes = true; plain = false
                }
            }
        }
        if !needsQuotes { return s }
        if plain { return "\"\(s)\"" }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value)
                    || u == "\u{2028}" || u == "\u{2029}" {
                    out += "\\u{\(String(u.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
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
            throw StoreError(path: path, message: "cannot open the log file: \(String(cString: strerror(errno)))")
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

    func write(body: String, priority: Int) {
        let stamped = "ts=\(ISOTime.formatMillis(Date())) \(body)\n"
        lock.withLock { file in
            Self.writeAll(2, journal ? "<\(priority)>\(body)\n" : stamped)
            if let f = file { Self.writeAll(f.fd, stamped) }
        }
    }

    private static func writeAll(_ fd: Int32, _ line: String) {
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
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
