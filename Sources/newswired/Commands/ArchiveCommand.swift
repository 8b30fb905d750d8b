import ArgumentParser
import Foundation
import NewswireCore
#if canImport(Glibc)
import Glibc
#endif

/// `newswired archive …`: read the deduplicated archive through the store's index (SQLite, or the PostgreSQL store
/// the config names). Safe while the daemon runs (SQLite WAL, PostgreSQL MVCC: readers never block the writer).
struct ArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Search, show, follow, export and count the archived items.",
        subcommands: [ArchiveSearch.self, ArchiveShow.self, ArchiveTail.self, ArchiveExport.self, ArchiveStatsCommand.self,
                      ArchiveSynth.self]
    )
}

/// The filters the archive commands share.
struct FilterOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Only items assigned this topic (repeat for any of several).", valueName: "topic"))
    var topic: [String] = []

    @Flag(name: .long, help: "Only items the model judged relevant to AI governance.")
    var relevant = false

    @Option(name: .long, help: ArgumentHelp("Only items first seen in this feed.", valueName: "url"))
    var feed: String?

    @Option(name: .long, help: ArgumentHelp(
        "Only items first seen since then: 7d, 12h, 30m, 2w before now, a UTC day YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ.",
        valueName: "time"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp(
        "Only items first seen before then (a UTC day YYYY-MM-DD includes that day).", valueName: "time"))
    var until: String?

    func validate() throws {
        if let since, TimeBound.parse(since, end: .start) == nil {
            throw ValidationError("--since '\(since)': expected 7d, 12h, 30m, 2w, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
        }
        if let until, TimeBound.parse(until, end: .end) == nil {
            throw ValidationError("--until '\(until)': expected 7d, 12h, 30m, 2w, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
        }
    }

    var filter: ItemFilter {
        let now = Date()
        return ItemFilter(topics: topic, relevantOnly: relevant, feed: feed,
                          since: since.flatMap { TimeBound.parse($0, end: .start, now: now) },
                          until: until.flatMap { TimeBound.parse($0, end: .end, now: now) })
    }
}

/// One-line and multi-line text renderings of a record.
enum RecordText {
    static func topics(_ r: ArchiveRecord) -> String {
        r.topics.map { "\($0.id) \(JSONText.number($0.score))" }.joined(separator: ", ")
    }

    /// `2025-07-26T09:30:00Z  * 0.83  Title  [topics]  feed`; `*` marks a relevant item.
    static func line(_ r: ArchiveRecord, colour: Bool) -> String {
        var s = ISOTime.format(r.fetched) + "  " + (r.relevant ? "*" : " ") + " " + JSONText.number(r.relevance).padding(toLength: 6, withPad: " ", startingAt: 0)
        s += " " + Terminal.bold(oneLine(r.title ?? "(untitled)"), colour)
        if !r.topics.isEmpty { s += "  [" + r.topics.map(\.id).joined(separator: ",") + "]" }
        s += "  " + Terminal.dim(r.feed, colour) + "  " + String(r.id.prefix(12))
        return s
    }

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\t" }).joined(separator: " ")
    }
}

struct ArchiveSearch: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Full-text search over title, summary and content (SQLite FTS5 with BM25, or PostgreSQL's text search).",
        discussion: """
        Every word must occur (prefix matching with word*); "a phrase" in double quotes, OR, NOT and NEAR(a b) \
        are FTS5 query syntax. On a PostgreSQL store (the config's store:) the same query runs through \
        websearch_to_tsquery, ranked by ts_rank_cd: word* is a prefix except in a query with OR, NEAR(a b) means \
        both words anywhere, and accents count. Results come best first; on a terminal the matches are highlighted, piped \
        output is plain. --json prints each hit as its archive record (one JSON line, the archive contract).
        Example: newswired archive search "export controls" --topic us-china-rivalry --since 7d
        """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var filters: FilterOptions
    @OptionGroup var output: JSONFlag

    @Option(name: .long, help: "At most this many results.")
    var limit = 20

    @Flag(name: .long, help: ArgumentHelp("Print how long opening the store and the search took, on stderr (benchmarks).",
                                          visibility: .hidden))
    var timing = false

    @Argument(help: "The query.")
    var query: String

    func execute() throws {
        let cpu0 = Self.cpuNanoseconds()
        let t0 = DispatchTime.now().uptimeNanoseconds
        let store = try global.openArchiveStore()
        let t1 = DispatchTime.now().uptimeNanoseconds
        let ranked: [RankedMatch]
        let hits: [SearchHit]
        do {
            ranked = try store.rankedMatches(query, filter: filters.filter, limit: limit)
        } catch let e as SearchQueryError {
            throw fail(e.description, status: 65)
        }
        let t2 = DispatchTime.now().uptimeNanoseconds
        hits = try store.hits(ranked, query: query)
        let t3 = DispatchTime.now().uptimeNanoseconds
        let out = OutputBuffer()
        defer {
            if timing {
                out.flush()
                let t4 = DispatchTime.now().uptimeNanoseconds
                func ms(_ ns: UInt64) -> String { String(Double(ns / 10_000) / 100) }
                // The first two fields are what scripts/bench-archive reads.
                FileHandle.standardError.write(Data(("timing: open \(ms(t1 - t0)) ms, search+output \(ms(t4 - t1)) ms, "
                    + "hits \(hits.count) (rank \(ms(t2 - t1)) ms, load \(ms(t3 - t2)) ms, print \(ms(t4 - t3)) ms; "
                    + "CPU before the command ran \(ms(cpu0)) ms)\n").utf8))
            }
        }
        if output.json {
            for h in hits { out.line(h.record.jsonLine()) }
            return
        }
        let colour = Terminal.colour(1)
        if hits.isEmpty {
            FileHandle.standardError.write(Data("no items match\n".utf8))
        }
        for h in hits {
            out.line(RecordText.line(h.record, colour: colour))
            let snippet = RecordText.oneLine(Terminal.snippet(h.snippet, colour: colour))
            if !snippet.isEmpty { out.line("    " + snippet) }
            if let url = h.record.url { out.line("    " + Terminal.dim(url, colour)) }
        }
    }

    /// The CPU time the process has used so far (ns); at the start of `run`: process start, dynamic loading and
    /// argument parsing.
    static func cpuNanoseconds() -> UInt64 {
        var cpu = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu)
        return UInt64(cpu.tv_sec) * 1_000_000_000 + UInt64(cpu.tv_nsec)
    }
}

