import Foundation
import NewswireCore
import Testing
import TestSupport

/// `newswired archive …` over a store built by the real pipeline (`newswired once` against fixture feeds on
/// 127.0.0.1).
@Suite struct ArchiveCommandTests {
    static let paths = [("/world.rss", "world-wire.rss.xml"), ("/policy.atom", "policy-desk.atom.xml"),
                        ("/wire.rss", "syndicated-wire.rss.xml"), ("/partner.atom", "syndicated-partner.atom.xml")]

    /// Four fixture feeds fetched once: 7 + 3 unique items (the syndicated story is one item seen in two feeds).
    static func populated() throws -> (FeedServer, TestSandbox, [ArchiveRecord]) {
        let feeds = try FeedServer(paths)
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds(paths.map { feeds.url($0.0) })
        let run = try sandbox.once()
        guard run.exitCode == 0 else { throw HarnessError("once failed:\n\(run.stderr)") }
        return (feeds, sandbox, try sandbox.archive())
    }

    /// A fixed classification, independent of the shipped model's weights (which are retrained): three items get,
    /// in the store, the classification a model would, the rest none, so every filter narrows to a known set. The triggers keep
    /// the topic index in step, as they do for the pipeline's inserts. Returns the items as the store now has
    /// them (`archive export`, checked against the archive files by `exportRoundTripsJSONLAndCSV`).
    static func classify(_ sandbox: TestSandbox) throws -> [ArchiveRecord] {
        // A known classification for every item, whatever the shipped model decided.
        try StoreWrite.execute("""
            UPDATE items SET relevant = 0, relevance = 0, topics = '[]';
            UPDATE items SET relevant = 1, relevance = 0.9,
                topics = '[{"id":"us-china-rivalry","score":0.9,"terms":["export controls"]},{"id":"compute-infrastructure","score":0.6,"terms":["chips"]}]'
                WHERE title LIKE 'Washington%';
            UPDATE items SET relevant = 1, relevance = 0.8, topics = '[{"id":"governance-body","score":0.8,"terms":["un"]}]'
                WHERE title LIKE 'UN advisory%';
            UPDATE items SET relevant = 0, relevance = 0.4, topics = '[{"id":"regulation-standards","score":0.6,"terms":["code of practice"]}]'
                WHERE title LIKE 'EU publishes%';
            """, stateDir: sandbox.state)
        let export = try sandbox.run(["archive", "export"])
        return try export.stdout.split(separator: "\n").map { line in
            let fields = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)).object)
            return ArchiveRecord(file: "", line: String(line), fields: fields)
        }
    }

    static func ids(_ lines: [[String: JSONValue]]) -> Set<String> { Set(lines.compactMap { $0["id"]?.string }) }

    static func text(_ r: ArchiveRecord) -> String {
        [r.title, r["summary"]?.string, r["content"]?.string].compactMap { $0 }.joined(separator: " ").lowercased()
    }

    @Test func searchFindsByTextAndEachFilterNarrowsExactly() throws {
        let (feeds, sandbox, _) = try Self.populated()
        defer { feeds.stop() }
        let records = try Self.classify(sandbox)
        let byID = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0) })

        // Plain words must all occur; the best match comes first; --json prints archive lines verbatim.
        let exportControls = try sandbox.run(["archive", "search", "export controls", "--json"])
        #expect(exportControls.exitCode == 0, "\(exportControls.stderr)")
        let ec = try exportControls.jsonLines()
        #expect(ec.first?["title"]?.string == "Washington tightens export controls on advanced AI chips to China")
        for line in exportControls.stdout.split(separator: "\n") {
            let id = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)).object?["id"]?.string)
            #expect(byID[id]?.line == String(line), "search --json prints the archive record")
            #expect(Self.text(byID[id]!).contains("export") && Self.text(byID[id]!).contains("control"))
        }

        // The unfiltered result set for "AI", then each filter must give exactly its subset.
        let all = try sandbox.run(["archive", "search", "AI", "--json", "--limit", "100"]).jsonLines()
        #expect(all.count >= 4, "\(all.map { $0["title"] ?? .null })")
        let allIDs = Self.ids(all)
        #expect(allIDs.allSatisfy { Self.text(byID[$0]!).contains("ai") })

        // A topic the model gave to some item that matches "AI".
        let tagged = try #require(allIDs.sorted().compactMap { byID[$0] }.first { !($0["topics"]?.array ?? []).isEmpty },
                                  "some item about AI has a topic")
        let topic = try #require(tagged["topics"]?.array?.first?.object?["id"]?.string)
        func hasTopic(_ id: String, _ t: String) -> Bool {
            byID[id]?["topics"]?.array?.contains { $0.object?["id"]?.string == t } ?? false
        }
        let byTopic = try sandbox.run(["archive", "search", "AI", "--json", "--limit", "100", "--topic", topic]).jsonLines()
        #expect(Self.ids(byTopic) == allIDs.filter { hasTopic($0, topic) })
        #expect(Self.ids(byTopic).contains(tagged.id))

        let twoTopics = try sandbox.run(["archive", "search", "AI", "--json", "--limit", "100", "--topic", topic,
                                         "--topic", "regulation-standards"]).jsonLines()
        #expect(Self.ids(twoTopics) == allIDs.filter { hasTopic($0, topic) || hasTopic($0, "regulation-standards") })

        let relevant = try sandbox.run(["archive", "search", "AI", "--json", "--limit", "100", "--relevant"]).jsonLines()
        #expect(Self.ids(relevant) == allIDs.filter { byID[$0]?["relevant"] == .bool(true) })
        #expect(!relevant.isEmpty)

        let atom = feeds.url("/policy.atom")
        let oneFeed = try sandbox.run(["archive", "search", "AI", "--json", "--limit", "100", "--feed", atom]).jsonLines()
        #expect(Self.ids(oneFeed) == allIDs.filter { byID[$0]?.feed == atom })
        #expect(!oneFeed.isEmpty && Self.ids(oneFeed).count < allIDs.count)

        let since = try sandbox.run(["archive", "search", "AI", "--json", "--limit", "100", "--since", "1d"]).jsonLines()
        #expect(Self.ids(since) == allIDs, "every item was fetched in the last day")
        let future = try sandbox.run(["archive", "search", "AI", "--json", "--since", "2999-01-01"])
        #expect(future.exitCode == 0 && future.stdout.isEmpty)
        let past = try sandbox.run(["archive", "search", "AI", "--json", "--until", "2001-01-01"])
        #expect(past.exitCode == 0 && past.stdout.isEmpty)
        let today = ISOTime.day(Date())
        let untilToday = try sandbox.run(["archive", "search", "AI", "--json", "--limit", "100", "--until", today]).jsonLines()
        #expect(Self.ids(untilToday) == allIDs, "--until DAY includes that day")

        let limited = try sandbox.run(["archive", "search", "AI", "--json", "--limit", "2"]).jsonLines()
        #expect(limited.count == 2)

        // Text output, piped: plain (no escape sequences), titles and snippets.
        let plain = try sandbox.run(["archive", "search", "export controls"])
        #expect(plain.stdout.contains("Washington tightens export controls"))
        #expect(!plain.stdout.contains("\u{1B}"), "no colour when stdout is not a terminal")
        #expect(!plain.stdout.contains("\u{1}") && !plain.stdout.contains("\u{2}"), "match markers removed")

        // On a terminal: the matches highlighted, titles bold; never with NO_COLOR set.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/script") {
            let tty = try sandbox.runOnTerminal(["archive", "search", "export controls", "--limit", "1"])
            #expect(tty.contains("\u{1B}[1;33mexport\u{1B}[0m") || tty.contains("\u{1B}[1;33mcontrols\u{1B}[0m"), "\(tty)")
            #expect(tty.contains("\u{1B}[1mWashington tightens export controls"))
            let noColor = try sandbox.runOnTerminal(["archive", "search", "export controls", "--limit", "1"], environment: ["NO_COLOR": "1"])
            #expect(noColor.contains("Washington tightens export controls") && !noColor.contains("\u{1B}["), "\(noColor)")
        }

        // Bad queries: a clear error, exit 65, no crash.
        for bad in ["\"unterminated", "U.S.", "AND", "nosuchcolumn: x"] {
            let r = try sandbox.run(["archive", "search", bad])
            #expect(r.exitCode == 65, "\(bad): \(r.stderr)")
            #expect(r.stderr.contains("cannot search for"), "\(bad): \(r.stderr)")
        }
        let badSince = try sandbox.run(["archive", "search", "AI", "--since", "yesterday"])
        #expect(badSince.exitCode != 0 && badSince.stderr.contains("--since"))
    }

    /// Search order on a store the pipeline built: BM25 over title, summary and content weighted 10, 3, 1 (as FTS5
    /// computes it), equal scores in store order, the filter applied before the limit; checked against the
    /// same ranking computed by the sqlite3 shell.
    @Test func searchOrderIsBM25ThenStoreOrder() throws {
        let (feeds, sandbox, _) = try Self.populated()
        defer { feeds.stop() }
        _ = try Self.classify(sandbox)
        let topic = " AND EXISTS (SELECT 1 FROM item_topics t WHERE t.topic = 'us-china-rivalry' AND t.seq = f.rowid)"
        for (query, args, condition) in [("AI", [String](), ""), ("export controls", [], ""), ("the OR AI", [], ""),
                                         ("the OR AI", ["--topic", "us-china-rivalry"], topic),
                                         ("the OR AI", ["--relevant"], " AND i.relevant = 1")] {
            for limit in [1, 3, 100] {
                let r = try sandbox.run(["archive", "search", query, "--json", "--limit", String(limit)] + args)
                #expect(r.exitCode == 0, "\(r.stderr)")
                let got = try r.jsonLines().compactMap { $0["id"]?.string }
                let expected = try Store.query("""
                    SELECT i.id FROM items_fts f JOIN items i ON i.seq = f.rowid WHERE items_fts MATCH '\(query)'\(condition)
                    ORDER BY bm25(items_fts, 10.0, 3.0, 1.0), f.rowid LIMIT \(limit)
                    """, stateDir: sandbox.state).map { $0[0] }
                #expect(got == expected, "\(query) \(args) --limit \(limit)")
                #expect(!got.isEmpty, "\(query) \(args)")
            }
        }
    }

    @Test func showListsSightingsRevisionsAndRelations() throws {
        let (feeds, sandbox, records) = try Self.populated()
        defer { feeds.stop() }
        let g20 = try #require(records.first { $0.title?.hasPrefix("G20 digital ministers") == true })
        let shown = try sandbox.run(["archive", "show", g20.id, "--json"])
        #expect(shown.exitCode == 0, "\(shown.stderr)")
        let o = try #require(try shown.json().object)
        #expect(o["item"]?.object?["id"]?.string == g20.id)
        let sightings = o["sightings"]?.array ?? []
        #expect(Set(sightings.compactMap { $0.object?["feed"]?.string }) == [feeds.url("/wire.rss"), feeds.url("/partner.atom")],
                "the syndicated story was seen in both feeds")
        #expect(o["revisions"] == .array([]) && o["revises"] == .null && o["near_duplicates"] == .array([]) && o["story"] == .array([]))

        // A short prefix of the id works; the text view names both feeds.
        let text = try sandbox.run(["archive", "show", String(g20.id.prefix(10))])
        #expect(text.exitCode == 0)
        #expect(text.stdout.contains("sightings (2)") && text.stdout.contains(feeds.url("/partner.atom")))
        #expect(text.stdout.contains("G20 digital ministers"))

        // The feed republishes item 1 under the same GUID with changed content: a revision.
        let un = try #require(records.first { $0.title?.hasPrefix("UN advisory panel") == true })
        let changed = try Fixture.text("world-wire.rss.xml").replacingOccurrences(of: "standing international body",
                                                                                    with: "permanent international agency")
        #expect(changed != (try Fixture.text("world-wire.rss.xml")))
        feeds.document("/world.rss").update(body: changed, etag: "\"world-v2\"", lastModified: Date(timeIntervalSince1970: 1_753_534_800))
        #expect(try sandbox.once().exitCode == 0)
        let revision = try #require(try sandbox.archive().first { $0["revision_of"]?.string == un.id })

        let original = try #require(try sandbox.run(["archive", "show", un.id, "--json"]).json().object)
        #expect(original["revisions"]?.array?.compactMap { $0.object?["id"]?.string } == [revision.id])
        let revised = try #require(try sandbox.run(["archive", "show", revision.id, "--json"]).json().object)
        #expect(revised["revises"]?.object?["id"]?.string == un.id)
        #expect(revised["item"]?.object?["revision_of"]?.string == un.id)

        let missing = try sandbox.run(["archive", "show", String(repeating: "0", count: 64)])
        #expect(missing.exitCode == 1 && missing.stderr.contains("no item"))
        let notAnID = try sandbox.run(["archive", "show", "xyz"])
        #expect(notAnID.exitCode != 0 && notAnID.stderr.contains("not an item id"))
    }

    @Test func tailPrintsTheLastItemsAndFollowsNewOnes() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds([feeds.url("/world.rss")])
        #expect(try sandbox.once().exitCode == 0)
        let lines = try sandbox.archiveText().split(separator: "\n").map(String.init)
        #expect(lines.count == 4)

        let last2 = try sandbox.run(["archive", "tail", "-n", "2", "--json"])
        #expect(last2.stdout.split(separator: "\n").map(String.init) == Array(lines.suffix(2)))

        let tail = try sandbox.startCommand(["archive", "tail", "-f", "-n", "0", "--json", "--interval", "0.1"])
        defer { tail.kill() }
        usleep(500_000)
        #expect(tail.isRunning && tail.stdout.isEmpty, "-n 0 prints nothing before new items: \(tail.stdout)")

        feeds.document("/world.rss").update(body: try Fixture.text("world-wire-updated.rss.xml"), etag: "\"world-v2\"",
                                            lastModified: Date(timeIntervalSince1970: 1_753_534_800))
        #expect(try sandbox.once().exitCode == 0)
        let newLine = try #require(try sandbox.archiveText().split(separator: "\n").map(String.init).last)
        #expect(newLine.contains("World AI conference opens in Shanghai"))

        let deadline = Date().addingTimeInterval(10)
        while !tail.stdout.contains("\n"), Date() < deadline { usleep(50_000) }
        usleep(300_000)  // a second line would have arrived by now
        #expect(tail.stdout == newLine + "\n", "tail -f printed exactly the new archive line")
        #expect(tail.isRunning)

        // After UTC midnight the pipeline archives into the next day's file; tail follows the store, not a file.
        let tomorrow = ISOTime.day(Date().addingTimeInterval(86_400))
        let newID = String(repeating: "ab", count: 32)
        // Committed and archived, as the pipeline leaves an item once its line is written (not in archive_pending).
        try StoreWrite.execute("""
            INSERT INTO items(id, feed_url, guid, url, title, published, fetched, author, categories, summary, content,
                              relevant, relevance, topics, language)
            SELECT '\(newID)', feed_url, 'next-day', url, 'Next day: ' || title, published, '\(tomorrow)T00:00:05Z', author,
                   categories, summary, content, relevant, relevance, topics, language
            FROM items ORDER BY seq DESC LIMIT 1
            """, stateDir: sandbox.state)
        let rolled = Date().addingTimeInterval(10)
        while tail.stdout.split(separator: "\n").count < 2, Date() < rolled { usleep(50_000) }
        let second = tail.stdout.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
        #expect(second.contains("\"id\":\"\(newID)\"") && second.contains("\"fetched\":\"\(tomorrow)T00:00:05Z\""), "\(tail.stdout)")
    }

    @Test func exportRoundTripsJSONLAndCSV() throws {
        let (feeds, sandbox, records) = try Self.populated()
        defer { feeds.stop() }
        let jsonl = try sandbox.run(["archive", "export", "--format", "jsonl"])
        #expect(jsonl.exitCode == 0, "\(jsonl.stderr)")
        #expect(jsonl.stdout == (try sandbox.archiveText()), "export jsonl is the archive, line for line")
        #expect(jsonl.stderr.isEmpty, "no progress display when stderr is not a terminal")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/script") {
            let tty = try sandbox.runOnTerminal(["archive", "export"])
            #expect(tty.contains("exported \(records.count)/\(records.count) (100 %)"), "progress on a terminal: \(tty.suffix(200))")
        }

        let csv = try sandbox.run(["archive", "export", "--format", "csv"])
        #expect(csv.exitCode == 0)
        let rows = try #require(CSV.parse(csv.stdout), "RFC 4180 CSV")
        #expect(rows.first == ArchiveCSV.columns)
        #expect(rows.count == records.count + 1)
        for (row, r) in zip(rows.dropFirst(), records) {
            #expect(row.count == ArchiveCSV.columns.count)
            #expect(row[0] == r.id)
            #expect(row[4] == r.title ?? "")
            #expect(row[10] == r["content"]?.string ?? "", "multi-line and quoted text survives")
            #expect(row[11] == (r["relevant"] == .bool(true) ? "true" : "false"))
        }
        #expect(csv.stdout.contains(",\""), "fields holding commas, quotes or line breaks are quoted")

        // Filters apply to exports too.
        let atom = feeds.url("/policy.atom")
        let oneFeed = try sandbox.run(["archive", "export", "--feed", atom]).jsonLines()
        #expect(Set(oneFeed.compactMap { $0["id"]?.string }) == Set(records.filter { $0.feed == atom }.map(\.id)))
    }

    @Test func statsCountPerDayTopicAndFeed() throws {
        let (feeds, sandbox, archived) = try Self.populated()
        defer { feeds.stop() }
        let records = zip(try Self.classify(sandbox), archived).map { ArchiveRecord(file: $1.file, line: $0.line, fields: $0.fields) }
        let s = try #require(try sandbox.run(["archive", "stats", "--json"]).json().object)
        #expect(s["items"]?.number == Double(records.count))
        #expect(s["relevant"]?.number == Double(records.filter { $0["relevant"] == .bool(true) }.count))
        let days = s["days"]?.array?.compactMap { $0.object } ?? []
        #expect(Set(days.map { ($0["day"]?.string ?? "") + ".jsonl" }) == Set(records.map(\.file)))
        #expect(days.reduce(0) { $0 + ($1["items"]?.number ?? 0) } == Double(records.count))
        let perFeed = Dictionary(uniqueKeysWithValues: (s["feeds"]?.array ?? []).compactMap { $0.object }.map {
            ($0["feed"]?.string ?? "", $0["items"]?.number ?? 0)
        })
        #expect(perFeed[feeds.url("/world.rss")] == 4 && perFeed[feeds.url("/policy.atom")] == 3)
        var topicCounts: [String: Double] = [:]
        for r in records { for t in r["topics"]?.array ?? [] { topicCounts[t.object?["id"]?.string ?? "", default: 0] += 1 } }
        let perTopic = Dictionary(uniqueKeysWithValues: (s["topics"]?.array ?? []).compactMap { $0.object }.map {
            ($0["topic"]?.string ?? "", $0["items"]?.number ?? 0)
        })
        #expect(perTopic == topicCounts)
        #expect(perTopic["us-china-rivalry"] == 1 && perTopic.count == 4)
        #expect(s["relevant"]?.number == 2)
    }

    /// What a crash after the commit and before the mark leaves of an item: pending, with its summary and
    /// content in `archive_pending`, and no record of where its line is.
    static func unmark(_ r: ArchiveRecord, _ sandbox: TestSandbox) throws {
        let line = r.line.replacingOccurrences(of: "'", with: "''")
        try StoreWrite.execute("""
            INSERT INTO archive_pending(seq, summary, content)
                SELECT seq, json_extract('\(line)', '$.summary'), json_extract('\(line)', '$.content') FROM items WHERE id = '\(r.id)';
            DELETE FROM archive_lines WHERE seq = (SELECT seq FROM items WHERE id = '\(r.id)');
            """, stateDir: sandbox.state)
    }

    @Test func reconcileAppendsExactlyOneLineAfterACrashBetweenCommitAndAppend() throws {
        let (feeds, sandbox, records) = try Self.populated()
        defer { feeds.stop() }
        let victim = try #require(records.last)
        let file = sandbox.state.appendingPathComponent("archive/\(victim.file)")
        // The crash: the item is committed but its line never reached the file, and it is not marked archived.
        var text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.hasSuffix(victim.line + "\n"))
        text.removeLast(victim.line.count + 1)
        try text.write(to: file, atomically: true, encoding: .utf8)
        try Self.unmark(victim, sandbox)
        // And a second item whose line did reach the file before the crash (it must not be written twice).
        let other = records[0]
        try Self.unmark(other, sandbox)

        let run = try sandbox.once()
        #expect(run.exitCode == 0)
        #expect(run.log.events("reconcile").first?["appended"] == "1", "\(run.stderr)")
        let after = try sandbox.archive()
        #expect(after.filter { $0.id == victim.id }.count == 1)
        #expect(after.filter { $0.id == other.id }.count == 1)
        #expect(after.count == records.count)
        #expect(after.first { $0.id == victim.id }?.line == victim.line, "the same line as before the crash")
        #expect(try Store.query("SELECT count(*) FROM archive_pending", stateDir: sandbox.state) == [["0"]])
        #expect(try sandbox.run(["archive", "export"]).stdout == (try sandbox.archiveText()))
    }
}
