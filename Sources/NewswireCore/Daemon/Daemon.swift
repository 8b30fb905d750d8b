import Foundation
import Logging

/// The daemon: a loop over a due-time schedule of feeds, fetching what is due with libcurl's multi
/// interface and handing each finished transfer to the pipeline, until asked to stop.
public final class Daemon: @unchecked Sendable {
    public let config: DaemonConfig
    public let feeds: [FeedConfig]
    let pipeline: Pipeline
    let fetcher: Fetcher
    let logger: Logger
    let notifier: SystemdNotifier

    public init(config: DaemonConfig, feeds: [FeedConfig], stateDirectory: URL, logger: Logger,
                notifier: SystemdNotifier = SystemdNotifier()) throws {
        self.config = config
        self.feeds = feeds
        self.logger = logger
        self.notifier = notifier
        let store = try ItemStore(stateDirectory: stateDirectory)
        let model: TopicModel
        do {
            model = try TopicModel.load(contentsOf: config.modelURL)
        } catch {
            throw ConfigError(file: config.file, key: "model", message: "cannot load the topic model \(config.modelURL.path): \(error)")
        }
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
    public func run(stop: StopSignal) {
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
