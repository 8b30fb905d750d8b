import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `newswired once` against servers and feeds that misbehave: each failure is bounded, reported once, and
/// leaves the other feeds alone.
@Suite struct HostileServerTests {
    static let goodFeed = ("/world.rss", "world-wire.rss.xml")

    @Test func redirectLoopIsBoundedAndReported() throws {
        let feeds = try FeedServer([Self.goodFeed])
        defer { feeds.stop() }
        feeds.server.redirectLoop(at: "/loop")
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let loop = feeds.url("/loop"), rss = feeds.url("/world.rss")
        try sandbox.writeFeeds([loop, rss])

        let run = try sandbox.once()
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")
        #expect(try sandbox.archive().count == 4)
        let hops = feeds.server.requests(path: "/loop").count
        // The shipped config has fetch.max_redirects: 5, so the first request and at most 5 redirects.
        #expect(hops >= 2 && hops <= 6, "\(hops) requests to the loop")
        let errors = run.log.errors(feed: loop)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.event == "fetch")
        let message = errors.first?["error"] ?? ""
        #expect(message.lowercased().contains("redirect"), "says why: \(errors)")
    }

    @Test func endlessBodyIsCutOffAtTheByteLimit() throws {
        let feeds = try FeedServer([Self.goodFeed])
        defer { feeds.stop() }
        let padding = Array(String(repeating: "<!-- padding -->", count: 4096).utf8) // 64 KiB
        feeds.server.rawRoute("/endless.xml", RawHandlers.endlessChunked(padding, interval: 0))
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let endless = feeds.url("/endless.xml"), rss = feeds.url("/world.rss")
        try sandbox.writeFeeds([endless, rss])

        let started = Date()
        let run = try sandbox.once(timeout: 20)
        #expect(Date().timeIntervalSince(started) < 15, "bounded by the byte limit, not by a timeout")
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")
        #expect(try sandbox.archive().count == 4)
        let errors = run.log.errors(feed: endless)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.event == "fetch")
        let message = errors.first?["error"] ?? ""
        #expect(message.contains("large"), "says the body was too large: \(errors)")
        // newswired hung up; the handler noticed and its connection closed.
        let deadline = Date().addingTimeInterval(2)
        while feeds.server.openConnections > 0, Date() < deadline { usleep(10_000) }
        #expect(feeds.server.openConnections == 0)
    }

    @Test func gzipEncodedFeedsAreDecoded() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml"), ("/policy.atom", "policy-desk.atom.xml")], gzip: true)
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/world.rss"), feeds.url("/policy.atom")])

        let run = try sandbox.once()
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")
        for request in feeds.server.requests() {
            let accept = (request.headers["Accept-Encoding"] ?? "").lowercased()
            #expect(accept.contains("gzip"), "asks for compression, so the server gzipped the body: \(accept)")
        }
        let records = try sandbox.archive()
        #expect(records.count == 7)
        #expect(records.allSatisfy { $0.contractViolations().isEmpty })
    }

    @Test(arguments: [(429, false), (503, true)])
    func retryAfterIsHonoured(status: Int, asDate: Bool) throws {
        let feeds = try FeedServer([Self.goodFeed])
        defer { feeds.stop() }
        let wait = asDate ? 10_800 : 7_200 // longer than the first backoff (1m), shorter than backoff.max (6h)
        feeds.server.route("/busy.xml") { _ in
            let value = asDate ? IMFFixdate.format(Date().addingTimeInterval(Double(wait))) : String(wait)
            return HTTPResponse(status: status, headers: ["Retry-After": value], body: "busy\n")
        }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let busy = feeds.url("/busy.xml")
        try sandbox.writeFeeds([busy, feeds.url("/world.rss")])

        let run = try sandbox.once()
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")
        let errors = run.log.errors(feed: busy)
        #expect(errors.count == 1, "\(errors)")
        let error = try #require(errors.first)
        #expect(error.status == status)
        let ts = try #require(error["ts"].flatMap(DaemonTests.parseTime))
        let retryAt = try #require(error["retry_at"].flatMap(DaemonTests.parseTime), "\(error)")
        let delay = retryAt.timeIntervalSince(ts)
        #expect(abs(delay - Double(wait)) <= 3, "retry_at is Retry-After from now: \(delay) s, asked \(wait) s")
    }

    @Test func goneFeedIsDisabled() throws {
        let feeds = try FeedServer([Self.goodFeed])
        defer { feeds.stop() }
        feeds.server.route("/gone.xml") { _ in .text("gone\n", status: 410) }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let gone = feeds.url("/gone.xml")
        try sandbox.writeFeeds([gone, feeds.url("/world.rss")])

        let first = try sandbox.once()
        #expect(first.exitCode == 0, "stderr:\n\(first.stderr)")
        let errors = first.log.errors(feed: gone)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.status == 410)
        #expect(errors.first?["retry_at"] == nil, "a gone feed is not retried: \(errors)")

        #expect(errors.first?["recheck_at"] != nil, "asked again after poll.gone_recheck: \(errors)")

        let second = try sandbox.once()
        #expect(second.exitCode == 0, "stderr:\n\(second.stderr)")
        #expect(feeds.server.requests(path: "/gone.xml").count == 1, "not fetched again before its re-check")
        #expect(second.log.errors().isEmpty, "\(second.log.errors())")

        // The feed comes back; `feeds enable` asks it at once instead of a day later.
        feeds.server.serve("/gone.xml", feeds.document("/world.rss"))
        let listed = try sandbox.run(["feeds", "list", "--json"])
        #expect(listed.stdout.contains("\"disabled\":true"), "\(listed.stdout)")
        let enable = try sandbox.run(["feeds", "enable", gone])
        #expect(enable.exitCode == 0 && enable.stdout.contains("enabled \(gone)"), "\(enable.stdout)\(enable.stderr)")
        let third = try sandbox.once()
        #expect(third.exitCode == 0, "stderr:\n\(third.stderr)")
        #expect(feeds.server.requests(path: "/gone.xml").count == 2)
        #expect(third.log.events("fetch", feed: gone).first?.status == 200)
        let relisted = try sandbox.run(["feeds", "list", "--json"])
        #expect(!relisted.stdout.contains("\"disabled\":true"), "\(relisted.stdout)")
    }

    /// With a short poll.gone_recheck, the re-check itself enables a feed that answers again.
    @Test func aGoneFeedThatAnswersAtItsRecheckIsEnabled() throws {
        let feeds = try FeedServer([Self.goodFeed])
        defer { feeds.stop() }
        feeds.server.route("/gone.xml") { _ in .text("gone\n", status: 410) }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeConfig("poll:\n  gone_recheck: 1s\n  jitter: 0\n")
        let gone = feeds.url("/gone.xml")
        try sandbox.writeFeeds([gone, feeds.url("/world.rss")])
        #expect(try sandbox.once().exitCode == 0)
        feeds.server.serve("/gone.xml", feeds.document("/world.rss"))
        usleep(1_200_000)
        let second = try sandbox.once()
        #expect(second.exitCode == 0, "stderr:\n\(second.stderr)")
        #expect(feeds.server.requests(path: "/gone.xml").count == 2)
        #expect(!second.log.events("enabled", feed: gone).isEmpty, "\(second.stderr)")
    }

    @Test func hostileItemsForgeNoLogLineAndSmuggleNoHTML() throws {
        let feeds = try FeedServer([("/hostile.rss", "hostile.rss.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/hostile.rss")])

        let run = try sandbox.once()
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(run.log.count == lines.count, "every stderr line is one well-formed key=value event")
        #expect(run.log.filter { $0.feed == "http://forged.example/" }.isEmpty, "no forged line")
        #expect(!lines.contains { $0.hasPrefix("ts=2025-07-26T00:00:00Z") }, "an encoded newline starts no line")
        #expect(run.log.errors().isEmpty, "\(run.log.errors())")

        let records = try sandbox.archive()
        #expect(records.count == 2)
        let items = run.log.events("item")
        #expect(Set(items.compactMap { $0["title"] }) == Set(records.compactMap(\.title)),
                "titles survive the log's quoting intact")
        let quoted = try #require(records.first { $0["guid"] == .string("hostile-1") })
        #expect(quoted.title == "Minister: \"AI rules are coming\" level=error event=fetch feed=http://forged.example/ status=500")
        #expect(quoted["summary"]?.string?.contains("new AI rules") == true)
        for record in records {
            for field in ["title", "summary", "content"] {
                let text = record[field]?.string ?? ""
                #expect(!text.contains("<"), "no markup in \(field): \(text)")
            }
        }
    }
}
