import ArgumentParser
import Foundation
import NewswireCore

/// `newswired feeds …`: the feed list. The config's own feeds (and its feeds_file, or --feeds) are read-only
/// here; feeds added with `add` or `import` live in the store under --state and are polled with them (`run`
/// picks them up on start and on SIGHUP reload, `once` on its next pass).
struct FeedsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feeds",
        abstract: "List feeds with their health; add, remove, import and export feeds (OPML 2.0 or one URL per line).",
        subcommands: [FeedsList.self, FeedsAdd.self, FeedsRemove.self, FeedsEnable.self, FeedsImport.self, FeedsExport.self]
    )
}

/// The feeds newswired polls, and where each comes from.
struct FeedSources {
    var config: DaemonConfig
    var configured: [FeedConfig]
    var added: [FeedConfig]
    /// Where the added feeds and every feed's state are stored.
    var stateDirectory: URL
    /// --feeds: the file that lists the configured feeds in place of the config's.
    private var feedsOption: String?

    init(_ global: GlobalOptions) throws {
        config = try global.loadConfig(defaultsWithState: true)
        configured = try global.configFeedList(for: config)
        stateDirectory = global.stateDirectory(for: config)
        added = try ItemStore.subscriptions(stateDirectory: stateDirectory)
        feedsOption = global.feeds
    }

    /// The merged list, as `run` and `once` poll it.
    var all: [FeedConfig] {
        let seen = Set(configured.map(\.url))
        return configured + added.filter { !seen.contains($0.url) }
    }

    func isConfigured(_ url: String) -> Bool { configured.contains { $0.url == url } }

    /// The file that lists a configured feed.
    func file(of url: String) -> String {
        if let f = feedsOption { return f }
        if config.feeds.contains(where: { $0.url == url }) { return config.file }
        return config.feedsFile.map { config.resolve($0).path } ?? config.file
    }

    /// The store in the state directory, where feeds are added and removed and their state kept.
    func openStore() throws -> ItemStore { try ItemStore(stateDirectory: stateDirectory) }

    /// The config's PostgreSQL store (`store:`), when it names one: the feeds' state lives there.
    var postgresURL: String? { config.store }

    /// Where every feed's state is kept: the PostgreSQL store the config names, else the store under --state.
    func openFeedStates() throws -> any FeedStateStorage {
        if let url = postgresURL { return try PostgresStore(url: url, migrating: false) }
        return try openStore()
    }

    /// On PostgreSQL, adding feeds to the store is refused: the added feeds are kept in one state directory's
    /// SQLite store, which the other daemons sharing the store do not read.
    func refuseAddingOnPostgres() throws {
        guard postgresURL != nil else { return }
        throw fail("the store is PostgreSQL (the config's store:), shared by every daemon: add feeds to the config's "
            + "feed list (\(config.feedsFile.map { config.resolve($0).path } ?? config.file)), which each of them reads, "
            + "then reload the daemons", status: 1)
    }
}

/// A `feeds` subcommand that works on the feed list, which the plumbing loads before `execute(_:)`.
protocol FeedsSubcommand: ReportingCommand {
    var global: GlobalOptions { get }
    func execute(_ sources: FeedSources) throws
}

extension FeedsSubcommand {
    func execute() throws { try execute(FeedSources(global)) }
}

