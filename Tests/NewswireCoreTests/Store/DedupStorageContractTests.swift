import Foundation
import Testing
@testable import NewswireCore

/// `DedupStorage`'s contract on every backend (see `StorageBackend`): the dedup dev set's items, in file
/// order, get the same near-duplicate, root and story decisions from the deduper over each store.
@Suite struct DedupStorageContractTests {
    typealias Decision = (root: String, story: String, nearDuplicateOf: String?)

    static func decisions(_ backend: StorageBackend, items: [DedupEvaluation.Item], now: Date) throws -> [String] {
        let (storage, dispose) = try backend.makeDedup()
        defer { dispose() }
        return try decisions(over: storage, items: items, now: now)
    }

    /// Each new item's root, story and copy decision, in file order.
    static func decisions(over storage: DedupStorage, items: [DedupEvaluation.Item], now: Date) throws -> [String] {
        let index = DedupIndex(storage: storage)
        let deduper = Deduper()
        var seen = Set<String>()
        var out: [String] = []
        for item in items {
            let body = item.body
            let hash = ContentHash.of(title: item.title, body: body, url: item.url)
            guard seen.insert(hash).inserted else { continue }
            let links = try deduper.links(itemID: hash, title: item.title, body: body, revisionOf: nil, now: now, in: index)
            try deduper.register(itemID: hash, links, fetched: now, in: index)
            out.append("\(item.id) root=\(links.root.prefix(12)) story=\(links.story.prefix(12)) copy=\(links.nearDuplicateOf.map { String($0.prefix(12)) } ?? "-")")
        }
        return out
    }

    @Test func everyBackendDecidesTheDevSetAsSQLiteDoes() throws {
        let items = try DedupEvaluation.loadItems(DedupEvalTests.evalDir.appendingPathComponent("dedup-dev.jsonl").path)
        let now = Date(timeIntervalSince1970: 1_753_500_000)
        let reference = try Self.decisions(.sqlite, items: items, now: now)
        // Not a vacuous comparison: the set has copies and multi-item stories.
        #expect(reference.contains { !$0.hasSuffix("copy=-") })
        let stories = Dictionary(grouping: reference, by: { $0.split(separator: " ")[2] })
        #expect(stories.values.contains { $0.count > 1 })
        for backend in StorageBackend.available where backend != .sqlite {
            let got = try Self.decisions(backend, items: items, now: now)
            #expect(got == reference, "\(backend.rawValue) differs from sqlite")
        }
    }

    @Test(arguments: StorageBackend.available)
    func anEntryIsRegisteredOnceAndReadsBack(_ backend: StorageBackend) throws {
        let (storage, dispose) = try backend.makeDedup()
        defer { dispose() }
        let entry = DedupEntry(itemID: "a", root: "a", story: "s", keys: [5, -3, Int64.max, Int64.min, 0, 9, 8, 7, 6, 4])
        let vector: [UInt8] = [0, 1, 0x5c, 0x78, 255, 128]
        let seq = try #require(try storage.insertDedupEntry(entry, vector: vector, indexedKeys: 9, fetched: 100))
        #expect(try storage.insertDedupEntry(entry, vector: vector, indexedKeys: 9, fetched: 100) == nil)
        #expect(try storage.newestDedupSeq() == seq)
        #expect(try storage.dedupEntry(seq: seq) == entry)
        #expect(try storage.dedupEntry(itemID: "a") == entry)
        #expect(try storage.storyVector(seq: seq)?.vector == .encoded(vector))
        #expect(try storage.nearDuplicateCandidates(keys: [5, 4, 42], perKeyLimit: 64) == [seq: 1])  // 4 is the 10th key: not indexed
        #expect(try storage.firstDedupSeq(since: 100) == seq)
        #expect(try storage.firstDedupSeq(since: 101) == Int64.max)
        try storage.insertStoryPostings(seq: seq, terms: [11, 12])
        var postings: [Int64] = []
        try storage.forEachStoryPosting(term: 11, sinceSeq: nil, limit: 10) { postings.append($0) }
        #expect(postings == [seq])
        try storage.addDocumentFrequencies([(term: 11, count: 2), (term: 12, count: 1)])
        try storage.addDocumentFrequencies([(term: 11, count: 1)])
        var df: [Int64: Int] = [:]
        try storage.forEachDocumentFrequency(terms: [11, 12, 13]) { df[$0] = $1 }
        #expect(df == [11: 3, 12: 1])
    }
}

extension StorageBackend {
    /// A new, empty store of this kind as dedup storage, and what removes it.
    func makeDedup() throws -> (storage: DedupStorage, dispose: () -> Void) {
        let (s, dispose) = try make()
        return (s as! DedupStorage, dispose)
    }
}
