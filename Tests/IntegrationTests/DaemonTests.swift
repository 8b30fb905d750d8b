import Foundation
import Testing
import TestSupport
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

    static func parseTime(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s)
    }
}
