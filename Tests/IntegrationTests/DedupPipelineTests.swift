import Foundation
import NewswireCore
import Testing
import TestSupport

/// Deduplication beyond the exact hash, through `newswired once`: syndicated copies in other feeds are archived
/// with `near_duplicate_of` naming the first copy, other outlets' articles on the same event share its `story`.
@Suite struct DedupPipelineTests {
    static let storyTitle = "Lakeshore AI Safety Compact gets a permanent secretariat in Valdoria"

    /// The wire feed alone first (so the original is archived first), then the aggregator and partner feeds.
    @Test func syndicatedCopiesAndSameStoryArticlesAcrossThreeFeeds() throws {
        let feeds = try FeedServer([("/wire.rss", "story-wire.rss.xml"), ("/aggregator.rss", "story-aggregator.rss.xml"),
                                    ("/partner.atom", "story-partner.atom.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let wire = feeds.url("/wire.rss"), aggregator = feeds.url("/aggregator.rss"), partner = feeds.url("/partner.atom")
        try sandbox.writeFeeds([wire])
        let first = try sandbox.once()
        #expect(first.exitCode == 0, "stderr:\n\(first.stderr)")
        try sandbox.writeFeeds([wire, aggregator, partner])
        let second = try sandbox.once()
        #expect(second.exitCode == 0, "stderr:\n\(second.stderr)")

        let records = try sandbox.archive()
        #expect(records.count == 7, "\(records.map { $0.title ?? "-" })")
        for r in records { #expect(r.contractViolations() == [], "\(r.line)") }
        let original = try #require(records.first { $0.feed == wire && $0.title == Self.storyTitle })
        #expect(original["near_duplicate_of"] == .null)
        #expect(original["story"] == .string(original.id), "the first item of a story names it")

        // The two syndicated copies: a new headline, dateline and teasers; a byline, truncation and share buttons.
        let aggCopy = try #require(records.first { $0.feed == aggregator && $0.title?.hasPrefix("Twenty-three nations") == true })
        let partnerCopy = try #require(records.first { $0.feed == partner && $0.title == Self.storyTitle })
        for copy in [aggCopy, partnerCopy] {
            #expect(copy.id != original.id)
            #expect(copy["near_duplicate_of"] == .string(original.id), "\(copy.line)")
            #expect(copy["story"] == .string(original.id))
        }
        // Other outlets' own articles on the same event: not copies, the same story.
        for prefix in ["Valdoria to host AI testing office", "Valdoria summit:"] {
            let article = try #require(records.first { $0.title?.hasPrefix(prefix) == true })
            #expect(article["near_duplicate_of"] == .null, "\(prefix)")
            #expect(article["story"] == .string(original.id), "\(prefix)")
        }
        // Unrelated items (one of them quoted in the aggregator copy's teaser) start stories of their own.
        for prefix in ["Heavy rain delays", "City council approves"] {
            let item = try #require(records.first { $0.title?.hasPrefix(prefix) == true })
            #expect(item["near_duplicate_of"] == .null)
            #expect(item["story"] == .string(item.id), "\(prefix)")
        }

        // Every sighting is kept: each copy was seen in its own feed.
        let sightings = try Store.query("""
            SELECT i.id, s.feed_url FROM sightings s JOIN items i ON i.seq = s.item_seq
            WHERE i.id IN ('\(original.id)', '\(aggCopy.id)', '\(partnerCopy.id)')
            ORDER BY s.feed_url
            """, stateDir: sandbox.state)
        #expect(Set(sightings.map { $0.joined(separator: " ") }) == [
            "\(original.id) \(wire)", "\(aggCopy.id) \(aggregator)", "\(partnerCopy.id) \(partner)",
        ])

        // The log names the link on each copy's item line.
        let items = second.log.events("item")
        #expect(items.count == 5)
        #expect(Set(items.compactMap { $0["near_duplicate_of"] }) == [original.id])
        #expect(items.filter { $0["near_duplicate_of"] != nil }.count == 2)
        #expect(items.first { $0["id"] == aggCopy.id }?["story"] == original.id)
    }

    /// The daemon counts the copies in `newswired_items_total{kind="near_duplicate"}` (whichever feed comes first,
    /// two of the three copies of the story are linked to it).
    @Test func nearDuplicatesAreCountedInTheMetrics() throws {
        let feeds = try FeedServer([("/wire.rss", "story-wire.rss.xml"), ("/aggregator.rss", "story-aggregator.rss.xml"),
                                    ("/partner.atom", "story-partner.atom.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds([feeds.url("/wire.rss"), feeds.url("/aggregator.rss"), feeds.url("/partner.atom")])
        let daemon = try OperationsTests.start(sandbox, config: try OperationsTests.writeConfig(sandbox, "metrics:\n  listen: 127.0.0.1:0\n"))
        let log = daemon.waitForLog(timeout: 10) { $0.events("fetch").count >= 3 && !$0.events("metrics").isEmpty }
        let listen = try #require(log.events("metrics").first?["listen"], "stderr:\n\(daemon.stderr)")
        let port = try #require(UInt16(listen.split(separator: ":").last ?? ""))
        let text = try TestHTTPClient(port: port).get("/metrics").text
        #expect(text.contains("newswired_items_total{kind=\"new\"} 7"), "\(text)")
        #expect(text.contains("newswired_items_total{kind=\"near_duplicate\"} 2"), "\(text)")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
        // Read after exit: a fetch line is written before its item lines.
        #expect(daemon.log.events("item").filter { $0["near_duplicate_of"] != nil }.count == 2)
    }

    /// A revision (same GUID, changed text) keeps `revision_of`, is no near-duplicate, and stays in its story.
    @Test func aRevisionStaysInTheStoryOfTheItemItRevises() throws {
        let feeds = try FeedServer([("/wire.rss", "story-wire.rss.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/wire.rss")])
        #expect(try sandbox.once().exitCode == 0)
        let original = try #require(try sandbox.archive().first { $0.title == Self.storyTitle })

        let corrected = try Fixture.text("story-wire.rss.xml").replacingOccurrences(
            of: "a pool of forty million euros", with: "a pool of forty-five million euros")
        feeds.document("/wire.rss").update(body: corrected, etag: "\"story-wire-corrected\"", lastModified: nil)
        let second = try sandbox.once()
        #expect(second.exitCode == 0, "stderr:\n\(second.stderr)")
        let revision = try #require(try sandbox.archive().last)
        #expect(revision.id != original.id)
        #expect(revision["revision_of"] == .string(original.id))
        #expect(revision["near_duplicate_of"] == .null)
        #expect(revision["story"] == .string(original.id))
        #expect(second.log.events("item").first?["revision_of"] == original.id)
    }
}
