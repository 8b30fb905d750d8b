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
        let listener = try NotifyListener(abstract: kind == "abstract", directory: sandbox.root)
        let config = try Self.writeConfig(sandbox, "")
        let daemon = try Self.start(sandbox, config: config,
                                    environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "1000000"])

        #expect(listener.waitFor({ $0.contains("READY=1") }, timeout: 10) != nil, "READY; stderr:\n\(daemon.stderr)")
        let status = listener.waitFor({ $0.hasPrefix("STATUS=") && $0.contains("new today") && $0.contains("last new") }, timeout: 10)
        #expect(status?.contains("1 feeds: 1 ok, 0 failing, 0 disabled; 4 new today") == true, "\(status ?? "no STATUS")")
        #expect(listener.waitFor({ $0 == "WATCHDOG=1" }, timeout: 3) != nil, "a watchdog ping within WATCHDOG_USEC")
        #expect(listener.waitFor({ $0 == "WATCHDOG=1" }, timeout: 3) != nil, "and another: pings keep coming")

        daemon.signal(SIGHUP)
        let reloading = listener.waitFor({ $0.contains("RELOADING=1") }, timeout: 5)
        #expect(reloading?.contains("MONOTONIC_USEC=") == true, "\(reloading ?? "no RELOADING")")
        #expect(listener.waitFor({ $0.contains("READY=1") }, timeout: 5) != nil, "READY again after the reload")

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0, "stderr:\n\(daemon.stderr)")
        #expect(listener.waitFor({ $0 == "STOPPING=1" }, timeout: 2) != nil)

        // The order of the whole conversation.
        let kinds = listener.received.compactMap { m -> String? in
            for k in ["RELOADING=1", "STOPPING=1", "READY=1", "WATCHDOG=1"] where m.contains(k) { return k }
            return nil
        }
        let firstReady = kinds.firstIndex(of: "READY=1") ?? -1
        let reload = kinds.firstIndex(of: "RELOADING=1") ?? -1
        #expect(firstReady == 0, "READY=1 comes first: \(kinds)")
        #expect(reload > firstReady && kinds[(reload + 1)...].first(where: { $0 != "WATCHDOG=1" }) == "READY=1", "\(kinds)")
        #expect(kinds.last == "STOPPING=1", "\(kinds)")
        #expect(kinds[..<reload].contains("WATCHDOG=1"), "\(kinds)")
    }

    @Test func sighupPicksUpAChangedFeedList() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml"), ("/policy.atom", "policy-desk.atom.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        let world = feeds.url("/world.rss"), policy = feeds.url("/policy.atom")
        try sandbox.writeFeeds([world])
        let daemon = try Self.start(sandbox, config: try Self.writeConfig(sandbox, ""))
        _ = daemon.waitForLog(timeout: 10) { !$0.events("fetch", feed: world).isEmpty }

        try sandbox.writeFeeds([policy])  // one added, one removed
        daemon.signal(SIGHUP)
        let log = daemon.waitForLog(timeout: 10) { !$0.events("fetch", feed: policy).isEmpty }
        let reload = log.events("reload").first
        #expect(reload?["added"] == "1" && reload?["removed"] == "1", "\(reload.map(\.raw) ?? "no reload line")\n\(daemon.stderr)")
        #expect(log.events("fetch", feed: policy).first?.status == 200)
        #expect(try sandbox.archive().filter { $0["feed"] == .string(policy) }.count == 3)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }

    @Test func sighupWithABrokenConfigKeepsTheOldOneAndNamesFileLineAndKey() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds([feeds.url("/world.rss")])
        let config = try Self.writeConfig(sandbox, "")
        let daemon = try Self.start(sandbox, config: config)
        _ = daemon.waitForLog(timeout: 10) { !$0.events("fetch").isEmpty }

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

    @Test func sigtermDuringASlowTransferDrainsWithinTheGraceAndKeepsEverything() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        // A second feed whose body trickles in for ~1.5 s: it finishes inside the grace time and must be kept.
        let slowBody = try Fixture.text("policy-desk.atom.xml")
        feeds.server.rawRoute("/slow.atom", RawHandlers.trickle(
            HTTPResponse(status: 200, headers: ["Content-Type": "application/atom+xml"], body: slowBody),
            interval: 1.5 / Double(slowBody.utf8.count)))
        // A third that never finishes: aborted when the grace runs out.
        feeds.server.rawRoute("/stuck.rss", RawHandlers.silence())
        let sandbox = try TestSandbox()
        let world = feeds.url("/world.rss"), slow = feeds.url("/slow.atom"), stuck = feeds.url("/stuck.rss")
        try sandbox.writeFeeds([world, slow, stuck])
        let daemon = try Self.start(sandbox, config: try Self.writeConfig(sandbox, "shutdown_grace: 3s\n"))
        _ = daemon.waitForLog(timeout: 10) { !$0.events("fetch", feed: world).isEmpty }
        #expect(!feeds.server.requests(path: "/slow.atom").isEmpty, "the slow transfer is in flight")

        let signalled = Date()
        daemon.signal(SIGTERM)
        let status = daemon.waitForExit(timeout: 6)
        let took = Date().timeIntervalSince(signalled)
        #expect(status == 0, "stderr:\n\(daemon.stderr)")
        #expect(took < 3 + 1.5, "ends within the grace time (3 s) plus a margin: \(took) s")
        #expect(took >= 2.5, "waited for the stuck transfer up to the grace: \(took) s")

        let log = daemon.log
        #expect(log.events("fetch", feed: slow).first?.status == 200, "the slow transfer finished and was processed")
        #expect(log.events("fetch", feed: stuck).first?["error_code"] == "aborted")
        let records = try sandbox.archive()
        #expect(records.filter { $0["feed"] == .string(world) }.count == 4)
        #expect(records.filter { $0["feed"] == .string(slow) }.count == 3)
        let stored = try Store.query("SELECT count(*) FROM items WHERE archived = 1", stateDir: sandbox.state)
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

        let metrics = try TestHTTPClient(port: port).get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        let text = metrics.text
        #expect(text.contains("newswired_fetches_total{outcome=\"ok\"} 1"), "\(text)")
        #expect(text.contains("newswired_items_total{kind=\"new\"} 4"), "\(text)")
        #expect(text.contains("newswired_fetch_duration_seconds_count 1"), "\(text)")
        #expect(text.contains("newswired_feeds{state=\"ok\"} 1"), "\(text)")
        #expect(text.contains("newswired_loop_last_tick_timestamp_seconds"))
        #expect(try TestHTTPClient(port: port).get("/other").status == 404)

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
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

