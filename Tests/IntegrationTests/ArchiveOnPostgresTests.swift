import Foundation
import NewswireCore
import Testing
import TestSupport

/// `newswired archive …` and `feeds list` against a PostgreSQL store that `newswired once` filled (the config's
/// `store:`, a schema per test): export is the archive the daemon wrote, byte for byte; search finds the same
/// items as on an SQLite store filled from the same feeds.
@Suite struct ArchiveOnPostgresTests {
    /// `newswired <command…>` with the sandbox's own config (which names the store).
    static func run(_ sandbox: TestSandbox, _ command: [String]) throws -> FinishedRun {
        let p = try RunningNewswired(
            arguments: command + ["--config", sandbox.configFile.path, "--state", sandbox.state.path, "--feeds", sandbox.feedsFile.path],
            outputPrefix: sandbox.root.appendingPathComponent("cmd-\(command.prefix(2).joined(separator: "-"))-\(UUID().uuidString.prefix(8))"))
        guard let status = p.waitForExit(timeout: 30) else {
            p.kill()
            throw HarnessError("newswired \(command.joined(separator: " ")) did not exit within 30 s")
        }
        return FinishedRun(exitCode: status, stderr: p.stderr, stdout: p.stdout)
    }

    @Test func archiveCommandsReadThePostgresStoreTheDaemonFilled() throws {
        guard let schema = try PSQL.TestSchema() else { return }
        defer { withExtendedLifetime(schema) {} }

        let feeds = try FeedServer(ArchiveCommandTests.paths)
        defer { feeds.stop() }
        let pg = try TestSandbox()
        try pg.writeFeeds(ArchiveCommandTests.paths.map { feeds.url($0.0) })
        try pg.writeConfig("store: \(schema.url)\n")
        let once = try pg.once()
        #expect(once.exitCode == 0, "\(once.stderr)")
        #expect(try PSQL.int(schema.url, "SELECT count(*) FROM items") == 10)
        // The reference: the same feeds into an SQLite store.
        let (_, sqlite, _) = try ArchiveCommandTests.populated()

        // Export: the archive lines the daemon wrote, byte for byte; CSV has a row per item.
        let export = try Self.run(pg, ["archive", "export"])
        #expect(export.exitCode == 0, "\(export.stderr)")
        #expect(export.stdout == (try pg.archiveText()))
        let csv = try Self.run(pg, ["archive", "export", "--format", "csv"])
        #expect(csv.stdout.split(separator: "\r\n").count == 11)

        // Search: the same items as on SQLite; the best match first; --json prints the archive lines.
        for query in ["export controls", "AI", "\"export controls\"", "chips OR council", "contr* export"] {
            let a = try sqlite.run(["archive", "search", query, "--json", "--limit", "100"])
            let b = try Self.run(pg, ["archive", "search", query, "--json", "--limit", "100"])
            #expect(b.exitCode == 0, "\(b.stderr)")
            #expect(!b.stdout.isEmpty, "\(query)")
            #expect(ArchiveCommandTests.ids(try b.jsonLines()) == ArchiveCommandTests.ids(try a.jsonLines()), "\(query)")
            for line in b.stdout.split(separator: "\n") { #expect(export.stdout.contains(line + "\n")) }
        }
        let best = try Self.run(pg, ["archive", "search", "export controls", "--json"]).jsonLines()
        #expect(best.first?["title"]?.string == "Washington tightens export controls on advanced AI chips to China")
        let text = try Self.run(pg, ["archive", "search", "export controls"])
        #expect(text.stdout.contains("Washington tightens export controls"))
        #expect(text.stdout.contains("export"))  // the snippet line, plain when piped
        #expect(!text.stdout.contains("\u{1}"))

        // An empty query is refused as on SQLite (65); no match is not an error.
        #expect(try Self.run(pg, ["archive", "search", " "]).exitCode == 65)
        let none = try Self.run(pg, ["archive", "search", "zzyzx"])
        #expect(none.exitCode == 0 && none.stdout.isEmpty && none.stderr.contains("no items match"))

        // show, tail, stats: the same as on SQLite.
        let id = try #require(best.first?["id"]?.string)
        let show = try Self.run(pg, ["archive", "show", String(id.prefix(8)), "--json"])
        #expect(show.exitCode == 0, "\(show.stderr)")
        #expect(show.stdout.contains("\"item\":{\"schema\":1,\"id\":\"\(id)\""))
        #expect(try Self.run(pg, ["archive", "show", "abcdef0123"]).exitCode == 1)
        let tail = try Self.run(pg, ["archive", "tail", "-n", "3", "--json"])
        #expect(tail.stdout == export.stdout.split(separator: "\n").suffix(3).map { $0 + "\n" }.joined())
        let stats = try Self.run(pg, ["archive", "stats", "--json"])
        #expect(stats.stdout.hasPrefix("{\"items\":10,"), "\(stats.stdout)")

        // feeds list reads the feeds' state from PostgreSQL; feeds add is refused there.
        let list = try Self.run(pg, ["feeds", "list"])
        #expect(list.exitCode == 0, "\(list.stderr)")
        #expect(list.stdout.split(separator: "\n").filter { $0.hasPrefix("200 ") }.count == 4, "\(list.stdout)")
        let add = try Self.run(pg, ["feeds", "add", "--no-fetch", "http://127.0.0.1:9/new.xml"])
        #expect(add.exitCode == 1 && add.stderr.contains("PostgreSQL"), "\(add.stderr)")
    }
}
