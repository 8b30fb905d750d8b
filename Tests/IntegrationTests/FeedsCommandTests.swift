import Foundation
import NewswireCore
import Testing
import TestSupport

/// `newswired feeds …`: the feed list kept in the store, OPML in and out, discovery, health.
@Suite struct FeedsCommandTests {
    struct Feed: Equatable, CustomStringConvertible {
        var url: String
        var title: String?
        var tags: [String]
        var description: String { "\(url) \(title ?? "-") \(tags)" }
    }

    static func feeds(ofOPML text: String) throws -> [Feed] {
        try OPML.parseFeeds(Data(text.utf8), file: "stdout").map { Feed(url: $0.url, title: $0.title, tags: $0.tags) }
    }

    static func listed(_ run: FinishedRun) throws -> [[String: JSONValue]] {
        try #require(try run.json().array).compactMap(\.object)
    }

    @Test(arguments: [
        ("miniflux-export.opml", [
            Feed(url: "https://policydesk.example/feed.atom", title: "Policy Desk", tags: ["AI Policy"]),
            Feed(url: "https://www.globalwire.example/world/rss.xml?edition=intl&lang=en", title: "Global Wire — World", tags: ["AI Policy"]),
            Feed(url: "https://tech.shanghaidaily.example/rss", title: "Shanghai Tech Daily", tags: ["China Tech"]),
            Feed(url: "https://chips.example/index.xml", title: "Chips & Compute Weekly", tags: ["All"]),
        ]),
        ("freshrss-export.opml", [
            Feed(url: "https://openmodels.example/feed/", title: "Open Models Monitor", tags: ["Uncategorized"]),
            Feed(url: "https://un-tech-envoy.example/news/rss", title: "UN Tech Envoy (news)", tags: ["Governance", "Multilateral", "Watchlist"]),
            Feed(url: "https://digital-strategy.example/en/ai-office/rss.xml", title: "EU AI Office", tags: ["Governance"]),
        ]),
    ])
    func opmlFromAnotherReaderRoundTrips(fixture: String, expected: [Feed]) throws {
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds([])
        let path = Fixture.directory.appendingPathComponent(fixture).path
        let imported = try sandbox.run(["feeds", "import", path])
        #expect(imported.exitCode == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported \(expected.count) of \(expected.count)"))

        // Kept in the store, folders and categories as tags.
        let list = try Self.listed(try sandbox.run(["feeds", "list", "--json"]))
        #expect(list.map { Feed(url: $0["url"]?.string ?? "", title: $0["title"]?.string,
                                tags: $0["tags"]?.array?.compactMap(\.string) ?? []) } == expected)
        #expect(list.allSatisfy { $0["source"] == .string("added") && $0["last_status"] == .null })

        // Exported as OPML 2.0 that reads back to the same feeds, titles and tags.
        let exported = try sandbox.run(["feeds", "export"])
        #expect(exported.exitCode == 0)
        #expect(exported.stdout.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"))
        #expect(try Self.feeds(ofOPML: exported.stdout) == expected)

        // Importing our export elsewhere gives the same list; importing again adds nothing.
        let other = try TestSandbox()
        try other.writeFeeds([])
        let file = other.root.appendingPathComponent("ours.opml")
        try exported.stdout.write(to: file, atomically: true, encoding: .utf8)
        #expect(try other.run(["feeds", "import", file.path]).exitCode == 0)
        #expect(try other.run(["feeds", "export"]).stdout.replacingOccurrences(of: #"<dateCreated>[^<]*</dateCreated>"#, with: "", options: .regularExpression)
                == exported.stdout.replacingOccurrences(of: #"<dateCreated>[^<]*</dateCreated>"#, with: "", options: .regularExpression))
        let again = try sandbox.run(["feeds", "import", path])
        #expect(again.stdout.contains("imported 0 of \(expected.count)"))

        // A plain URL list exports and imports too.
        let urls = try sandbox.run(["feeds", "export", "--format", "urls"])
        #expect(urls.stdout == expected.map { $0.url + "\n" }.joined())
    }

    @Test func addDiscoversAFeedOnAPageAndOncePollsIt() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml"), ("/policy.atom", "policy-desk.atom.xml")])
        defer { feeds.stop() }
        let page = """
            <!DOCTYPE html><html><head><title>Global Wire</title>
            <link rel="stylesheet" href="/style.css">
            <link rel="alternate" type="application/rss+xml" title="World" href="/world.rss">
            </head><body><p>News.</p></body></html>
            """
        feeds.server.route("/index.html") { _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "text/html; charset=utf-8"], body: page)
        }
        feeds.server.route("/nofeed.html") { _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "text/html"], body: "<html><head><title>x</title></head><body>hi</body></html>")
        }
        let sandbox = try TestSandbox()
        let atom = feeds.url("/policy.atom"), rss = feeds.url("/world.rss")
        try sandbox.writeFeeds([atom])  // the "config" list (--feeds)

        let add = try sandbox.run(["feeds", "add", feeds.url("/index.html"), "--tag", "World"])
        #expect(add.exitCode == 0, "\(add.stderr)")
        #expect(add.stdout.contains("advertises \(rss)") && add.stdout.contains("added \(rss)"), "\(add.stdout)")
        #expect(feeds.server.requests(path: "/index.html").count == 1, "the page is fetched once")

        let noFeed = try sandbox.run(["feeds", "add", feeds.url("/nofeed.html")])
        #expect(noFeed.exitCode == 1 && noFeed.stderr.contains("advertises no feed"), "\(noFeed.stderr)")
        let notFound = try sandbox.run(["feeds", "add", feeds.url("/missing.rss")])
        #expect(notFound.exitCode == 1 && notFound.stderr.contains("HTTP 404"), "\(notFound.stderr)")
        let dup = try sandbox.run(["feeds", "add", atom])
        #expect(dup.exitCode == 0 && dup.stdout.contains("already in the config"))

        var list = try Self.listed(try sandbox.run(["feeds", "list", "--json"]))
        #expect(list.map { $0["url"]?.string ?? "" } == [atom, rss])
        #expect(list.map { $0["source"]?.string ?? "" } == ["config", "added"])
        #expect(list[1]["tags"] == .array([.string("World")]) && list[1]["title"] == .string("Global Wire — World"))

        // `once` polls the added feed with the configured one; the list then shows each feed's health.
        let run = try sandbox.once()
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(Set(try sandbox.archive().compactMap(\.feed)) == [atom, rss])
        list = try Self.listed(try sandbox.run(["feeds", "list", "--json"]))
        for f in list {
            #expect(f["last_status"] == .number(200))
            #expect(f["consecutive_errors"] == .number(0))
            #expect(f["last_new_item"]?.string.map(ArchiveRecord.isISOTime) == true)
            #expect(f["next_fetch"]?.string.map(ArchiveRecord.isISOTime) == true)
        }
        let text = try sandbox.run(["feeds", "list"])
        #expect(text.stdout.contains("200") && text.stdout.contains(rss) && !text.stdout.contains("\u{1B}"))

        // Removing: a config feed is refused with where to remove it; an added feed goes.
        let refuse = try sandbox.run(["feeds", "remove", atom])
        #expect(refuse.exitCode == 1 && refuse.stderr.contains(sandbox.feedsFile.path) && refuse.stderr.contains("remove it there"),
                "\(refuse.stderr)")
        let remove = try sandbox.run(["feeds", "remove", rss])
        #expect(remove.exitCode == 0, "\(remove.stderr)")
        #expect(try Self.listed(try sandbox.run(["feeds", "list", "--json"])).map { $0["url"]?.string ?? "" } == [atom])
        let unknown = try sandbox.run(["feeds", "remove", "https://nowhere.example/rss"])
        #expect(unknown.exitCode == 1 && unknown.stderr.contains("not one of the feeds"))
    }

    @Test func aFeedAddedWhileTheDaemonRunsIsPolledAfterSIGHUP() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml"), ("/policy.atom", "policy-desk.atom.xml")])
        defer { feeds.stop() }
        let world = feeds.url("/world.rss"), atom = feeds.url("/policy.atom")
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds([world])
        let daemon = try sandbox.start("run")
        defer { daemon.kill() }
        let first = daemon.waitForLog(timeout: 20) { $0.events("fetch", feed: world).count >= 1 }
        #expect(first.events("fetch", feed: world).first?.status == 200, "\(daemon.stderr)")

        // Added while the daemon runs (the store is shared through WAL): nothing happens until the reload.
        let add = try sandbox.run(["feeds", "add", atom])
        #expect(add.exitCode == 0, "\(add.stderr)")
        usleep(300_000)
        #expect(daemon.log.events("fetch", feed: atom).isEmpty)
        daemon.signal(SIGHUP)
        let log = daemon.waitForLog(timeout: 20) { $0.events("fetch", feed: atom).count >= 1 }
        #expect(log.events("reload").first?["added"] == "1", "\(daemon.stderr)")
        #expect(log.events("fetch", feed: atom).first?.status == 200)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 20) == 0)
        // Read once the daemon is done: a `fetch` line is logged before its round commits and is archived.
        #expect(Set(try sandbox.archive().compactMap(\.feed)) == [world, atom])
    }

    @Test func aFeedWithErrorsShowsThemInTheList() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        let broken = feeds.url("/gone.rss")
        try sandbox.writeFeeds([feeds.url("/world.rss"), broken])
        _ = try sandbox.once()
        let list = try Self.listed(try sandbox.run(["feeds", "list", "--json"]))
        let b = try #require(list.first { $0["url"]?.string == broken })
        #expect(b["last_status"] == .number(404))
        #expect(b["consecutive_errors"] == .number(1))
        #expect(b["last_error"]?.string?.contains("404") == true)
        #expect(b["last_new_item"] == .null)
    }
}
