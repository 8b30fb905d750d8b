import Foundation
import Logging

/// One item's path through the stages, composed: `prepare` (on the prepare worker) parses, hashes, classifies
/// and fingerprints a fetched feed; `handle` (on the store's thread) turns the transfer into an outcome
/// (`FetchOutcome`), moves the feed's state (`FeedState`), and stores each entry: dedup decides its links
/// (`Deduper` over `DedupIndex`), the store keeps the item and its sighting; `commitIfDue` /
/// `commitAndArchive` commit the batch and hand it to the archive worker (`ArchiveQueue`), which logs its
/// `item` lines and writes its archive lines. Each stage decides its own part; this type only calls them in
/// order. A failure of one feed is logged and scheduled for retry; it never escapes.
///
/// Used from one thread (the daemon's loop or a one-shot command).
public final class Pipeline {
    /// The SQLite store, for callers that read it (a pipeline on SQLite only); the pipeline itself goes
    /// through `storage`.
    public var store: ItemStore {
        guard let sqlite else { preconditionFailure("Pipeline.store: this pipeline stores in \(type(of: storage))") }
        return sqlite
    }
    private let sqlite: ItemStore?
    let storage: any PipelineStorage
    public let archive: ArchiveWriter
    public var classifier: TopicClassifier
    public var policy: SchedulePolicy
    /// Near-duplicates and story clusters beyond the exact hash (Dedup/): its decisions, and its indexes
    /// over the store with their caches.
    public var deduper = Deduper()
    let dedupIndex: DedupIndex
    /// One logger per module, so `log_levels` can set each: fetch lines, parse warnings, new items, store errors.
    /// (`var`: a test with hundreds of items quiets its `item` lines.)
    var fetchLog = Logger(label: "fetch"), parseLog = Logger(label: "parse"), itemLog = Logger(label: "item"),
        storeLog = Logger(label: "store")
    private var rng = SystemRandomNumberGenerator()
    /// The store's batch transaction is open: feeds handled since the last commit share it.
    private var batchOpen = false
    /// New items of the open batch, appended to the archive once it commits, and the fetch each came from.
    private var pending: [ArchiveRecord] = []
    private var pendingFetches: [String] = []
    private var lastCommit = DispatchTime.now()
    /// The newest time an outcome was handled at: the clock items are registered by (tests give their own).
    private var latestHandled: Date?
    private var fetchCounter = 0
    /// Archive writes failing since: the items committed meanwhile stay pending in the store until a retry
    /// (`retryArchiveIfDue`) writes them. Nil while the archive is healthy.
    private var archiveFault: Fault?
    /// Commits failed in a row; from `alarmAfterFailedCommits` on the store is in alarm.
    private var failedCommits = 0
    /// Store and archive errors since the pipeline started (`once` fails when there were any).
    public private(set) var errorCount = 0
    /// Queues webhook deliveries for each new item, in its transaction (Output/); nil: no outputs.
    var outputs: OutputRouter?
    /// Called after each commit that stored something (wakes the delivery worker).
    var afterCommit: (() -> Void)?

    struct Fault {
        var since = DispatchTime.now()
        var retryAt = DispatchTime.now()
        var delay = 0.0
        var error = ""

        /// Whole seconds since the episode began.
        var age: Int { Int(Double(DispatchTime.now().uptimeNanoseconds - since.uptimeNanoseconds) / 1e9) }
    }

    static let alarmAfterFailedCommits = 3
    /// Retry delays of failing archive writes: from 2 s, doubling, at most 5 minutes.
    static let archiveRetry = (first: 2.0, max: 300.0)

    public convenience init(store: ItemStore, archive: ArchiveWriter, classifier: TopicClassifier, policy: SchedulePolicy) {
        self.init(storage: store, store: store, archive: archive, classifier: classifier, policy: policy)
    }

    /// A pipeline whose items go through `storage` (the PostgreSQL store); `store`, when given, serves only
    /// its callers (tests comparing backends).
    init(storage: any PipelineStorage, store: ItemStore?, archive: ArchiveWriter, classifier: TopicClassifier,
         policy: SchedulePolicy) {
        self.sqlite = store
        self.storage = storage
        self.archive = archive
        self.classifier = classifier
        self.policy = policy
        dedupIndex = DedupIndex(storage: storage)
        archiveQueue = ArchiveQueue(archive: archive)
    }

