import Foundation
import Testing
import TestSupport

/// `newswired once` against servers that answer too slowly or not at all, with a config of short fetch limits:
/// each transfer is cut off by its timeout, reported once, and the other feeds are archived meanwhile.
@Suite struct SlowServerTests {
    /// Limits short enough for a test, long enough that a healthy loopback fetch never hits them.
    static let shortLimits = """
        fetch:
          timeout: 3s
          connect_timeout: 2s
          low_speed_limit: 100
          low_speed_time: 2s
        """

    enum Slowness: String, CaseIterable, CustomTestStringConvertible {
        case silence, slowHeaders, trickleBody
        var testDescription: String { rawValue }

        var handler: HTTPTestServer.RawHandler {
            let feed = HTTPResponse(headers: ["Content-Type": "application/rss+xml"],
                                    body: "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Slow</title></channel></rss>")
            switch self {
            case .silence: return RawHandlers.silence()
            case .slowHeaders: return RawHandlers.slowHeaders(feed, interval: 1) // 4 header lines: done after 5 s
            case .trickleBody: return RawHandlers.trickle(feed, interval: 1)    // one byte a second
            }
        }
    }

    @Test(arguments: Slowness.allCases)
    func slowServerIsCutOffByTheFetchTimeout(_ slowness: Slowness) throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        feeds.server.rawRoute("/slow.xml", slowness.handler)
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeConfig(Self.shortLimits)
        let slow = feeds.url("/slow.xml"), rss = feeds.url("/world.rss")
        try sandbox.writeFeeds([slow, rss])

        let started = Date()
        let run = try sandbox.once(timeout: 20)
        let elapsed = Date().timeIntervalSince(started)
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")
        #expect(elapsed >= 1.9 && elapsed < 8, "cut off by the 2–3 s limits, not sooner, not much later: \(elapsed) s")
        #expect(try sandbox.archive().count == 4, "the healthy feed is archived")
        #expect(run.log.events("fetch", feed: rss).map(\.status) == [200])
        let errors = run.log.errors(feed: slow)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.event == "fetch")
        #expect(errors.first?["retry_at"] != nil, "\(errors)")
        let message = (errors.first?["error"] ?? "").lowercased()
        #expect(message.contains("timed out") || message.contains("timeout") || message.contains("too slow")
                || message.contains("speed"), "says it was too slow: \(errors)")
    }
}
