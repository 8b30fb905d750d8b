import Foundation
import Logging

/// The daemon: a loop over a due-time schedule of feeds, fetching what is due with libcurl's multi
/// interface and handing each finished transfer to the pipeline, until asked to stop.
///
/// The loop is also the daemon's heartbeat: it feeds the systemd watchdog and the /healthz endpoint after
/// real work (a tick of the loop, or a poll of the fetch loop), never from a free-running timer, so a hung
/// loop stops both.
public final class Daemon {
    public private(set) var config: DaemonConfig
    public private(set) var feeds: [FeedConfig] {
        didSet { feedURLs = Set(feeds.map(\.url)) }
    }
    private var feedURLs: Set<String> = []
    let pipeline: Pipeline
    private(set) var fetcher: Fetcher
    let logger = Logger(label: "daemon")
    let notifier: SystemdNotifier
    public let heartbeat = LoopHeartbeat()
    private var lastWatchdogPing = DispatchTime.now()

    /// Everything a reload replaces at once.
    public struct Settings: Sendable {
        public var config: DaemonConfig
        public var feeds: [FeedConfig]
        public var model: TopicModel

        public init(config: DaemonConfig, feeds: [FeedConfig], model: TopicModel) {
            self.config = config
            self.feeds = feeds
            self.model = model
        }

        /// Loads the topic model a config names, or throws a ConfigError naming it.
        public static func loadModel(for config: DaemonConfig) throws(ConfigError) -> TopicModel {
            do {
                return try TopicModel.load(contentsOf: config.modelURL)
            } catch {
                throw ConfigError(file: config.file, key: "model", message: "cannot load the topic model \(config.modelURL.path): \(error)")
            }
        }
    }

    /// Reads the settings again (config, feed list, model) for a reload.
    public typealias SettingsLoader = @Sendable () throws -> Settings

    public convenience init(config: DaemonConfig, feeds: [FeedConfig], stateDirectory: URL,
                            notifier: SystemdNotifier = SystemdNotifier()) throws {
        try self.init(settings: Settings(config: config, feeds: feeds, model: Settings.loadModel(for: config)),
                      stateDirectory: stateDirectory, notifier: notifier)
    }

    public init(settings: Settings, stateDirectory: URL, notifier: SystemdNotifier = SystemdNotifier()) throws {
        let config = settings.config
        self.config = config
        self.feeds = settings.feeds
        feedURLs = Set(settings.feeds.map(\.url))
        self.notifier = notifier
        let classifier = TopicClassifier(model: settings.model)
        let policy = SchedulePolicy(poll: config.poll, backoff: config.backoff)
        let archive = ArchiveWriter(stateDirectory: stateDirectory)
        let storage: any PipelineStorage, storeName: String
        if let url = config.store {
            // Several daemons share the store and the state directory's archive: the archive's writer lock,
            // not the state directory's, keeps its writes one at a time.
            stateLock = nil
            let store = try PostgresStore(url: url)
            cluster = try PostgresCluster(url: url, node: config.cluster.node ?? PostgresCluster.defaultNodeName(),
                                          lease: config.cluster.lease)
            pipeline = Pipeline(storage: store, store: nil, archive: archive, classifier: classifier, policy: policy)
            pipeline.archiveLock = cluster
            storage = store
            storeName = store.name
        } else {
            stateLock = try StateLock(stateDirectory: stateDirectory)
            let store = try ItemStore(stateDirectory: stateDirectory)
            if FileManager.default.fileExists(atPath: StoreRebuild.incompleteMarker(stateDirectory: stateDirectory).path) {
                throw StoreError(path: store.path, message: """
                    a `newswired store rebuild` did not finish: the store lacks part of the archive. Run it again \
                    (it continues where it stopped)
                    """)
            }
            cluster = nil
            pipeline = Pipeline(store: store, archive: archive, classifier: classifier, policy: policy)
            storage = store
            storeName = store.path
        }
        if try !storage.hasItems(), ArchiveReader(stateDirectory: stateDirectory).hasLines() {
            throw StoreError(path: storeName, message: """
                the store has no items but the archive beside it has: a new or emptied store would archive every \
                item again. Rebuild the store from the archive with `newswired store rebuild`, or move \
                \(ArchiveReader(stateDirectory: stateDirectory).directory.path) away to start afresh
                """)
        }
        fetcher = Fetcher(options: FetchOptions(config.fetch))
        guard cluster == nil else {
            delivery = nil  // no outbox on PostgreSQL (the config loader refuses outputs there)
            return  // a cluster's archive writer reconciles when it takes the lock
        }
        let worker = DeliveryWorker(stateDirectory: stateDirectory, outputs: config.outputs, fetch: config.fetch)
        delivery = worker
        pipeline.outputs = OutputRouter(outputs: config.outputs, storage: pipeline.store)
        pipeline.afterCommit = { worker.wake() }
        do {
            let repaired = try pipeline.archive.reconcile(store: storage)
            if repaired > 0 {
                logger.warning("reconcile", metadata: ["appended": "\(repaired)", "reason": "items committed but missing from the archive"])
            }
        } catch let error as ArchiveError {
            // Starts anyway (a restart would not help while the disk is full): the pipeline retries.
            pipeline.archiveFailedAtStart(error)
        }
        do {
            itemLookup = try ItemLookupConnection(path: pipeline.store.path)
        } catch {
            // Only work saved: without it the worker prepares every entry in full.
            logger.warning("store", metadata: ["error": "\(error)", "reason": "no read connection for the prepare worker"])
        }
    }

