import Foundation
import Testing
@testable import NewswireCore

@Suite struct ConfigLoaderTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func shippedConfigLoadsWithItsFeedList() throws {
        let file = Self.repoRoot.appendingPathComponent("config/newswired.yaml").path
        let config = try ConfigLoader.load(file: file)
        #expect(config.poll.interval == 900)
        #expect(config.fetch.maxBodyBytes == 8 << 20)
        #expect(config.shutdownGrace == 10)
        let feeds = try FeedList.load(file: config.resolve(config.feedsFile!).path)
        #expect(feeds.count >= 10)
        #expect(feeds.allSatisfy { $0.url.hasPrefix("http") })
        #expect(feeds.first?.tags == ["AI governance and policy"])
    }

    @Test func emptyFileMeansDefaults() throws {
        let config = try ConfigLoader.parse("", file: "x.yaml")
        #expect(config == DaemonConfig(file: "x.yaml"))
    }

    @Test func parsesDurationsSizesAndFeeds() throws {
        let config = try ConfigLoader.parse("""
            poll:
              interval: 30m
              jitter: 0.2
            fetch:
              max_body_bytes: 512k
            feeds:
              - https://a.example/feed
              - url: https://b.example/atom
                interval: 2h
                tags: [x, y]
            """, file: "c.yaml")
        #expect(config.poll.interval == 1800)
        #expect(config.poll.jitter == 0.2)
        #expect(config.fetch.maxBodyBytes == 512 * 1024)
        #expect(config.feeds.map(\.url) == ["https://a.example/feed", "https://b.example/atom"])
        #expect(config.feeds[1].interval == 7200)
        #expect(config.feeds[1].tags == ["x", "y"])
    }

    @Test(arguments: [
        ("poll:\n  interval: soon\n", 2, "poll.interval"),
        ("fetch:\n  max_concurrent: 0\n", 2, "fetch.max_concurrent"),
        ("log_level: loud\n", 1, "log_level"),
        ("\npolll:\n  interval: 5m\n", 2, "polll"),
        ("feeds:\n  - url: ftp://x.example/f\n", 2, "feeds[0].url"),
        ("feeds:\n  - url: file:///tmp/f.xml\n", 2, "feeds[0]"),
        ("poll:\n  min_interval: 2h\n  max_interval: 1h\n", 2, "poll"),
        ("store: mysql://db.example/news\n", 1, "store"),
        ("cluster:\n  lease: 5s\n", 2, "cluster.lease"),
        ("cluster:\n  leases: 1m\n", 2, "cluster.leases"),
        ("store: postgresql://db.example.org/news\noutputs:\n  - webhook: https://hooks.example.org/x\n", 2, "outputs"),
    ])
    func errorsNameLineAndKey(yaml: String, line: Int, key: String) {
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml, file: "bad.yaml") }
        do {
            _ = try ConfigLoader.parse(yaml, file: "bad.yaml")
        } catch {
            #expect(error.file == "bad.yaml")
            #expect(error.line == line)
            #expect(error.key == key)
            #expect(error.description.hasPrefix("bad.yaml:\(line): \(key): "))
        }
    }

    @Test func storeIsSQLiteUnlessAPostgreSQLURLIsGiven() throws {
        #expect(try ConfigLoader.parse("", file: "x.yaml").store == nil)
        #expect(try ConfigLoader.parse("store: sqlite\n", file: "x.yaml").store == nil)
        let c = try ConfigLoader.parse("""
            store: postgresql://newswired@db.example.org:5432/news?sslmode=verify-full
            cluster:
              node: ingest-1
              lease: 3m
            """, file: "x.yaml")
        #expect(c.store == "postgresql://newswired@db.example.org:5432/news?sslmode=verify-full")
        #expect(c.cluster.node == "ingest-1")
        #expect(c.cluster.lease == 180)
        #expect(try ConfigLoader.parse("store: postgres://h/db\n", file: "x.yaml").store == "postgres://h/db")
    }

    @Test func invalidYAMLReportsLine() {
        do {
            _ = try ConfigLoader.parse("poll:\n  interval: [1, 2\n", file: "y.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.line != nil)
            #expect(error.message.contains("not valid YAML"))
        }
    }

    @Test func plainFeedListSkipsCommentsAndDuplicates() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("feeds-\(UUID().uuidString).txt")
        try "# news\nhttps://a.example/rss\n\nhttps://a.example/rss\n  https://b.example/atom  \n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try FeedList.load(file: url.path).map(\.url) == ["https://a.example/rss", "https://b.example/atom"])
    }

    @Test func plainFeedListRejectsNonURLWithLine() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("feeds-\(UUID().uuidString).txt")
        try "https://a.example/rss\nnot a url\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ConfigError(file: url.path, line: 2, message: "expected an http(s) URL, got 'not a url'")) {
            try FeedList.load(file: url.path)
        }
    }

    @Test func urlListsAsPeopleWriteThem() throws {
        let feeds = try FeedList.parseURLList("""
        # my feeds

        https://a.example/rss # the wire
        https://b.example/atom policy "AI governance" "~Policy Desk" !
        http://c.example/feed?x=1#frag	tech
        https://a.example/rss duplicate-ignored
        """, file: "urls")
        #expect(feeds.map(\.url) == ["https://a.example/rss", "https://b.example/atom", "http://c.example/feed?x=1#frag"])
        #expect(feeds[0].tags.isEmpty && feeds[0].title == nil)
        #expect(feeds[1].tags == ["policy", "AI governance"])
        #expect(feeds[1].title == "Policy Desk")
        #expect(feeds[2].tags == ["tech"])
    }

    @Test(arguments: [
        ("\"query:Unread:unread = \\\"yes\\\"\"", "newsboat query feeds are not supported: a feed list names feeds by URL"),
        ("exec:~/bin/feed.sh", "newsboat 'exec:' feeds run a command; newswired fetches only http(s) URLs"),
        ("ftp://a.example/feed", "expected an http(s) URL, got 'ftp://a.example/feed'"),
        ("https://", "expected an http(s) URL, got 'https://'"),
        ("https://a.example/rss \"unclosed tag", "a quoted word is not closed: https://a.example/rss \"unclosed tag"),
    ])
    func urlListErrorsNameTheLine(line: String, message: String) {
        #expect(throws: ConfigError(file: "urls", line: 2, message: message)) {
            try FeedList.parseURLList("https://ok.example/rss\n\(line)\n", file: "urls")
        }
    }

    @Test func opmlRoundTripKeepsTitlesAndTags() throws {
        let feeds = [FeedConfig(url: "https://a.example/rss?x=1&y=2", title: "A & B", tags: ["policy"]),
                     FeedConfig(url: "https://b.example/atom")]
        let text = OPML.render(feeds)
        let back = try OPML.parseFeeds(Data(text.utf8), file: "t.opml")
        #expect(back.map(\.url) == feeds.map(\.url))
        #expect(back[0].title == "A & B")
        #expect(back[0].tags == ["policy"])
    }

    @Test func durations() {
        #expect(Durations.parse("90") == 90)
        #expect(Durations.parse("15m") == 900)
        #expect(Durations.parse("1d") == 86_400)
        #expect(Durations.parse("-5s") == nil)
        #expect(Durations.parse("5x") == nil)
        #expect(Durations.format(5400) == "1h30m")
    }
}
