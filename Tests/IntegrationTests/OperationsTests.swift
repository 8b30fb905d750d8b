import Foundation
import NewswireCore
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Running as a service: sd_notify, reload, drain on SIGTERM, metrics and health, the unit file.
@Suite struct OperationsTests {
    /// A config in the sandbox with the shipped model and the given extra YAML.
    static func writeConfig(_ sandbox: TestSandbox, _ extra: String) throws -> URL {
        let model = Newswired.repoRoot.appendingPathComponent("config/topics/waic-governance.json").path
        let url = sandbox.root.appendingPathComponent("newswired.yaml")
        try "model: \(model)\npoll:\n  interval: 1h\n\(extra)".write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func start(_ sandbox: TestSandbox, config: URL, environment: [String: String] = [:]) throws -> RunningNewswired {
        try RunningNewswired(arguments: ["run", "--config", config.path, "--state", sandbox.state.path, "--feeds", sandbox.feedsFile.path],
                             environment: environment, outputPrefix: sandbox.root.appendingPathComponent("run"))
    }

    @Test(arguments: ["path", "abstract"])
    func notifiesReadyWatchdogStatusReloadingReadyStopping(kind: String) throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds([feeds.url("/world.rss")])
        let notify = try NotifySocket(path: kind == "abstract" ? "@newswired-test-\(UUID().uuidString.prefix(12))"
                                                              : sandbox.root.appendingPathComponent("notify.sock").path)
        let config = try Self.writeConfig(sandbox, "")
        let daemon = try Self.start(sandbox, config: config, environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])