/// Receives sd_notify datagrams the way systemd does: a Unix datagram socket at a path or an abstract name.
final class NotifyListener {
    let address: String
    private let fd: Int32
    private(set) var received: [String] = []
    private var cursor = 0

    init(abstract: Bool, directory: URL) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(errno)") }
        let name = abstract ? "@newswired-test-\(UUID().uuidString.prefix(12))" : directory.appendingPathComponent("notify.sock").path
        address = name
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard rc == 0 else { throw HarnessError("bind \(name): \(errno)") }
    }

    deinit { close(fd) }

    /// Returns the first message not yet consumed that satisfies `predicate`, waiting up to `timeout` seconds.
    /// Messages are split on newlines into their assignments, but kept whole for `received`.
    func waitFor(_ predicate: (String) -> Bool, timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            while cursor < received.count {
                let m = received[cursor]
                cursor += 1
                if predicate(m) || m.split(separator: "\n").contains(where: { predicate(String($0)) }) { return m }
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, Int32(min(left, 0.2) * 1000)) > 0 {
                var buf = [UInt8](repeating: 0, count: 4096)
                let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 { received.append(String(decoding: buf[0..<n], as: UTF8.self)) }
            }
        }
    }
}

/// Runs a command to completion, capturing stdout and stderr together.
enum Shell {
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
