import Foundation

/// The daemon's settings, read from a YAML file (config/newswired.yaml documents every key).
public struct DaemonConfig: Sendable, Equatable {
    public struct Poll: Sendable, Equatable {
        /// Default interval between two fetches of a feed, seconds.
        public var interval: Int = 900
        /// No feed is polled more often than this, whatever it or the config says.
        public var minInterval: Int = 300
        /// No feed waits longer than this between polls.
        public var maxInterval: Int = 21_600
        /// Random spread applied to every next-due time, as a fraction of the interval (0...0.5).
        public var jitter: Double = 0.1
        /// A feed gone for good (410) is asked again this often, and enabled again when it answers.
        public var goneRecheck: Int = 86_400
    }

    public struct Fetch: Sendable, Equatable {
        /// Total time allowed for one transfer, seconds.
        public var timeout: Int = 30
        public var connectTimeout: Int = 10
        /// A transfer slower than `lowSpeedLimit` bytes/s for `lowSpeedTime` seconds is aborted.
        public var lowSpeedLimit: Int = 100
        public var lowSpeedTime: Int = 15
        /// Largest decoded body accepted, bytes.
        public var maxBodyBytes: Int = 8 << 20
        public var maxRedirects: Int = 5
        /// Transfers at once, all hosts together.
        public var maxConcurrent: Int = 16
        /// Connections at once to one host.
        public var maxPerHost: Int = 2
        /// A URL or e-mail identifying the operator, sent in the User-Agent.
        public var contact: String = "https://github.com/newswired/newswired"

        public init() {}
    }

    public struct Backoff: Sendable, Equatable {
        /// Delay after the first failure, seconds; doubled on every further failure.
        public var initial: Int = 60
        /// Longest delay between retries of a failing feed, seconds.
        public var max: Int = 21_600
    }

    /// Several daemons sharing one PostgreSQL store (`store:`): how each takes part.
    public struct Cluster: Sendable, Equatable {
        /// This daemon's name in the cluster (`status` lists nodes by it); nil: `<hostname>/<pid>`.
        public var node: String?
        /// How long a claimed feed stays leased to this daemon without a renewal, seconds: a daemon that dies
        /// holds its feeds (and their hosts) at most this long. Renewed every third of it while transfers run.
        public var lease: Int = 120
    }

    /// The file this config came from (for error messages and relative paths).
    public var file: String
    /// The feed list: feeds written in the config itself, plus those of `feedsFile`.
    public var feeds: [FeedConfig] = []
    /// An OPML file or a plain list of URLs, resolved against the config's folder.
    public var feedsFile: String?
    public var poll = Poll()
    public var fetch = Fetch()
    public var backoff = Backoff()
    /// Seconds that transfers in flight get to finish after SIGTERM.
    public var shutdownGrace: Int = 10
    /// trace, debug, info, notice, warning, error, critical.
    public var logLevel: String = "info"
    /// Levels per module (daemon, fetch, parse, item, store), overriding `logLevel`.
    public var logLevels: [String: String] = [:]
    /// Also write the log to `<state>/log/newswired.log` (reopened on SIGUSR1, for logrotate).
    public var logFile: Bool = false
    /// Where Prometheus metrics and /healthz are served (`127.0.0.1:9464`); nil: off. Loopback only.
    public var metricsListen: String?
    /// The topic model file, resolved against the config's folder.
    public var model: String = "topics/waic-governance.json"
    /// A PostgreSQL store shared by several daemons (a libpq URL, `postgresql://user@host:port/db?sslmode=…`);
    /// nil: the embedded SQLite store in the state directory.
    public var store: String?
    public var cluster = Cluster()
    /// Where new stories are pushed (webhooks), in config order (Output/).
    public var outputs: [OutputConfig] = []

    public init(file: String) {
        self.file = file
    }

    /// The config's folder, against which relative paths are resolved.
    public var directory: URL { URL(fileURLWithPath: file).deletingLastPathComponent() }

    public func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path).standardizedFileURL
    }

    public var modelURL: URL { resolve(model) }

    /// The log modules `log_levels` may name.
    public static let logModules = ["daemon", "fetch", "parse", "item", "store", "metrics", "output"]
}

/// One configured feed.
public struct FeedConfig: Sendable, Equatable, Hashable {
    public var url: String
    public var title: String?
    /// Per-feed interval in seconds, overriding `poll.interval` (still clamped by min/max).
    public var interval: Int?
    /// Allow a file:// URL for this feed (never allowed by default).
    public var allowFile: Bool = false
    /// Allow connections to internal addresses (loopback, private, link-local) for this feed, also when its
    /// host name resolves there. Without it only a literal internal address in the URL itself is allowed.
    public var allowPrivate: Bool = false
    public var tags: [String] = []

    public init(url: String, title: String? = nil, interval: Int? = nil, allowFile: Bool = false,
                allowPrivate: Bool = false, tags: [String] = []) {
        self.url = url
        self.title = title
        self.interval = interval
        self.allowFile = allowFile
        self.allowPrivate = allowPrivate
        self.tags = tags
    }
}