    /// This process's hold on the state directory, for the daemon's lifetime (SQLite store only).
    private let stateLock: StateLock?

    /// On a PostgreSQL store: this daemon's part in the cluster (its leases, and the archive's writer lock).
    let cluster: PostgresCluster?

    /// Posts the webhook outbox (Output/): a thread while `run` runs; one sweep at the end of `runOnce`. Nil on
    /// PostgreSQL (no outbox there yet).
    private let delivery: DeliveryWorker?

    /// The prepare worker's read connection: entries already stored are not classified or fingerprinted again.
    private var itemLookup: ItemLookupConnection?

    /// A summary of one pass over feeds.
    public struct PassSummary: Sendable {
        public var feeds = 0
        public var fetched = 0
        public var failed = 0
        public var newItems = 0
        public var duplicates = 0
        /// Items committed but not in the archive at the end of the pass (archive writes failing).
        public var unarchived = 0
        /// Store and archive errors during the pass.
        public var errors = 0

        /// Counts of one more round of fetches (a cluster's pass is several).
        mutating func add(_ round: PassSummary) {
            feeds += round.feeds
            fetched += round.fetched
            failed += round.failed
            newItems += round.newItems
            duplicates += round.duplicates
        }

        /// The `pass_done` line's fields.
        var logMetadata: Logger.Metadata {
            ["feeds": "\(feeds)", "fetched": "\(fetched)", "failed": "\(failed)", "new": "\(newItems)",
             "duplicate": "\(duplicates)", "unarchived": "\(unarchived)", "store_errors": "\(errors)"]
        }
    }

    /// Fetches every enabled feed once, now.
    public func runOnce(stop: StopSignal? = nil) -> PassSummary {
        if let cluster { return runOnce(in: cluster, stop: stop) }
        let now = Int(Date().timeIntervalSince1970)
        let active = feeds.filter { feed in
            guard let state = try? pipeline.storage.feedState(url: feed.url) else { return true }
            return !state.disabled || state.recheckDue(at: now)
        }
        logger.info("pass", metadata: ["feeds": "\(active.count)", "mode": "once"])
        let errorsBefore = pipeline.errorCount
        var summary = fetch(active, stop: stop)
        summary.unarchived = pipeline.unarchivedCount()
        summary.errors = pipeline.errorCount - errorsBefore
        if !config.outputs.isEmpty { delivery?.deliverDueOnce() }
        logger.info("pass_done", metadata: summary.logMetadata)
        return summary
    }