struct ArchiveShow: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "One item: its record, every sighting, its revisions, near-duplicates and story cluster.",
        discussion: "ID is the content hash, or its first 6 or more hex digits when they name one item."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONFlag

    @Argument(help: "The item's id (content hash).")
    var id: String

    func validate() throws {
        guard (6...64).contains(id.count), id.allSatisfy(\.isHexDigit) else {
            throw ValidationError("'\(id)' is not an item id: give the 64 hex digits of the content hash, or the first 6 or more")
        }
    }

    func execute() throws {
        let store = try global.openArchiveStore()
        guard let full = try store.resolveItemID(id), let d = try store.details(id: full) else {
            throw fail("no item \(id) in \(store.displayName)", status: 1)
        }
        let out = OutputBuffer()
        if output.json {
            out.line(Self.json(d))
        } else {
            Self.text(d, colour: Terminal.colour(1), out: out)
        }
    }

    static func json(_ d: ItemDetails) -> String {
        func list(_ rs: [ArchiveRecord]) -> String { "[" + rs.map { $0.jsonLine() }.joined(separator: ",") + "]" }
        var sightings = "["
        for (i, s) in d.sightings.enumerated() {
            if i > 0 { sightings += "," }
            var w = JSONObjectWriter()
            w.field("feed", s.feedURL)
            w.field("guid", s.guid)
            w.field("url", s.url)
            w.field("first_seen", ISOTime.format(s.firstSeen))
            w.field("last_seen", ISOTime.format(s.lastSeen))
            w.field("count", s.count)
            sightings += w.finish()
        }
        sightings += "]"
        var w = JSONObjectWriter()
        w.field("item", raw: d.record.jsonLine())
        w.field("sightings", raw: sightings)
        w.field("revises", raw: d.revises?.jsonLine() ?? "null")
        w.field("revisions", raw: list(d.revisions))
        w.field("near_duplicate_of", raw: d.nearDuplicateOf?.jsonLine() ?? "null")
        w.field("near_duplicates", raw: list(d.nearDuplicates))
        w.field("story", raw: list(d.story))
        return w.finish()
    }

    static func text(_ d: ItemDetails, colour: Bool, out: OutputBuffer) {
        let r = d.record
        func field(_ name: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            out.line(Terminal.dim((name + ":").padding(toLength: 12, withPad: " ", startingAt: 0), colour) + value)
        }
        out.line(Terminal.bold(RecordText.oneLine(r.title ?? "(untitled)"), colour))
        field("id", r.id)
        field("feed", r.feed)
        field("guid", r.guid)
        field("url", r.url)
        field("published", r.published.map(ISOTime.format))
        field("fetched", ISOTime.format(r.fetched))
        field("author", r.author)
        field("categories", r.categories.joined(separator: ", "))
        field("relevant", "\(r.relevant) (\(JSONText.number(r.relevance)))")
        for t in r.topics {
            field("topic", "\(t.id) \(JSONText.number(t.score))" + (t.terms.isEmpty ? "" : "  terms: " + t.terms.joined(separator: ", ")))
        }
        field("story", r.story)
        if let s = r.summary { out.line(""); out.line(s) }
        if let c = r.content, c != r.summary { out.line(""); out.line(c) }
        out.line("")
        out.line(Terminal.bold("sightings (\(d.sightings.count))", colour))
        for s in d.sightings {
            out.line("  \(ISOTime.format(s.firstSeen)) .. \(ISOTime.format(s.lastSeen))  ×\(s.count)  \(s.feedURL)"
                     + (s.guid.map { "  guid \($0)" } ?? ""))
        }
        func related(_ title: String, _ rs: [ArchiveRecord]) {
            guard !rs.isEmpty else { return }
            out.line(Terminal.bold("\(title) (\(rs.count))", colour))
            for x in rs { out.line("  " + RecordText.line(x, colour: colour)) }
        }
        related("revises", d.revises.map { [$0] } ?? [])
        related("revisions", d.revisions)
        related("near-duplicate of", d.nearDuplicateOf.map { [$0] } ?? [])
        related("near-duplicates", d.nearDuplicates)
        related("same story", d.story)
    }
}

