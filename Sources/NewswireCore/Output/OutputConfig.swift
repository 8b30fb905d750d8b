import Foundation
import Yams

/// One configured output: a webhook that new stories (or items) are POSTed to, with what it wants to hear about.
public struct OutputConfig: Sendable, Equatable {
    public enum Per: String, Sendable, Equatable {
        /// The first matching item of a story alerts once; later items of the story are `update` events.
        case story
        /// Every matching item is an `item` event.
        case item
    }

    /// What an item must be to alert. Every condition given must hold; a list matches when any of it does.
    public struct Filter: Sendable, Equatable {
        public var relevant: Bool?
        /// Any of these topic ids among the item's topics.
        public var topics: [String] = []
        public var minRelevance: Double?
        /// Any of these tags on the feed the item came from.
        public var tags: [String] = []
        /// The item came from one of these feed URLs.
        public var feeds: [String] = []

        public init() {}

        public func matches(_ r: ArchiveRecord, feedTags: [String]) -> Bool {
            if let relevant, r.relevant != relevant { return false }
            if let minRelevance, r.relevance < minRelevance { return false }
            if !topics.isEmpty, !r.topics.contains(where: { topics.contains($0.id) }) { return false }
            if !tags.isEmpty, !feedTags.contains(where: { tags.contains($0) }) { return false }
            if !feeds.isEmpty, !feeds.contains(r.feed) { return false }
            return true
        }
    }

    /// Names the output in the outbox, the log, the metrics and `status`: `name:`, else the URL's host[:port]
    /// (never the whole URL, whose path may hold a token).
    public var name: String
    public var url: String
    /// The HMAC-SHA256 key (`secret:` or the first line of `secret_file:`); nil: deliveries are unsigned.
    public var secret: String?
    public var per: Per = .story
    public var filter = Filter()
    /// Later items of an alerted story are sent as one `update` at most this often, seconds.
    public var updateInterval: Int = 1800
    /// One POST's whole time, seconds.
    public var timeout: Int = 10
    /// A delivery still failing this long after it was queued goes to the dead letters, seconds.
    public var maxAge: Int = 86_400
    /// Delay after the first failed attempt, doubled per attempt (with jitter) up to `retryMax`, seconds.
    public var retryInitial: Int = 10
    public var retryMax: Int = 3600
    /// Largest request body; past it the item's `content`, then its `summary`, are left out of the payload.
    public var maxBodyBytes: Int = 256 << 10
    /// Connect to internal addresses whatever the URL's host resolves to (as `feeds[].allow_private`).
    public var allowPrivate = false

    public init(name: String, url: String) {
        self.name = name
        self.url = url
    }

    /// The default name of an output at `url`: its host, and its port when it names one.
    public static func defaultName(url: String) -> String {
        guard let c = URLComponents(string: url), let host = c.host else { return url }
        return c.port.map { "\(host):\($0)" } ?? host
    }
}

