import Foundation
import NewswireCore
import Testing
import TestSupport

/// `newswired once` against fixture feeds served over real HTTP on 127.0.0.1.
@Suite struct OncePassTests {
    static let rssTitles: Set<String> = [
        "UN advisory panel proposes a permanent body to coordinate global AI governance",
        "Washington tightens export controls on advanced AI chips to China",
        "Heatwave pushes European power prices to record highs",
        "City football club unveils design for a new riverside stadium",
    ]
    static let atomTitles: Set<String> = [
        "EU publishes code of practice for general-purpose AI models",
        "Developing nations call for shared compute to close the AI divide",
        "Central bank holds interest rates steady as inflation cools",
    ]

    /// The RSS 2.0 and Atom 1.0 fixtures at /world.rss and /policy.atom.
    static func twoFeeds() throws -> FeedServer {
        try FeedServer([("/world.rss", "world-wire.rss.xml"), ("/policy.atom", "policy-desk.atom.xml")])
    }

    // a.
    @Test func archivesEveryUniqueItemOnceWithTheContractFields() throws {
        let feeds = try Self.twoFeeds()
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let rss = feeds.url("/world.rss"), atom = feeds.url("/policy.atom")
        try sandbox.writeFeeds([rss, atom])

        let run = try sandbox.once()
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")

        let records = try sandbox.archive()
        #expect(records.count == 7)
        #expect(Set(records.map(\.id)).count == records.count, "no item archived twice")
        #expect(Set(records.compactMap(\.title)) == Self.rssTitles.union(Self.atomTitles))
        for record in records {
            #expect(record.contractViolations() == [], "\(record.line)")
            let fetched = record["fetched"]?.string.flatMap(ISOTime.parse)
            #expect(fetched.map { ISOTime.day($0) + ".jsonl" } == record.file, "archived under the UTC day it was fetched")
        }
        #expect(Set(records.filter { Self.rssTitles.contains($0.title ?? "") }.compactMap(\.feed)) == [rss])
        #expect(Set(records.filter { Self.atomTitles.contains($0.title ?? "") }.compactMap(\.feed)) == [atom])

        // Field values of one item per format, straight from the fixtures.
        let un = try #require(records.first { $0.title?.hasPrefix("UN advisory panel") == true })
        #expect(un["guid"] == .string("gw-2025-0726-001"))
        #expect(un["url"] == .string("https://www.globalwire.example/world/2025/07/26/un-ai-governance-body"),
                "canonical URL: host lower-cased, utm_* parameters dropped")
        #expect(un["published"] == .string("2025-07-26T09:30:00Z"), "11:30 +0200 in UTC")
        #expect(un["author"] == .string("Mei Lin"))
        #expect(un["categories"] == .array([.string("Artificial intelligence"), .string("Diplomacy")]))
        let unContent = un["content"]?.string ?? ""
        #expect(unContent.contains("standing international body"))
        #expect(!unContent.contains("<"), "HTML turned into plain text: \(unContent)")
        #expect(un["near_duplicate_of"] == .null)
        #expect(un["revision_of"] == .null)

        let eu = try #require(records.first { $0.title?.hasPrefix("EU publishes") == true })
        #expect(eu["guid"] == .string("tag:policydesk.example,2025:eu-gpai-code"))
        #expect(eu["url"] == .string("https://policydesk.example/2025/07/eu-gpai-code-of-practice"))
        #expect(eu["published"] == .string("2025-07-25T22:05:00Z"), "18:05 -04:00 in UTC")
        #expect(eu["author"] == .string("Sofia Brandt"))
        let euContent = eu["content"]?.string ?? ""
        #expect(euContent.contains("code of practice"))
        #expect(!euContent.contains("<") && !euContent.contains("&lt;"), "escaped HTML turned into plain text: \(euContent)")

        // The log: one fetch line per feed, one item line per archived item.
        let log = run.log
        let rssFetch = log.events("fetch", feed: rss)
        let atomFetch = log.events("fetch", feed: atom)
        #expect(rssFetch.map(\.status) == [200], "\(rssFetch)")
        #expect(rssFetch.first?["new"] == "4")
        #expect(rssFetch.first?["duplicate"] == "0")
        #expect(atomFetch.map(\.status) == [200], "\(atomFetch)")
        #expect(atomFetch.first?["new"] == "3")
        #expect(atomFetch.first?["duplicate"] == "0")
        let itemLines = log.events("item")
        #expect(itemLines.count == 7)
        #expect(Set(itemLines.compactMap { $0["id"] }) == Set(records.map(\.id)))
        #expect(log.errors().isEmpty, "\(log.errors())")

