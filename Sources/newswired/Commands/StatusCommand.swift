import ArgumentParser
import Foundation
import NewswireCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show feed health and items per day, read from the store (works while the daemon runs).",
        discussion: """
        Feeds are ok (last fetch succeeded), failing (the last fetch failed: when it last succeeded, its error and \
        its next retry are shown) or disabled (a 410). Webhook outputs are listed with their backlog (queued, \
        retrying, dead). Exit status 0 when no configured feed is failing or disabled, 1 otherwise.
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
            let dir = global.stateDirectory(for: config)
            guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(ItemStore.fileName).path) else {
                throw CLIError.config(ConfigError(file: dir.path, message: "no store here yet (the daemon has not run with this --state)"))
            }
            let store = try ItemStore(stateDirectory: dir, readOnly: true)
            let states = Dictionary(try store.allFeedStates().map { ($0.url, $0) }, uniquingKeysWith: { a, _ in a })
            var ok: [String] = [], never: [String] = []
            var failing: [FeedState] = [], disabled: [FeedState] = []
            for feed in feeds {
                guard let s = states[feed.url], s.lastFetchAt != nil else { never.append(feed.url); continue }
                if s.disabled { disabled.append(s) } else if s.consecutiveErrors > 0 { failing.append(s) } else { ok.append(feed.url) }
            }
            unhealthy = !failing.isEmpty || !disabled.isEmpty
            let perDay = try store.itemsPerDay(limit: days)
            let backlog = try store.hasOutbox() ? try store.outboxBacklog() : []
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
            print("items: \(try store.itemCount()) archived")
            for d in perDay { print("  \(d.day)  \(d.items) items, \(d.relevant) relevant") }
            if !config.outputs.isEmpty || !backlog.isEmpty {
                for line in OutputsStatus.lines(config: config, backlog: backlog) { print(line) }
            }
        }
        if unhealthy { throw ExitCode(1) }
    }
}
