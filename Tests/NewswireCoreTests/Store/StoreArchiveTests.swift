import Foundation
import Testing
@testable import NewswireCore

/// A fresh state directory per test, removed afterwards.
final class TempState {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("newswired-test-\(UUID().uuidString)", isDirectory: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Appends `records` to the archive under `tmp` and marks them archived in `store` with where their lines went,
/// as the pipeline does (the store reads their text back from those lines).
func archiveAndMark(_ records: [ArchiveRecord], in store: ItemStore, _ tmp: TempState) throws {
    let lines = try ArchiveWriter(stateDirectory: tmp.url).append(records)
    try store.transaction { try store.markArchived(lines) }
}

func sampleRecord(_ n: Int, fetched: Date = Date(timeIntervalSince1970: 1_753_500_000)) -> ArchiveRecord {
    ArchiveRecord(id: ContentHash.of(title: "title \(n)", body: "body \(n)"), feed: "https://feed.example/rss",
                  guid: "g\(n)", url: "https://news.example/\(n)", title: "title \(n)", published: nil, fetched: fetched,
                  author: nil, categories: ["AI"], summary: "body \(n)", content: nil, relevant: n % 2 == 0,
                  relevance: 0.5, topics: [TopicScore(id: "governance-body", score: 0.75, terms: ["waico"])])
}

@Suite struct StoreArchiveTests {
    @Test func storeIsWALAndKeepsItemsAndSightings() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        #expect(try store.db.query("PRAGMA journal_mode").first?.first?.text == "wal")
        let r = sampleRecord(1)
        try store.transaction {
            try store.insertItem(r, language: "en")
            try store.recordSighting(itemID: r.id, feedURL: r.feed, guid: "g1", url: r.url, at: r.fetched)
            try store.recordSighting(itemID: r.id, feedURL: "https://other.example/atom", guid: "x", url: r.url, at: r.fetched)
            try store.recordSighting(itemID: r.id, feedURL: r.feed, guid: "g1", url: r.url, at: r.fetched.addingTimeInterval(60))
        }
        #expect(try store.containsItem(id: r.id))
        #expect(try store.item(id: r.id) == r)
        let s = try store.sightings(itemID: r.id)
        #expect(s.count == 2)
        #expect(s.first { $0.feedURL == r.feed }?.count == 2)
        #expect(try store.itemID(feedURL: r.feed, guid: "g1") == r.id)
        #expect(try store.itemID(feedURL: r.feed, guid: "nope") == nil)
    }

    /// A GUID revised more than once names several items; a new revision revises the newest of them, whatever
    /// order their ids sort in.
    @Test func itemIDOfAGUIDIsItsNewestItem() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        let items = (1...4).map { sampleRecord($0) }
        try store.transaction {
            for r in items {
                try store.insertItem(r, language: "en")
                try store.recordSighting(itemID: r.id, feedURL: "https://feed.example/rss", guid: "g", url: r.url, at: r.fetched)
            }
        }
        #expect(try store.itemID(feedURL: "https://feed.example/rss", guid: "g") == items.last!.id)
        try store.transaction {
            try store.recordSighting(itemID: items[0].id, feedURL: "https://feed.example/rss", guid: "g", url: nil, at: Date())
        }
        #expect(try store.itemID(feedURL: "https://feed.example/rss", guid: "g") == items.last!.id, "seen again, still older")
    }

