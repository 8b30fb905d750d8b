import Foundation
import Logging

/// Everything that happens to one fetched feed: parse, hash, dedup against the content-hash store,
/// classify the new items, commit, append them to the archive, update the feed's HTTP and schedule
/// state, and log. A failure of one feed is logged and scheduled for retry; it never escapes.
///
/// Used from one thread (the daemon's loop or a one-shot command).
public final class Pipeline: @unchecked Sendable {
    public let store: ItemStore
    public let archive: ArchiveWriter
    public var classifier: TopicClassifier
    public var policy: SchedulePolicy
    /// Near-duplicates and story clusters beyond the exact hash (Dedup/).
    public var deduper = Deduper()
    /// One logger per module, so `log_levels` can set each: fetch lines, parse warnings, new items, store errors.
    /// (`var`: a test with hundreds of items quiets its `item` lines.)
    var fetchLog = Logger(label: "fetch"), parseLog = Logger(label: "parse"), itemLog = Logger(label: "item"),
        storeLog = Logger(label: "store")
    private var rng = SystemRandomNumberGenerator()
    /// The store's batch transaction is open: feeds handled since the last `flushArchive` share it.
    private var batchOpen = false
    /// New items of the open batch, appended to the archive once it commits, and the fetch each came from.
    private var pending: [ArchiveRecord] = []
    private var pendingFetches: [String] = []
    private var lastFlush = DispatchTime.now()
    private var fetchCounter = 0

    /// With `appendsInBackground` (the daemon's), `flushIfDue` appends a committed batch's archive lines on a
    /// worker thread while the next batch is stored, and they are marked archived once the pipeline finds them
    /// written (at the latest at the next flush); `flushArchive()` returns with every line written and marked
    /// either way.
    public init(store: ItemStore, archive: ArchiveWriter, classifier: TopicClassifier, policy: SchedulePolicy,
                appendsInBackground: Bool = false) {
        self.store = store
        self.archive = archive
        self.classifier = classifier
        self.policy = policy
        archiveQueue = appendsInBackground ? ArchiveQueue(archive: archive) : nil
    }

    /// The result of one feed's fetch, for the caller's summary.
    public struct FeedResult: Sendable {
        public var fetched: Bool
        public var newItems: Int
        public var duplicates: Int
        public var nextDueAt: Int
    }

    /// Commits the feeds handled since the last call (one transaction, each entry in its own savepoint), then
    /// appends their new items to the archive, flushes it to disk and marks the items archived: everything is
    /// in the archive when it returns. Called at the end of every batch of fetches; during one, `flushIfDue`
    /// commits at least once a second: readers and `archive tail -f` see new items within about a second, and
    /// one commit and one fsync per day file serve many feeds. A crash before the archive append leaves the
    /// items committed but unmarked, and the start-up reconcile appends them; a crash before the commit loses
    /// nothing that was acknowledged: the feeds' validators are rolled back with their items, so they are
    /// fetched again in full.
    public func flushArchive() {
        commitBatch()
        markAppended()
        appendPending()
    }

    /// `flushArchive()` when the last one is a second old, or `maxPending` new items wait for it (their
    /// records are held in memory until then): the fetch loop calls it while transfers run. With
    /// `appendsInBackground` (see `init`) the batch's archive lines are written while the next batch is stored,
    /// and marked archived at the first call that finds them written while no batch is open, at the latest at
    /// the next flush.
    public func flushIfDue() {
        if pending.count >= Self.maxPending
            || DispatchTime.now().uptimeNanoseconds - lastFlush.uptimeNanoseconds >= flushIntervalNanoseconds {
            guard let queue = archiveQueue else {
                flushArchive()
                return
            }
            commitBatch()
            markAppended()  // the batch before, usually written long since
            guard !pending.isEmpty else { return }
            queue.submit(pending, announce: takeItemLines())
            pending.removeAll()
        } else if !batchOpen {
            markAppended(wait: false)  // written meanwhile: marked now rather than at the next flush
        }
    }

    /// Set when `flushIfDue` hands a batch's archive lines to a worker thread (`ArchiveQueue`) and goes on
    /// storing the next one.
    private let archiveQueue: ArchiveQueue?

