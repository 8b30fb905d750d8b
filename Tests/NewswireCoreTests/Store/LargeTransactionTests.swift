import Foundation
import Testing
@testable import NewswireCore

/// Statements and savepoints that journal megabytes inside a long transaction. With SQLite's statement
/// journals allowed 1 MiB in memory before spilling to a file (SQLITE_CONFIG_STMTJRNL_SPILL), Debian 12's
/// SQLite 3.40.1 failed the spill with SQLITE_FULL, "database or disk is full", on a disk with 60 GB free:
/// `archive synth --count 1000 --batch 1000` failed in `markArchived`, and a pipeline batch of 2,500 items in
/// its full-text insert. The journals now stay in memory (`SQLiteConnection.globalConfig`); the first
/// test failed before that, the second is the pipeline's shape at a size its batches do not reach.
@Suite struct LargeTransactionTests {
    /// ~3 KB of text an item, so a thousand items span more than a thousand pages.
    static func record(_ n: Int) -> ArchiveRecord {
        let body = (0..<60).map { "word\(($0 * 7919 + n) % 5003) governance" }.joined(separator: " ")
        return ArchiveRecord(id: ContentHash.of(title: "large \(n)", body: body), feed: "https://feed.example/rss",
                             guid: "g\(n)", url: "https://news.example/\(n)", title: "large \(n)", published: nil,
                             fetched: Date(timeIntervalSince1970: 1_753_500_000), author: nil, categories: [],
                             summary: body, content: body + " " + body, relevant: false, relevance: 0.1, topics: [])
    }

    @Test func markingThousandsArchivedInOneStatementCommits() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        let records = (0..<1_500).map(Self.record)
        try store.transaction {
            for r in records { try store.insertItem(r, language: "en") }
        }
        // One UPDATE over 1,500 rows of ~4 KB: its statement journal holds several megabytes of pages.
        let lines = try ArchiveWriter(stateDirectory: tmp.url).append(records)
        try store.transaction { try store.markArchived(lines) }
        #expect(try store.unarchivedItems().isEmpty)
    }

    @Test func aBatchOfThousandsOfSavepointsIndexesAndCommits() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        let records = (0..<2_500).map(Self.record)
        try store.beginBatch()
        for r in records {
            try store.savepoint {
                try store.insertItem(r, language: "en")
                try store.recordSighting(itemID: r.id, feedURL: r.feed, guid: r.guid, url: r.url, at: r.fetched)
            }
        }
        try store.commitBatch()  // indexes the 2,500 items for full-text search in one statement
        #expect(try store.unarchivedItems().count == records.count)
        #expect(try store.db.int("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'large'") == Int64(records.count))
    }
}

@Suite struct CheckpointTests {
    /// What the daemon does after a round that stored items: the WAL's pages reach the database file then,
    /// not once ~200 MB of WAL have piled up (the automatic checkpoint's interval).
    @Test func aPassiveCheckpointMovesTheWALIntoTheDatabaseFile() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        try store.transaction {
            for n in 0..<200 { try store.insertItem(LargeTransactionTests.record(n), language: "en") }
        }
        let pages = try #require(try store.db.int("PRAGMA page_count"))
        let pageSize = try #require(try store.db.int("PRAGMA page_size"))
        let fileBefore = try FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int ?? 0
        #expect(fileBefore < Int(pages * pageSize))  // the new pages are only in the WAL

        let c = try store.checkpoint()
        #expect(c.walFrames > 0)
        #expect(c.checkpointed == c.walFrames)
        let fileAfter = try FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int ?? 0
        #expect(fileAfter == Int(pages * pageSize))
        #expect(try store.unarchivedItems().count == 200)
    }
}