    /// Polls every feed at its interval until `stop` is requested; in-flight transfers get
    /// `shutdownGrace` seconds to finish (and are committed and archived), the rest are aborted.
    /// SIGHUP (through `stop`) reloads with `reload`.
    public func run(stop: StopSignal, reload: SettingsLoader? = nil) {
        if let cluster { return run(in: cluster, stop: stop, reload: reload) }
        var queue = DueQueue()
        let now = Int(Date().timeIntervalSince1970)
        for feed in feeds {
            if let at = initialDue(feed, now: now) { queue.schedule(feed.url, at: at) }
        }
        logger.info("start", metadata: [
            "feeds": "\(feeds.count)", "scheduled": "\(queue.count)", "version": .string(NewswireVersion.string),
            "watchdog": .string(notifier.watchdogInterval.map { "\($0)s" } ?? "off"),
        ])
        tick()
        delivery?.start()
        defer { delivery?.stop() }
        notifier.notify("READY=1\nSTATUS=\(statusLine())")

        // Wake at least this often, to tick (watchdog, /healthz) even when nothing is due.
        let tickPeriod = min(5.0, (notifier.watchdogInterval ?? 10) / 2)
        while !stop.isRequested {
            tick()
            if stop.takeReload(), let reload {
                self.reload(reload, queue: &queue)
            }
            let t = Int(Date().timeIntervalSince1970)
            let taken = queue.takeDue(by: t)
            if !taken.isEmpty {
                // Due feeds start in config order.
                let takenAt = Dictionary(taken.map { ($0.url, $0.at) }, uniquingKeysWith: min)
                let ready = feeds.filter { takenAt[$0.url] != nil }
                DaemonMetrics.scheduleLag(seconds: t - (taken.map(\.at).min() ?? t))
                let round = fetch(ready, stop: stop, between: {
                    // SIGHUP between two polls of the transfers: applied now, not after the slowest one ends.
                    if stop.takeReload(), let reload { self.reload(reload, queue: &queue) }
                }) { feed, result in
                    // (Unless a reload meanwhile removed it.)
                    if self.feedURLs.contains(feed.url) { queue.schedule(feed.url, at: result.nextDueAt) }
                }
                applyFetchOptions()
                // A feed that could not be fetched (its state unreadable) stays due.
                for (url, at) in takenAt where queue.dueTime(of: url) == nil && feedURLs.contains(url) { queue.schedule(url, at: at) }
                if round.newItems > 0 { checkpoint() }
                notifier.notify("STATUS=\(statusLine())")
            }
            let next = queue.nextDue().map { Double($0 - Int(Date().timeIntervalSince1970)) } ?? tickPeriod
            stop.sleep(seconds: max(0, min(next, tickPeriod)))
        }
        notifier.notify("STOPPING=1")
        logger.info("stop", metadata: ["signal": .string(stop.signalName ?? "request")])
    }

    /// After a round that stored items, while the daemon would otherwise wait: the WAL's pages go to the
    /// database file now, not when ~200 MB of them have piled up (`ItemStore.checkpoint`).
    private func checkpoint() {
        guard cluster == nil else { return }
        do {
            let c = try pipeline.store.checkpoint()
            logger.debug("checkpoint", metadata: ["wal_frames": "\(c.walFrames)", "checkpointed": "\(c.checkpointed)"])
        } catch {
            logger.warning("checkpoint", metadata: ["error": "\(error)"])
        }
    }

    /// When a feed is first due after start: now if never fetched, else its persisted time (a restart
    /// resumes the schedule instead of refetching everything; a disabled feed's is its re-check).
    private func initialDue(_ feed: FeedConfig, now: Int) -> Int? {
        guard let state = try? pipeline.storage.feedState(url: feed.url) else { return now }
        return max(now, state.nextDueAt ?? now)
    }