    /// Commits the open batch; on failure rolls it back and forgets its records.
    private func commitBatch() {
        lastFlush = .now()
        guard batchOpen else { return }
        batchOpen = false
        do {
            try store.commitBatch()
        } catch {
            store.rollbackBatch()
            storeLog.error("store", metadata: [
                "error": "\(error)", "rolled_back": "\(pending.count)",
                "reason": "commit failed; the feeds are fetched again in full next time",
            ])
            pending.removeAll()
            pendingFetches.removeAll()
        }
    }

    /// Appends the committed records to the archive on this thread and marks them archived.
    private func appendPending() {
        guard !pending.isEmpty else { return }
        let records = pending
        pending.removeAll()
        takeItemLines().emit(records)
        do {
            try archive.append(records)
        } catch {
            // Committed but not marked archived: the start-up reconcile appends whatever line is missing.
            storeLog.error("archive", metadata: ["error": "\(error)", "pending": "\(records.count)"])
            return
        }
        markArchived(records.map(\.id))
    }

    /// Waits for the batch the archive worker is writing, if any (without `wait`, only takes one it has
    /// finished), and marks its items archived, in a transaction of its own: never while a batch is open.
    private func markAppended(wait: Bool = true) {
        guard let (ids, error) = archiveQueue?.finish(wait: wait) else { return }
        if let error {
            storeLog.error("archive", metadata: ["error": "\(error)", "pending": "\(ids.count)"])
            return
        }
        markArchived(ids)
    }

    private func markArchived(_ ids: [String]) {
        do {
            try store.transaction { try store.markArchived(ids: ids) }
        } catch {
            // Written but not marked: the start-up reconcile finds the lines and appends nothing twice.
            storeLog.error("archive", metadata: ["error": "\(error)", "pending": "\(ids.count)"])
        }
    }

    static let maxPending = 250

    /// How old the last flush may get while transfers run: a second (tests lengthen it).
    var flushIntervalNanoseconds: UInt64 = 1_000_000_000

    /// The conditional-GET request for a feed, from its stored state.
    public func request(for feed: FeedConfig) throws(StoreError) -> FetchRequest {
        let state = try store.feedState(url: feed.url)
        return FetchRequest(url: state?.currentURL ?? feed.url, feedURL: feed.url, etag: state?.etag,
                            lastModified: state?.lastModified, allowFile: feed.allowFile, allowPrivate: feed.allowPrivate)
    }

    /// A transfer's outcome with the work that needs no store done: the parse, and each entry's content hash
    /// and canonical URL, and (when prepared ahead) its classification and dedup input. Built by `prepare` on
    /// any thread: the daemon prepares one feed on a worker while its loop stores the one before
    /// (`PrepareQueue`).
    public struct PreparedFetch: Sendable {
        public let feed: FeedConfig
        let outcome: Result<FetchResponse, FetchError>
        /// The parse of a 2xx response (nil for any other outcome).
        let parsed: Result<ParsedFeed, ParseError>?
        let entries: [PreparedEntry]
    }

    struct PreparedEntry: Sendable {
        let entry: FeedEntry
        let id: String
        let url: String?
        /// Computed ahead when preparing off the store's thread, for every entry (the worker cannot know
        /// which are new; on a 200 of a feed with one new item among 50, that is ~5 ms of the worker's CPU);
        /// else only once an entry turns out to be new.
        let classification: Classification?
        let dedup: Deduper.Input?
    }

    /// Parses a 2xx response and hashes its entries; given `ahead`, also classifies them and computes their
    /// dedup input (fingerprint, story term counts), except for the entries `stored` already knows (the
    /// store's thread only records their sighting). Touches no state: safe on any thread (`stored` from one
    /// thread at a time).
    static func prepare(feed: FeedConfig, outcome: Result<FetchResponse, FetchError>,
                        ahead: (classifier: TopicClassifier, deduper: Deduper)? = nil,
                        stored: StoredItems? = nil) -> PreparedFetch {
        guard case .success(let response) = outcome, (200...299).contains(response.status) else {
            return PreparedFetch(feed: feed, outcome: outcome, parsed: nil, entries: [])
        }
        let parsed: Result<ParsedFeed, ParseError>
        do {
            parsed = .success(try FeedParser.parse(response.body, documentURL: response.effectiveURL,
                                                   contentType: response.contentType))
        } catch {
            parsed = .failure(error)
        }
        let entries = ((try? parsed.get())?.entries ?? []).map { entry in
            let id = ContentHash.of(entry)
            let ahead = stored?.contains(id: id) == true ? nil : ahead
            return PreparedEntry(entry: entry, id: id, url: entry.link.flatMap(URLCanonicalizer.canonicalize),
                                 classification: ahead?.classifier.classify(ClassifierInput(entry)),
                                 dedup: ahead?.deduper.input(title: entry.title, body: entry.content ?? entry.summary))
        }
        return PreparedFetch(feed: feed, outcome: outcome, parsed: parsed, entries: entries)
    }

