import Foundation
import Testing
import TestSupport
@testable import NewswireCore
#if canImport(Glibc)
import Glibc
#endif

/// `newswired run`: keeps polling through failures and stops cleanly on a signal.
@Suite struct DaemonTests {
    // f.
    @Test func runKeepsGoingWithUnreachableFeedsAndExitsCleanlyOnSIGTERM() throws {
        let closedA = try ClosedPort(), closedB = try ClosedPort()
        let feeds = [closedA.url("/a.xml"), closedB.url("/b.rss")]
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime((sandbox, closedA, closedB)) {} }
        try sandbox.writeFeeds(feeds)

        let daemon = try sandbox.start("run")
        let started = Date()
        // Wait for both error lines (normally milliseconds; generous for a loaded machine), then until 1.5 s.
        let log = daemon.waitForLog(timeout: 10) { lines in feeds.allSatisfy { !lines.errors(feed: $0).isEmpty } }
        let remaining = 1.5 - Date().timeIntervalSince(started)
        if remaining > 0 { usleep(UInt32(remaining * 1_000_000)) }
        #expect(daemon.isRunning, "still polling after 1.5 s; stderr:\n\(daemon.stderr)")

        for feed in feeds {
            let errors = log.errors(feed: feed)
            #expect(!errors.isEmpty, "an error line for \(feed); stderr:\n\(daemon.stderr)")
            guard let first = errors.first else { continue }
            #expect(first.event == "fetch")
            #expect(!(first["error"] ?? "").isEmpty)
            let retryAt = first["retry_at"].flatMap(Self.parseTime)
            #expect(retryAt != nil, "names its next retry time: \(first)")
            if let retryAt, let ts = first["ts"].flatMap(Self.parseTime) {
                #expect(retryAt > ts, "the retry is in the future: \(first)")
                // The shipped config's backoff.initial is 1m, with ±10 % jitter (and retry_at is in whole seconds).
                let delay = retryAt.timeIntervalSince(ts)
                #expect(delay >= 53 && delay <= 67, "first backoff about a minute: \(delay) s")
                // No retry before the announced time.
                let early = daemon.log.errors(feed: feed).dropFirst().filter { ($0["ts"].flatMap(Self.parseTime) ?? .distantFuture) < retryAt }
                #expect(early.isEmpty, "retried before retry_at: \(early)")
            }
        }