    /// Schema 8 keeps "not yet archived" in `archive_pending` instead of a flag in the item's row. A schema-7
    /// store's unarchived items (flag 0) carry over, so the next start's reconcile still appends them.
    @Test func aSchema7StoresUnarchivedItemsCarryOver() throws {
        let tmp = TempState()
        let items = (1...5).map { sampleRecord($0) }
        do {
            let store = try ItemStore(stateDirectory: tmp.url)
            try store.transaction { for r in items { try store.insertItem(r, language: "en") } }
            #expect(try store.unarchivedItems().map(\.id) == items.map(\.id))
            try archiveAndMark([items[0], items[2], items[4]], in: store, tmp)
            #expect(try store.unarchivedItems().map(\.id) == [items[1].id, items[3].id])
            // Back to schema 7: the flag in the row, its partial index, no table.
            try store.db.execute("""
                UPDATE items SET archived = 1 WHERE seq NOT IN (SELECT seq FROM archive_pending);
                DROP TABLE archive_pending; DROP TABLE archive_lines;
                CREATE INDEX items_unarchived ON items(seq) WHERE archived = 0;
                PRAGMA user_version = 7;
                """)
        }
        let store = try ItemStore(stateDirectory: tmp.url)
        #expect(try store.db.int("PRAGMA user_version") == Int64(ItemStore.schemaVersion))
        #expect(try store.unarchivedItems().map(\.id) == [items[1].id, items[3].id])
        #expect(try store.firstUnarchivedSeq(after: 0) == 2)
        #expect(try store.db.int("SELECT count(*) FROM sqlite_master WHERE name = 'items_unarchived'") == 0)
        try archiveAndMark([items[1], items[3]], in: store, tmp)
        #expect(try store.unarchivedItems().isEmpty)
        #expect(try store.lastArchivedItems(10).items.map(\.1.id) == items.map(\.id))
    }