    /// Handles one transfer's outcome. Store errors are logged and reported as a failed fetch.
    @discardableResult
    public func handle(feed: FeedConfig, outcome: Result<FetchResponse, FetchError>, now: Date = Date()) -> FeedResult {
        handle(Self.prepare(feed: feed, outcome: outcome), now: now)
    }

    /// Handles a prepared outcome (`prepare`): the store's part, on the store's thread.
    @discardableResult
    public func handle(_ prepared: PreparedFetch, now: Date = Date()) -> FeedResult {
        let feed = prepared.feed
        fetchCounter += 1
        let fetchID = String(fetchCounter)
        let context: Logger.Metadata = ["feed": .string(feed.url), "fetch": .string(fetchID)]
        defer { flushIfDue() }
        do {
            if !batchOpen {
                markAppended(wait: false)  // the batch the worker has written, before this one takes the store
                try store.beginBatch()
                batchOpen = true
            }
            return try process(prepared, now: now, fetchID: fetchID, context: context)
        } catch {
            storeLog.error("store", metadata: context.merging(["error": "\(error)"]) { $1 })
            if batchOpen, !store.inTransaction {
                // SQLite rolled the whole batch back (disk full, I/O error): the earlier feeds' items are gone
                // with their validators, so those feeds are fetched again in full.
                batchOpen = false
                store.rollbackBatch()
                storeLog.error("store", metadata: ["rolled_back": "\(pending.count)", "reason": "the batch was rolled back"])
                pending.removeAll()
                pendingFetches.removeAll()
            }
            return FeedResult(fetched: false, newItems: 0, duplicates: 0, nextDueAt: Int(now.timeIntervalSince1970) + 60)
        }
    }