        let signalled = Date()
        daemon.signal(SIGTERM)
        let status = daemon.waitForExit(timeout: 2)
        #expect(status == 0, "exits 0 within 2 s of SIGTERM (nil: still running); stderr:\n\(daemon.stderr)")
        #expect(Date().timeIntervalSince(signalled) < 2)
    }

    @Test func runNotifiesSystemdAndPicksUpNewFeedsOnSIGHUP() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml"), ("/policy.atom", "policy-desk.atom.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let rss = feeds.url("/world.rss"), atom = feeds.url("/policy.atom")
        try sandbox.writeFeeds([rss])
        let notify = try NotifySocket(path: sandbox.root.appendingPathComponent("notify.sock").path)

        let daemon = try sandbox.start("run", environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        #expect(notify.wait(timeout: 10) { $0.contains("READY=1") }, "READY=1; got \(notify.assignments)")
        var log = daemon.waitForLog(timeout: 10) { !$0.events("fetch", feed: rss).isEmpty }
        #expect(log.events("fetch", feed: rss).map(\.status) == [200], "stderr:\n\(daemon.stderr)")
        // The round stored items, so the daemon checkpoints before it waits: the database file holds every page.
        // (The fetch line comes before the round's commit: both sizes are read again until they agree.)
        let reader = try ItemStore(stateDirectory: sandbox.state, readOnly: true)
        let pageSize = try #require(try reader.db.int("PRAGMA page_size"))
        var fileSize = 0, storeSize = 0
        for _ in 0..<50 {
            let committed = try reader.db.int("SELECT count(*) FROM items") ?? 0
            storeSize = Int(try reader.db.int("PRAGMA page_count") ?? 0) * Int(pageSize)
            fileSize = try FileManager.default.attributesOfItem(atPath: reader.path)[.size] as? Int ?? 0
            if committed > 0, fileSize == storeSize { break }
            usleep(100_000)
        }
        #expect(fileSize == storeSize, "the WAL checkpointed after the round")
        // WATCHDOG_USEC=1 s: a ping at least every half second, even while every feed waits 15 minutes.
        let pingsBefore = notify.assignments.filter { $0 == "WATCHDOG=1" }.count
        #expect(notify.wait(timeout: 3) { $0.filter { $0 == "WATCHDOG=1" }.count >= pingsBefore + 2 },
                "watchdog pings; got \(notify.assignments)")

        try sandbox.writeFeeds([rss, atom])
        daemon.signal(SIGHUP)
        #expect(notify.wait(timeout: 5) { $0.filter { $0 == "READY=1" }.count >= 2 }, "READY=1 again after reloading")
        #expect(notify.assignments.contains("RELOADING=1"))
        log = daemon.waitForLog(timeout: 10) { !$0.events("fetch", feed: atom).isEmpty }
        #expect(!log.events("reload").isEmpty, "a reload line; stderr:\n\(daemon.stderr)")
        #expect(log.events("fetch", feed: atom).map(\.status) == [200], "the added feed is fetched without a restart")
        #expect(daemon.isRunning)
        #expect(feeds.server.requests(path: "/world.rss").count == 1, "the reload does not refetch what is not due")

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 2) == 0, "stderr:\n\(daemon.stderr)")
        notify.drain()
        #expect(notify.assignments.contains("STOPPING=1"))
        #expect(try sandbox.archive().count == 7)
        #expect(!daemon.log.events("stop").isEmpty)
    }

    /// SIGHUP while a transfer trickles in: the reload is applied between two polls of the transfers, not when
    /// the slow one ends (or times out).
    @Test func aReloadDoesNotWaitForASlowTransfer() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        feeds.server.rawRoute("/slow.xml", RawHandlers.trickle(
            HTTPResponse(headers: ["Content-Type": "application/rss+xml"],
                         body: "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Slow</title></channel></rss>"),
            interval: 1))
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/slow.xml"), feeds.url("/world.rss")])
        let daemon = try sandbox.start("run")
        defer { daemon.signal(SIGKILL) }
        _ = daemon.waitForLog(timeout: 10) { !$0.events("fetch", feed: feeds.url("/world.rss")).isEmpty }
        #expect(!feeds.server.requests(path: "/slow.xml").isEmpty)

        let signalled = Date()
        daemon.signal(SIGHUP)
        let log = daemon.waitForLog(timeout: 10) { !$0.events("reload").isEmpty }
        let took = Date().timeIntervalSince(signalled)
        #expect(!log.events("reload").isEmpty, "stderr:\n\(daemon.stderr)")
        #expect(took < 3, "reloaded after \(took) s")
        #expect(log.events("fetch", feed: feeds.url("/slow.xml")).isEmpty, "the slow transfer is still running")
        daemon.signal(SIGTERM)
        daemon.signal(SIGTERM)
        _ = daemon.waitForExit(timeout: 5)
    }

    @Test func secondSignalExitsAtOnce() throws {
        let feeds = try FeedServer([])
        defer { feeds.stop() }
        feeds.server.rawRoute("/silent.rss", RawHandlers.silence())
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/silent.rss")])

        let daemon = try sandbox.start("run")
        let deadline = Date().addingTimeInterval(10)
        while feeds.server.requests(path: "/silent.rss").isEmpty, Date() < deadline { usleep(10_000) }
        daemon.signal(SIGTERM)
        usleep(500_000)
        #expect(daemon.isRunning, "waits up to shutdown_grace (10 s) for the transfer in flight")
        let second = Date()
        daemon.signal(SIGTERM)
        let status = daemon.waitForExit(timeout: 2)
        #expect(status != nil, "a second signal exits at once")
        #expect(Date().timeIntervalSince(second) < 1)
    }

    @Test func restartResumesThePersistedSchedule() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml"), ("/policy.atom", "policy-desk.atom.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/world.rss"), feeds.url("/policy.atom")])
        let first = try sandbox.once()
        #expect(first.exitCode == 0, "stderr:\n\(first.stderr)")
        #expect(feeds.server.requests().count == 2)

        let daemon = try sandbox.start("run")
        let log = daemon.waitForLog(timeout: 10) { !$0.events("start").isEmpty }
        #expect(!log.events("start").isEmpty, "stderr:\n\(daemon.stderr)")
        usleep(1_500_000)
        #expect(feeds.server.requests().count == 2, "both feeds are due in ~15 min: nothing refetched at start")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 2) == 0)
        #expect(try sandbox.archive().count == 7)
    }

    @Test func sigusr1ReopensTheLogFileForLogrotate() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeConfig("log_file: true")
        try sandbox.writeFeeds([feeds.url("/world.rss")])
        let logFile = sandbox.state.appendingPathComponent("log/newswired.log")
        let rotated = sandbox.state.appendingPathComponent("log/newswired.log.1")
        func read(_ url: URL) -> [LogLine] { LogLine.parseAll((try? String(contentsOf: url, encoding: .utf8)) ?? "") }

        let daemon = try sandbox.start("run")
        try daemon.requireLog(timeout: 30, "fetch line") { !$0.events("fetch").isEmpty }
        #expect(!read(logFile).events("fetch").isEmpty, "the log file has what stderr has; stderr:\n\(daemon.stderr)")

        try FileManager.default.moveItem(at: logFile, to: rotated) // what logrotate does
        daemon.signal(SIGUSR1)
        usleep(300_000)
        daemon.signal(SIGHUP) // something new to log: a reload line
        try daemon.requireLog(timeout: 10, "reload line") { !$0.events("reload").isEmpty }
        let deadline = Date().addingTimeInterval(5)
        while read(logFile).events("reload").isEmpty, Date() < deadline { usleep(20_000) }
        #expect(!read(logFile).events("reload").isEmpty, "a new file after SIGUSR1 gets the new lines")
        #expect(read(rotated).events("reload").isEmpty, "the rotated file gets nothing more")
        #expect(!read(rotated).events("fetch").isEmpty)

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 2) == 0, "stderr:\n\(daemon.stderr)")
    }

    static func parseTime(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s)
    }
}
