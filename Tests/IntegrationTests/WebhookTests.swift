import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Webhook outputs end to end: the real daemon, feeds and a receiver on 127.0.0.1, libcurl between them.
@Suite struct WebhookTests {
    static let secret = "it-is-a-secret"

    /// Five unrelated articles: five stories.
    static let articles = [
        ("Ministers agree permanent secretariat for the AI safety compact",
         "Delegates from thirty countries agreed to fund a permanent secretariat that will coordinate safety evaluations of frontier models and publish shared test results."),
        ("Heavy rain floods the grain harvest in the southern provinces",
         "Farmers said weeks of rain left wheat and barley standing in waterlogged fields, and cooperatives expect yields to fall by a fifth."),
        ("City orchestra opens its season with a forgotten symphony",
         "The conductor revived a score that had not been performed for a century, and the audience in the renovated hall gave a long ovation."),
        ("Rail workers announce a three-day strike over pensions",
         "The union said trains on every regional line would stop from Monday after talks with the operator broke down over retirement terms."),
        ("Local bakery wins the national sourdough championship",
         "Judges praised the crust and crumb of a loaf made with rye from a nearby mill, the first win for a village bakery in the contest."),
    ]

    static func rss(_ items: [(title: String, body: String)], guidPrefix: String = "a") -> String {
        let entries = items.enumerated().map { n, a in
            "<item><title>\(a.title)</title><link>https://news.example/\(guidPrefix)/\(n)</link><guid isPermaLink=\"false\">\(guidPrefix)-\(n)</guid><description>\(a.body)</description></item>"
        }.joined(separator: "\n")
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0"><channel><title>Test news</title><link>https://news.example/</link><description>webhook tests</description>
            \(entries)
            </channel></rss>
            """
    }

    static func outputConfig(_ receiver: WebhookReceiver, _ extra: String = "") -> String {
        """
        outputs:
          - webhook: \(receiver.url)
            name: test
            secret: "\(secret)"
            timeout: 1s
            retry_initial: 1s
            retry_max: 2s
        \(extra)
        """
    }

    /// A feed server on 127.0.0.1 serving `articles` at /news.rss, and a sandbox whose URL list names it. The
    /// caller stops the server and keeps the sandbox alive.
    static func newsFeed(_ articles: [(title: String, body: String)]) throws -> (feeds: HTTPTestServer, sandbox: TestSandbox) {
        let feeds = try HTTPTestServer()
        feeds.serve("/news.rss", ConditionalDocument(body: rss(articles), etag: "\"v1\""))
        try feeds.start()
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds([feeds.url("/news.rss")])
        return (feeds, sandbox)
    }

    /// A receiver that fails (500), stalls past the timeout, answers 429 with Retry-After, then recovers: every
    /// story arrives, each under one key that every retry repeats, every signature verifies, the Retry-After
    /// is waited for, and the log, /metrics and `status` say what happened.
    @Test func everyStoryArrivesThroughFailuresStallsAnd429() throws {
        let receiver = try WebhookReceiver { n in
            switch n {
            case 0: .status(500)
            case 1: .stall(5)
            case 2: .status(429, retryAfter: 2)
            default: .status(200)
            }
        }
        defer { receiver.stop() }
        let (feeds, sandbox) = try Self.newsFeed(Self.articles)
        defer { feeds.stop(); withExtendedLifetime(sandbox) {} }
        let config = try OperationsTests.writeConfig(sandbox, Self.outputConfig(receiver) + "metrics:\n  listen: 127.0.0.1:0\n")
        let daemon = try OperationsTests.start(sandbox, config: config)

        let received = try receiver.require(timeout: 30, "five delivered stories", daemon: daemon) { r in
            Set(r.filter(\.delivered).map(\.key)).count == 5
        }
        let archive = try sandbox.archive()
        #expect(archive.count == 5)
        #expect(Set(archive.compactMap { $0["story"]?.string }).count == 5, "five stories")
        // Each story's item once, as an alert, under one key.
        let delivered = received.filter(\.delivered)
        #expect(delivered.count == 5, "\(delivered.map(\.key))")
        #expect(Set(delivered.compactMap(\.itemID)) == Set(archive.map(\.id)))
        #expect(delivered.allSatisfy { $0.event == "alert" })
        // Keys are stable across retries: every attempt under a key carries the same item; the three failures
        // were retried under their keys.
        let byKey = Dictionary(grouping: received, by: \.key)
        #expect(byKey.count == 5)
        for (key, attempts) in byKey {
            #expect(Set(attempts.compactMap(\.itemID)).count == 1, "key \(key)")
            #expect(attempts.last?.delivered == true, "key \(key): \(attempts.map(\.answer))")
        }
        let failed = Array(received.prefix(3))
        for f in failed { #expect(byKey[f.key]!.count >= 2, "\(f.answer) retried under the same key") }
        // Retry-After: 2 was waited for (the backoff alone would have retried after about a second).
        let throttled = received[2]
        let retry = try #require(byKey[throttled.key]!.first { $0.request.receivedAt > throttled.request.receivedAt })
        #expect(retry.request.receivedAt.timeIntervalSince(throttled.request.receivedAt) >= 1.9)
        // Signed: HMAC-SHA256 of the raw body, checked by Python's hmac; sent_at inside the body, and new at
        // every attempt (so the signature differs while the key stays).
        #expect(try WebhookReceiver.badSignatures(received, secret: Self.secret) == [])
        for r in received {
            let sentAt = try #require(r.json?["sent_at"] as? String)
            let date = try #require(ISO8601DateFormatter().date(from: sentAt))
            #expect(abs(date.timeIntervalSince(r.request.receivedAt)) < 5)
            #expect(r.json?["delivery"] as? String == r.key)
            #expect(r.request.headers["Content-Type"] == "application/json")
        }
        #expect(Set(byKey[failed[0].key]!.compactMap(\.signature)).count == byKey[failed[0].key]!.count)
        // The story, as the payload describes it: its id, one outlet, its first item (this item).
        let first = try #require(delivered.first)
        #expect(first.story?["id"] as? String == first.itemID && first.story?["outlets"] as? Int == 1)
        #expect((first.story?["first_item"] as? [String: Any])?["id"] as? String == first.itemID)

        // One log line per outcome, the metrics per output, and `status` with an empty backlog.
        let log = try daemon.requireLog(timeout: 5, "five delivered lines") { $0.events("delivery").filter { $0["outcome"] == "delivered" }.count == 5 }
        let lines = log.events("delivery")
        #expect(lines.filter { $0["outcome"] == "retry" }.count == received.count - 5)
        #expect(lines.contains { $0["outcome"] == "retry" && $0["status"] == "429" && $0["retry_at"] != nil })
        #expect(lines.contains { $0["outcome"] == "retry" && $0["status"] == nil && $0["error"]?.hasPrefix("timeout") == true })
        #expect(lines.allSatisfy { $0["output"] == "test" && $0["delivery"] != nil && $0["item"] != nil })
        let listen = try #require(log.events("metrics").first?["listen"])
        let port = try #require(UInt16(listen.split(separator: ":").last ?? ""))
        let metrics = try TestHTTPClient(port: port).get("/metrics").text
        #expect(metrics.contains(#"newswired_output_deliveries_total{output="test",outcome="delivered"} 5"#), "\(metrics)")
        #expect(metrics.contains(#"newswired_output_deliveries_total{output="test",outcome="failed"} \#(received.count - 5)"#))
        #expect(metrics.contains("newswired_output_delivery_duration_seconds_count{output=\"test\"} \(received.count)"))
        #expect(metrics.contains("newswired_output_delivery_delay_seconds_count{output=\"test\"} 5"))
        #expect(metrics.contains(#"newswired_output_backlog{output="test",state="queued"}"#))
        let status = try RunningNewswired(arguments: ["status", "--config", config.path, "--state", sandbox.state.path, "--feeds", sandbox.feedsFile.path],
                                          outputPrefix: sandbox.root.appendingPathComponent("status"))
        #expect(status.waitForExit(timeout: 10) == 0)
        #expect(status.stdout.contains("outputs: 1 configured\n  test (per story): nothing waiting\n"), "\(status.stdout)")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 10) == 0)
    }

    /// SIGKILL while a POST is in flight: the delivery is in the outbox still, and the next start sends it with
    /// the same key; every story arrives.
    @Test func aKilledDaemonRedeliversWithTheSameKey() throws {
        let receiver = try WebhookReceiver { _ in .stall(30) }
        defer { receiver.stop() }
        let (feeds, sandbox) = try Self.newsFeed(Self.articles)
        defer { feeds.stop(); withExtendedLifetime(sandbox) {} }
        let config = try OperationsTests.writeConfig(sandbox, Self.outputConfig(receiver).replacingOccurrences(of: "timeout: 1s", with: "timeout: 20s"))
        let first = try OperationsTests.start(sandbox, config: config)
        let stalled = try receiver.require(timeout: 20, "a delivery in flight", daemon: first) { !$0.isEmpty }[0]
        first.kill()  // SIGKILL, mid-POST
        #expect(first.waitForExit(timeout: 5) == 128 + SIGKILL)
        #expect(first.log.events("delivery").isEmpty, "nothing was recorded as delivered")

        // Recovered, with answers of a megabyte: read to a small limit and dropped, still delivered.
        receiver.setBehaviour { _ in .status(200, bodyBytes: 1 << 20) }
        let second = try RunningNewswired(arguments: ["run", "--config", config.path, "--state", sandbox.state.path, "--feeds", sandbox.feedsFile.path],
                                          outputPrefix: sandbox.root.appendingPathComponent("run-again"))
        let received = try receiver.require(timeout: 20, "five delivered stories after the restart", daemon: second) { r in
            Set(r.filter(\.delivered).map(\.key)).count == 5
        }
        let again = try #require(received.first { $0.delivered && $0.key == stalled.key }, "the killed delivery, sent again")
        #expect(again.itemID == stalled.itemID && again.event == stalled.event)
        #expect(Set(received.filter(\.delivered).compactMap(\.itemID)) == Set(try sandbox.archive().map(\.id)))
        #expect(try WebhookReceiver.badSignatures(received, secret: Self.secret) == [])
        second.signal(SIGTERM)
        #expect(second.waitForExit(timeout: 10) == 0)
    }

    /// A receiver that keeps failing past max_age: the deliveries are dead, `status` and `outputs list` show
    /// them, `outputs retry` queues them again and the next pass delivers them under their keys. (`once`
    /// sends what is due at the end of its pass.)
    @Test func deadDeliveriesAreShownAndReplayedByOutputsRetry() throws {
        let receiver = try WebhookReceiver { _ in .status(500) }
        defer { receiver.stop() }
        let (feeds, sandbox) = try Self.newsFeed(Array(Self.articles.prefix(3)))
        defer { feeds.stop(); withExtendedLifetime(sandbox) {} }
        try sandbox.writeConfig(Self.outputConfig(receiver, "    max_age: 2s\n"))
        func newswired(_ args: [String]) throws -> FinishedRun {
            let p = try RunningNewswired(arguments: args + ["--config", sandbox.configFile.path, "--state", sandbox.state.path, "--feeds", sandbox.feedsFile.path],
                                         outputPrefix: sandbox.root.appendingPathComponent(args.joined(separator: "-") + "-\(UUID().uuidString.prefix(6))"))
            guard let status = p.waitForExit(timeout: 30) else { throw HarnessError("newswired \(args) did not exit") }
            return FinishedRun(exitCode: status, stderr: p.stderr, stdout: p.stdout)
        }
        let first = try newswired(["once"])
        #expect(first.exitCode == 0, "a receiver's failure is no failure of the pass; stderr:\n\(first.stderr)")
        #expect(first.log.events("delivery").filter { $0["outcome"] == "retry" && $0["status"] == "500" }.count == 3)
        usleep(2_100_000)  // past max_age
        let second = try newswired(["once"])
        let dead = second.log.events("delivery").filter { $0["outcome"] == "dead" }
        #expect(dead.count == 3, "stderr:\n\(second.stderr)")
        #expect(dead.allSatisfy { $0.level == "error" && $0["error"] == "HTTP 500" && $0["attempt"] == "2" })

        let status = try newswired(["status"])
        #expect(status.stdout.contains("  test (per story): 0 queued, 0 retrying, 3 dead"), "\(status.stdout)")
        let statusJSON = try newswired(["status", "--json"]).json()
        #expect(statusJSON.object?["outputs"]?.array?.first?.object?["dead"] == .number(3), "\(statusJSON)")
        let list = try newswired(["outputs", "list", "--json"]).jsonLines()
        #expect(list.count == 3 && list.allSatisfy { $0["last_error"] == .string("HTTP 500") && $0["attempts"] == .number(2) })
        #expect(Set(list.compactMap { $0["delivery"]?.string }) == Set(receiver.received.map(\.key)))

        receiver.setBehaviour { _ in .status(204) }
        let retry = try newswired(["outputs", "retry", "--output", "test"])
        #expect(retry.exitCode == 0 && retry.stdout == "3 dead deliveries queued again\n", "\(retry.stdout)\(retry.stderr)")
        let third = try newswired(["once"])
        #expect(third.log.events("delivery").filter { $0["outcome"] == "delivered" }.count == 3, "stderr:\n\(third.stderr)")
        let delivered = receiver.received.filter(\.delivered)
        #expect(Set(delivered.map(\.key)) == Set(list.compactMap { $0["delivery"]?.string }), "replayed under their keys")
        #expect(try newswired(["status"]).stdout.contains("  test (per story): nothing waiting"))
        #expect(try newswired(["outputs", "retry"]).stdout == "0 dead deliveries queued again\n")
    }

    /// The same address guard as feeds: a webhook whose host *name* resolves to an internal address is refused
    /// (only a literal internal address in the URL, or `localhost`, may be one), and a redirect is not followed.
    @Test func webhooksPassTheAddressGuardAndFollowNoRedirect() throws {
        let receiver = try WebhookReceiver { _ in .status(200) }
        defer { receiver.stop() }
        receiver.server.route("/moved") { _ in .redirect(to: "/hook", status: 307) }
        let (feeds, sandbox) = try Self.newsFeed(Array(Self.articles.prefix(1)))
        defer { feeds.stop(); withExtendedLifetime(sandbox) {} }
        // This machine's host name, when it resolves to an internal address (as in containers and CI): refused.
        let host = ProcessInfo.processInfo.hostName
        let hostIsInternal = Self.resolvesInternally(host)
        let byName = receiver.url.replacingOccurrences(of: "127.0.0.1", with: host)
        try sandbox.writeConfig("""
            outputs:
              - webhook: \(receiver.server.url("/moved"))
                name: redirected
              - webhook: \(byName)
                name: by-name
            """)
        let run = try sandbox.once()
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")
        let lines = run.log.events("delivery")
        let redirected = try #require(lines.first { $0["output"] == "redirected" }, "\(run.stderr)")
        #expect(redirected["outcome"] == "retry" && redirected["status"] == "307")
        #expect(receiver.received.isEmpty, "the redirect was not followed, and nothing reached the receiver by name")
        if hostIsInternal {
            let refused = try #require(lines.first { $0["output"] == "by-name" }, "\(run.stderr)")
            #expect(refused["outcome"] == "retry" && refused["status"] == nil)
            #expect(refused["error"]?.hasPrefix("blocked_address") == true, "\(refused.raw)")
        }
    }

    /// Whether `host` resolves to a loopback or private IPv4 address (getent, as the resolver sees /etc/hosts).
    static func resolvesInternally(_ host: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/getent")
        process.arguments = ["ahostsv4", host]
        let out = Pipe()
        process.standardOutput = out
        guard (try? process.run()) != nil else { return false }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let first = text.split(separator: " ").first else { return false }
        let octets = first.split(separator: ".").compactMap { Int($0) }
        guard octets.count == 4 else { return false }
        return octets[0] == 127 || octets[0] == 10 || (octets[0] == 172 && (16...31).contains(octets[1]))
            || (octets[0] == 192 && octets[1] == 168)
    }

    /// SIGHUP reloads the outputs with the rest: a new item after the reload goes to the new output only, and a
    /// broken outputs section is refused with its line and key while the old config keeps running.
    @Test func outputsAreReloadedOnSIGHUP() throws {
        let before = try WebhookReceiver(), after = try WebhookReceiver()
        defer { before.stop(); after.stop() }
        let feeds = try HTTPTestServer()
        let doc = ConditionalDocument(body: Self.rss(Array(Self.articles.prefix(2))), etag: "\"v1\"")
        feeds.serve("/news.rss", doc)
        try feeds.start()
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/news.rss")])
        let poll = "poll:\n  interval: 1s\n  min_interval: 1s\n  jitter: 0\n"
        try sandbox.writeConfig(poll + Self.outputConfig(before))
        let daemon = try sandbox.start("run")
        try before.require(timeout: 20, "the first two stories", daemon: daemon) { $0.filter(\.delivered).count == 2 }

        try sandbox.writeConfig(poll + "outputs:\n  - webhook: \(after.url)\n    name: after\n    per: bogus\n")
        daemon.signal(SIGHUP)
        let refused = try daemon.requireLog(timeout: 10, "a refused reload") { $0.events("reload").contains { $0.level == "error" } }
        #expect(refused.events("reload").last?["key"] == "outputs[0].per")
        try sandbox.writeConfig(poll + Self.outputConfig(after).replacingOccurrences(of: "name: test", with: "name: after"))
        daemon.signal(SIGHUP)
        try daemon.requireLog(timeout: 10, "a reload") { $0.events("reload").contains { $0.level == "notice" } }
        doc.update(body: Self.rss(Array(Self.articles.prefix(3))), etag: "\"v2\"", lastModified: nil)
        let third = try after.require(timeout: 20, "the third story at the new output", daemon: daemon) { $0.contains(where: \.delivered) }
        #expect(third.count == 1 && third[0].json?["output"] as? String == "after")
        #expect((third[0].json?["item"] as? [String: Any])?["title"] as? String == Self.articles[2].0)
        #expect(before.received.count == 2, "the old output hears nothing after the reload")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 10) == 0)
    }

    /// Twenty outlets republish one wire story: one alert, then updates no more often than update_interval,
    /// the last one counting every outlet.
    @Test func twentySyndicatedCopiesGiveOneAlertAndRateLimitedUpdates() throws {
        let wire = try Fixture.text("story-wire.rss.xml")
        let title = "Lakeshore AI Safety Compact gets a permanent secretariat in Valdoria"
        let feeds = try HTTPTestServer()
        feeds.serve("/wire.rss", ConditionalDocument(body: wire, etag: "\"w\""))
        // Each copy: a new headline, a byline, the wire's text, and the outlet's boilerplate after it.
        let itemStart = try #require(wire.range(of: "<item>")), itemEnd = try #require(wire.range(of: "</item>"))
        let storyItem = String(wire[itemStart.lowerBound..<itemEnd.upperBound])
        for k in 0..<20 {
            let copy = storyItem
                .replacingOccurrences(of: "<title>\(title)</title>", with: "<title>Outlet \(k): \(title)</title>")
                .replacingOccurrences(of: "lw-2025-0722-001", with: "outlet-\(k)-001")
                .replacingOccurrences(of: "<![CDATA[<p>Ministers", with: "<![CDATA[<p>By Staff Reporter \(k)</p><p>Ministers")
                .replacingOccurrences(of: "slow releases.</p>", with: "slow releases.</p><p>Copyright Outlet \(k) Media \(k * 7). Share this article with friends.</p>")
            let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Outlet \(k)</title><link>https://outlet\(k).example/</link><description>x</description>\(copy)</channel></rss>"
            feeds.serve("/outlet\(k).rss", ConditionalDocument(body: doc, etag: "\"o\(k)\""))
        }
        try feeds.start()
        defer { feeds.stop() }
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/wire.rss")] + (0..<20).map { feeds.url("/outlet\($0).rss") })
        let interval = 3.0
        let config = try OperationsTests.writeConfig(sandbox, Self.outputConfig(receiver, "    update_interval: 3s\n    filter: {relevant: true}\n"))
        let daemon = try OperationsTests.start(sandbox, config: config)

        // Until an update counts all 21 outlets, then two intervals more for anything else to arrive.
        try receiver.require(timeout: 30, "an update counting 21 outlets", daemon: daemon) { r in
            r.contains { $0.event == "update" && $0.story?["outlets"] as? Int == 21 }
        }
        usleep(UInt32(2 * interval * 1_000_000))
        let received = receiver.received
        let archive = try sandbox.archive()
        // Whichever of the 21 was stored first is the original (usually the wire's, fetched first); the others
        // are its copies.
        let inStory = archive.filter { $0.title?.hasSuffix(title) == true }
        #expect(inStory.count == 21, "\(archive.map { $0.title ?? "-" })")
        let story = try #require(inStory.first { $0["near_duplicate_of"] == .null }, "\(archive.map(\.line))").id
        #expect(inStory.allSatisfy { $0["story"]?.string == story })
        let copies = inStory.filter { $0["near_duplicate_of"] == .string(story) }
        #expect(copies.count == 20, "\(archive.map(\.line))")
        let forStory = received.filter { $0.story?["id"] as? String == story }
        #expect(forStory.count == received.count, "only this story's deliveries")
        let alerts = forStory.filter { $0.event == "alert" }, updates = forStory.filter { $0.event == "update" }
        #expect(alerts.count == 1 && alerts.first?.itemID == story, "one alert, for the original")
        #expect(!updates.isEmpty)
        #expect(updates.count <= 3, "\(updates.count) updates")
        // No more often than the interval, counted from the alert.
        let times = (alerts + updates).map(\.request.receivedAt)
        for (a, b) in zip(times, times.dropFirst()) { #expect(b.timeIntervalSince(a) >= interval - 0.5, "\(times)") }
        #expect(Set(updates.compactMap(\.itemID)).isSubset(of: Set(copies.map(\.id))))
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 10) == 0)
    }
}