        // The server: one unconditional GET per feed.
        for path in ["/world.rss", "/policy.atom"] {
            let requests = feeds.server.requests(path: path)
            #expect(requests.map(\.method) == ["GET"])
            #expect(requests.first?.headers["If-None-Match"] == nil)
        }
    }

    /// Which validators the server sends: a conditional GET must work with either alone.
    enum Validators: String, CaseIterable, CustomTestStringConvertible {
        case etagAndLastModified, etagOnly, lastModifiedOnly
        var testDescription: String { rawValue }
    }

    // b.
    @Test(arguments: Validators.allCases)
    func secondPassIsConditionalAndArchivesNothing(_ validators: Validators) throws {
        let feeds = try Self.twoFeeds()
        defer { feeds.stop() }
        for path in ["/world.rss", "/policy.atom"] {
            feeds.document(path).update { version in
                if validators == .lastModifiedOnly { version.etag = nil }
                if validators == .etagOnly { version.lastModified = nil }
            }
        }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let rss = feeds.url("/world.rss"), atom = feeds.url("/policy.atom")
        try sandbox.writeFeeds([rss, atom])
        let first = try sandbox.once()
        #expect(first.exitCode == 0, "stderr:\n\(first.stderr)")
        let archived = try sandbox.archive().map(\.line)
        #expect(archived.count == 7)
        feeds.server.clearLog()

        let second = try sandbox.once()
        #expect(second.exitCode == 0, "a pass of 304s is a success; stderr:\n\(second.stderr)")
        #expect(try sandbox.archive().map(\.line) == archived, "archive unchanged")

        for (path, url) in [("/world.rss", rss), ("/policy.atom", atom)] {
            let version = feeds.document(path).version
            let exchanges = feeds.server.exchanges.filter { $0.request.path == path }
            #expect(exchanges.count == 1)
            let request = try #require(exchanges.first?.request)
            #expect(request.headers["If-None-Match"] == version.etag)
            #expect(request.headers["If-Modified-Since"] == version.lastModified.map(IMFFixdate.format))
            #expect(exchanges.first?.status == 304)

            let fetch = second.log.events("fetch", feed: url)
            #expect(fetch.map(\.status) == [304], "\(fetch)")
            #expect(fetch.allSatisfy { $0["new"] == nil || $0["new"] == "0" })
        }
        #expect(second.log.events("item").isEmpty)
        #expect(second.log.errors().isEmpty, "\(second.log.errors())")
    }

    // c.
    @Test func sameStoryInTwoFeedsIsArchivedOnceWithTwoSightings() throws {
        let feeds = try FeedServer([("/wire.rss", "syndicated-wire.rss.xml"), ("/partner.atom", "syndicated-partner.atom.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let wire = feeds.url("/wire.rss"), partner = feeds.url("/partner.atom")
        try sandbox.writeFeeds([wire, partner])

        let run = try sandbox.once()
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")
        let records = try sandbox.archive()
        #expect(records.count == 3, "\(records.map(\.title))")
        let g20 = records.filter { $0.title == "G20 digital ministers agree on shared principles for AI safety testing" }
        #expect(g20.count == 1)
        let story = try #require(g20.first)
        #expect(story.feed == wire || story.feed == partner)

        // One new and one duplicate between the two fetches.
        let fetches = run.log.events("fetch")
        #expect(fetches.compactMap { $0["new"].flatMap(Int.init) }.reduce(0, +) == 3, "\(fetches)")
        #expect(fetches.compactMap { $0["duplicate"].flatMap(Int.init) }.reduce(0, +) == 1, "\(fetches)")

        // Sightings: read from the store with the sqlite3 shell (main has no `archive show --json` yet).
        let sightings = try Store.query(
            "SELECT feed_url, guid FROM sightings WHERE item_seq = (SELECT seq FROM items WHERE id = '\(story.id)') ORDER BY guid",
            stateDir: sandbox.state)
        #expect(sightings.count == 2, "\(sightings)")
        #expect(Set(sightings.map { $0[0] }) == [wire, partner])
        #expect(Set(sightings.map { $0.count > 1 ? $0[1] : "" })
                == ["gw-2025-0726-021", "urn:uuid:0b9c2f0e-3a8e-4f5b-8c61-4f0f6f2b9a07"])
    }

    // d.
    @Test func newItemInAChangedFeedIsTheOnlyOneArchivedNext() throws {
        let feeds = try Self.twoFeeds()
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let rss = feeds.url("/world.rss"), atom = feeds.url("/policy.atom")
        try sandbox.writeFeeds([rss, atom])
        let first = try sandbox.once()
        #expect(first.exitCode == 0, "stderr:\n\(first.stderr)")
        let before = try sandbox.archive()
        #expect(before.count == 7)

        feeds.document("/world.rss").update(body: try Fixture.text("world-wire-updated.rss.xml"), etag: "\"world-wire-v2\"",
                                            lastModified: Date(timeIntervalSince1970: 1_753_534_800)) // 13:00Z
        let second = try sandbox.once()
        #expect(second.exitCode == 0, "stderr:\n\(second.stderr)")
        let after = try sandbox.archive()
        #expect(after.count == 8)
        #expect(Array(after.map(\.line).prefix(7)) == before.map(\.line), "earlier lines untouched, the new one appended")
        let added = try #require(after.last)
        #expect(added.title == "World AI conference opens in Shanghai with a call for open-source cooperation")
        #expect(added["guid"] == .string("gw-2025-0726-007"))
        #expect(added.feed == rss)
        #expect(added.contractViolations() == [], "\(added.line)")

        let rssFetch = second.log.events("fetch", feed: rss)
        #expect(rssFetch.map(\.status) == [200], "\(rssFetch)")
        #expect(rssFetch.first?["new"] == "1")
        #expect(second.log.events("fetch", feed: atom).map(\.status) == [304])
        #expect(second.log.events("item").compactMap { $0["id"] } == [added.id])
        let rssRequests = feeds.server.requests(path: "/world.rss")
        #expect(rssRequests.last?.headers["If-None-Match"] == "\"world-wire.rss.xml-v1\"", "asked with the old validator")
    }

    enum Breakage: String, CaseIterable, CustomTestStringConvertible {
        case serverError, connectionRefused, garbageBody
        var testDescription: String { rawValue }
    }

    // e.
    @Test(arguments: Breakage.allCases)
    func oneBrokenFeedDoesNotStopTheOthers(_ breakage: Breakage) throws {
        let feeds = try Self.twoFeeds()
        defer { feeds.stop() }
        let closed = try ClosedPort()
        defer { withExtendedLifetime(closed) {} }
        let broken: String
        switch breakage {
        case .serverError:
            feeds.server.route("/broken.xml") { _ in .text("upstream exploded\n", status: 500) }
            broken = feeds.url("/broken.xml")
        case .connectionRefused:
            broken = closed.url("/feed.xml")
        case .garbageBody:
            feeds.server.route("/broken.xml") { _ in
                HTTPResponse(headers: ["Content-Type": "application/rss+xml"],
                             body: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xfe] + Array("\u{1}\u{2}}{ not a feed".utf8))
            }
            broken = feeds.url("/broken.xml")
        }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let rss = feeds.url("/world.rss"), atom = feeds.url("/policy.atom")
        try sandbox.writeFeeds([broken, rss, atom]) // the broken one first

        let run = try sandbox.once()
        #expect(run.exitCode == 0, "other feeds were fetched; stderr:\n\(run.stderr)")
        let records = try sandbox.archive()
        #expect(records.count == 7)
        #expect(Set(records.compactMap(\.feed)) == [rss, atom])

        let errors = run.log.errors(feed: broken)
        #expect(errors.count == 1, "one clear error line for \(broken): \(errors)")
        if let error = errors.first {
            #expect(breakage == .garbageBody ? ["fetch", "parse"].contains(error.event ?? "") : error.event == "fetch", "\(error)")
            #expect(!(error["error"] ?? "").isEmpty, "says why: \(error)")
            if breakage == .serverError { #expect(error.status == 500 || (error["error"] ?? "").contains("500"), "\(error)") }
        }
        #expect(run.log.errors().count == 1, "no other errors: \(run.log.errors())")
        #expect(run.log.events("fetch", feed: rss).map(\.status) == [200])
        #expect(run.log.events("fetch", feed: atom).map(\.status) == [200])
    }

    @Test func feedListInOPMLIsRead() throws {
        let feeds = try Self.twoFeeds()
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let rss = feeds.url("/world.rss?lang=en&edition=intl"), atom = feeds.url("/policy.atom")
        try sandbox.writeFeedsOPML([rss, atom])

        let run = try sandbox.once()
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")
        #expect(feeds.server.requests(path: "/world.rss").map(\.target) == ["/world.rss?lang=en&edition=intl"],
                "the OPML attribute's &amp; is decoded")
        #expect(run.log.events("fetch", feed: rss).map(\.status) == [200], "\(run.log.events("fetch"))")
        #expect(run.log.events("fetch", feed: atom).map(\.status) == [200])
        let records = try sandbox.archive()
        #expect(records.count == 7)
        #expect(Set(records.compactMap(\.feed)) == [rss, atom])
    }

    @Test func onceFailsOnlyWhenNothingCouldBeFetched() throws {
        let feeds = try FeedServer([])
        defer { feeds.stop() }
        feeds.server.route("/broken.xml") { _ in .text("upstream exploded\n", status: 500) }
        let closed = try ClosedPort()
        defer { withExtendedLifetime(closed) {} }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let broken = feeds.url("/broken.xml"), refused = closed.url("/feed.xml")
        try sandbox.writeFeeds([broken, refused])

        let run = try sandbox.once()
        #expect(run.exitCode != 0, "nothing could be fetched; stderr:\n\(run.stderr)")
        #expect(run.log.errors(feed: broken).count == 1)
        #expect(run.log.errors(feed: refused).count == 1)
        #expect(try sandbox.archive().isEmpty)
    }

    /// `&amp;` in a link is one `&` of the URL, whether it is an attribute (Atom `href`) or text (RSS `<link>`).
    @Test(arguments: [
        ("escaped-urls.atom.xml", "https://policydesk.example/brief?id=42&page=2"),
        ("escaped-urls.rss.xml", "https://www.globalwire.example/brief?id=7&lang=en"),
    ])
    func escapedAmpersandsInLinksAreDecoded(fixture: String, canonicalURL: String) throws {
        let feeds = try FeedServer([("/feed", fixture)])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/feed")])

        let run = try sandbox.once()
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")
        let records = try sandbox.archive()
        #expect(records.count == 1)
        #expect(records.first?["url"] == .string(canonicalURL), "decoded, tracking parameter dropped")
    }

    /// The same GUID published again with changed text: a new record that names the earlier one in `revision_of`.
    @Test func changedItemIsArchivedAsARevision() throws {
        let feeds = try Self.twoFeeds()
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let rss = feeds.url("/world.rss")
        try sandbox.writeFeeds([rss])
        let first = try sandbox.once()
        #expect(first.exitCode == 0, "stderr:\n\(first.stderr)")
        let before = try sandbox.archive()
        let original = try #require(before.first { $0["guid"] == .string("gw-2025-0725-014") })

        let corrected = try Fixture.text("world-wire.rss.xml").replacingOccurrences(
            of: "widening the rivalry over computing power.",
            with: "widening the rivalry over computing power. Corrects the effective date to September 1.")
        #expect(corrected != (try Fixture.text("world-wire.rss.xml")))
        feeds.document("/world.rss").update(body: corrected, etag: "\"world-wire-corrected\"", lastModified: nil)
        let second = try sandbox.once()
        #expect(second.exitCode == 0, "stderr:\n\(second.stderr)")

        let after = try sandbox.archive()
        #expect(after.count == before.count + 1)
        let revision = try #require(after.last)
        #expect(revision["guid"] == .string("gw-2025-0725-014"))
        #expect(revision.id != original.id)
        #expect(revision["revision_of"] == .string(original.id))
        #expect(revision["summary"]?.string?.contains("September 1") == true)
        let items = second.log.events("item")
        #expect(items.map { $0["id"] } == [revision.id])
        #expect(items.first?["revision_of"] == original.id)
    }
}
