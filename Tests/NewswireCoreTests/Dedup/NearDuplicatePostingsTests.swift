import Foundation
import Testing
@testable import NewswireCore

/// The prepare worker reads a lead's near-duplicate postings as of a commit (`ItemLookupConnection`) and the
/// store's thread adds only those registered since, from the two small tables: the candidates are exactly those
/// the store would read itself, wherever the postings are; once a move into `dedup_keys` may have taken later
/// postings there, the store reads them all itself.
@Suite struct NearDuplicatePostingsTests {
    let index = NearDuplicateIndex()

    @Test func postingsReadAheadPlusLaterOnesAreTheStoresCandidates() throws {
        let t = TempState()
        let s = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: s)
        let keys = index.fingerprint(body: wireStory)
        let lead = try #require(index.leadKeys(keys))
        let hashes = lead.map(\.hash)
        var n = 0
        /// An item indexed under the fingerprint less its first `skip` keys, so that the lead's keys have lists
        /// of different lengths.
        func register(skipping skip: Int) throws {
            n += 1
            try dedup.registerDedup(DedupEntry(itemID: "i\(n)", root: "i\(n)", story: "i\(n)"), vector: [],
                                    keys: Array(keys.dropFirst(skip)), terms: [], fetched: 0)
        }
        // Committed postings in all three tables: moved on to `dedup_keys`, moved to the middle table, recent.
        try s.transaction {
            for k in 0..<4 { try register(skipping: k % 3) }
            try s.mergeRecentDedupKeys(limit: 0, middleLimit: 0)
        }
        try s.transaction {
            for k in 0..<4 { try register(skipping: k % 2) }
            try s.mergeRecentDedupKeys(limit: 0, middleLimit: .max)
        }
        try s.transaction { for k in 0..<3 { try register(skipping: k) } }
        for table in ["dedup_keys", "dedup_keys_middle", "dedup_keys_recent"] {
            #expect(try s.db.int("SELECT count(*) FROM \(table)") ?? 0 > 0, "postings in \(table)")
        }

        let reader = try ItemLookupConnection(path: s.path)
        let limits = [2, 5, 64]
        let ahead = try limits.map { limit in
            try #require(reader.nearDuplicatePostings(leads: [hashes], perKeyLimit: limit).first ?? nil)
        }
        #expect(ahead.allSatisfy { $0.throughSeq == 11 })