    private func process(_ prepared: PreparedFetch, now: Date, fetchID: String, context: Logger.Metadata) throws -> FeedResult {
        let feed = prepared.feed, outcome = prepared.outcome
        var log = fetchLog, parseLog = parseLog
        for (k, v) in context {
            log[metadataKey: k] = v
            parseLog[metadataKey: k] = v
        }
        let nowSec = Int(now.timeIntervalSince1970)
        var state = try store.feedState(url: feed.url) ?? FeedState(url: feed.url)
        state.lastFetchAt = nowSec

        func fail(_ code: String, _ message: String, status: Int?, ms: Int, bytes: Int = 0, retryAfter: Int? = nil,
                  disable: Bool = false) throws -> FeedResult {
            state.consecutiveErrors += 1
            state.lastStatus = status
            state.lastError = "\(code): \(message)"
            state.disabled = disable
            state.nextDueAt = policy.nextAfterFailure(now: nowSec, failures: state.consecutiveErrors, retryAfter: retryAfter, using: &rng)
            try store.saveFeedState(state)
            var meta: Logger.Metadata = [
                "error_code": .string(code), "error": .string(message), "ms": "\(ms)",
                "failures": "\(state.consecutiveErrors)",
            ]
            if let status { meta["status"] = "\(status)" }
            if disable {
                meta["disabled"] = "true"
            } else {
                meta["retry_at"] = .string(ISOTime.format(Date(timeIntervalSince1970: TimeInterval(state.nextDueAt!))))
            }
            log.error("fetch", metadata: meta)
            DaemonMetrics.fetch(outcome: code, bytes: bytes, milliseconds: ms)
            return FeedResult(fetched: false, newItems: 0, duplicates: 0, nextDueAt: state.nextDueAt!)
        }

        let response: FetchResponse
        switch outcome {
        case .failure(let error):
            if error.code == .aborted {
                log.notice("fetch", metadata: ["error_code": "aborted", "error": .string(error.message), "ms": "\(error.elapsedMs)"])
                DaemonMetrics.fetch(outcome: "aborted", bytes: 0, milliseconds: error.elapsedMs)
                return FeedResult(fetched: false, newItems: 0, duplicates: 0, nextDueAt: nowSec)
            }
            return try fail(error.code.rawValue, error.message, status: nil, ms: error.elapsedMs)
        case .success(let r):
            response = r
        }

        if let moved = response.permanentlyMovedTo, moved != (state.currentURL ?? feed.url), (200...399).contains(response.status) {
            log.notice("moved", metadata: ["from": .string(state.currentURL ?? feed.url), "to": .string(moved),
                                           "reason": "permanent redirect (301/308); fetched there from now on"])
            state.currentURL = moved == feed.url ? nil : moved
        }
        let freshness = SchedulePolicy.httpFreshness(headers: response.headers, now: now)

        switch response.status {
        case 304:
            state.lastStatus = 304
            state.lastError = nil
            state.consecutiveErrors = 0
            state.lastSuccessAt = nowSec
            state.etag = response.etag ?? state.etag
            state.lastModified = response.lastModified ?? state.lastModified
            state.nextDueAt = policy.nextAfterSuccess(now: nowSec, interval: policy.interval(feed: feed, hint: nil, httpFreshness: freshness),
                                                      using: &rng)
            try store.saveFeedState(state)
            DaemonMetrics.fetch(outcome: "not_modified", bytes: 0, milliseconds: response.elapsedMs)
            log.info("fetch", metadata: ["status": "304", "new": "0", "duplicate": "0", "ms": "\(response.elapsedMs)",
                                         "next_at": .string(ISOTime.format(Date(timeIntervalSince1970: TimeInterval(state.nextDueAt!))))])
            return FeedResult(fetched: true, newItems: 0, duplicates: 0, nextDueAt: state.nextDueAt!)
        case 200...299:
            break
        case 410:
            return try fail("gone", "the server says the feed is gone for good (410); feed disabled", status: 410,
                            ms: response.elapsedMs, bytes: response.body.count, disable: true)
        case 429, 503:
            let ra = SchedulePolicy.retryAfterSeconds(response.headers["retry-after"], now: now)
            return try fail("http", "HTTP \(response.status)", status: response.status, ms: response.elapsedMs,
                            bytes: response.body.count, retryAfter: ra)
        default:
            return try fail("http", "HTTP \(response.status)", status: response.status, ms: response.elapsedMs,
                            bytes: response.body.count)
        }

        let parsed: ParsedFeed
        switch prepared.parsed {
        case .success(let p)?:
            parsed = p
        case .failure(let error)?:
            return try fail("parse", error.description, status: response.status, ms: response.elapsedMs,
                            bytes: response.body.count)
        case nil:
            preconditionFailure("a 2xx response is parsed by prepare")
        }
        if parsed.bozo {
            parseLog.warning("parse", metadata: ["bozo": "true", "reason": .string(parsed.bozoReason ?? "not well-formed")])
        }

        var fresh: [ArchiveRecord] = []
        var duplicates = 0
        let gap = SchedulePolicy.observedGap(dates: parsed.entries.compactMap { $0.published ?? $0.updated })
        let interval = policy.interval(feed: feed, hint: parsed.pollHint, httpFreshness: freshness, observedGap: gap)
        // Each entry in a savepoint of its own: a store error undoes that entry alone and ends the feed there (its
        // state is not saved, so it is fetched again in full); the items before it stay, and are archived and
        // logged. A savepoint journals the pages it changes, and an item's fit in memory (`SQLiteConnection`),
        // where a whole feed's spilled megabytes to a temporary file.
        for p in prepared.entries {
            let entry = p.entry, id = p.id, url = p.url
            let new = try store.savepoint { () throws -> ArchiveRecord? in
                var added: ArchiveRecord?
                if try !store.containsItem(id: id) {
                    var revisionOf: String?
                    if let guid = entry.id, !guid.isEmpty, let earlier = try store.itemID(feedURL: feed.url, guid: guid),
                       earlier != id {
                        revisionOf = earlier
                    }
                    let links = try deduper.links(
                        itemID: id, input: p.dedup ?? deduper.input(title: entry.title, body: entry.content ?? entry.summary),
                        revisionOf: revisionOf, now: now, in: store)
                    let c = p.classification ?? classifier.classify(ClassifierInput(entry))
                    let record = ArchiveRecord(
                        id: id, feed: feed.url, guid: entry.id, url: url, title: entry.title,
                        published: entry.published ?? entry.updated, fetched: now, author: entry.author,
                        categories: entry.categories, summary: entry.summary, content: entry.content, relevant: c.relevant,
                        relevance: c.relevance, topics: c.topics, nearDuplicateOf: links.nearDuplicateOf,
                        revisionOf: revisionOf, story: links.story)
                    try store.insertItem(record, language: c.language)
                    try deduper.register(itemID: id, links, fetched: now, in: store)
                    added = record
                }
                try store.recordSighting(itemID: id, feedURL: feed.url, guid: entry.id, url: url, at: now)
                return added
            }
            if let new {
                fresh.append(new)
                pending.append(new)  // logged and archived once the batch commits (`flushArchive`)
                pendingFetches.append(fetchID)
            } else {
                duplicates += 1
            }
        }
        state.lastStatus = response.status
        state.lastError = nil
        state.consecutiveErrors = 0
        state.lastSuccessAt = nowSec
        if !fresh.isEmpty { state.lastNewItemAt = nowSec }
        state.title = parsed.feed.title ?? state.title
        state.etag = response.etag
        state.lastModified = response.lastModified
        state.nextDueAt = policy.nextAfterSuccess(now: nowSec, interval: interval, using: &rng)
        try store.saveFeedState(state)

        DaemonMetrics.fetch(outcome: "ok", bytes: response.body.count, milliseconds: response.elapsedMs)
        DaemonMetrics.items(kind: "new", count: fresh.count)
        DaemonMetrics.items(kind: "duplicate", count: duplicates)
        DaemonMetrics.items(kind: "near_duplicate", count: fresh.filter { $0.nearDuplicateOf != nil }.count)
        DaemonMetrics.items(kind: "revision", count: fresh.filter { $0.revisionOf != nil }.count)
        log.info("fetch", metadata: [
            "status": "\(response.status)", "new": "\(fresh.count)", "duplicate": "\(duplicates)",
            "entries": "\(parsed.entries.count)", "bytes": "\(response.body.count)", "ms": "\(response.elapsedMs)",
            "format": .string(parsed.format.rawValue), "unsafe_urls": "\(parsed.unsafeURLs)",
            "next_at": .string(ISOTime.format(Date(timeIntervalSince1970: TimeInterval(state.nextDueAt!)))),
        ])
        return FeedResult(fetched: true, newItems: fresh.count, duplicates: duplicates, nextDueAt: state.nextDueAt!)
    }