    /// The result of one feed's fetch, for the caller's summary.
    public struct FeedResult: Sendable {
        public var fetched: Bool
        public var newItems: Int
        public var duplicates: Int
        public var nextDueAt: Int
    }

    // MARK: The batch: commit, then archive

    /// Commits the open batch (the feeds handled since the last commit share one transaction, each entry in
    /// a savepoint of its own), then has its new items logged and written to the archive and marks them
    /// archived: everything is in the archive when it returns. Called at the end of every round of fetches.
    /// A crash after the commit leaves items committed but not marked, which the start-up reconcile appends; a
    /// crash before it loses the feeds' validators with their items, so those feeds are fetched again in full.
    public func commitAndArchive() {
        commitBatch()
        if archiveLock != nil { return handOverToWriter() }
        markWrittenBatchArchived(wait: true)
        guard !pending.isEmpty else { return }
        archiveQueue.submit(pending, announce: takeItemLines())
        pending.removeAll()
        markWrittenBatchArchived(wait: true)
        retryArchiveIfDue()
    }

    /// Commits when the last commit is a second old, or `maxPending` new items wait (their records are held in
    /// memory until then), and hands the batch to the archive worker, which writes it while the next batch is
    /// stored; its items are marked archived at the first call that finds them written while no batch is open.
    /// The fetch loop calls it while transfers run: readers and `archive tail -f` see new items within about a
    /// second, and one commit and one fsync per day file serve many feeds.
    public func commitIfDue() {
        if pending.count >= Self.maxPending
            || DispatchTime.now().uptimeNanoseconds - lastCommit.uptimeNanoseconds >= commitIntervalNanoseconds {
            commitBatch()
            if archiveLock != nil { return handOverToWriter() }
            markWrittenBatchArchived(wait: true)  // the batch before, usually written long since
            guard !pending.isEmpty else { return }
            archiveQueue.submit(pending, announce: takeItemLines())
            pending.removeAll()
        } else if !batchOpen, archiveLock != nil {
            drainArchiveIfDue()
        } else if !batchOpen {
            markWrittenBatchArchived(wait: false)  // written meanwhile: marked now rather than at the next commit
            retryArchiveIfDue()
        }
    }

    /// Writes committed batches' lines on a thread of its own, one batch at a time.
    private let archiveQueue: ArchiveQueue

    // MARK: The archive of a cluster

    /// Set when several daemons share the store: the archive is written by whichever holds this lock
    /// (`drainArchive`), not batch by batch by the daemon that committed the items.
    public var archiveLock: ArchiveWriterLock?
    /// Reconcile (compare with the day files) before the next append: after taking the lock, whose last holder
    /// may have died between writing and marking, and after a failed write.
    private var reconcileBeforeAppend = true
    private var lastDrain = DispatchTime.now()

    /// A cluster's daemon after a commit: its `item` lines are logged here, its records go to the archive with
    /// every other pending item, if this daemon writes the archive.
    private func handOverToWriter() {
        if !pending.isEmpty {
            takeItemLines().emit(pending)
            pending.removeAll()
        }
        drainArchive()
    }

    /// At most once a second while no batch is open (the daemon's tick calls it while idle): appends what other
    /// daemons committed.
    public func drainArchiveIfDue() {
        guard DispatchTime.now().uptimeNanoseconds - lastDrain.uptimeNanoseconds >= commitIntervalNanoseconds else { return }
        drainArchive()
    }

    /// If this daemon holds the archive's writer lock (taking it when free): appends every item pending in the
    /// store, whoever committed it, and marks it archived. The lock's new holder reconciles first, so an item
    /// the last holder wrote but did not mark is not written twice.
    func drainArchive() {
        guard let lock = archiveLock, !batchOpen else { return }
        lastDrain = .now()
        if let f = archiveFault, DispatchTime.now() < f.retryAt { return }
        switch lock.holdArchive() {
        case .elsewhere:
            return
        case .acquired:
            reconcileBeforeAppend = true
            storeLog.notice("archive", metadata: ["writer": "this node", "reason": "took the archive's writer lock"])
        case .held:
            break
        }
        do {
            let written: Int
            if reconcileBeforeAppend {
                written = try archive.reconcile(store: storage)
                reconcileBeforeAppend = false
            } else {
                let items = try storage.unarchivedItems()
                guard !items.isEmpty else { return }
                let lines = try archive.append(items)
                try storage.transaction { try storage.markArchived(lines) }
                written = items.count
            }
            if let f = archiveFault {
                storeLog.notice("archive", metadata: ["recovered": "true", "appended": "\(written)", "after_s": "\(f.age)"])
                archiveFault = nil
            }
        } catch {
            reconcileBeforeAppend = true
            archiveFailed(error, pending: (try? storage.unarchivedItems().count) ?? 0)
        }
    }

