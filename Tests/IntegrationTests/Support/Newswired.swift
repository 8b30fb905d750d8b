import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real `newswired` binary, run as a subprocess against a fresh temporary state directory.
enum Newswired {
    /// The repository root, from this file's path (Tests/IntegrationTests/Support/Newswired.swift).
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `$NEWSWIRED_BIN`, else `<repo>/.build/debug/newswired`.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["NEWSWIRED_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return repoRoot.appendingPathComponent(".build/debug/newswired")
    }

    static var config: URL { repoRoot.appendingPathComponent("config/newswired.yaml") }

    /// The child's environment: ours, without proxies (libcurl honours them, and these tests only use loopback).
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
            env[key] = nil
        }
        // Whatever runs the tests may itself be a systemd service: its journal would change the log format
        // (`<3>` instead of `ts=`), and its notify socket and watchdog are not the child's to use.
        for key in ["JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID",
                    "LISTEN_FDNAMES", "INVOCATION_ID"] {
            env[key] = nil
        }
        env["no_proxy"] = "127.0.0.1,localhost"
        env["NO_PROXY"] = "127.0.0.1,localhost"
        return env
    }
}

/// A fresh temporary directory per test: `state/` for the daemon, the feed list and the captured output beside
/// it. Removed when the object goes away (unless NEWSWIRED_ITEST_KEEP=1).
final class TestSandbox {
    let root: URL
    var state: URL { root.appendingPathComponent("state") }
    /// `feeds.txt` (one URL per line), or `feeds.opml` after `writeFeedsOPML`.
    private(set) var feedsFile: URL
    /// The shipped config unless `writeConfig` made one for this test.
    private(set) var configFile = Newswired.config
    private var runs = 0

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("newswired-itest-\(UUID().uuidString)")
        feedsFile = root.appendingPathComponent("feeds.txt")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
    }

    /// Set `NEWSWIRED_ITEST_KEEP=1` to keep every sandbox (state, feed list, captured output) for inspection.
    deinit {
        if ProcessInfo.processInfo.environment["NEWSWIRED_ITEST_KEEP"] == "1" {
            print("newswired integration test sandbox kept at \(root.path)")
        } else {
            try? FileManager.default.removeItem(at: root)
        }
    }

    /// Writes the feed list: one URL per line, with a comment line, as the contract allows.
    func writeFeeds(_ urls: [String]) throws {
        let text = "# feeds for an integration test\n" + urls.joined(separator: "\n") + "\n"
        try text.write(to: feedsFile, atomically: true, encoding: .utf8)
    }

    /// Writes the feed list as OPML 2.0 instead (`feeds.opml`), each feed in a folder outline; `&` in URLs is
    /// escaped as XML requires.
    func writeFeedsOPML(_ urls: [String]) throws {
        let outlines = urls.enumerated().map { n, url in
            let xmlURL = url.replacingOccurrences(of: "&", with: "&amp;")
            return "      <outline type=\"rss\" text=\"Feed \(n + 1)\" xmlUrl=\"\(xmlURL)\"/>"
        }.joined(separator: "\n")
        let opml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <opml version="2.0">
              <head><title>integration test feeds</title></head>
              <body>
                <outline text="News &amp; policy">
            \(outlines)
                </outline>
              </body>
            </opml>

            """
        feedsFile = root.appendingPathComponent("feeds.opml")
        try opml.write(to: feedsFile, atomically: true, encoding: .utf8)
    }

    /// Writes a config of this test's own, `yaml` plus the shipped config's topic model (as an absolute path, so
    /// that it still resolves from the sandbox); keys not given keep their defaults.
    func writeConfig(_ yaml: String) throws {
        let shipped = try String(contentsOf: Newswired.config, encoding: .utf8)
        let modelLine = shipped.split(separator: "\n").first { $0.hasPrefix("model:") }
        let model = modelLine.map { $0.dropFirst("model:".count).split(separator: "#").first ?? "" }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "topics/waic-governance.json" // DaemonConfig's default
        let modelPath = model.hasPrefix("/") ? model
            : Newswired.config.deletingLastPathComponent().appendingPathComponent(model).standardizedFileURL.path
        configFile = root.appendingPathComponent("newswired.yaml")
        try "# written by an integration test\nmodel: \(modelPath)\n\(yaml)\n".write(to: configFile, atomically: true, encoding: .utf8)
    }

    func arguments(_ command: String) -> [String] {
        [command, "--config", configFile.path, "--state", state.path, "--feeds", feedsFile.path]
    }

    /// Runs `newswired once` to completion (killed after `timeout` seconds).
    func once(timeout: Double = 30) throws -> FinishedRun {
        let process = try start("once")
        guard let status = process.waitForExit(timeout: timeout) else {
            process.kill()
            throw HarnessError("newswired once did not exit within \(timeout) s; stderr:\n\(process.stderr)")
        }
        return FinishedRun(exitCode: status, stderr: process.stderr, stdout: process.stdout)
    }

    /// Starts `newswired <command>` with output captured to files in the sandbox; `environment` adds to or
    /// overrides the child's.
    func start(_ command: String, environment: [String: String] = [:]) throws -> RunningNewswired {
        runs += 1
        return try RunningNewswired(arguments: arguments(command), environment: environment,
                                    outputPrefix: root.appendingPathComponent("\(command)-\(runs)"))
    }

    func archive() throws -> [ArchiveRecord] {
        let (records, issues) = try Archive.read(stateDir: state)
        if !issues.isEmpty { throw HarnessError("archive: \(issues.joined(separator: "; "))") }
        return records
    }
}

struct FinishedRun {
    let exitCode: Int32
    let stderr: String
    let stdout: String
    var log: [LogLine] { LogLine.parseAll(stderr) }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A `newswired` subprocess; stdout and stderr go to files, so it never blocks on a full pipe. Killed if still
/// running when dropped.
final class RunningNewswired {
    let process = Process()
    private let stdoutURL: URL
    private let stderrURL: URL

    init(arguments: [String], environment: [String: String] = [:], outputPrefix: URL) throws {
        let binary = Newswired.binary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw HarnessError("no newswired binary at \(binary.path): run `swift build` first or set NEWSWIRED_BIN")
        }
        stdoutURL = outputPrefix.appendingPathExtension("stdout")
        stderrURL = outputPrefix.appendingPathExtension("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = binary
        process.arguments = arguments
        process.environment = Newswired.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    deinit { kill() }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var log: [LogLine] { LogLine.parseAll(stderr) }

    func signal(_ sig: Int32) { if process.isRunning { Glibc.kill(pid, sig) } }

    func kill() {
        if process.isRunning {
            Glibc.kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The exit status, or nil if still running after `timeout` seconds. A death by signal is 128 + signal.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline { return nil }
            usleep(10_000)
        }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Waits until a log line satisfies `predicate` (or `timeout` seconds pass); returns the log then.
    func waitForLog(timeout: Double, until predicate: ([LogLine]) -> Bool) -> [LogLine] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let lines = log
            if predicate(lines) || Date() >= deadline || !process.isRunning { return lines }
            usleep(20_000)
        }
    }
}

/// The fixture files in Tests/IntegrationTests/Fixtures (see PROVENANCE.tsv there).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }
}

/// Read-only queries on the store, through the `sqlite3` command-line shell (apt package `sqlite3`), so the
/// tests do not share code with the store they check.
enum Store {
    static func query(_ sql: String, stateDir: URL) throws -> [[String]] {
        let db = stateDir.appendingPathComponent("newswired.sqlite3")
        guard FileManager.default.fileExists(atPath: db.path) else { throw HarnessError("no store at \(db.path)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", "-readonly", "-separator", "\t", db.path, sql]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError("sqlite3 \(sql): \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.components(separatedBy: "\t") }
    }
}
