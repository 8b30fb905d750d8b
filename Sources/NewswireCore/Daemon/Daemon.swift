import Foundation
import Logging

/// The daemon: a loop over a due-time schedule of feeds, fetching what is due with libcurl's multi
/// interface and handing each finished transfer to the pipeline, until asked to stop.
public final class Daemon: @unchecked Sendable {
    public private(set) var config: DaemonConfig
    public private(set) var feeds: [FeedConfig]
    let pipeline: Pipeline
    private(set) var fetcher: Fetcher
    let logger: Logger
    let notifier: SystemdNotifier

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

    public convenience init(config: DaemonConfig, feeds: [FeedConfig], stateDirectory: URL, logger: Logger,
                            notifier: SystemdNotifier = SystemdNotifier()) throws {
        try self.init(settings: Settings(config: config, feeds: feeds, model: Settings.loadModel(for: config)),
                      stateDirectory: stateDirectory, logger: logger, notifier: notifier)
    }

    public init(settings: Settings, stateDirectory: URL, logger: Logger, notifier: SystemdNotifier = SystemdNotifier()) throws {
        let config = settings.config
        self.config = config
        self.feeds = settings.feeds
        self.logger = logger
        self.notifier = notifier
        let store = try ItemStore(stateDirectory: stateDirectory)
        let model = settings.model
        pipeline = Pipeline(store: store, archive: ArchiveWriter(stateDirectory: stateDirectory),
                            classifier: TopicClassifier(model: model),
                            policy: SchedulePolicy(poll: config.poll, backoff: config.backoff), logger: logger)
        fetcher = Fetcher(options: FetchOptions(config.fetch))
        let repaired = try pipeline.archive.reconcile(store: store)
        if repaired > 0 {
            logger.warning("reconcile", metadata: ["appended": "\(repaired)", "reason": "items committed but missing from the archive"])
        }
    }

    /// A summary of one pass over feeds.
    public struct PassSummary: Sendable {
        public var feeds = 0
        public var fetched = 0
        public var failed = 0
        public var newItems = 0
        public var duplicates = 0
    }

    /// Fetches every enabled feed once, now.
    public func runOnce(stop: StopSignal? = nil) -> PassSummary {
        let active = feeds.filter { !isDisabled($0) }
        logger.info("pass", metadata: ["feeds": "\(active.count)", "mode": "once"])
        let summary = fetch(active, stop: stop)
        logger.info("pass_done", metadata: [
            "feeds": "\(summary.feeds)", "fetched": "\(summary.fetched)", "failed": "\(summary.failed)",
            "new": "\(summary.newItems)", "duplicate": "\(summary.duplicates)",
        ])
        return summary
    }

    /// Polls every feed at its interval until `stop` is requested; in-flight transfers get
    /// `shutdownGrace` seconds to finish (and are committed and archived), the rest are aborted.
    public func run(stop: StopSignal, reload: SettingsLoader? = nil) {
        var due: [String: Int] = [:]
        let now = Int(Date().timeIntervalSince1970)
        for feed in feeds {
            guard let state = try? pipeline.store.feedState(url: feed.url) else {
                due[feed.url] = now  // never fetched: now
                continue
            }
            if state.disabled { continue }
            due[feed.url] = max(now, state.nextDueAt ?? now)  // resume the persisted schedule
        }
        logger.info("start", metadata: ["feeds": "\(feeds.count)", "scheduled": "\(due.count)", "version": .string(NewswireVersion.string)])
        notifier.notify("READY=1\nSTATUS=\(due.count) feeds scheduled")

        while !stop.isRequested {
            if stop.takeReload(), let reload {
                self.reload(reload, due: &due)
            }
            let t = Int(Date().timeIntervalSince1970)
            let ready = feeds.filter { (due[$0.url] ?? Int.max) <= t }
            if !ready.isEmpty {
                let summary = fetch(ready, stop: stop) { feed, result in due[feed.url] = result.nextDueAt }
                notifier.notify("STATUS=last pass: \(summary.fetched) fetched, \(summary.failed) failing, \(summary.newItems) new")
            }
            guard let next = due.values.min() else {
                stop.sleep(seconds: 60)
                continue
            }
            stop.sleep(seconds: Double(max(0, next - Int(Date().timeIntervalSince1970))))
        }
        notifier.notify("STOPPING=1")
        logger.info("stop", metadata: ["signal": .string(stop.signalName ?? "request")])
    }

    /// Applies new settings atomically, or keeps the old ones and logs why.
    private func reload(_ load: SettingsLoader, due: inout [String: Int]) {
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(DispatchTime.now().uptimeNanoseconds / 1000)")
        defer { notifier.notify("READY=1") }
        let settings: Settings
        do {
            settings = try load()
        } catch {
            var meta: Logger.Metadata = ["error": "\(error)", "kept": "previous config"]
            if let c = error as? ConfigError {
                meta["file"] = .string(c.file)
                if let line = c.line { meta["line"] = "\(line)" }
                if let key = c.key { meta["key"] = .string(key) }
            }
            logger.error("reload", metadata: meta)
            return
        }
        let old = Set(feeds.map(\.url)), new = Set(settings.feeds.map(\.url))
        let now = Int(Date().timeIntervalSince1970)
        for url in old.subtracting(new) { due[url] = nil }
        for feed in settings.feeds where !old.contains(feed.url) {
            let state = try? pipeline.store.feedState(url: feed.url)
            if state?.disabled == true { continue }
            due[feed.url] = max(now, state?.nextDueAt ?? now)
        }
        config = settings.config
        feeds = settings.feeds
        pipeline.classifier = TopicClassifier(model: settings.model)
        pipeline.policy = SchedulePolicy(poll: config.poll, backoff: config.backoff)
        fetcher = Fetcher(options: FetchOptions(config.fetch))
        logger.notice("reload", metadata: [
            "feeds": "\(feeds.count)", "added": "\(new.subtracting(old).count)", "removed": "\(old.subtracting(new).count)",
            "model": .string(settings.model.version),
        ])
    }

    private func isDisabled(_ feed: FeedConfig) -> Bool {
        (try? pipeline.store.feedState(url: feed.url))?.disabled ?? false
    }

    private func fetch(_ batch: [FeedConfig], stop: StopSignal?,
                       onResult: (FeedConfig, Pipeline.FeedResult) -> Void = { _, _ in }) -> PassSummary {
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
        fetcher.fetch(requests, control: {
            guard let s = stop?.secondsSinceRequest else { return .proceed }
            return s >= grace ? .abortAll : .stopStarting
        }) { request, outcome in
            guard let feed = byURL[request.url] else { return }
            let r = pipeline.handle(feed: feed, outcome: outcome)
            if r.fetched { summary.fetched += 1 } else { summary.failed += 1 }
            summary.newItems += r.newItems
            summary.duplicates += r.duplicates
            onResult(feed, r)
        }
        return summary
    }
}