    /// Commits the open batch; on failure rolls it back and forgets its records.
    private func commitBatch() {
        lastCommit = .now()
        guard batchOpen else { return }
        batchOpen = false
        pruneStoryIndex()
        do {
            try storage.commitBatch()
            if !pending.isEmpty { afterCommit?() }
            if failedCommits >= Self.alarmAfterFailedCommits {
                storeLog.notice("store", metadata: ["alarm": "cleared", "failed_commits": "\(failedCommits)"])
            }
            failedCommits = 0
        } catch {
            storage.rollbackBatch()
            storeLog.error("store", metadata: [
                "error": "\(error)", "rolled_back": "\(pending.count)",
                "reason": "commit failed; the feeds are fetched again in full next time",
            ])
            pending.removeAll()
            pendingFetches.removeAll()
            commitFailed()
        }
    }

    /// Story vectors and postings older than the story window are never read again: each batch drops up to
    /// `storyPruneStep` of each, so the story index stays the size of the window however long the daemon runs.
    /// In a savepoint: a failure undoes the prune alone, and the batch commits.
    private func pruneStoryIndex() {
        guard let latestHandled else { return }
        let before = Int(latestHandled.timeIntervalSince1970 - deduper.stories.window - Self.storyPruneMargin)
        do {
            _ = try storage.savepoint { try storage.pruneStoryIndex(before: before, limit: Self.storyPruneStep) }
        } catch {
            storeLog.warning("store", metadata: [
                "error": "\(error)", "reason": "dropping story postings older than the window failed; tried again at the next batch",
            ])
        }
    }

    /// Per batch, at most (of vectors, and of postings): more than a batch adds, so a backlog shrinks.
    static let storyPruneStep = 1_000
    /// Kept beyond the window: items are registered by each daemon's clock.
    static let storyPruneMargin: TimeInterval = 86_400

    /// One more failed commit (or batch rolled back by the store): after a few in a row, the alarm.
    /// `counted`: its error is in `errorCount` already.
    private func commitFailed(counted: Bool = false) {
        if !counted { errorCount += 1 }
        failedCommits += 1
        if failedCommits == Self.alarmAfterFailedCommits {
            storeLog.critical("store", metadata: [
                "alarm": "raised", "failed_commits": "\(failedCommits)",
                "reason": "every commit fails: nothing new is stored (see the errors above)",
            ])
        }
    }

    /// What is wrong that an operator must see (`/healthz` answers 503 with it, systemd's STATUS= shows it),
    /// or nil: the store failing every commit, or archive writes failing.
    public var alarm: String? {
        if failedCommits >= Self.alarmAfterFailedCommits {
            return "store: the last \(failedCommits) commits failed"
        }
        if let f = archiveFault {
            return "archive: writes failing for \(f.age)s (\(f.error))"
        }
        return nil
    }

    /// An archive write or mark failed: the first failure of an episode is logged with its error, later ones
    /// only counted (a full disk would otherwise log at every batch), and a retry is scheduled with backoff.
    private func archiveFailed(_ error: any Error, pending count: Int) {
        errorCount += 1
        let message = (error as? ArchiveError)?.message ?? "\(error)"
        if var f = archiveFault {
            f.delay = min(f.delay * 2, Self.archiveRetry.max)
            f.retryAt = .now() + f.delay
            f.error = message
            archiveFault = f
        } else {
            archiveFault = Fault(retryAt: .now() + Self.archiveRetry.first, delay: Self.archiveRetry.first, error: message)
            storeLog.error("archive", metadata: [
                "error": "\(error)", "pending": "\(count)",
                "reason": "committed items stay pending in the store and are written when the archive works again",
            ])
        }
    }

