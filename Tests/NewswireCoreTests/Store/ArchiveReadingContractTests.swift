import Foundation
import Testing
@testable import NewswireCore

/// `ArchiveReading` on PostgreSQL against SQLite: the corpus through the whole pipeline into each store (as
/// `PipelineOverEveryStoreTests`), then every archive command's read compared. Export is byte for byte, tail,
/// show and the counts equal; a search finds the same items for plain words (ranking differs: BM25 against
/// ts_rank_cd), its best hit contains the word, and its snippet marks it.
@Suite(.enabled(if: StorageBackend.pgURL != nil, "NEWSWIRED_PG_URL not set: no PostgreSQL server to test"))
struct ArchiveReadingContractTests {
    /// The two stores, filled once for all the checks (the pipeline over the corpus takes seconds).
    final class Stores {
        let sqlite: ItemStore
        let pg: PostgresStore
        let dispose: () -> Void
        let temp = TempState()

        init() throws {
            let documents = try PipelineOverEveryStoreTests.documents()
            let url = try #require(StorageBackend.pgURL)
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let pg = try PostgresStore(url: url, schema: schema)
            let sqlite = try ItemStore(stateDirectory: temp.url.appendingPathComponent("sqlite"))
            let model = try TopicModel.load(contentsOf: Paths.model)
            let now = Date(timeIntervalSince1970: 1_753_500_000)
            for (name, storage) in [("sqlite", sqlite as any PipelineStorage), ("pg", pg as any PipelineStorage)] {
                let dir = temp.url.appendingPathComponent(name)
                let p = Pipeline(storage: storage, store: try ItemStore(stateDirectory: dir), archive: ArchiveWriter(stateDirectory: dir),
                                 classifier: TopicClassifier(model: model),
                                 policy: SchedulePolicy(poll: DaemonConfig.Poll(), backoff: DaemonConfig.Backoff()))
                p.itemLog.logLevel = .warning
                for (feed, body) in documents {
                    _ = p.handle(feed: FeedConfig(url: feed), outcome: PipelineStoreErrorTests.ok(body, url: feed), now: now)
                }
                p.commitAndArchive()
            }
            self.sqlite = sqlite
            self.pg = pg
            dispose = { try? pg.db.execute("DROP SCHEMA \(schema) CASCADE") }
        }

        deinit { dispose() }

        var both: [(String, any ArchiveReading)] { [("sqlite", sqlite), ("postgresql", pg)] }
    }

    @Test func everyArchiveReadAgreesWithSQLite() throws {
        let s = try Stores()
        try Self.exportIsByteForByteTheSameAndTheDayFiles(s)
        try Self.countsStatsAndWalksAreTheSame(s)
        try Self.tailGivesTheSameLastItemsAndFollowsFromTheTop(s)
        try Self.showResolvesPrefixesAndReadsTheSameRelations(s)
        var found = 0
        // Not "the": one item has "Kerala.The", which PostgreSQL's parser reads as one word (a host name, README).
        for word in ["china", "regulation", "governance", "openai", "chips", "ai", "policy", "said"] {
            found += try Self.searchFindsTheSameItemsForAWord(s, word)
        }
        #expect(found >= 5, "most of the words occur in the corpus: \(found)")
        try Self.phrasesOrAndNotMeanWhatTheyMeanOnSQLite(s)
    }

    static let filters: [ItemFilter] = [
        ItemFilter(),
        ItemFilter(relevantOnly: true),
        ItemFilter(topics: ["us-china-rivalry", "governance-body"]),
        ItemFilter(feed: "http://127.0.0.1/republisher.xml"),
        ItemFilter(since: Date(timeIntervalSince1970: 1_753_400_000), until: Date(timeIntervalSince1970: 1_753_600_000)),
        ItemFilter(since: Date(timeIntervalSince1970: 1_753_600_000)),
    ]

    static func export(_ store: any ArchiveReading, _ filter: ItemFilter) throws -> [UInt8] {
        var all: [UInt8] = []
        try store.writeArchiveLines(filter: filter, flushAt: 64 << 10) { bytes, _ throws(StoreError) in
            all += bytes
            bytes.removeAll(keepingCapacity: true)
        }
        return all
    }

