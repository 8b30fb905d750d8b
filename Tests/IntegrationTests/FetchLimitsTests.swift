import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The fetcher's bounds against misbehaving endpoints on 127.0.0.1, with tight limits so each case ends in
/// seconds: every bad feed ends within its bound with one clear error line, and the good feed in the same
/// pass is archived all the same.
@Suite struct FetchLimitsTests {
    static let limits = """
        fetch:
          timeout: 4s
          connect_timeout: 2s
          low_speed_limit: 100
          low_speed_time: 2s
          max_body_bytes: 256k
          max_redirects: 5
        """

    /// Runs one `once` pass over `bad` plus the good feed; returns the run and checks the good feed.
    static func pass(_ feeds: FeedServer, _ sandbox: TestSandbox, bad: [String], timeout: Double = 20) throws -> FinishedRun {
        let model = Newswired.repoRoot.appendingPathComponent("config/topics/waic-governance.json").path
        let config = sandbox.root.appendingPathComponent("limits.yaml")
        try "model: \(model)\n\(limits)\n".write(to: config, atomically: true, encoding: .utf8)
        try sandbox.writeFeeds(bad + [feeds.url("/world.rss")])
        let process = try RunningNewswired(
            arguments: ["once", "--config", config.path, "--state", sandbox.state.path, "--feeds", sandbox.feedsFile.path],
            outputPrefix: sandbox.root.appendingPathComponent("once-\(UUID().uuidString.prefix(6))"))
        guard let status = process.waitForExit(timeout: timeout) else {
            process.kill()
            throw HarnessError("once did not end within \(timeout) s:\n\(process.stderr)")
        }
        let run = FinishedRun(exitCode: status, stderr: process.stderr, stdout: process.stdout)
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")
        #expect(run.log.events("fetch", feed: feeds.url("/world.rss")).last?.status.map { [200, 304].contains($0) } == true,
                "the good feed is fetched in the same pass: \(run.stderr)")
        return run
    }

    /// The one error line of a feed, with its code.
    static func oneError(_ run: FinishedRun, _ feed: String) -> LogLine? {
        let errors = run.log.errors(feed: feed)
        #expect(errors.count == 1, "one clear line: \(errors)")
        return errors.first
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = Date()
        try body()
        return Date().timeIntervalSince(start)
    }

    @Test func slowHeadersHitTheTotalTimeout() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        feeds.server.rawRoute("/slow-headers.xml", RawHandlers.slowHeaders(.text("<rss/>"), interval: 1.5))
        let sandbox = try TestSandbox()
        var run: FinishedRun!
        let took = try Self.seconds { run = try Self.pass(feeds, sandbox, bad: [feeds.url("/slow-headers.xml")]) }
        #expect(took < 4 + 3, "ends at the 4 s timeout: \(took) s")
        #expect(Self.oneError(run, feeds.url("/slow-headers.xml"))?["error_code"] == "timeout")
        #expect(try sandbox.archive().count == 4)
    }

    @Test func aBodyTricklingAByteASecondHitsTheLowSpeedLimit() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        feeds.server.rawRoute("/trickle.xml", RawHandlers.trickle(.text(String(repeating: "x", count: 10_000)), interval: 1))
        let sandbox = try TestSandbox()
        var run: FinishedRun!
        let took = try Self.seconds { run = try Self.pass(feeds, sandbox, bad: [feeds.url("/trickle.xml")]) }
        #expect(took < 4 + 3, "ends within the low-speed window or the total timeout: \(took) s")
        let error = Self.oneError(run, feeds.url("/trickle.xml"))
        #expect(error?["error_code"] == "timeout", "\(error.map(\.raw) ?? "")")
    }

    @Test func aGzipBombIsStoppedAtTheDecodedLimit() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        // 64 MiB of spaces, compressed for real by the system gzip: ~64 KiB on the wire.
        let sandbox = try TestSandbox()
        let file = sandbox.root.appendingPathComponent("bomb.gz")
        let made = try Shell.run(["sh", "-c", "head -c 67108864 /dev/zero | tr '\\0' ' ' | gzip -9 > '\(file.path)'"])
        #expect(made.status == 0, "\(made.output)")
        let bomb = [UInt8](try Data(contentsOf: file))
        #expect(bomb.count < 1 << 20)
        feeds.server.route("/bomb.xml") { _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "application/rss+xml", "Content-Encoding": "gzip"], body: bomb)
        }
        let run = try Self.pass(feeds, sandbox, bad: [feeds.url("/bomb.xml")])
        let error = Self.oneError(run, feeds.url("/bomb.xml"))
        #expect(error?["error_code"] == "too_large")
        #expect(error?["error"]?.contains("262144") == true, "names the limit: \(error.map(\.raw) ?? "")")
    }

    @Test func aBodyOverTheLimitIsRefusedWithAndWithoutContentLength() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        let big = [UInt8](repeating: 0x20, count: 1 << 20)
        feeds.server.route("/announced.xml") { _ in HTTPResponse(status: 200, body: big) }  // Content-Length: 1 MiB
        feeds.server.rawRoute("/unannounced.xml") { _, connection in
            try connection.write("HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n")
            try connection.write(big)  // no length: the body ends when the connection closes
        }
        let sandbox = try TestSandbox()
        let announced = feeds.url("/announced.xml"), unannounced = feeds.url("/unannounced.xml")
        let run = try Self.pass(feeds, sandbox, bad: [announced, unannounced])
        #expect(Self.oneError(run, announced)?["error_code"] == "too_large")
        #expect(Self.oneError(run, unannounced)?["error_code"] == "too_large")
        #expect(try sandbox.archive().count == 4)
    }

    @Test func aTwentyHopChainStopsAtTheRedirectLimit() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        for hop in 0..<20 {
            let next = hop == 19 ? "/world.rss" : "/hop\(hop + 1)"
            feeds.server.route("/hop\(hop)") { _ in .redirect(to: next) }
        }
        let sandbox = try TestSandbox()
        let run = try Self.pass(feeds, sandbox, bad: [feeds.url("/hop0")])
        #expect(Self.oneError(run, feeds.url("/hop0"))?["error_code"] == "too_many_redirects")
        let hops = (0..<20).map { feeds.server.requests(path: "/hop\($0)").count }.reduce(0, +)
        #expect(hops == 6, "the first request and 5 redirects: \(hops)")
    }

    @Test func redirectsToAnotherInternalAddressOrToFileAreRefused() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        let port = URLComponents(string: feeds.url("/"))!.port!
        // 127.0.0.2 is loopback but not the feed's own configured address: the SSRF guard refuses it before
        // connecting (and nothing listens there, so a missing guard would show as a connect error instead).
        feeds.server.route("/to-private") { _ in .redirect(to: "http://127.0.0.2:\(port)/world.rss") }
        feeds.server.route("/to-file") { _ in .redirect(to: "file:///etc/passwd") }
        let sandbox = try TestSandbox()
        let run = try Self.pass(feeds, sandbox, bad: [feeds.url("/to-private"), feeds.url("/to-file")])
        let priv = Self.oneError(run, feeds.url("/to-private"))
        #expect(priv?["error_code"] == "blocked_address", "\(priv.map(\.raw) ?? "")")
        #expect(priv?["error"]?.contains("127.0.0.2") == true)
        #expect(Self.oneError(run, feeds.url("/to-file"))?["error_code"] == "protocol_refused")
        #expect(try sandbox.archive().count == 4)
    }

    @Test func aPermanentRedirectIsPersistedAndATemporaryOneIsNot() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml"), ("/new.atom", "policy-desk.atom.xml")])
        defer { feeds.stop() }
        feeds.server.route("/old.atom") { _ in .redirect(to: "/new.atom", status: 301) }
        feeds.server.route("/temp.atom") { _ in .redirect(to: "/new.atom", status: 302) }
        let sandbox = try TestSandbox()
        let old = feeds.url("/old.atom"), temp = feeds.url("/temp.atom")
        let first = try Self.pass(feeds, sandbox, bad: [old, temp])
        let moved = first.log.events("moved", feed: old)
        #expect(moved.count == 1 && moved.first?["to"] == feeds.url("/new.atom"), "\(first.stderr)")
        #expect(first.log.events("moved", feed: temp).isEmpty)
        let stored = try Store.query("SELECT url, coalesce(current_url, '') FROM feeds ORDER BY url", stateDir: sandbox.state)
        #expect(stored.contains([old, feeds.url("/new.atom")]), "\(stored)")
        #expect(stored.contains([temp, ""]), "\(stored)")

        feeds.server.clearLog()
        _ = try Self.pass(feeds, sandbox, bad: [old, temp])
        #expect(feeds.server.requests(path: "/old.atom").isEmpty, "the moved feed is fetched at its new URL")
        #expect(feeds.server.requests(path: "/temp.atom").count == 1, "a 302 is followed again each time")
        #expect(feeds.server.requests(path: "/new.atom").count == 2)
    }

    @Test func aFlappingServerBacksOffThenRecovers() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml"), ("/flap.atom", "policy-desk.atom.xml")])
        defer { feeds.stop() }
        let healthy = feeds.document("/flap.atom")
        let calls = Counter()
        feeds.server.route("/flaky.atom") { request in
            calls.next() <= 2 ? .text("oops\n", status: 500) : healthy.respond(to: request)
        }
        let sandbox = try TestSandbox()
        let flaky = feeds.url("/flaky.atom")
        var delays: [Double] = []
        for _ in 0..<2 {
            let run = try Self.pass(feeds, sandbox, bad: [flaky])
            let error = try #require(Self.oneError(run, flaky))
            #expect(error.status == 500 && error["error_code"] == "http")
            let ts = try #require(error["ts"].flatMap(DaemonTests.parseTime))
            let retry = try #require(error["retry_at"].flatMap(DaemonTests.parseTime))
            delays.append(retry.timeIntervalSince(ts))
        }
        #expect(delays[1] > delays[0] * 1.5, "exponential backoff: \(delays)")
        let recovered = try Self.pass(feeds, sandbox, bad: [flaky])
        #expect(recovered.log.events("fetch", feed: flaky).first?.status == 200)
        #expect(try Store.query("SELECT consecutive_errors FROM feeds WHERE url = '\(flaky)'", stateDir: sandbox.state) == [["0"]])
        #expect(try sandbox.archive().filter { $0["feed"] == .string(flaky) }.count == 3)
    }
}

/// A thread-safe call counter for route handlers.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}