        #expect(notify.wait(timeout: 30) { $0.contains("READY=1") }, "READY; stderr:\n\(daemon.stderr)")
        // After the first pass: one line with feed health, new items today and the last new item.
        #expect(notify.wait(timeout: 30) { $0.contains { $0.hasPrefix("STATUS=") && $0.contains("last new") } },
                "\(notify.assignments)\n\(daemon.stderr)")
        let status = notify.assignments.last { $0.hasPrefix("STATUS=") } ?? ""
        #expect(status.hasPrefix("STATUS=1 feeds: 1 ok, 0 failing, 0 disabled; 4 new today; last new "), "\(status)")
        let pings = notify.assignments.filter { $0 == "WATCHDOG=1" }.count
        #expect(notify.wait(timeout: 3) { $0.filter { $0 == "WATCHDOG=1" }.count >= pings + 2 }, "pings keep coming")

        daemon.signal(SIGHUP)
        #expect(notify.wait(timeout: 10) { $0.filter { $0 == "READY=1" }.count >= 2 }, "READY again after the reload")
        let reloading = notify.messages.first { $0.contains("RELOADING=1") }
        #expect(reloading?.contains("MONOTONIC_USEC=") == true, "\(notify.messages)")

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0, "stderr:\n\(daemon.stderr)")
        notify.drain()

        // The order of the whole conversation.
        let kinds = notify.assignments.filter { ["READY=1", "RELOADING=1", "STOPPING=1", "WATCHDOG=1"].contains($0) }
        let reload = kinds.firstIndex(of: "RELOADING=1") ?? -1
        #expect(kinds.first == "READY=1", "READY=1 comes first: \(kinds)")
        #expect(reload > 0 && kinds[(reload + 1)...].first(where: { $0 != "WATCHDOG=1" }) == "READY=1", "\(kinds)")
        #expect(kinds[..<max(reload, 0)].contains("WATCHDOG=1"), "\(kinds)")
        #expect(kinds.last == "STOPPING=1", "\(kinds)")
    }

    @Test func sighupPicksUpAChangedFeedList() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml"), ("/policy.atom", "policy-desk.atom.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        let world = feeds.url("/world.rss"), policy = feeds.url("/policy.atom")
        try sandbox.writeFeeds([world])
        let daemon = try Self.start(sandbox, config: try Self.writeConfig(sandbox, ""))
        try daemon.requireLog(timeout: 30, "fetch line for the feed") { !$0.events("fetch", feed: world).isEmpty }

        try sandbox.writeFeeds([policy])  // one added, one removed
        daemon.signal(SIGHUP)
        let log = daemon.waitForLog(timeout: 10) { !$0.events("fetch", feed: policy).isEmpty }
        let reload = log.events("reload").first
        #expect(reload?["added"] == "1" && reload?["removed"] == "1", "\(reload.map(\.raw) ?? "no reload line")\n\(daemon.stderr)")
        #expect(log.events("fetch", feed: policy).first?.status == 200)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
        // Read once the daemon is done: a `fetch` line is logged before its round commits and is archived.
        #expect(try sandbox.archive().filter { $0["feed"] == .string(policy) }.count == 3)
    }

    @Test func sighupWithABrokenConfigKeepsTheOldOneAndNamesFileLineAndKey() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds([feeds.url("/world.rss")])
        let config = try Self.writeConfig(sandbox, "")
        let daemon = try Self.start(sandbox, config: config)
        try daemon.requireLog(timeout: 30, "fetch line") { !$0.events("fetch").isEmpty }

        let good = try String(contentsOf: config, encoding: .utf8)
        try (good + "fetch:\n  timeout: 30s\n  max_concurent: 4\n").write(to: config, atomically: true, encoding: .utf8)
        let brokenLine = good.split(separator: "\n", omittingEmptySubsequences: false).count + 2
        daemon.signal(SIGHUP)
        let log = daemon.waitForLog(timeout: 10) { !$0.events("reload").isEmpty }
        let line = try #require(log.events("reload").first, "stderr:\n\(daemon.stderr)")
        #expect(line.level == "error")
        #expect(line["file"] == config.path)
        #expect(line["line"] == String(brokenLine))
        #expect(line["key"] == "fetch.max_concurent")
        #expect(line["kept"] == "previous config")
        #expect(daemon.isRunning, "the old config keeps running")

        // Still serving the old config: a repaired file reloads fine afterwards.
        try good.write(to: config, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let after = daemon.waitForLog(timeout: 10) { $0.events("reload").count >= 2 }
        #expect(after.events("reload").last?.level == "notice", "\(after.events("reload").map(\.raw))")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }

    @Test func perModuleLogLevelsFilterEachModule() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds([feeds.url("/world.rss")])
        let config = try Self.writeConfig(sandbox, "log_levels:\n  item: warning\n  daemon: error\n")
        let run = try RunningNewswired(arguments: ["once", "--config", config.path, "--state", sandbox.state.path,
                                                   "--feeds", sandbox.feedsFile.path],
                                       outputPrefix: sandbox.root.appendingPathComponent("once"))
        #expect(run.waitForExit(timeout: 30) == 0, "stderr:\n\(run.stderr)")
        let log = run.log
        #expect(log.events("fetch").first?.status == 200, "fetch lines stay at info: \(run.stderr)")
        #expect(log.events("item").isEmpty, "item lines are below warning")
        #expect(log.events("pass").isEmpty && log.events("pass_done").isEmpty, "daemon lines are below error")
        #expect(try sandbox.archive().count == 4, "filtering the log changes nothing else")

        // --log-level on the command line wins over the file's per-module levels.
        let loud = try RunningNewswired(arguments: ["once", "--config", config.path, "--state", sandbox.state.path,
                                                    "--feeds", sandbox.feedsFile.path, "--log-level", "info"],
                                        outputPrefix: sandbox.root.appendingPathComponent("once-loud"))
        #expect(loud.waitForExit(timeout: 30) == 0)
        #expect(!loud.log.events("pass").isEmpty)
    }

    @Test func sighupWithABrokenModelKeepsTheOldModel() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml"), ("/policy.atom", "policy-desk.atom.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        let world = feeds.url("/world.rss"), policy = feeds.url("/policy.atom")
        try sandbox.writeFeeds([world])
        // A private copy of the shipped model, so the test can break it.
        let model = sandbox.root.appendingPathComponent("model.json")
        try FileManager.default.copyItem(at: Newswired.repoRoot.appendingPathComponent("config/topics/waic-governance.json"), to: model)
        let config = sandbox.root.appendingPathComponent("newswired.yaml")
        try "model: \(model.path)\npoll:\n  interval: 1h\n".write(to: config, atomically: true, encoding: .utf8)
        let daemon = try Self.start(sandbox, config: config)
        try daemon.requireLog(timeout: 30, "fetch line for the feed") { !$0.events("fetch", feed: world).isEmpty }

        try #"{"version": "broken", "topics": [}"#.write(to: model, atomically: true, encoding: .utf8)
        try sandbox.writeFeeds([world, policy])  // would be picked up by a successful reload
        daemon.signal(SIGHUP)
        let log = daemon.waitForLog(timeout: 10) { !$0.events("reload").isEmpty }
        let line = try #require(log.events("reload").first, "stderr:\n\(daemon.stderr)")
        #expect(line.level == "error")
        #expect(line["key"] == "model")
        #expect(line["error"]?.contains(model.path) == true, "names the model file: \(line.raw)")
        #expect(line["kept"] == "previous config")
        usleep(500_000)
        #expect(daemon.log.events("fetch", feed: policy).isEmpty, "nothing of the rejected reload was applied")
        #expect(daemon.isRunning)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
        // The items fetched before were classified by the model that was loaded then.
        let relevant = try sandbox.archive().filter { $0["relevant"] == .bool(true) }
        #expect(!relevant.isEmpty, "the shipped model marks the fixture's AI-governance items relevant")
    }

    @Test func sigtermDuringASlowTransferDrainsWithinTheGraceAndKeepsEverything() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        // A second feed whose body trickles in for ~1.5 s (more on a loaded machine): it finishes inside the
        // 5 s grace time and must be kept.
        let slowBody = try Fixture.text("policy-desk.atom.xml")
        feeds.server.rawRoute("/slow.atom", RawHandlers.trickle(
            HTTPResponse(status: 200, headers: ["Content-Type": "application/atom+xml"], body: slowBody),
            interval: 1.5 / Double(slowBody.utf8.count)))
        // A third that never finishes: aborted when the grace runs out.
        feeds.server.rawRoute("/stuck.rss", RawHandlers.silence())
        let sandbox = try TestSandbox()
        let world = feeds.url("/world.rss"), slow = feeds.url("/slow.atom"), stuck = feeds.url("/stuck.rss")
        try sandbox.writeFeeds([world, slow, stuck])
        let daemon = try Self.start(sandbox, config: try Self.writeConfig(sandbox, "shutdown_grace: 5s\n"))
        try daemon.requireLog(timeout: 30, "fetch line for the feed") { !$0.events("fetch", feed: world).isEmpty }
        #expect(!feeds.server.requests(path: "/slow.atom").isEmpty, "the slow transfer is in flight")

        let signalled = Date()
        daemon.signal(SIGTERM)
        let status = daemon.waitForExit(timeout: 9)
        let took = Date().timeIntervalSince(signalled)
        #expect(status == 0, "stderr:\n\(daemon.stderr)")
        #expect(took < 5 + 1.5, "ends within the grace time (5 s) plus a margin: \(took) s")
        #expect(took >= 4.5, "waited for the stuck transfer up to the grace: \(took) s")

        let log = daemon.log
        #expect(log.events("fetch", feed: slow).first?.status == 200, "the slow transfer finished and was processed")
        #expect(log.events("fetch", feed: stuck).first?["error_code"] == "aborted")
        let records = try sandbox.archive()
        #expect(records.filter { $0["feed"] == .string(world) }.count == 4)
        #expect(records.filter { $0["feed"] == .string(slow) }.count == 3)
        let stored = try Store.query("SELECT count(*) FROM items WHERE seq NOT IN (SELECT seq FROM archive_pending)",
                                     stateDir: sandbox.state)
        #expect(stored.first?.first == "7", "every parsed item committed and marked archived: \(stored)")
    }

    @Test func metricsAndHealthzAnswerOnLoopback() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds([feeds.url("/world.rss")])
        let daemon = try Self.start(sandbox, config: try Self.writeConfig(sandbox, "metrics:\n  listen: 127.0.0.1:0\n"))
        let log = daemon.waitForLog(timeout: 10) { !$0.events("fetch").isEmpty && !$0.events("metrics").isEmpty }
        let listen = try #require(log.events("metrics").first?["listen"], "stderr:\n\(daemon.stderr)")
        let port = try #require(UInt16(listen.split(separator: ":").last ?? ""))
        #expect(listen.hasPrefix("127.0.0.1:"))

        let health = try TestHTTPClient(port: port).get("/healthz")
        #expect(health.status == 200)
        #expect(health.text.hasPrefix("ok"))

        // The feed gauge is set when the pass ends, just after the fetch line: poll until the pass is counted.
        let expected = ["newswired_fetches_total{outcome=\"ok\"} 1", "newswired_items_total{kind=\"new\"} 4",
                        "newswired_fetch_duration_seconds_count 1", "newswired_feeds{state=\"ok\"} 1",
                        "newswired_loop_last_tick_timestamp_seconds"]
        var metrics = try TestHTTPClient(port: port).get("/metrics")
        let deadline = Date().addingTimeInterval(10)
        while !expected.allSatisfy(metrics.text.contains), Date() < deadline {
            usleep(100_000)
            metrics = try TestHTTPClient(port: port).get("/metrics")
        }
        #expect(metrics.status == 200)
        #expect(metrics.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        for line in expected { #expect(metrics.text.contains(line), "\(line) in\n\(metrics.text)") }
        #expect(try TestHTTPClient(port: port).get("/other").status == 404)

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
        #expect(throws: SocketError.self, "the endpoint closes with the daemon") { try TestHTTPClient(port: port) }
    }

    /// The endpoint in-process with a short threshold: healthy while the heartbeat is fresh, 503 once it ages.
    @Test func healthzTurnsUnhealthyWhenTheLoopStopsTicking() throws {
        let heartbeat = LoopHeartbeat()
        let server = try MetricsServer(listen: ListenAddress("127.0.0.1:0")!, metrics: { Array("x 1\n".utf8) },
                                       heartbeat: heartbeat, healthyWithin: 0.3)
        defer { server.stop() }
        let port = UInt16(server.port)
        heartbeat.beat()
        #expect(try TestHTTPClient(port: port).get("/healthz").status == 200)
        usleep(500_000)
        let stale = try TestHTTPClient(port: port).get("/healthz")
        #expect(stale.status == 503)
        #expect(stale.text.hasPrefix("unhealthy"))
        heartbeat.beat()
        #expect(try TestHTTPClient(port: port).get("/healthz").status == 200)
        #expect(try TestHTTPClient(port: port).get("/metrics").text == "x 1\n")
    }

    @Test func unitFileVerifiesCleanAndExposureIsAtMostTwo() throws {
        let unit = Newswired.repoRoot.appendingPathComponent("systemd/newswired.service")
        let sandbox = try TestSandbox()
        // Verify the unit as installed: ExecStart pointing at a real binary (the one under test).
        let text = try String(contentsOf: unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/newswired", with: Newswired.binary.path)
        let copy = sandbox.root.appendingPathComponent("newswired.service")
        try text.write(to: copy, atomically: true, encoding: .utf8)
        let verify = try Shell.run(["systemd-analyze", "verify", copy.path])
        #expect(verify.status == 0 && verify.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                "systemd-analyze verify: \(verify.output)")

        let security = try Shell.run(["systemd-analyze", "security", "--offline=true", unit.path])
        let overall = security.output.split(separator: "\n").first { $0.contains("Overall exposure level") }
        let level = overall.flatMap { line in line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) } }
        #expect(level != nil && level! <= 2.0, "exposure: \(overall.map(String.init) ?? security.output)")
    }
}