    static func exportIsByteForByteTheSameAndTheDayFiles(_ s: Stores) throws {
        let reference = try Self.export(s.sqlite, ItemFilter())
        #expect(reference.count > 100_000)
        #expect(try Self.export(s.pg, ItemFilter()) == reference)
        let dayFiles = s.temp.url.appendingPathComponent("pg/archive")
        let archived = try FileManager.default.contentsOfDirectory(atPath: dayFiles.path).sorted()
            .flatMap { try Array(Data(contentsOf: dayFiles.appendingPathComponent($0))) }
        #expect(try Self.export(s.pg, ItemFilter()) == archived)
        for filter in Self.filters.dropFirst() {
            #expect(try Self.export(s.pg, filter) == (try Self.export(s.sqlite, filter)), "\(filter)")
        }
    }

    static func countsStatsAndWalksAreTheSame(_ s: Stores) throws {
        for filter in Self.filters {
            #expect(try s.pg.count(filter: filter) == (try s.sqlite.count(filter: filter)), "\(filter)")
            #expect(try s.pg.stats(filter: filter) == (try s.sqlite.stats(filter: filter)), "\(filter)")
            func ids(_ store: any ArchiveReading) throws -> [String] {
                var out: [String] = []
                try store.forEachItem(filter: filter, afterSeq: 0, archivedOnly: true) { _, r in out.append(r.id) }
                return out
            }
            #expect(try ids(s.pg) == (try ids(s.sqlite)), "\(filter)")
        }
        #expect(try s.sqlite.count(filter: ItemFilter(relevantOnly: true)) > 0)
        #expect(try s.sqlite.stats(filter: ItemFilter()).perTopic.count > 1)
    }

    static func tailGivesTheSameLastItemsAndFollowsFromTheTop(_ s: Stores) throws {
        for filter in [ItemFilter(), ItemFilter(relevantOnly: true)] {
            let a = try s.sqlite.lastArchivedItems(10, filter: filter), b = try s.pg.lastArchivedItems(10, filter: filter)
            #expect(a.items.count == min(10, try s.sqlite.count(filter: filter)))
            #expect(b.items.map(\.1) == a.items.map(\.1))
            #expect(b.maxSeq == (try s.pg.maxSeq()))
            #expect(try s.pg.firstUnarchivedSeq(after: 0) == nil)
            // A follower from the tenth last item on sees the last nine, as on SQLite.
            var after: [String] = []
            try s.pg.forEachItem(filter: filter, afterSeq: b.items[0].0, archivedOnly: true) { _, r in after.append(r.id) }
            #expect(after == b.items.dropFirst().map(\.1.id))
        }
    }

    static func showResolvesPrefixesAndReadsTheSameRelations(_ s: Stores) throws {
        var all: [ArchiveRecord] = []
        try s.sqlite.forEachItem(filter: ItemFilter(), afterSeq: 0, archivedOnly: false) { _, r in all.append(r) }
        // Items with relations of each kind, and a plain one.
        let picks = [all.first { $0.nearDuplicateOf != nil }, all.first { $0.revisionOf != nil }, all.first { $0.story != $0.id }, all.first]
            .compactMap { $0 }
        #expect(picks.count >= 3)
        for r in picks {
            let prefix = String(r.id.prefix(8))
            #expect(try s.pg.resolveItemID(prefix) == r.id)
            #expect(try s.pg.resolveItemID(prefix.uppercased()) == r.id)
            let a = try #require(try s.sqlite.details(id: r.id)), b = try #require(try s.pg.details(id: r.id))
            #expect(b.record == a.record)
            #expect(b.sightings == a.sightings)
            #expect(b.revisions == a.revisions && b.revises == a.revises)
            #expect(b.nearDuplicates == a.nearDuplicates && b.nearDuplicateOf == a.nearDuplicateOf)
            #expect(b.story == a.story)
        }
        #expect(try s.pg.resolveItemID("ffffffffff") == nil)
        #expect(try s.pg.details(id: String(repeating: "0", count: 64)) == nil)
        #expect(throws: StoreError.self) { try s.pg.resolveItemID("xyz123") }
        // A prefix that names two items is an error on both.
        let sorted = all.map(\.id).sorted()
        if let pair = zip(sorted, sorted.dropFirst()).first(where: { $0.prefix(6) == $1.prefix(6) }) {
            #expect(throws: StoreError.self) { try s.pg.resolveItemID(String(pair.0.prefix(6))) }
        }
    }

