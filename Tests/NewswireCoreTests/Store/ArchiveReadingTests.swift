import Foundation
import Testing
@testable import NewswireCore

/// Store schema 2: the full-text and topic indexes, the reading queries, subscriptions; CSV and OPML output.
@Suite struct ArchiveReadingTests {
    static let day = Date(timeIntervalSince1970: 1_753_488_000)  // 2025-07-26T00:00:00Z

    static func record(_ n: Int, title: String, body: String, topics: [String] = [], relevant: Bool = false,
                       feed: String = "https://a.example/rss", hoursAfter: Double = 0) -> ArchiveRecord {
        ArchiveRecord(id: ContentHash.of(title: title, body: body), feed: feed, guid: "g\(n)", url: "https://news.example/\(n)",
                      title: title, published: nil, fetched: day.addingTimeInterval(hoursAfter * 3600), author: nil,
                      categories: [], summary: body, content: nil, relevant: relevant, relevance: relevant ? 0.8 : 0.1,
                      topics: topics.map { TopicScore(id: $0, score: 0.7, terms: []) })
    }

    static let corpus = [
        record(1, title: "Export controls on AI chips tightened", body: "The commerce department widened export controls.",
               topics: ["us-china-rivalry", "compute-infrastructure"], relevant: true, hoursAfter: 1),
        record(2, title: "Chip makers react", body: "Industry groups criticised the new export controls on chips.",
               topics: ["compute-infrastructure"], relevant: false, feed: "https://b.example/atom", hoursAfter: 30),
        record(3, title: "EU AI Act enters into force", body: "Obligations apply in stages; controls on exports are not part of it.",
               topics: ["regulation-standards"], relevant: true, hoursAfter: 50),
        record(4, title: "Football final tonight", body: "Nothing about chips or controls here.", hoursAfter: 2),
    ]

    static func populatedStore(_ tmp: TempState) throws -> ItemStore {
        let store = try ItemStore(stateDirectory: tmp.url)
        try store.transaction { for r in corpus { try store.insertItem(r, language: "en") } }
        return store
    }

    func ids(_ hits: [SearchHit]) -> [String] { hits.map(\.record.id) }