    /// While archive writes fail: at each retry time, appends every pending item the archive lacks
    /// (`ArchiveWriter.reconcile`), between batches. Logs the end of the episode.
    func retryArchiveIfDue(force: Bool = false) {
        if archiveLock != nil {
            if force, let f = archiveFault { archiveFault?.retryAt = f.since }
            return drainArchive()
        }
        guard let f = archiveFault, !batchOpen, !archiveQueue.inFlight, force || DispatchTime.now() >= f.retryAt else { return }
        do {
            let written = try archive.reconcile(store: storage)
            storeLog.notice("archive", metadata: ["recovered": "true", "appended": "\(written)", "after_s": "\(f.age)"])
            archiveFault = nil
        } catch {
            archiveFailed(error, pending: (try? storage.unarchivedItems().count) ?? 0)
        }
    }

    /// Archive writes failed at start-up (`reconcile`): retried while running.
    func archiveFailedAtStart(_ error: any Error) {
        archiveFailed(error, pending: (try? storage.unarchivedItems().count) ?? 0)
    }

    /// Items committed and not yet in the archive (after a last retry when writes were failing).
    public func unarchivedCount() -> Int {
        retryArchiveIfDue(force: true)
        // A cluster's pending items are the writer's: this daemon's concern only while it is the writer.
        if let lock = archiveLock, case .elsewhere = lock.holdArchive() { return 0 }
        return (try? storage.unarchivedItems().count) ?? -1
    }

    /// Takes the batch the archive worker has written, if any (with `wait`, waits for it), and marks its items
    /// archived in a transaction of its own: never while a batch is open.
    private func markWrittenBatchArchived(wait: Bool) {
        guard let (lines, submitted, error) = archiveQueue.finish(wait: wait) else { return }
        if let error {
            // Committed but not marked archived: a retry appends whatever line is missing.
            return archiveFailed(error, pending: submitted)
        }
        do {
            try storage.transaction { try storage.markArchived(lines) }
        } catch {
            // Written but not marked: a retry finds the lines and appends nothing twice.
            archiveFailed(error, pending: submitted)
        }
    }

    static let maxPending = 250

    /// How old the last commit may get while transfers run: a second (tests lengthen it).
    var commitIntervalNanoseconds: UInt64 = 1_000_000_000

    /// The conditional-GET request for a feed, from its stored state.
    public func request(for feed: FeedConfig) throws(StoreError) -> FetchRequest {
        (try storage.feedState(url: feed.url) ?? FeedState(url: feed.url)).request(for: feed)
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
        /// Computed when preparing, for every entry the store did not have as of its last commit (nil for the
        /// others: the store's thread only records their sighting, and computes them should one be new after all).
        let classification: Classification?
        let dedup: Deduper.Input?
    }