    /// One beat of the loop: /healthz, the loop metric, and a watchdog ping when half its interval passed.
    func tick() {
        if cluster != nil { pipeline.drainArchiveIfDue() }
        heartbeat.beat(alarm: pipeline.alarm)
        DaemonMetrics.tick(at: Date())
        if let interval = notifier.watchdogInterval {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - lastWatchdogPing.uptimeNanoseconds) / 1e9
            if elapsed >= interval / 2 {
                notifier.notify("WATCHDOG=1")
                lastWatchdogPing = .now()
            }
        }
    }

    /// "12 feeds: 10 ok, 1 failing, 1 disabled; 34 new today; last new 2025-07-26T10:00:00Z "Title""
    func statusLine() -> String {
        let configured = Set(feeds.map(\.url))
        let states = ((try? pipeline.storage.allFeedStates()) ?? []).filter { configured.contains($0.url) }
        let disabled = states.filter(\.disabled).count
        let failing = states.filter(\.isFailing).count
        let ok = feeds.count - disabled - failing
        DaemonMetrics.feeds(ok: ok, failing: failing, disabled: disabled)
        let midnight = ISOTime.parse(ISOTime.day(Date()) + "T00:00:00Z") ?? Date()
        let today = (try? pipeline.storage.itemCount(since: midnight)) ?? 0
        var line = pipeline.alarm.map { "ALARM \($0); " } ?? ""
        line += "\(feeds.count) feeds: \(ok) ok, \(failing) failing, \(disabled) disabled; \(today) new today"
        if let last = try? pipeline.storage.lastItem() {
            let title = (last.title ?? "(untitled)").replacingOccurrences(of: "\n", with: " ")
            line += "; last new \(ISOTime.format(last.fetched)) \"\(title.prefix(80))\""
        }
        return line
    }

    /// Applies new settings atomically, or keeps the old ones and logs why.
    func reload(_ load: SettingsLoader, queue: inout DueQueue) {
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())")
        defer { notifier.notify("READY=1\nSTATUS=\(statusLine())") }
        let settings: Settings
        do {
            settings = try load()
        } catch {
            var meta: Logger.Metadata = ["error": "\(error)", "kept": "previous config"]
            if let c = error as? ConfigError {
                meta["error"] = .string(c.message)
                meta["file"] = .string(c.file)
                if let line = c.line { meta["line"] = "\(line)" }
                if let key = c.key { meta["key"] = .string(key) }
            }
            logger.error("reload", metadata: meta)
            return
        }
        let old = Set(feeds.map(\.url)), new = Set(settings.feeds.map(\.url))
        let now = Int(Date().timeIntervalSince1970)
        for url in old.subtracting(new) { queue.remove(url) }
        for feed in settings.feeds {
            // New feeds, and feeds due sooner than scheduled (`feeds enable` while running).
            guard let at = initialDue(feed, now: now) else { continue }
            if !old.contains(feed.url) || at < queue.dueTime(of: feed.url) ?? Int.max { queue.schedule(feed.url, at: at) }
        }
        config = settings.config
        feeds = settings.feeds
        pipeline.classifier = TopicClassifier(model: settings.model)
        pipeline.policy = SchedulePolicy(poll: config.poll, backoff: config.backoff)
        pendingFetchOptions = FetchOptions(config.fetch)
        if !fetching { applyFetchOptions() }
        pipeline.outputs?.outputs = config.outputs
        delivery?.update(outputs: config.outputs)
        logger.notice("reload", metadata: [
            "feeds": "\(feeds.count)", "added": "\(new.subtracting(old).count)", "removed": "\(old.subtracting(new).count)",
            "model": .string(settings.model.version),
        ])
    }

    /// A transfer round is running: a reload mid-round keeps its fetcher (its transfers) and hands the new fetch
    /// options to the next round.
    private var fetching = false
    private var pendingFetchOptions: FetchOptions?

    func applyFetchOptions() {
        guard let options = pendingFetchOptions else { return }
        fetcher = Fetcher(options: options)
        pendingFetchOptions = nil
    }

    func fetch(_ batch: [FeedConfig], stop: StopSignal?, between: () -> Void = {},
                       onResult: (FeedConfig, Pipeline.FeedResult) -> Void = { _, _ in }) -> PassSummary {
        fetching = true
        defer { fetching = false }
        var summary = PassSummary()
        summary.feeds = batch.count
        var byURL: [String: FeedConfig] = [:]
        var requests: [FetchRequest] = []
        for feed in batch {
            byURL[feed.url] = feed
            do {
                requests.append(try pipeline.request(for: feed))
            } catch {
                logger.error("store", metadata: ["feed": .string(feed.url), "error": "\(error)"])
            }
        }
        let grace = Double(config.shutdownGrace)
        // Outcomes are parsed and classified on a worker (`PrepareQueue`) and stored here, in the order they
        // arrived; the loop stores whatever is ready at every turn and waits once `depth` are outstanding.
        let prepare = PrepareQueue(stored: itemLookup)
        let classifier = pipeline.classifier, deduper = pipeline.deduper
        func store(_ prepared: Pipeline.PreparedFetch) {
            let r = pipeline.handle(prepared)
            if r.fetched { summary.fetched += 1 } else { summary.failed += 1 }
            summary.newItems += r.newItems
            summary.duplicates += r.duplicates
            onResult(prepared.feed, r)
        }
        fetcher.fetch(requests, control: {
            tick()  // the fetch loop polls at least every 100 ms: a tick of the scheduling loop
            while let p = prepare.next(wait: false) { store(p) }
            pipeline.commitIfDue()  // a slow transfer does not hold the others' items (or the write lock) back
            between()
            guard let s = stop?.secondsSinceRequest else { return .proceed }
            return s >= grace ? .abortAll : .stopStarting
        }) { request, outcome in
            guard let feed = byURL[request.feedURL] else { return }
            prepare.submit(feed: feed, outcome: outcome, classifier: classifier, deduper: deduper)
            while let p = prepare.next(wait: prepare.inFlight > PrepareQueue.depth) { store(p) }
        }
        while let p = prepare.next(wait: true) { store(p) }
        prepare.close()
        pipeline.commitAndArchive()
        return summary
    }
}