    @Test func searchRanksAndFilters() throws {
        let tmp = TempState()
        let store = try Self.populatedStore(tmp)
        let c = Self.corpus
        // Both words, in any column; the title match ranks first.
        #expect(Set(ids(try store.search("export controls"))) == [c[0].id, c[1].id])
        #expect(ids(try store.search("export controls")).first == c[0].id)
        #expect(Set(ids(try store.search("controls"))) == [c[0].id, c[1].id, c[2].id, c[3].id])
        #expect(ids(try store.search("\"export controls\"", filter: ItemFilter(topics: ["us-china-rivalry"]))) == [c[0].id])
        #expect(Set(ids(try store.search("controls", filter: ItemFilter(topics: ["us-china-rivalry", "regulation-standards"]))))
                == [c[0].id, c[2].id])
        #expect(Set(ids(try store.search("controls", filter: ItemFilter(relevantOnly: true)))) == [c[0].id, c[2].id])
        #expect(ids(try store.search("controls", filter: ItemFilter(feed: "https://b.example/atom"))) == [c[1].id])
        let since = Self.day.addingTimeInterval(24 * 3600)
        #expect(Set(ids(try store.search("controls", filter: ItemFilter(since: since)))) == [c[1].id, c[2].id])
        #expect(Set(ids(try store.search("controls", filter: ItemFilter(until: since)))) == [c[0].id, c[3].id])
        #expect(try store.search("controls", limit: 2).count == 2)
        #expect(try store.search("controls", filter: ItemFilter(relevantOnly: true, feed: "https://b.example/atom")).isEmpty)
        // Prefix queries and diacritics folding.
        #expect(Set(ids(try store.search("crit*"))) == [c[1].id])
    }

    /// The order is BM25 as SQLite's FTS5 computes it (`ORDER BY rank`), equal scores in store order, with and
    /// without filters, however far down the ranking a filter has to look for its `limit` items.
    @Test func searchOrderIsBM25ThenStoreOrder() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        // 160 items about chips. Four in a row share a body length, and every other one a title shape, so
        // scores tie in pairs; every 16th is in feed b, every 5th relevant, every 4th has a topic, every 37th
        // another (rare filters make the search look through several batches of candidates).
        let corpus = (0..<160).map { n in
            Self.record(100 + n, title: n % 2 == 0 ? "Chips \(n)" : "Semiconductor chips report \(n)",
                        body: "chips export " + String(repeating: "word ", count: n / 4),
                        topics: (n % 4 == 0 ? ["compute-infrastructure"] : []) + (n % 37 == 5 ? ["ai-risks"] : []),
                        relevant: n % 5 == 0, feed: n % 16 == 3 ? "https://b.example/atom" : "https://a.example/rss")
        }
        try store.transaction { for r in corpus { try store.insertItem(r, language: "en") } }
        func expected(_ query: String, _ condition: String, limit: Int) throws -> [String] {
            try store.db.query("""
                SELECT i.id FROM items_fts f JOIN items i ON i.seq = f.rowid WHERE items_fts MATCH ?\(condition)
                ORDER BY bm25(items_fts, 10.0, 3.0, 1.0), f.rowid LIMIT ?
                """, [.text(query), .integer(Int64(limit))]).compactMap { $0[0].text }
        }
        let topic = " AND EXISTS (SELECT 1 FROM item_topics t WHERE t.topic = 'compute-infrastructure' AND t.seq = f.rowid)"
        let cases: [(ItemFilter, String)] = [
            (ItemFilter(), ""),
            (ItemFilter(topics: ["compute-infrastructure"]), topic),
            (ItemFilter(relevantOnly: true), " AND i.relevant = 1"),
            (ItemFilter(feed: "https://b.example/atom"), " AND i.feed_url = 'https://b.example/atom'"),
            (ItemFilter(topics: ["compute-infrastructure"], relevantOnly: true), topic + " AND i.relevant = 1"),
            (ItemFilter(topics: ["ai-risks"]), topic.replacingOccurrences(of: "compute-infrastructure", with: "ai-risks")),
            (ItemFilter(topics: ["no-such-topic"]), " AND 0"),
        ]
        for query in ["chips", "chips export", "semiconductor OR word", "chip*"] {
            for (filter, condition) in cases {
                for limit in [1, 5, 20, 200] {
                    let hits = try store.search(query, filter: filter, limit: limit)
                    #expect(ids(hits) == (try expected(query, condition, limit: limit)), "\(query) \(filter) limit \(limit)")
                }
            }
        }
        // The corpus does tie: equal scores follow store order.
        let all = try store.search("chips", limit: 200)
        #expect(Set(all.map(\.rank)).count < all.count)
    }

    @Test func snippetsMarkTheMatches() throws {
        let tmp = TempState()
        let store = try Self.populatedStore(tmp)
        let hit = try #require(try store.search("commerce").first)
        #expect(hit.snippet.contains("\u{1}commerce\u{2}"), "\(hit.snippet)")
    }

    @Test(arguments: ["\"unterminated", "U.S.", "AND", "nosuchcolumn: x", "   ", "NEAR(a b"])
    func badQueriesAreClearErrors(query: String) throws {
        let tmp = TempState()
        let store = try Self.populatedStore(tmp)
        #expect(throws: SearchQueryError.self) { try store.search(query) }
        // The store is still usable afterwards.
        #expect(try store.search("chips").count == 3)
    }

    /// The topic index follows a row's topics (the full-text index keeps no text since schema 12, and items are
    /// never updated or deleted, so it has no triggers).
    @Test func theTopicIndexFollowsUpdatesAndDeletes() throws {
        let tmp = TempState()
        let store = try Self.populatedStore(tmp)
        let c = Self.corpus
        try store.db.execute("UPDATE items SET topics = '[{\"id\":\"ai-risks\",\"score\":0.5,\"terms\":[]}]' WHERE id = '\(c[3].id)'")
        #expect(ids(try store.search("football", filter: ItemFilter(topics: ["ai-risks"]))) == [c[3].id])
        try store.db.execute("DELETE FROM items WHERE id = '\(c[0].id)'")
        #expect(try store.db.query("SELECT count(*) FROM item_topics WHERE topic = 'us-china-rivalry'").first?.first?.int == 0)
    }

    /// A transaction with more new items than one indexing statement takes: every one is searchable.
    @Test func aLargeTransactionIsIndexedInChunks() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        let dedup = DedupIndex(storage: store)
        let n = Int(ItemStore.indexChunk) * 2 + 7
        try store.transaction {
            for i in 0..<n {
                var r = Self.corpus[0]
                r.id = String(format: "%064x", i)
                r.title = "bulk item \(i)" + (i == n - 1 ? " lastone" : "")
                try store.insertItem(r, language: "en")
                // Other tables' rowids move on too: the chunks follow the items' own.
                try dedup.registerDedup(DedupEntry(itemID: r.id, root: r.id, story: r.id), vector: [],
                                        keys: [], terms: [], fetched: 0)
            }
        }
        #expect(try store.db.int("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'bulk'") == Int64(n))
        #expect(try store.search("lastone").count == 1)
    }

    @Test func aVersion1StoreUpgradesInPlaceAndIndexesItsItems() throws {
        let tmp = TempState()
        do {
            let store = try Self.populatedStore(tmp)
            // Take the store back to schema 1: what a store written before this change looks like.
            try store.db.execute("""
                DROP TABLE items_fts; DROP TABLE item_topics; DROP TABLE subscriptions;
                DROP INDEX items_by_fetched; DROP INDEX items_by_feed; DROP INDEX items_by_revision_of;
                DROP INDEX items_by_near_duplicate_of; DROP INDEX items_by_story;
                DROP TRIGGER IF EXISTS items_fts_insert; DROP TRIGGER IF EXISTS items_fts_delete; DROP TRIGGER IF EXISTS items_fts_update;
                DROP TRIGGER item_topics_insert; DROP TRIGGER item_topics_delete; DROP TRIGGER item_topics_update;
                ALTER TABLE feeds DROP COLUMN current_url;
                PRAGMA user_version = 1;
                """)
            #expect(try store.db.query("SELECT count(*) FROM sqlite_master WHERE name LIKE 'items_fts%'").first?.first?.int == 0)
        }
        // The reading commands' open finds the old schema and opens read-write, which upgrades; once the schema
        // is current it opens read-only.
        let upgraded = try ItemStore.openForReading(stateDirectory: tmp.url)
        #expect(try upgraded.db.query("PRAGMA user_version").first?.first?.int == Int64(ItemStore.schemaVersion))
        #expect(throws: StoreError.self) {
            try ItemStore.openForReading(stateDirectory: tmp.url).insertItem(Self.record(10, title: "New", body: "New."), language: nil)
        }
        #expect(Set(ids(try upgraded.search("export controls"))) == [Self.corpus[0].id, Self.corpus[1].id])
        #expect(ids(try upgraded.search("chips", filter: ItemFilter(topics: ["us-china-rivalry"]))) == [Self.corpus[0].id])
        #expect(try upgraded.subscriptions().isEmpty)
        // A second process that read version 1 before the first upgraded finds the step done, under the lock.
        try ItemStore.migrator.apply(version: 2, to: upgraded.db)
        #expect(try upgraded.db.query("SELECT count(*) FROM sqlite_master WHERE name = 'items_fts'").first?.first?.int == 1)
        // Items inserted after the upgrade are indexed too.
        let r = Self.record(9, title: "Shanghai conference opens", body: "WAIC begins.", topics: ["shanghai-waic"])
        try upgraded.insertItem(r, language: "en")
        #expect(ids(try upgraded.search("waic", filter: ItemFilter(topics: ["shanghai-waic"]))) == [r.id])
    }

    /// The pipeline's batch: feeds in savepoints of one transaction, the full-text index written at its commit.
    @Test func itemsOfABatchAreIndexedWhenItCommitsAndARolledBackFeedLeavesNoEntry() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        let kept = Self.record(1, title: "Shanghai delegates agree", body: "A cooperation body for AI.")
        let undone = Self.record(2, title: "Shanghai delegates disagree", body: "No cooperation body for AI.")
        let later = Self.record(3, title: "Shanghai delegates return", body: "Talks resume.")
        struct Boom: Error {}
        try store.beginBatch()
        try store.savepoint { try store.insertItem(kept, language: "en") }
        #expect(throws: Boom.self) {
            try store.savepoint {
                try store.insertItem(undone, language: "en")
                throw Boom()
            }
        }
        try store.savepoint { try store.insertItem(later, language: "en") }
        try store.commitBatch()
        #expect(Set(ids(try store.search("shanghai delegates"))) == [kept.id, later.id])
        #expect(try store.db.query("SELECT count(*) FROM items").first?.first?.int == 2)
        // The index agrees with its content table (FTS5's own consistency check).
        try store.db.execute("INSERT INTO items_fts(items_fts, rank) VALUES('integrity-check', 1)")
        // Outside a transaction an item is indexed at once.
        let single = Self.record(4, title: "Lone item", body: "Indexed immediately.")
        try store.insertItem(single, language: "en")
        #expect(ids(try store.search("lone")) == [single.id])
        try store.db.execute("INSERT INTO items_fts(items_fts, rank) VALUES('integrity-check', 1)")
    }

    @Test func storedArchiveLinesMatchTheContractWriterByteForByte() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        var odd = Self.record(7, title: "Quotes \"here\" & <there>\nnew line\ttab \u{1} ctl — 中文", body: "back\\slash",
                              topics: ["ai-risks", "open-source"], relevant: true)
        odd.published = Self.day
        odd.author = "Ann"
        odd.categories = ["a,b", "c\"d"]
        odd.content = "Content with émoji 🎉"
        odd.relevance = 0.123456
        odd.revisionOf = String(repeating: "a", count: 64)
        let records = Self.corpus + [odd]
        try store.transaction { for r in records { try store.insertItem(r, language: nil) } }
        var bytes: [UInt8] = []
        var flushes = 0
        try store.writeArchiveLines(flushAt: 200) { buf, _ in
            bytes += buf
            buf.removeAll()
            flushes += 1
        }
        #expect(String(decoding: bytes, as: UTF8.self) == records.map { $0.jsonLine() + "\n" }.joined())
        #expect(flushes > 1, "flushed as the buffer passed its limit")
        var seen: [ArchiveRecord] = []
        try store.forEachItem { _, r in seen.append(r) }
        #expect(seen == records)
    }

    @Test func tailQueriesSeeOnlyArchivedItemsInOrder() throws {
        let tmp = TempState()
        let store = try Self.populatedStore(tmp)
        #expect(try store.lastArchivedItems(10).items.isEmpty, "nothing is archived yet")
        try archiveAndMark(Array(Self.corpus.prefix(3)), in: store, tmp)
        let (last, top) = try store.lastArchivedItems(2)
        #expect(last.map(\.1.id) == [Self.corpus[1].id, Self.corpus[2].id])
        #expect(top == 4)
        #expect(try store.firstUnarchivedSeq(after: 0) == 4)
        #expect(try store.lastArchivedItems(10, filter: ItemFilter(relevantOnly: true)).items.map(\.1.id) == [Self.corpus[0].id, Self.corpus[2].id])
    }

    @Test func detailsAndIDPrefixes() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        let first = Self.record(1, title: "Original", body: "v1")
        var revision = Self.record(2, title: "Original", body: "v2")
        revision.revisionOf = first.id
        revision.story = "s1"
        var copy = Self.record(3, title: "Copy", body: "v1 syndicated", feed: "https://b.example/atom")
        copy.nearDuplicateOf = first.id
        copy.story = "s1"
        try store.transaction {
            for r in [first, revision, copy] {
                try store.insertItem(r, language: nil)
                try store.recordSighting(itemID: r.id, feedURL: r.feed, guid: r.guid, url: r.url, at: r.fetched)
            }
        }
        let d = try #require(try store.details(id: first.id))
        #expect(d.revisions.map(\.id) == [revision.id])
        #expect(d.nearDuplicates.map(\.id) == [copy.id])
        #expect(d.sightings.count == 1)
        let r = try #require(try store.details(id: revision.id))
        #expect(r.revises?.id == first.id)
        #expect(r.story.map(\.id) == [copy.id])
        #expect(try store.details(id: copy.id)?.nearDuplicateOf?.id == first.id)
        #expect(try store.resolveItemID(String(first.id.prefix(12))) == first.id)
        #expect(try store.resolveItemID(String(repeating: "f", count: 12)) == nil)
        #expect(throws: StoreError.self) { try store.resolveItemID("abc") }
    }

    /// A story's first item has the story's id as its own and is not in `items_by_story`; it is still one of
    /// its story's items (schema 14).
    @Test func aStoryIncludesItsFirstItem() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        var first = Self.record(1, title: "Summit opens", body: "a")
        first.story = first.id
        var second = Self.record(2, title: "Summit day two", body: "b", feed: "https://b.example/atom")
        second.story = first.id
        var alone = Self.record(3, title: "Weather", body: "c")
        alone.story = alone.id
        try store.transaction {
            for r in [first, second, alone] {
                try store.insertItem(r, language: nil)
                try store.recordSighting(itemID: r.id, feedURL: r.feed, guid: r.guid, url: r.url, at: r.fetched)
            }
        }
        #expect(try store.details(id: first.id)?.story.map(\.id) == [second.id])
        #expect(try store.details(id: second.id)?.story.map(\.id) == [first.id])
        #expect(try store.details(id: alone.id)?.story.isEmpty == true)
        #expect(try store.storyOutlets(story: first.id) == 2)
        #expect(try store.storyOutlets(story: alone.id) == 1)
        #expect(try store.db.int("SELECT count(*) FROM items INDEXED BY items_by_story WHERE story <> id") == 1)
    }

    @Test func statsCount() throws {
        let tmp = TempState()
        let store = try Self.populatedStore(tmp)
        let s = try store.stats()
        #expect(s.items == 4 && s.relevant == 2)
        #expect(s.perDay.map(\.key) == ["2025-07-26", "2025-07-27", "2025-07-28"])
        #expect(s.perDay.map(\.items) == [2, 1, 1])
        #expect(s.perTopic.first == ArchiveStats.Row(key: "compute-infrastructure", items: 2, relevant: 1))
        #expect(s.perFeed.first { $0.key == "https://b.example/atom" }?.items == 1)
        #expect(try store.count(filter: ItemFilter(topics: ["compute-infrastructure"])) == 2)
    }

    @Test func subscriptionsAreKeptOnceAndRemoved() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        let a = FeedConfig(url: "https://a.example/rss", title: "A", tags: ["x", "y"])
        let b = FeedConfig(url: "https://b.example/rss")
        #expect(try store.addSubscriptions([a, b], source: "test") == [a, b])
        #expect(try store.addSubscriptions([a], source: "test").isEmpty)
        #expect(try store.subscriptions() == [a, b])
        #expect(try ItemStore.subscriptions(stateDirectory: tmp.url) == [a, b])
        #expect(try store.removeSubscription(url: a.url))
        #expect(try !store.removeSubscription(url: a.url))
        #expect(try store.subscriptions() == [b])
        let none = TempState()
        #expect(try ItemStore.subscriptions(stateDirectory: none.url).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: none.url.path), "reading creates no store")
    }

    @Test func csvQuotesPerRFC4180() {
        var r = Self.record(1, title: "A \"quoted\", comma", body: "line one\r\nline two")
        r.categories = ["x", "y"]
        let row = ArchiveCSV.row(r)
        #expect(row.hasSuffix("\r\n"))
        #expect(row.contains(",\"A \"\"quoted\"\", comma\","))
        #expect(row.contains(",\"line one\r\nline two\","))
        #expect(row.contains(",x; y,"))
        #expect(ArchiveCSV.header == ArchiveCSV.columns.joined(separator: ",") + "\r\n")
    }

    @Test func timeBounds() {
        let now = Date(timeIntervalSince1970: 1_753_500_000)
        #expect(TimeBound.parse("7d", end: .start, now: now) == now.addingTimeInterval(-7 * 86_400))
        #expect(TimeBound.parse("12h", end: .start, now: now) == now.addingTimeInterval(-12 * 3600))
        #expect(TimeBound.parse("2025-07-26", end: .start) == Self.day)
        #expect(TimeBound.parse("2025-07-26", end: .end) == Self.day.addingTimeInterval(86_400))
        #expect(TimeBound.parse("2025-07-26T10:00:00Z", end: .end) == Self.day.addingTimeInterval(36_000))
        #expect(TimeBound.parse("yesterday", end: .start) == nil)
        #expect(TimeBound.parse("2025-02-30", end: .start) == nil)
    }

    @Test func opmlFoldersRoundTrip() throws {
        let feeds = [
            FeedConfig(url: "https://a.example/rss?x=1&y=2", title: "A & B <news>", tags: ["Policy", "Watch"]),
            FeedConfig(url: "https://b.example/atom", title: "B", tags: ["Policy"]),
            FeedConfig(url: "https://c.example/feed", title: nil, tags: []),
            FeedConfig(url: "https://d.example/rss", title: "D \"quoted\"", tags: ["China Tech"]),
        ]
        let text = OPML.renderFolders(feeds, now: Date(timeIntervalSince1970: 1_753_500_000))
        #expect(text.contains("<dateCreated>Sat, 26 Jul 2025 03:20:00 GMT</dateCreated>"))
        let back = try OPML.parseFeeds(Data(text.utf8), file: "t")
        #expect(Set(back.map(\.url)) == Set(feeds.map(\.url)))
        for f in feeds {
            let b = try #require(back.first { $0.url == f.url })
            #expect(b.tags == f.tags)
            #expect(b.title == (f.title ?? f.url))
        }
    }
}