struct FeedsList: FeedsSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Every feed with its health: last status, consecutive errors, last new item, next fetch.",
        discussion: """
        SOURCE is config (the config file or --feeds) or added (feeds add/import). Times are UTC. A feed that \
        moved for good (301/308) shows `-> ` and where it is fetched now (current_url in --json); a gone feed \
        (410) shows its next re-check as NEXT FETCH.
        """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONFlag

    func execute(_ sources: FeedSources) throws {
        let storeFile = sources.stateDirectory.appendingPathComponent(ItemStore.fileName).path
        var states: [String: FeedState] = [:]
        if sources.postgresURL != nil || FileManager.default.fileExists(atPath: storeFile) {
            for s in try sources.openFeedStates().allFeedStates() { states[s.url] = s }
        }
        let out = OutputBuffer()
        let feeds = sources.all
        if output.json {
            out.line("[" + feeds.map { f in
                Self.json(f, source: sources.isConfigured(f.url) ? "config" : "added", state: states[f.url])
            }.joined(separator: ",") + "]")
            return
        }
        let colour = Terminal.colour(1)
        let now = Int(Date().timeIntervalSince1970)
        out.line(Terminal.dim("STATUS  ERRORS  LAST NEW          NEXT FETCH        SOURCE  FEED", colour))
        for f in feeds {
            let s = states[f.url]
            var status = s?.lastStatus.map(String.init) ?? (s?.lastError != nil ? "error" : "new")
            if s?.disabled == true { status = "gone" }
            let errors = s?.consecutiveErrors ?? 0
            var line = status.padding(toLength: 8, withPad: " ", startingAt: 0)
            line += String(errors).padding(toLength: 8, withPad: " ", startingAt: 0)
            line += Self.when(s?.lastNewItemAt, now: now).padding(toLength: 18, withPad: " ", startingAt: 0)
            line += Self.when(s?.nextDueAt, now: now).padding(toLength: 18, withPad: " ", startingAt: 0)
            line += (sources.isConfigured(f.url) ? "config" : "added").padding(toLength: 8, withPad: " ", startingAt: 0)
            line += f.url
            if let moved = s?.currentURL { line += " -> " + moved }
            if let title = s?.title ?? f.title { line += "  " + Terminal.dim(RecordText.oneLine(title), colour) }
            if errors > 0 || s?.disabled == true {
                line = colour ? "\u{1B}[31m\(line)\u{1B}[0m" : line
                if let e = s?.lastError { line += "\n        " + RecordText.oneLine(e) }
            }
            out.line(line)
        }
    }

    static func when(_ t: Int?, now: Int) -> String {
        guard let t else { return "-" }
        return String(ISOTime.format(Date(timeIntervalSince1970: TimeInterval(t))).prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    static func json(_ f: FeedConfig, source: String, state s: FeedState?) -> String {
        func time(_ t: Int?) -> String? { t.map { ISOTime.format(Date(timeIntervalSince1970: TimeInterval($0))) } }
        var w = JSONObjectWriter()
        w.field("url", f.url)
        w.field("title", s?.title ?? f.title)
        w.field("tags", strings: f.tags)
        w.field("source", source)
        w.field("last_status", s?.lastStatus)
        w.field("last_error", s?.lastError)
        w.field("consecutive_errors", s?.consecutiveErrors ?? 0)
        w.field("last_fetch", time(s?.lastFetchAt))
        w.field("last_success", time(s?.lastSuccessAt))
        w.field("last_new_item", time(s?.lastNewItemAt))
        w.field("next_fetch", time(s?.nextDueAt))
        w.field("disabled", s?.disabled ?? false)
        w.field("current_url", s?.currentURL)
        return w.finish()
    }
}

struct FeedsAdd: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a feed. Fetches it once to check it; given an HTML page, adds the feed the page advertises.",
        discussion: """
        A web page's <link rel="alternate" type="application/rss+xml|atom+xml|feed+json"> is followed (the first \
        one; the others are listed). The feed is kept in the store under --state; a running daemon polls it \
        after `systemctl reload newswired` (SIGHUP). Refused when the config's store: is PostgreSQL (add the \
        feed to the config's feed list, which every daemon reads).
        """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "A title (default: the feed's own).")
    var title: String?

    @Option(name: .long, help: ArgumentHelp("A tag (repeatable); becomes its OPML folder on export.", valueName: "tag"))
    var tag: [String] = []

    @Flag(name: .customLong("no-fetch"), help: "Add the URL as given, without fetching it.")
    var noFetch = false

    @Argument(help: "The feed's URL, or a web page that advertises one.")
    var url: String

    func execute() throws {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), URL(string: url)?.host != nil else {
            throw fail("'\(url)' is not an http(s) URL", status: 64)
        }
        let sources = try FeedSources(global)
        try sources.refuseAddingOnPostgres()
        var feed = FeedConfig(url: url, title: title, tags: tag)
        if !noFetch {
            let fetcher = Fetcher(options: FetchOptions(sources.config.fetch))
            switch Self.check(url, fetcher: fetcher) {
            case .feed(let feedTitle):
                feed.title = title ?? feedTitle
            case .page(let alternates):
                guard let first = alternates.first else {
                    throw fail("\(url) is a web page that advertises no feed (no <link rel=\"alternate\" type=\"application/rss+xml\">)", status: 1)
                }
                guard case .feed(let feedTitle) = Self.check(first, fetcher: fetcher) else {
                    throw fail("\(url) advertises \(first), but that is not a feed either", status: 1)
                }
                print("\(url) is a web page; it advertises \(first)")
                for other in alternates.dropFirst() { print("  also advertised: \(other)") }
                feed.url = first
                feed.title = title ?? feedTitle
            case .failed(let message):
                throw fail("\(url): \(message) (add it anyway with --no-fetch)", status: 1)
            }
        }
        if sources.isConfigured(feed.url) {
            print("\(feed.url) is already in the config (\(sources.file(of: feed.url)))")
            return
        }
        let store = try sources.openStore()
        if try store.addSubscriptions([feed], source: "add").isEmpty {
            print("\(feed.url) was already added")
        } else {
            print("added \(feed.url)" + (feed.title.map { " (\($0))" } ?? ""))
            print("a running daemon polls it after a reload: systemctl reload newswired (or kill -HUP its pid)")
        }
    }

    enum Check {
        case feed(title: String?)
        case page(alternates: [String])
        case failed(String)
    }

    static func check(_ url: String, fetcher: Fetcher) -> Check {
        switch fetcher.fetchOne(FetchRequest(url: url)) {
        case .failure(let e):
            return .failed(e.description)
        case .success(let r):
            guard (200...299).contains(r.status) else { return .failed("HTTP \(r.status)") }
            do {
                let parsed = try FeedParser.parse(r.body, documentURL: r.effectiveURL, contentType: r.contentType)
                return .feed(title: parsed.feed.title)
            } catch where error.code == .notAFeed {
                return .page(alternates: error.alternates)
            } catch {
                return .failed("not a feed: \(error)")
            }
        }
    }
}