    /// How many items the word finds.
    @discardableResult
    static func searchFindsTheSameItemsForAWord(_ s: Stores, _ word: String) throws -> Int {
        for filter in [ItemFilter(), ItemFilter(relevantOnly: true)] {
            let a = try s.sqlite.rankedMatches(word, filter: filter, limit: 5000)
            let b = try s.pg.rankedMatches(word, filter: filter, limit: 5000)
            #expect(Set(b.map(\.seq)).count == b.count)
            let idsA = Set(try s.sqlite.hits(a, query: word).map(\.record.id))
            let hitsB = try s.pg.hits(b, query: word)
            let idsB = Set(hitsB.map(\.record.id))
            #expect(idsB == idsA, "\(word) \(filter): only SQLite \(idsA.subtracting(idsB).sorted().prefix(3)), only PostgreSQL \(idsB.subtracting(idsA).sorted().prefix(3))")
            // Best first, then store order; the top hit has the word, and every snippet marks it.
            #expect(zip(b, b.dropFirst()).allSatisfy { $0.rank < $1.rank || ($0.rank == $1.rank && $0.seq < $1.seq) })
            if let top = hitsB.first {
                let text = [top.record.title, top.record.summary, top.record.content].compactMap { $0 }.joined(separator: " ").lowercased()
                #expect(text.contains(word))
            }
            for h in hitsB.prefix(20) {
                #expect(h.snippet.lowercased().contains("\(SearchHit.matchStart)\(word)"), "\(h.snippet)")
            }
        }
        // A limit takes the best of them.
        let all = try s.pg.rankedMatches(word, filter: ItemFilter(), limit: 5000)
        #expect(try s.pg.rankedMatches(word, filter: ItemFilter(), limit: 3) == Array(all.prefix(3)))
        return all.isEmpty ? 0 : 1
    }

    static func phrasesOrAndNotMeanWhatTheyMeanOnSQLite(_ s: Stores) throws {
        for query in ["\"artificial intelligence\"", "china OR chips", "china NOT chips", "china AND chips", "regul*", "chin* NOT chip*",
                      "regul* china", "\"artificial intelligence\" gov*"] {
            let a = Set(try s.sqlite.rankedMatches(query, filter: ItemFilter(), limit: 5000).map(\.seq))
            let b = try s.pg.rankedMatches(query, filter: ItemFilter(), limit: 5000)
            #expect(!b.isEmpty || query.hasSuffix("gov*"), "\(query)")
            let idsA = Set(try s.sqlite.hits(a.map { RankedMatch(seq: $0, rank: 0) }, query: query).map(\.record.id))
            #expect(Set(try s.pg.hits(b, query: query).map(\.record.id)) == idsA, "\(query)")
        }
        for query in ["", "   ", "!!!"] {
            #expect(throws: SearchQueryError.self, "\(query)") { try s.pg.rankedMatches(query, filter: ItemFilter(), limit: 20) }
        }
    }

}

@Suite struct WebsearchQueryTests {
    @Test func fts5QueriesBecomeWebsearchQueries() {
        func q(_ s: String) -> [String] { let p = PostgresStore.searchQuery(s); return [p.websearch, p.prefixes] }
        #expect(q("export controls") == ["export controls", ""])
        #expect(q("\"AI Act\" NOT football") == ["\"AI Act\" -football", ""])
        #expect(q("a AND b OR c") == ["a b OR c", ""])
        #expect(q("NEAR(china chips)") == ["china chips", ""])
        #expect(q("\"NOT this AND that\"") == ["\"NOT this AND that\"", ""])
        // Prefixes go to to_tsquery, ANDed; not in a query with OR, where that would change its meaning.
        #expect(q("Export* controls") == ["controls", "export:*"])
        #expect(q("china NOT regul*") == ["china", "!regul:*"])
        #expect(q("export* OR chips") == ["export OR chips", ""])
        #expect(q("u.s* \"a b*\"") == ["u.s \"a b*\"", ""])
    }
}
