import ArgumentParser
import Foundation
import NewswireCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show feed health and items per day, read from the store (works while the daemon runs); on a PostgreSQL store, every daemon sharing it.",
        discussion: """
        Feeds are ok (last fetch succeeded), failing (the last fetch failed: when it last succeeded, its error and \
        its next retry are shown) or disabled (a 410). With `store:` a PostgreSQL URL, the daemons sharing it are \
        listed: running, stopped, or lost (no heartbeat for longer than cluster.lease: it died, and its feeds go to \
        the others when their leases expire), with their leases and counts. Webhook outputs are listed with their backlog (queued, retrying, dead). Exit status 0 when no configured feed is failing or disabled, 1 otherwise.
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "How many days of item counts to show.")
    var days = 7

    func run() throws {
        var unhealthy = false
        try reportingErrors {
            let config = try global.loadConfig(defaultsWithState: true)
            let feeds = try global.feedList(for: config)
            let store: any StatusStorage
            var nodes: [PostgresStore.ClusterNode]?
            if let url = config.store {
                let pg = try PostgresStore(url: url, migrating: false)
                nodes = try pg.clusterNodes()
                store = pg
            } else {
                let dir = global.stateDirectory(for: config)
                guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(ItemStore.fileName).path) else {
                    throw CLIError.config(ConfigError(file: dir.path, message: "no store here yet (the daemon has not run with this --state)"))
                }
                store = try ItemStore(stateDirectory: dir, readOnly: true)
            }
            /// A node is lost when its heartbeat is older than a lease: it died without leaving.
            func nodeState(_ n: PostgresStore.ClusterNode) -> String {
                n.stopped ? "stopped" : n.heartbeatAge > config.cluster.lease ? "lost" : "running"
            }
            let states = Dictionary(try store.allFeedStates().map { ($0.url, $0) }, uniquingKeysWith: { a, _ in a })
            var ok: [String] = [], never: [String] = []
            var failing: [FeedState] = [], disabled: [FeedState] = []
            for feed in feeds {
                guard let s = states[feed.url], s.lastFetchAt != nil else { never.append(feed.url); continue }
                if s.disabled { disabled.append(s) } else if s.consecutiveErrors > 0 { failing.append(s) } else { ok.append(feed.url) }
            }
            unhealthy = !failing.isEmpty || !disabled.isEmpty
            let perDay = try store.itemsPerDay(limit: days)
            // The webhook outbox lives in the SQLite store only.
            let backlog = try (store as? ItemStore).map { try $0.hasOutbox() ? try $0.outboxBacklog() : [] } ?? []
            func time(_ t: Int?) -> String? { t.map { ISOTime.format(Date(timeIntervalSince1970: TimeInterval($0))) } }
            if json {
                func feedJSON(_ s: FeedState) -> String {
                    var w = JSONObjectWriter()
                    w.field("url", s.url)
                    w.field("last_status", s.lastStatus)
                    w.field("last_error", s.lastError)
                    w.field("last_success", time(s.lastSuccessAt))
                    w.field("consecutive_errors", s.consecutiveErrors)
                    w.field("next_fetch", time(s.nextDueAt))
                    return w.finish()
                }
                var w = JSONObjectWriter()
                w.field("feeds", feeds.count)
                w.field("ok", ok.count)
                w.field("never_fetched", strings: never)
                w.field("failing", raw: "[" + failing.map(feedJSON).joined(separator: ",") + "]")
                w.field("disabled", raw: "[" + disabled.map(feedJSON).joined(separator: ",") + "]")
                w.field("items", try store.itemCount())
                if let nodes {
                    w.field("nodes", raw: "[" + nodes.map { n in
                        var o = JSONObjectWriter()
                        o.field("node", n.id)
                        o.field("state", nodeState(n))
                        o.field("hostname", n.hostname)
                        o.field("pid", n.pid)
                        o.field("version", n.version)
                        o.field("started", n.startedAt)
                        o.field("heartbeat_age_s", n.heartbeatAge)
                        o.field("leases", n.leases)
                        o.field("fetched", n.fetched)
                        o.field("new_items", n.newItems)
                        return o.finish()
                    }.joined(separator: ",") + "]")
                }
                w.field("items_per_day", raw: "[" + perDay.map { d in
                    var o = JSONObjectWriter()
                    o.field("day", d.day)
                    o.field("items", d.items)
                    o.field("relevant", d.relevant)
                    return o.finish()
                }.joined(separator: ",") + "]")
                w.field("outputs", raw: OutputsStatus.json(config: config, backlog: backlog))
                print(w.finish())
                return
            }
            print("feeds: \(feeds.count) configured, \(ok.count) ok, \(failing.count) failing, \(disabled.count) disabled, \(never.count) not fetched yet")
            for s in failing {
                print("  failing  \(s.url)")
                print("           error: \(s.lastError ?? "?"); \(s.consecutiveErrors) failures in a row")
                print("           last success: \(time(s.lastSuccessAt) ?? "never"); next try: \(time(s.nextDueAt) ?? "?")")
            }
            for s in disabled {
                print("  disabled \(s.url): \(s.lastError ?? "?")")
            }
            if let nodes {
                print("nodes: \(nodes.count) (\(nodes.filter { nodeState($0) == "running" }.count) running)")
                for n in nodes {
                    print("  \(nodeState(n).padding(toLength: 8, withPad: " ", startingAt: 0)) \(n.id)  heartbeat \(n.heartbeatAge)s ago, \(n.leases) leases, \(n.fetched) fetches, \(n.newItems) new items since \(n.startedAt) (\(n.version))")
                }
            }
            print("items: \(try store.itemCount()) archived")
            for d in perDay { print("  \(d.day)  \(d.items) items, \(d.relevant) relevant") }
            if !config.outputs.isEmpty || !backlog.isEmpty {
                for line in OutputsStatus.lines(config: config, backlog: backlog) { print(line) }
            }
        }
        if unhealthy { throw ExitCode(1) }
    }
}