    /// `id:score,id:score` for the item log line.
    static func topicList(_ topics: [TopicScore]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(topics.count * 32)
        for (i, t) in topics.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: t.id.utf8)
            out.append(0x3A)
            JSONText.appendNumber(t.score, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One `item` line per new item, and the relevant-item metrics.
    /// The `item` lines of the batch being handed over: its fetch numbers go with them, the pending list empties.
    private func takeItemLines() -> ItemLines {
        defer { pendingFetches.removeAll() }
        return ItemLines(logger: itemLog, fetches: pendingFetches)
    }

    /// One `item` line per new item of a committed batch, with its feed and the `fetch=N` of its feed's line, and
    /// the relevant-items metric. Emitted once the batch has committed (by the archive worker, before it writes
    /// the batch's lines, when there is one): an item is logged once, when it is stored for good, and a batch
    /// that is rolled back (its feeds fetched again in full) logs nothing. Formatting them was ~5 % of the store
    /// thread's instructions in the 1,000-feed benchmark.
    struct ItemLines: Sendable {
        let logger: Logger
        let fetches: [String]

        func emit(_ records: [ArchiveRecord]) {
            assert(fetches.count == records.count, "one fetch number per pending record")
            for (i, r) in records.enumerated() {
                var meta: Logger.Metadata = [
                    "feed": .string(r.feed), "fetch": .string(i < fetches.count ? fetches[i] : "?"),
                    "id": .string(r.id), "title": .string(r.title ?? ""), "relevant": "\(r.relevant)",
                    "relevance": .string(JSONText.number(r.relevance)),
                    "topics": .string(Pipeline.topicList(r.topics)),
                    "url": .string(r.url ?? ""),
                ]
                if let rev = r.revisionOf { meta["revision_of"] = .string(rev) }
                if let nd = r.nearDuplicateOf { meta["near_duplicate_of"] = .string(nd) }
                if let story = r.story { meta["story"] = .string(story) }
                logger.info("item", metadata: meta)
                if r.relevant { DaemonMetrics.relevant(topics: r.topics.map(\.id)) }
            }
        }
    }
}