struct ArchiveTail: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "The last archived items; with -f, follow new ones as they are archived (across day files).",
        discussion: """
        Follows the store, not the day files, so following carries on across the UTC midnight rollover and sees \
        items in the order they were committed (each item's text is read from its archive line). An item \
        appears once it is in the archive. Stop with Ctrl-C.
        """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONFlag

    @Flag(name: .shortAndLong, help: "Keep running and print new items as they are archived.")
    var follow = false

    @Option(name: .customShort("n", allowingJoined: true), help: "Print the last N items first.")
    var n = 10

    @Option(name: .long, help: ArgumentHelp("Only items assigned this topic (repeat for any of several).", valueName: "topic"))
    var topic: [String] = []

    @Flag(name: .long, help: "Only relevant items.")
    var relevant = false

    @Option(name: .long, help: ArgumentHelp("Seconds between polls of the store when following.", valueName: "seconds"))
    var interval = 0.25

    func execute() throws {
        let store = try global.openArchiveStore()
        let filter = ItemFilter(topics: topic, relevantOnly: relevant)
        let out = OutputBuffer()
        let colour = Terminal.colour(1)
        func emit(_ r: ArchiveRecord) {
            out.line(output.json ? r.jsonLine() : RecordText.line(r, colour: colour))
        }
        let (last, top) = try store.lastArchivedItems(n, filter: filter)
        for (_, r) in last { emit(r) }
        out.flush()
        guard follow else { return }
        // Everything at or below `low` has been printed or did not match; above it, `printed` remembers what
        // was printed while an earlier item still waited for its archive line (another writer, or a crash).
        var low = top
        var printed = Set<Int64>()
        while true {
            usleep(useconds_t(max(0.01, interval) * 1_000_000))
            let newTop = try store.maxSeq()
            guard newTop > low else { continue }
            let waiting = try store.firstUnarchivedSeq(after: low).flatMap { $0 <= newTop ? $0 : nil }
            try store.forEachItem(filter: filter, afterSeq: low, archivedOnly: true) { seq, r in
                guard seq <= newTop, !printed.contains(seq) else { return }
                emit(r)
                printed.insert(seq)
            }
            out.flush()
            low = waiting.map { $0 - 1 } ?? newTop
            printed = printed.filter { $0 > low }
        }
    }
}