        try s.transaction {
            for k in 0..<3 { try register(skipping: k) }  // after the read, not committed: the worker cannot see them
            func expectSame(fromSmallTables: Bool, _ when: String) throws {
                for (limit, prefetched) in zip(limits, ahead) {
                    let own = try dedup.nearDuplicateCandidates(keys: lead, perKeyLimit: limit)
                    #expect(try dedup.nearDuplicateCandidates(keys: lead, perKeyLimit: limit, prefetched: prefetched) == own,
                            "limit \(limit), \(when)")
                    #expect(try (s.nearDuplicatePostings(keys: hashes, perKeyLimit: limit, after: 11) != nil) == fromSmallTables)
                    #expect(own.keys.contains(14), "the newest item, registered after the read, is a candidate")
                }
            }
            try expectSame(fromSmallTables: true, "the later postings recent")
            try s.mergeRecentDedupKeys(limit: 0, middleLimit: .max)
            try expectSame(fromSmallTables: true, "the later postings in the middle table")
            try s.mergeRecentDedupKeys(limit: 0, middleLimit: 0)
            try expectSame(fromSmallTables: false, "the later postings moved on to dedup_keys")
        }
    }

    /// Another connection (the webhook worker's, a command's) may commit too, and its commit may move the later
    /// postings into `dedup_keys`: the next write transaction then reads them all itself.
    @Test func anotherConnectionsCommitEndsTheShortcut() throws {
        let t = TempState()
        let s = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: s)
        let keys = index.fingerprint(body: wireStory)
        let lead = try #require(index.leadKeys(keys))
        func register(_ n: Int) throws {
            try dedup.registerDedup(DedupEntry(itemID: "i\(n)", root: "i\(n)", story: "i\(n)"), vector: [],
                                    keys: keys, terms: [], fetched: 0)
        }
        try s.transaction { for n in 1...3 { try register(n) } }
        let ahead = try #require(ItemLookupConnection(path: s.path).nearDuplicatePostings(leads: [lead.map(\.hash)], perKeyLimit: 64).first ?? nil)
        #expect(ahead.throughSeq == 3)
        try s.transaction { for n in 4...5 { try register(n) } }
        let fast = try s.transaction { try s.nearDuplicatePostings(keys: lead.map(\.hash), perKeyLimit: 64, after: 3) }
        #expect(fast != nil, "own commits: the small tables")

        let other = try ItemStore(stateDirectory: t.url)
        try other.transaction { try other.mergeRecentDedupKeys(limit: 0, middleLimit: 0) }
        #expect(try s.db.int("SELECT count(*) FROM dedup_keys WHERE seq > 3") ?? 0 > 0, "later postings moved by the other connection")
        try s.transaction {
            #expect(try s.nearDuplicatePostings(keys: lead.map(\.hash), perKeyLimit: 64, after: 3) == nil)
            let own = try dedup.nearDuplicateCandidates(keys: lead, perKeyLimit: 64)
            #expect(own.keys.sorted() == [1, 2, 3, 4, 5])
            #expect(try dedup.nearDuplicateCandidates(keys: lead, perKeyLimit: 64, prefetched: ahead) == own)
        }
    }

    /// Lists read for other keys or under a smaller limit answer nothing (the store reads all itself), and a feed
    /// reads ahead no more than `maxSeqs` postings: the leads past that are left to the store's thread.
    @Test func listsAnswerOnlyWhatTheyWereReadFor() throws {
        let ahead = NearDuplicatePostings(throughSeq: 10, keys: [1, 2], perKeyLimit: 8, lists: [1: [9]])
        #expect(ahead.answers(keys: [1, 2], perKeyLimit: 8) && ahead.answers(keys: [1, 2], perKeyLimit: 2))
        #expect(!ahead.answers(keys: [1, 2], perKeyLimit: 9))
        #expect(!ahead.answers(keys: [1, 2, 3], perKeyLimit: 8) && !ahead.answers(keys: [1], perKeyLimit: 8))

        let t = TempState()
        let s = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: s)
        let keys = index.fingerprint(body: wireStory)
        let lead = try #require(index.leadKeys(keys)).map(\.hash)
        try s.transaction {
            for n in 1...3 {
                try dedup.registerDedup(DedupEntry(itemID: "i\(n)", root: "i\(n)", story: "i\(n)"), vector: [],
                                        keys: keys, terms: [], fetched: 0)
            }
        }
        let reader = try ItemLookupConnection(path: s.path)
        let all = reader.nearDuplicatePostings(leads: [lead, lead, lead], perKeyLimit: 64)
        #expect(all.allSatisfy { $0?.lists.values.allSatisfy { $0 == [3, 2, 1] } == true })
        let capped = reader.nearDuplicatePostings(leads: [lead, lead, lead], perKeyLimit: 64, maxSeqs: lead.count * 3)
        #expect(capped.map { $0 != nil } == [true, false, false], "the first lead's \(lead.count * 3) postings use the budget up")
        // A lead read under a smaller limit is not taken for a larger one.
        let small = try #require(reader.nearDuplicatePostings(leads: [lead], perKeyLimit: 1).first ?? nil)
        try s.transaction {
            let leadKeys = try #require(index.leadKeys(keys))
            #expect(try dedup.nearDuplicateCandidates(keys: leadKeys, perKeyLimit: 64, prefetched: small)
                    == dedup.nearDuplicateCandidates(keys: leadKeys, perKeyLimit: 64))
        }
    }

    /// Per key, the newest of the later postings first, then the newest read ahead, `perKeyLimit` in all.
    @Test func laterPostingsComeFirstUnderTheLimit() {
        let ahead = NearDuplicatePostings(throughSeq: 10, keys: [1, 2, 3], perKeyLimit: 3, lists: [1: [9, 7, 3], 2: [10, 4]])
        let newer: [Int64: [Int64]] = [1: [12, 11], 3: [13]]
        #expect(ahead.candidates(keys: [1, 2, 3], adding: newer, perKeyLimit: 3) == [12: 1, 11: 1, 9: 1, 10: 1, 4: 1, 13: 1])
        #expect(ahead.candidates(keys: [1, 2], adding: [:], perKeyLimit: 2) == [9: 1, 7: 1, 10: 1, 4: 1])
        #expect(ahead.candidates(keys: [2], adding: [2: [11]], perKeyLimit: 2) == [11: 1, 10: 1])
        let shared = NearDuplicatePostings(throughSeq: 10, keys: [1, 2], perKeyLimit: 64, lists: [1: [5], 2: [5]])
        #expect(shared.candidates(keys: [1, 2], adding: [2: [11]], perKeyLimit: 64) == [5: 2, 11: 1])
    }
}