    /// An item inserted outside a transaction commits with its `archive_pending` entry or not at all: a row
    /// without the entry would count as archived with no line written.
    @Test func anItemOnItsOwnCommitsWithItsPendingEntryOrNotAtAll() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        try store.db.execute("CREATE TRIGGER refuse BEFORE INSERT ON archive_pending BEGIN SELECT RAISE(ABORT, 'refused'); END;")
        let r = sampleRecord(1)
        #expect(throws: StoreError.self) { try store.insertItem(r, language: "en") }
        #expect(try !store.containsItem(id: r.id), "the row went with the entry")
        #expect(!store.inTransaction)
        try store.db.execute("DROP TRIGGER refuse")
        try store.insertItem(r, language: "en")
        #expect(try store.unarchivedItems().map(\.id) == [r.id])
        #expect(try store.search("body").map(\.record.id) == [r.id], "indexed at once, outside a transaction")
    }

    /// Schema 9 keys sightings by the item's `seq` instead of its content hash: a schema-8 store's sightings
    /// carry over, with their counts and times, and answer the same questions.
    @Test func aSchema8StoresSightingsCarryOver() throws {
        let tmp = TempState()
        let items = (1...4).map { sampleRecord($0) }
        let feed = "https://feed.example/rss", other = "https://other.example/atom"
        var before: [[Sighting]] = []
        do {
            let store = try ItemStore(stateDirectory: tmp.url)
            try store.transaction {
                for (n, r) in items.enumerated() {
                    try store.insertItem(r, language: "en")
                    try store.recordSighting(itemID: r.id, feedURL: feed, guid: "g\(n % 2)", url: r.url, at: r.fetched)
                    try store.recordSighting(itemID: r.id, feedURL: other, guid: nil, url: nil,
                                             at: r.fetched.addingTimeInterval(Double(n)))
                }
                try store.recordSighting(itemID: items[0].id, feedURL: feed, guid: "g0", url: nil, at: Date())
            }
            before = try items.map { try store.sightings(itemID: $0.id) }
            #expect(before[0].first { $0.feedURL == feed }?.count == 2)
            // Back to schema 8: sightings keyed by the item's id.
            try store.db.execute("""
                CREATE TABLE sightings_old(
                    item_id TEXT NOT NULL, feed_url TEXT NOT NULL, guid TEXT NOT NULL DEFAULT '', url TEXT,
                    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 1,
                    PRIMARY KEY(item_id, feed_url, guid)
                ) WITHOUT ROWID;
                INSERT INTO sightings_old SELECT i.id, s.feed_url, s.guid, s.url, s.first_seen, s.last_seen, s.count
                    FROM sightings s JOIN items i ON i.seq = s.item_seq;
                DROP TABLE sightings;
                ALTER TABLE sightings_old RENAME TO sightings;
                CREATE INDEX sightings_by_guid ON sightings(feed_url, guid);
                PRAGMA user_version = 8;
                """)
        }
        let store = try ItemStore(stateDirectory: tmp.url)
        #expect(try store.db.int("PRAGMA user_version") == Int64(ItemStore.schemaVersion))
        #expect(try store.db.int("SELECT count(*) FROM pragma_table_info('sightings') WHERE name = 'item_seq'") == 1)
        #expect(try items.map { try store.sightings(itemID: $0.id) } == before)
        #expect(try store.itemID(feedURL: feed, guid: "g0") == items[2].id, "the newest of the GUID's items")
        #expect(try store.itemID(feedURL: feed, guid: "g1") == items[3].id)
        #expect(try store.db.int("SELECT count(*) FROM sightings") == 8)
    }

    @Test func feedStateRoundTrips() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        var s = FeedState(url: "https://feed.example/rss")
        s.etag = "\"abc\""
        s.lastModified = "Sat, 26 Jul 2025 10:00:00 GMT"
        s.consecutiveErrors = 3
        s.nextDueAt = 1_753_500_000
        try store.saveFeedState(s)
        #expect(try store.feedState(url: s.url) == s)
        s.consecutiveErrors = 0
        try store.saveFeedState(s)
        #expect(try store.allFeedStates() == [s])
    }

    @Test func archiveLinesCarryTheContractFields() throws {
        let line = sampleRecord(2).jsonLine()
        let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        let expected: Set<String> = ["schema", "id", "feed", "guid", "url", "title", "published", "fetched", "author",
                                     "categories", "summary", "content", "relevant", "relevance", "topics",
                                     "near_duplicate_of", "revision_of", "story"]
        #expect(Set(obj.keys) == expected)
        #expect(obj["schema"] as? Int == 1)
        #expect(obj["fetched"] as? String == "2025-07-26T03:20:00Z")
        #expect(obj["published"] is NSNull)
        let topics = obj["topics"] as! [[String: Any]]
        #expect(topics.first?["id"] as? String == "governance-body")
        #expect(topics.first?["score"] as? Double == 0.75)
        #expect(line.hasPrefix(#"{"schema":1,"id":""#))
    }

    @Test func archiveTextNeverCarriesActiveMarkup() throws {
        var r = sampleRecord(3)
        r.title = "<script>alert(1)</script> & \"quotes\"\n"
        let line = r.jsonLine()
        #expect(!line.contains("<"))
        #expect(!line.contains(">"))
        #expect(!line.contains("\n"))
        let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        #expect(obj["title"] as? String == r.title)
    }

    /// Every byte below 0x20 and each of `"` `\\` `<` `>` `&` is escaped, exactly as before the byte-level
    /// writer; everything else (UTF-8 included) is copied through, in runs between escapes.
    @Test func stringsEscapeExactlyTheContractBytes() throws {
        let all = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self) + "é 日本 🙂"
        var expected = "\""
        for u in all.unicodeScalars {
            switch u {
            case "\"": expected += "\\\""
            case "\\": expected += "\\\\"
            case "\n": expected += "\\n"
            case "\r": expected += "\\r"
            case "\t": expected += "\\t"
            case "<", ">", "&", "\u{00}"..."\u{1F}": expected += String(format: "\\u%04x", u.value)
            default: expected.unicodeScalars.append(u)
            }
        }
        expected += "\""
        var bytes: [UInt8] = []
        JSONText.appendString(all, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        #expect(JSONText.string(all) == expected)
        #expect(JSONText.string("plain text, no escapes") == "\"plain text, no escapes\"")
        let back = try JSONSerialization.jsonObject(with: Data(("[" + expected + "]").utf8)) as! [String]
        #expect(back == [all])
    }

    @Test func integerListsForJSONEach() {
        #expect(ItemStore.jsonArray([]) == "[]")
        #expect(ItemStore.jsonArray([0, 7, -42, 1_000_000, Int64.max, Int64.min])
            == "[0,7,-42,1000000,9223372036854775807,-9223372036854775808]")
        var values = (0..<500).map { Int64(bitPattern: DedupText.mix(UInt64($0))) }
        // Every length, and each side of every power of ten.
        var p: Int64 = 1
        for _ in 0..<19 {
            values += [p - 1, p, p + 1, -p, 1 - p]
            p = p.multipliedReportingOverflow(by: 10).partialValue
        }
        #expect(ItemStore.jsonArray(values) == "[" + values.map(String.init).joined(separator: ",") + "]")
    }

    @Test func reconcileAppendsMissingItemsExactlyOnce() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        let archive = ArchiveWriter(stateDirectory: tmp.url)
        let a = sampleRecord(1), b = sampleRecord(2), c = sampleRecord(3)
        try store.transaction { for r in [a, b, c] { try store.insertItem(r, language: nil) } }
        // a: archived and marked; b: crash after the append, before the mark; c: crash before the append.
        let written = try archive.append([a, b])
        try store.markArchived([written[0]])
        #expect(try archive.reconcile(store: store) == 1)
        #expect(try archive.reconcile(store: store) == 0)
        let lines = try String(contentsOf: archive.fileURL(day: a.day), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(Set(lines.compactMap { ArchiveWriter.id(ofLine: Array($0.utf8)) }) == [a.id, b.id, c.id])
        #expect(try store.unarchivedItems().isEmpty)
    }

    /// Items a and b stored; a archived and marked; then `tail` (the start of b's line, cut by a crash)
    /// appended to the day file.
    static func archiveEndingIn(_ tail: [UInt8], _ tmp: TempState) throws
        -> (store: ItemStore, archive: ArchiveWriter, file: URL, a: ArchiveRecord, b: ArchiveRecord) {
        let store = try ItemStore(stateDirectory: tmp.url)
        let archive = ArchiveWriter(stateDirectory: tmp.url)
        let a = sampleRecord(1), b = sampleRecord(2)
        try store.transaction { for r in [a, b] { try store.insertItem(r, language: nil) } }
        try store.markArchived(try archive.append([a]))
        let file = archive.fileURL(day: b.day)
        let handle = try FileHandle(forWritingTo: file)
        handle.seekToEndOfFile()
        handle.write(Data(tail))
        try handle.close()
        return (store, archive, file, a, b)
    }

    @Test func aTornLastLineIsCutAndWrittenAgainWhole() throws {
        let tmp = TempState()
        // b's line was cut off halfway by a crash.
        let (store, archive, file, a, b) = try Self.archiveEndingIn(Array(sampleRecord(2).jsonLine().utf8.prefix(40)), tmp)
        #expect(try archive.reconcile(store: store) == 1)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text == a.jsonLine() + "\n" + b.jsonLine() + "\n")
    }

    /// An unmarked item's line cut at every byte offset, its closing brace included but not its newline:
    /// after reconcile the item is in the archive exactly once, whole, after the lines before it.
    @Test func aLineCutAnywhereIsWrittenExactlyOnce() throws {
        let line = Array(sampleRecord(2).jsonLine().utf8)
        for cut in 0...line.count {
            let tmp = TempState()
            let (store, archive, file, a, b) = try Self.archiveEndingIn(Array(line.prefix(cut)), tmp)
            #expect(try archive.reconcile(store: store) == 1, "cut at \(cut)")
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text == a.jsonLine() + "\n" + b.jsonLine() + "\n", "cut at \(cut)")
            #expect(try store.unarchivedItems().isEmpty)
        }
    }

    /// A batch larger than the writer's buffer, over two days and back: every day file gets exactly its
    /// records' lines, whole and in order, as if each line had been appended on its own.
    @Test func aLargeBatchOverTwoDaysIsWrittenInOrder() throws {
        let tmp = TempState()
        let archive = ArchiveWriter(stateDirectory: tmp.url)
        let dayOne = Date(timeIntervalSince1970: 1_753_574_399), dayTwo = Date(timeIntervalSince1970: 1_753_574_400)
        let big = String(repeating: "governance ", count: 200)  // ~2 KB a line: ~70 lines fill the buffer
        let records = (0..<300).map { n -> ArchiveRecord in
            var r = sampleRecord(n, fetched: n % 100 < 60 ? dayOne : dayTwo)
            r.summary = big + "\(n)"
            return r
        }
        // A torn line already at the end of day one's file is cut before the batch is appended.
        try FileManager.default.createDirectory(at: archive.directory, withIntermediateDirectories: true)
        try Data(records[0].jsonLine().prefix(25).utf8).write(to: archive.fileURL(day: ISOTime.day(dayOne)))
        let placed = try archive.append(records)
        #expect(placed.map(\.id) == records.map(\.id))
        for day in [dayOne, dayTwo] {
            let expected = records.filter { $0.fetched == day }.map { $0.jsonLine() + "\n" }.joined()
            #expect(try String(contentsOf: archive.fileURL(day: ISOTime.day(day)), encoding: .utf8) == expected)
        }
        // Each record's location is exactly its line.
        for (r, p) in zip(records, placed) {
            let data = try Data(contentsOf: archive.fileURL(day: p.location.day))
            let start = Int(p.location.offset)
            #expect(p.location.day == r.day)
            #expect(String(decoding: data[start..<start + p.location.length], as: UTF8.self) == r.jsonLine())
        }
    }

    /// Schema 12: an archived item's summary and content are in its archive line only; the row and the pending
    /// table no longer hold them, and every reader gets them back from the line.
    @Test func anArchivedItemsTextIsReadFromItsLine() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        var records = (1...4).map { sampleRecord($0) }
        records[1].content = "<p>content kept as text</p> with émoji 🎉 and \"quotes\"\nnew line"
        records[2].summary = nil
        records[3].summary = #"a fake ,"content":"x" key and a trailing backslash \"#
        try store.transaction { for r in records { try store.insertItem(r, language: "en") } }
        #expect(try store.db.int("SELECT count(*) FROM items WHERE summary IS NOT NULL OR content IS NOT NULL") == 0)
        #expect(try store.unarchivedItems() == records, "pending: the text is in archive_pending")
        try archiveAndMark(records, in: store, tmp)
        #expect(try store.db.int("SELECT count(*) FROM archive_pending") == 0)
        #expect(try store.db.int("SELECT count(*) FROM archive_lines") == 4)
        for r in records { #expect(try store.item(id: r.id) == r) }
        #expect(try store.lastArchivedItems(10).items.map(\.1) == records)
        #expect(try store.search("émoji").map(\.record) == [records[1]])
        #expect(try store.search("emoji").first?.snippet.contains("\u{1}émoji\u{2}") == true, "the snippet is cut from the line")
        var exported: [UInt8] = []
        try store.writeArchiveLines { buf, _ in exported += buf; buf.removeAll() }
        #expect(exported == Array(try Data(contentsOf: ArchiveWriter(stateDirectory: tmp.url).fileURL(day: records[0].day))))
    }

    /// A reader of the whole archive (export over years of day files) keeps a few files open, not one per day.
    @Test func aReaderOfManyDaysKeepsFewFilesOpen() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        let days = ArchiveLineReader.openFiles * 3
        let records = (0..<days).map { sampleRecord($0, fetched: Date(timeIntervalSince1970: 1_753_500_000 + Double($0) * 86_400)) }
        try store.transaction { for r in records { try store.insertItem(r, language: nil) } }
        let lines = try ArchiveWriter(stateDirectory: tmp.url).append(records)
        try store.transaction { try store.markArchived(lines) }
        let reader = ArchiveLineReader(directory: ArchiveWriter(stateDirectory: tmp.url).directory)
        for l in lines + lines.reversed() {
            _ = try reader.line(l.location, id: l.id)
            #expect(reader.openCount <= ArchiveLineReader.openFiles)
        }
        var seen: [ArchiveRecord] = []
        try store.forEachItem { _, r in seen.append(r) }
        #expect(seen == records)
    }

    /// `store rebuild` records where each line is, so a line the store could not read back by its form (keys
    /// out of order, a CR before the newline) is refused by file and line instead of rebuilt unreadable.
    @Test func aRebuildRefusesALineNotInTheWritersForm() throws {
        let tmp = TempState()
        let r = sampleRecord(1)
        let archive = ArchiveWriter(stateDirectory: tmp.url)
        try FileManager.default.createDirectory(at: archive.directory, withIntermediateDirectories: true)
        for bad in [r.jsonLine() + "\r\n", r.jsonLine().replacingOccurrences(of: ",\"summary\":", with: ", \"summary\":") + "\n"] {
            try Data(bad.utf8).write(to: archive.fileURL(day: r.day))
            let error = #expect(throws: ArchiveError.self) { try ArchiveReader(stateDirectory: tmp.url).forEachRecord { _, _ in } }
            #expect(error?.path.hasSuffix("\(r.day).jsonl:1") == true)
            #expect(error?.message.contains("form newswired writes") == true)
        }
        try Data((r.jsonLine() + "\n").utf8).write(to: archive.fileURL(day: r.day))
        var n = 0
        try ArchiveReader(stateDirectory: tmp.url).forEachRecord { _, _ in n += 1 }
        #expect(n == 1)
    }

    @Test func aLinesDayIsKeptAsANumber() {
        for day in ["2025-07-26", "1999-01-01", "2026-12-31"] {
            let l = ArchiveLineLocation(day: day, offset: 5, length: 9)
            #expect(ArchiveLineLocation(dayNumber: l.dayNumber, offset: 5, length: 9) == l)
        }
        #expect(ArchiveReader.isDayFileName("2025-07-26.jsonl"))
        #expect(!ArchiveReader.isDayFileName("2025_07_26.jsonl"))
        #expect(!ArchiveReader.isDayFileName("2025-07-2x.jsonl"))
        #expect(!ArchiveReader.isDayFileName("2025-07-26.jsonl.gz"))
    }

    /// A day file edited so that a line is no longer where the store says: the reader says which item and file,
    /// instead of returning another item's text.
    @Test func aLineThatMovedIsAnErrorNamingTheFile() throws {
        let tmp = TempState()
        let store = try ItemStore(stateDirectory: tmp.url)
        let records = (1...2).map { sampleRecord($0) }
        try store.transaction { for r in records { try store.insertItem(r, language: "en") } }
        try archiveAndMark(records, in: store, tmp)
        let file = ArchiveWriter(stateDirectory: tmp.url).fileURL(day: records[0].day)
        try ("\n" + String(contentsOf: file, encoding: .utf8)).write(to: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: StoreError.self) { try store.item(id: records[0].id) }
        #expect(error?.message.contains(records[0].id) == true)
        #expect(error?.message.contains(file.path) == true)
    }

    /// A schema-11 store (text in the rows, an external-content full-text index) upgrades to 12 in place: its
    /// items keep their text and stay searchable, with snippets; new items keep theirs in the archive.
    @Test func aSchema11StoreKeepsItsItemsText() throws {
        let tmp = TempState()
        let old = (1...3).map { sampleRecord($0) }
        do {
            try FileManager.default.createDirectory(at: tmp.url, withIntermediateDirectories: true)
            let db = try SQLiteConnection(path: tmp.url.appendingPathComponent(ItemStore.fileName).path)
            for v in 1...11 { try ItemStore.migrator.apply(version: v, to: db) }
            for r in old {
                try db.query("""
                    INSERT INTO items(id, feed_url, guid, url, title, fetched, categories, summary, content, relevant, relevance, topics)
                    VALUES(?,?,?,?,?,?,?,?,?,?,?,?)
                    """, [.text(r.id), .text(r.feed), SQLValue(r.guid), SQLValue(r.url), SQLValue(r.title),
                          .text(ISOTime.format(r.fetched)), .text(ItemStore.stringsJSON(r.categories)), SQLValue(r.summary),
                          SQLValue(r.content), SQLValue(r.relevant), .real(r.relevance), .text(ArchiveRecord.topicsJSON(r.topics))])
            }
            try db.execute("""
                INSERT INTO items_fts(rowid, title, summary, content) SELECT seq, title, summary, content FROM items;
                INSERT INTO archive_pending(seq) VALUES(3);
                """)
            #expect(try db.int("PRAGMA user_version") == 11)
        }
        let store = try ItemStore(stateDirectory: tmp.url)
        #expect(try store.db.int("PRAGMA user_version") == Int64(ItemStore.schemaVersion))
        for r in old { #expect(try store.item(id: r.id) == r) }
        #expect(try store.unarchivedItems() == [old[2]], "the pending item's text is still in its row")
        #expect(try store.search("body").count == 3)
        #expect(try store.search("body").allSatisfy { $0.snippet.contains("\u{1}body\u{2}") }, "snippets from the rows' text")
        let new = sampleRecord(4)
        try store.transaction { try store.insertItem(new, language: "en") }
        try archiveAndMark([new], in: store, tmp)
        #expect(try store.item(id: new.id) == new)
        #expect(try store.search("body").count == 4)
    }
}