struct FeedsRemove: FeedsSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a feed added with feeds add or import (config feeds are removed from the config)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The feed's URL.")
    var url: String

    func execute(_ sources: FeedSources) throws {
        if sources.added.contains(where: { $0.url == url }), try sources.openStore().removeSubscription(url: url) {
            if sources.isConfigured(url) {
                print("removed \(url) from the added feeds; it is still polled: it is also in \(sources.file(of: url))")
            } else {
                print("removed \(url); a running daemon stops polling it after a reload (systemctl reload newswired)")
            }
            return
        }
        if sources.isConfigured(url) {
            throw fail("\(url) comes from \(sources.file(of: url)); remove it there (then reload the daemon)", status: 1)
        }
        throw fail("\(url) is not one of the feeds (see `newswired feeds list`)", status: 1)
    }
}

struct FeedsEnable: FeedsSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "enable",
        abstract: "Enable a feed that was disabled (410 Gone) now, instead of at its next re-check.",
        discussion: """
        The feed is due at once, its error count cleared. A running daemon fetches it after a reload \
        (systemctl reload newswired), `once` on its next pass. Without this, a disabled feed is asked again every \
        poll.gone_recheck (default 1d) and enabled when it answers.
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The feed's URL.")
    var url: String

    func execute(_ sources: FeedSources) throws {
        guard sources.all.contains(where: { $0.url == url }) else {
            throw fail("\(url) is not one of the feeds (see `newswired feeds list`)", status: 1)
        }
        let store = try sources.openFeedStates()
        guard var state = try store.feedState(url: url), state.disabled else {
            print("\(url) is not disabled; nothing to do")
            return
        }
        state.enable(at: Int(Date().timeIntervalSince1970))
        try store.saveFeedState(state)
        if sources.postgresURL != nil {
            // Daemons on PostgreSQL claim due feeds from the store itself: no reload needed.
            print("enabled \(url); the daemons sharing the store fetch it at their next claim")
        } else {
            print("enabled \(url); a running daemon fetches it after a reload (systemctl reload newswired)")
        }
    }
}

struct FeedsImport: FeedsSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add the feeds of an OPML file (any feed reader's export; folders and categories become tags) or a URL list.",
        discussion: "Feeds already in the config or already added are skipped. A running daemon polls the new ones after a reload. Refused when the config's store: is PostgreSQL."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "An OPML file, or a text file with one URL per line (# comments).")
    var file: String

    func execute(_ sources: FeedSources) throws {
        try sources.refuseAddingOnPostgres()
        let feeds = try FeedList.load(file: file)
        let fresh = feeds.filter { !sources.isConfigured($0.url) }
        let store = try sources.openStore()
        let progress = Progress("importing", total: fresh.count)
        var added = 0
        var done = 0
        for chunk in stride(from: 0, to: fresh.count, by: 200).map({ Array(fresh[$0..<min($0 + 200, fresh.count)]) }) {
            added += try store.addSubscriptions(chunk, source: "import:" + file).count  // short transactions
            done += chunk.count
            progress.update(done)
        }
        if fresh.count >= 200 { progress.finish(done) }
        print("imported \(added) of \(feeds.count) feeds from \(file) (\(feeds.count - added) already present)")
    }
}

struct FeedsExport: FeedsSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every feed (config and added) to stdout as OPML 2.0 (first tag = folder) or one URL per line."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case opml, urls }

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "opml or urls.")
    var format: Format = .opml

    func execute(_ sources: FeedSources) throws {
        let feeds = sources.all
        let out = OutputBuffer()
        switch format {
        case .opml: out.write(OPML.renderFolders(feeds))
        case .urls: for f in feeds { out.line(f.url) }
        }
    }
}
