import Foundation

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