struct ArchiveExport: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the archived items to stdout, oldest first, as JSON Lines (the archive contract) or CSV.",
        discussion: """
        jsonl writes each item exactly as its archive line. csv (RFC 4180: header row, CRLF, quoted fields) has \
        the same columns; categories are joined with "; ", topics written as id:score joined with ";".
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case jsonl, csv }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var filters: FilterOptions

    @Option(name: .long, help: "jsonl or csv.")
    var format: Format = .jsonl

    func execute() throws {
        let store = try global.openArchiveStore()
        let filter = filters.filter
        let total = Progress.isShown ? try store.count(filter: filter) : nil
        let progress = Progress("exported", total: total)
        let out = OutputBuffer()
        var count = 0
        switch format {
        case .jsonl:
            try store.writeArchiveLines(filter: filter, flushAt: 256 << 10) { bytes, lines throws(StoreError) in
                out.write(bytes: &bytes)
                count = lines
                progress.update(count)
            }
        case .csv:
            out.write(ArchiveCSV.header)
            try store.forEachItem(filter: filter, afterSeq: 0, archivedOnly: false) { _, r in
                out.write(ArchiveCSV.row(r))
                count += 1
                if count & 1023 == 0 { progress.update(count) }
            }
        }
        out.flush()
        progress.finish(count)
    }
}

struct ArchiveStatsCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Items per day, per topic and per feed (with how many of them are relevant)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var filters: FilterOptions
    @OptionGroup var output: JSONFlag

    func execute() throws {
        let store = try global.openArchiveStore()
        let s = try store.stats(filter: filters.filter)
        let out = OutputBuffer()
        if output.json {
            func rows(_ rs: [ArchiveStats.Row], key: String) -> String {
                "[" + rs.map { r in
                    var w = JSONObjectWriter()
                    w.field(key, r.key)
                    w.field("items", r.items)
                    w.field("relevant", r.relevant)
                    return w.finish()
                }.joined(separator: ",") + "]"
            }
            var w = JSONObjectWriter()
            w.field("items", s.items)
            w.field("relevant", s.relevant)
            w.field("days", raw: rows(s.perDay, key: "day"))
            w.field("topics", raw: rows(s.perTopic, key: "topic"))
            w.field("feeds", raw: rows(s.perFeed, key: "feed"))
            out.line(w.finish())
            return
        }
        let colour = Terminal.colour(1)
        out.line("\(s.items) items, \(s.relevant) relevant")
        for (title, rows) in [("per day", s.perDay), ("per topic", s.perTopic), ("per feed", s.perFeed)] {
            out.line("")
            out.line(Terminal.bold(title, colour) + Terminal.dim("   items  relevant", colour))
            for r in rows {
                out.line("  " + String(r.items).leftPadded(8) + "  " + String(r.relevant).leftPadded(8) + "  " + r.key)
            }
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