    /// Parses a 2xx response, hashes its entries, classifies them and computes their dedup input (fingerprint,
    /// story term counts), except for the entries `stored` already knows. Touches no state: safe on any thread
    /// (`stored` from one thread at a time).
    static func prepare(feed: FeedConfig, outcome: Result<FetchResponse, FetchError>, classifier: TopicClassifier,
                        deduper: Deduper, stored: ItemLookupConnection? = nil) -> PreparedFetch {
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
            let known = stored?.contains(id: id) == true
            return PreparedEntry(entry: entry, id: id, url: entry.link.flatMap(URLCanonicalizer.canonicalize),
                                 classification: known ? nil : classifier.classify(ClassifierInput(entry)),
                                 dedup: known ? nil : deduper.input(title: entry.title, body: entry.content ?? entry.summary))
        }
        return PreparedFetch(feed: feed, outcome: outcome, parsed: parsed, entries: entries)
    }

    /// Prepares and handles one transfer's outcome on this thread. Store errors are logged and reported as a
    /// failed fetch.
    @discardableResult
    public func handle(feed: FeedConfig, outcome: Result<FetchResponse, FetchError>, now: Date = Date()) -> FeedResult {
        handle(Self.prepare(feed: feed, outcome: outcome, classifier: classifier, deduper: deduper), now: now)
    }

    /// Handles a prepared outcome (`prepare`): the store's part, on the store's thread.
    @discardableResult
    public func handle(_ prepared: PreparedFetch, now: Date = Date()) -> FeedResult {
        let feed = prepared.feed
        fetchCounter += 1
        let fetchID = String(fetchCounter)
        let context: Logger.Metadata = ["feed": .string(feed.url), "fetch": .string(fetchID)]
        defer { commitIfDue() }
        latestHandled = max(latestHandled ?? now, now)
        do {
            if !batchOpen {
                markWrittenBatchArchived(wait: false)  // the batch the worker has written, before this one takes the store
                try storage.beginBatch()
                batchOpen = true
            }
            return try process(prepared, now: now, fetchID: fetchID, context: context)
        } catch {
            storeLog.error("store", metadata: context.merging(["error": "\(error)"]) { $1 })
            errorCount += 1
            if batchOpen, !storage.inTransaction {
                // SQLite rolled the whole batch back (disk full, I/O error): the earlier feeds' items are gone
                // with their validators, so those feeds are fetched again in full.
                batchOpen = false
                storage.rollbackBatch()
                storeLog.error("store", metadata: ["rolled_back": "\(pending.count)", "reason": "the batch was rolled back"])
                pending.removeAll()
                pendingFetches.removeAll()
                commitFailed(counted: true)
            }
            return FeedResult(fetched: false, newItems: 0, duplicates: 0, nextDueAt: Int(now.timeIntervalSince1970) + 60)
        }
    }

    private func process(_ prepared: PreparedFetch, now: Date, fetchID: String, context: Logger.Metadata) throws -> FeedResult {
        let feed = prepared.feed
        var log = fetchLog, parseLog = parseLog
        for (k, v) in context {
            log[metadataKey: k] = v
            parseLog[metadataKey: k] = v
        }
        let nowSec = Int(now.timeIntervalSince1970)
        var state = try storage.feedState(url: feed.url) ?? FeedState(url: feed.url)
        state.fetchStarted(at: nowSec)
        let wasDisabled = state.disabled
        /// Saves the feed's new state, then says so when it enabled a feed a 410 had disabled.
        func save() throws {
            try storage.saveFeedState(state)
            if wasDisabled, !state.disabled {
                log.notice("enabled", metadata: ["reason": "the feed answered again after 410 Gone", "status": .string(state.lastStatus.map(String.init) ?? "-")])
            }
        }

        func fail(_ failure: FeedFailure) throws -> FeedResult {
            state.failed(failure, at: nowSec, policy: policy, using: &rng)
            try save()
            var meta: Logger.Metadata = [
                "error_code": .string(failure.code), "error": .string(failure.message), "ms": "\(failure.elapsedMs)",
                "failures": "\(state.consecutiveErrors)",
            ]
            if let status = failure.status { meta["status"] = "\(status)" }
            if state.disabled {
                meta["disabled"] = "true"
                meta["recheck_at"] = .string(ISOTime.format(Date(timeIntervalSince1970: TimeInterval(state.nextDueAt!))))
            } else {
                meta["retry_at"] = .string(ISOTime.format(Date(timeIntervalSince1970: TimeInterval(state.nextDueAt!))))
            }
            log.error("fetch", metadata: meta)
            DaemonMetrics.fetch(outcome: failure.code, bytes: failure.bytes, milliseconds: failure.elapsedMs)
            return FeedResult(fetched: false, newItems: 0, duplicates: 0, nextDueAt: state.nextDueAt!)
        }

        let outcome = FetchOutcome(prepared.outcome, now: now)
        if let location = FetchOutcome.permanentMove(prepared.outcome), let from = state.movedPermanently(to: location) {
            log.notice("moved", metadata: ["from": .string(from), "to": .string(location),
                                           "reason": "permanent redirect (301/308); fetched there from now on"])
        }
        let response: FetchResponse
        switch outcome {
        case .aborted(let error):
            log.notice("fetch", metadata: ["error_code": "aborted", "error": .string(error.message), "ms": "\(error.elapsedMs)"])
            DaemonMetrics.fetch(outcome: "aborted", bytes: 0, milliseconds: error.elapsedMs)
            return FeedResult(fetched: false, newItems: 0, duplicates: 0, nextDueAt: nowSec)
        case .failed(let failure):
            return try fail(failure)
        case .notModified(let r):
            let interval = policy.interval(feed: feed, hint: nil, httpFreshness: SchedulePolicy.httpFreshness(headers: r.headers, now: now))
            state.notModified(r, at: nowSec, interval: interval, policy: policy, using: &rng)
            try save()
            DaemonMetrics.fetch(outcome: "not_modified", bytes: 0, milliseconds: r.elapsedMs)
            log.info("fetch", metadata: ["status": "304", "new": "0", "duplicate": "0", "ms": "\(r.elapsedMs)",
                                         "next_at": .string(ISOTime.format(Date(timeIntervalSince1970: TimeInterval(state.nextDueAt!))))])
            return FeedResult(fetched: true, newItems: 0, duplicates: 0, nextDueAt: state.nextDueAt!)
        case .document(let r):
            response = r
        }

        let parsed: ParsedFeed
        switch prepared.parsed {
        case .success(let p)?:
            parsed = p
        case .failure(let error)?:
            return try fail(FeedFailure(code: "parse", message: error.description, status: response.status,
                                        elapsedMs: response.elapsedMs, bytes: response.body.count))
        case nil:
            preconditionFailure("a 2xx response is parsed by prepare")
        }
        if parsed.bozo {
            parseLog.warning("parse", metadata: ["bozo": "true", "reason": .string(parsed.bozoReason ?? "not well-formed")])
        }

        var fresh: [ArchiveRecord] = []
        var duplicates = 0
        // Each entry in a savepoint of its own: a store error undoes that entry alone and ends the feed there (its
        // state is not saved, so it is fetched again in full); the items before it stay, and are archived and
        // logged.
        for p in prepared.entries {
            if let new = try storage.savepoint({ try storeEntry(p, feed: feed, now: now) }) {
                fresh.append(new)
                pending.append(new)  // logged and archived once the batch commits
                pendingFetches.append(fetchID)
            } else {
                duplicates += 1
            }
        }
        let interval = policy.interval(
            feed: feed, hint: parsed.pollHint, httpFreshness: SchedulePolicy.httpFreshness(headers: response.headers, now: now),
            observedGap: SchedulePolicy.observedGap(dates: parsed.entries.compactMap { $0.published ?? $0.updated }))
        state.fetched(response, title: parsed.feed.title, newItems: fresh.count, at: nowSec, interval: interval,
                      policy: policy, using: &rng)
        try save()

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

    /// One entry of a fetched feed, in its savepoint: a new item is deduplicated beyond its hash, classified and
    /// stored, and returned; every entry, new or known, is recorded as a sighting of its item.
    private func storeEntry(_ p: PreparedEntry, feed: FeedConfig, now: Date) throws -> ArchiveRecord? {
        let entry = p.entry, id = p.id
        var added: ArchiveRecord?
        if try !storage.containsItem(id: id) {
            var revisionOf: String?
            if let guid = entry.id, !guid.isEmpty, let earlier = try storage.itemID(feedURL: feed.url, guid: guid), earlier != id {
                revisionOf = earlier
            }
            let links = try deduper.links(
                itemID: id, input: p.dedup ?? deduper.input(title: entry.title, body: entry.content ?? entry.summary),
                revisionOf: revisionOf, now: now, in: dedupIndex)
            let c = p.classification ?? classifier.classify(ClassifierInput(entry))
            let record = ArchiveRecord(
                id: id, feed: feed.url, guid: entry.id, url: p.url, title: entry.title,
                published: entry.published ?? entry.updated, fetched: now, author: entry.author,
                categories: entry.categories, summary: entry.summary, content: entry.content, relevant: c.relevant,
                relevance: c.relevance, topics: c.topics, nearDuplicateOf: links.nearDuplicateOf,
                revisionOf: revisionOf, story: links.story)
            try storage.insertItem(record, language: c.language)
            try deduper.register(itemID: id, links, fetched: now, in: dedupIndex)
            added = record
        }
        try storage.recordSighting(itemID: id, feedURL: feed.url, guid: entry.id, url: p.url, at: now)
        if let added, let outputs { try outputs.itemStored(added, feedTags: feed.tags, now: now) }
        return added
    }

    /// The `item` lines of the batch being handed over: its fetch numbers go with them, the pending list empties.
    private func takeItemLines() -> ItemLogLines {
        defer { pendingFetches.removeAll() }
        return ItemLogLines(logger: itemLog, fetches: pendingFetches)
    }
}