extension Reader {
    /// `outputs:` — a list of `{webhook, name, secret | secret_file, per, filter, update_interval, timeout,
    /// max_age, retry_initial, retry_max, max_body_bytes, allow_private}`.
    func outputs(_ node: Node, configFile: String) throws(ConfigError) -> [OutputConfig] {
        guard let seq = node.sequence else { throw error(node, "outputs", "expected a list of outputs") }
        var out: [OutputConfig] = []
        var names: Set<String> = []
        for (i, item) in seq.enumerated() {
            let path = "outputs[\(i)]"
            var o = OutputConfig(name: "", url: "")
            var explicitName: String?
            var secretFile: (String, Node)?
            for (k, v) in try mapping(item, key: path) {
                let sub = try keyName(k), p = "\(path).\(sub)"
                switch sub {
                case "webhook":
                    let s = try string(v, key: p).trimmingCharacters(in: .whitespaces)
                    let lower = s.lowercased()
                    guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), let host = URL(string: s)?.host, !host.isEmpty else {
                        throw error(v, p, "expected an http(s) URL, got '\(s)'")
                    }
                    o.url = s
                case "name":
                    let s = try string(v, key: p)
                    guard !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) }) else {
                        throw error(v, p, "expected a name of letters, digits and - _ . :, got '\(s)'")
                    }
                    explicitName = s
                case "secret":
                    o.secret = try string(v, key: p)
                    guard !(o.secret!.isEmpty) else { throw error(v, p, "the secret is empty") }
                case "secret_file": secretFile = (try string(v, key: p), v)
                case "per": o.per = OutputConfig.Per(rawValue: try oneOf(v, key: p, ["story", "item"]))!
                case "filter": o.filter = try outputFilter(v, key: p)
                case "update_interval": o.updateInterval = try duration(v, key: p, allowZero: true)
                case "timeout": o.timeout = try duration(v, key: p)
                case "max_age": o.maxAge = try duration(v, key: p)
                case "retry_initial": o.retryInitial = try duration(v, key: p)
                case "retry_max": o.retryMax = try duration(v, key: p)
                case "max_body_bytes": o.maxBodyBytes = try size(v, key: p)
                case "allow_private": o.allowPrivate = try bool(v, key: p)
                default: throw unknown(k, p)
                }
            }
            guard !o.url.isEmpty else { throw error(item, path, "an output needs a webhook: URL") }
            if let (file, v) = secretFile {
                guard o.secret == nil else { throw error(v, "\(path).secret_file", "give secret or secret_file, not both") }
                let resolved = file.hasPrefix("/") ? file
                    : URL(fileURLWithPath: configFile).deletingLastPathComponent().appendingPathComponent(file).path
                let text: String
                do {
                    text = try String(contentsOfFile: resolved, encoding: .utf8)
                } catch {
                    throw self.error(v, "\(path).secret_file", "cannot read \(resolved) (\(error.localizedDescription))")
                }
                let line = text.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
                guard !line.isEmpty else { throw self.error(v, "\(path).secret_file", "\(resolved) holds no secret") }
                o.secret = line
            }
            if o.retryInitial > o.retryMax {
                throw error(item, path, "retry_initial (\(o.retryInitial)s) is larger than retry_max (\(o.retryMax)s)")
            }
            o.name = explicitName ?? OutputConfig.defaultName(url: o.url)
            guard names.insert(o.name).inserted else {
                throw error(item, path, "a second output named '\(o.name)': give each output a name: of its own")
            }
            out.append(o)
        }
        return out
    }

    private func outputFilter(_ node: Node, key: String) throws(ConfigError) -> OutputConfig.Filter {
        var f = OutputConfig.Filter()
        func list(_ v: Node, _ p: String) throws(ConfigError) -> [String] {
            if case .scalar = v { return [try string(v, key: p)] }
            guard let items = v.sequence else { throw error(v, p, "expected a list") }
            return try items.map { (t: Node) throws(ConfigError) -> String in try string(t, key: p) }
        }
        try section(node, key) { sub, k, v, p throws(ConfigError) in
            switch sub {
            case "relevant": f.relevant = try bool(v, key: p)
            case "min_relevance": f.minRelevance = try fraction(v, key: p, max: 1)
            case "topics": f.topics = try list(v, p)
            case "tags": f.tags = try list(v, p)
            case "feeds": f.feeds = try list(v, p)
            default: throw unknown(k, p)
            }
        }
        return f
    }
}

extension OutputConfig {
    /// The checks that need the topic model: every topic a filter names exists in it.
    public static func check(_ config: DaemonConfig, model: TopicModel) throws(ConfigError) {
        for (i, o) in config.outputs.enumerated() {
            for t in o.filter.topics where !model.topicIDs.contains(t) {
                throw ConfigError(file: config.file, key: "outputs[\(i)].filter.topics", message: """
                    '\(t)' is not a topic of the model (its topics: \(model.topicIDs.joined(separator: ", ")))
                    """)
            }
        }
    }
}
