import Foundation
import Yams

/// Reads `DaemonConfig` from YAML. Unknown keys and ill-typed values are errors naming file, line and key.
public enum ConfigLoader {
    public static func load(file: String) throws(ConfigError) -> DaemonConfig {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError(file: file, message: "cannot read the config file (\(error.localizedDescription))")
        }
        return try parse(text, file: file)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> DaemonConfig {
        var config = DaemonConfig(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(file: file, line: yamlLine(error), message: "not valid YAML: \(yamlProblem(error))")
        } catch {
            throw ConfigError(file: file, message: "not valid YAML: \(error)")
        }
        guard let root else { return config }  // an empty file means all defaults
        let r = Reader(file: file)
        let top = try r.mapping(root, key: nil)
        for (k, v) in top {
            let key = try r.keyName(k)
            switch key {
            case "feeds": config.feeds = try r.feeds(v)
            case "feeds_file": config.feedsFile = try r.string(v, key: key)
            case "model": config.model = try r.string(v, key: key)
            case "store":
                let url = try r.string(v, key: key)
                if url == "sqlite" {
                    config.store = nil
                } else if url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") {
                    config.store = url
                } else {
                    throw r.error(v, key, "expected sqlite (the default) or a PostgreSQL URL such as postgresql://newswired@db.example.org/newswired, got '\(url)'")
                }
            case "cluster":
                try r.settings(v, key, ["node": .optionalString(\.cluster.node), "lease": .duration(\.cluster.lease)], into: &config)
                if config.cluster.lease < 10 {
                    throw ConfigError(file: file, line: v.mark?.line, key: "cluster.lease", message: "at least 10s (a lease is renewed every third of it)")
                }
            case "shutdown_grace": config.shutdownGrace = try r.duration(v, key: key, allowZero: true)
            case "log_level":
                config.logLevel = try r.oneOf(v, key: key, ["trace", "debug", "info", "notice", "warning", "error", "critical"])
            case "log_levels":
                for (k2, v2) in try r.mapping(v, key: key) {
                    let sub = try r.keyName(k2), path = "log_levels.\(sub)"
                    guard DaemonConfig.logModules.contains(sub) else {
                        throw r.error(k2, path, "unknown log module (one of \(DaemonConfig.logModules.joined(separator: ", ")))")
                    }
                    config.logLevels[sub] = try r.oneOf(v2, key: path, ["trace", "debug", "info", "notice", "warning", "error", "critical"])
                }
            case "log_file": config.logFile = try r.bool(v, key: key)
            case "metrics":
                try r.section(v, key) { sub, k2, v2, path throws(ConfigError) in
                    switch sub {
                    case "listen":
                        let addr = try r.string(v2, key: path)
                        guard ListenAddress(addr) != nil else {
                            throw r.error(v2, path, "expected a loopback address and port such as 127.0.0.1:9464 or [::1]:9464, got '\(addr)'")
                        }
                        config.metricsListen = addr
                    default: throw r.unknown(k2, path)
                    }
                }
            case "poll":
                try r.settings(v, key, [
                    "interval": .duration(\.poll.interval), "min_interval": .duration(\.poll.minInterval),
                    "max_interval": .duration(\.poll.maxInterval), "jitter": .fraction(\.poll.jitter, max: 0.5),
                    "gone_recheck": .duration(\.poll.goneRecheck),
                ], into: &config)
                if config.poll.minInterval > config.poll.maxInterval {
                    throw ConfigError(file: file, line: v.mark?.line, key: "poll",
                                      message: "min_interval (\(config.poll.minInterval)s) is larger than max_interval (\(config.poll.maxInterval)s)")
                }
            case "fetch":
                try r.settings(v, key, [
                    "timeout": .duration(\.fetch.timeout), "connect_timeout": .duration(\.fetch.connectTimeout),
                    "low_speed_limit": .integer(\.fetch.lowSpeedLimit, min: 0), "low_speed_time": .duration(\.fetch.lowSpeedTime),
                    "max_body_bytes": .size(\.fetch.maxBodyBytes), "max_redirects": .integer(\.fetch.maxRedirects, min: 0, max: 20),
                    "max_concurrent": .integer(\.fetch.maxConcurrent, min: 1, max: 1024),
                    "max_per_host": .integer(\.fetch.maxPerHost, min: 1, max: 64), "contact": .string(\.fetch.contact),
                ], into: &config)
            case "backoff":
                try r.settings(v, key, ["initial": .duration(\.backoff.initial), "max": .duration(\.backoff.max)], into: &config)
            case "outputs": config.outputs = try r.outputs(v, configFile: file)
            default:
                throw r.unknown(k, key)
            }
        }
        if config.store != nil, !config.outputs.isEmpty {
            // Their outbox lives in the SQLite store, written in the item's transaction.
            let line = top.first { (try? r.keyName($0.0)) == "outputs" }?.0.mark?.line
            throw ConfigError(file: file, line: line, key: "outputs",
                              message: "webhook outputs work on the SQLite store only, not yet with store: a PostgreSQL URL")
        }
        return config
    }

    private static func yamlLine(_ e: YamlError) -> Int? {
        switch e {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    private static func yamlProblem(_ e: YamlError) -> String {
        switch e {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        default:
            return "\(e)"
        }
    }
}

/// How one key of a plain section is read, and the setting its value goes to.
enum Setting {
    case duration(WritableKeyPath<DaemonConfig, Int>)
    case integer(WritableKeyPath<DaemonConfig, Int>, min: Int, max: Int = Int.max)
    case size(WritableKeyPath<DaemonConfig, Int>)
    case fraction(WritableKeyPath<DaemonConfig, Double>, max: Double)
    case string(WritableKeyPath<DaemonConfig, String>)
    case optionalString(WritableKeyPath<DaemonConfig, String?>)
}

/// Typed access to YAML nodes, with errors that carry file, line and key.
struct Reader {
    let file: String

    func error(_ node: Node, _ key: String?, _ message: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line, key: key, message: message)
    }

    /// Each key of a section (`poll: {…}`): its name, its node, its value and its dotted path.
    func section(_ node: Node, _ key: String,
                 _ body: (String, Node, Node, String) throws(ConfigError) -> Void) throws(ConfigError) {
        for (k, v) in try mapping(node, key: key) {
            let sub = try keyName(k)
            try body(sub, k, v, "\(key).\(sub)")
        }
    }

    /// A section whose every key is one setting (`poll`, `fetch`, `backoff`), read into `config` as `settings`
    /// says; any other key is an error.
    func settings(_ node: Node, _ key: String, _ settings: [String: Setting],
                  into config: inout DaemonConfig) throws(ConfigError) {
        try section(node, key) { sub, k, v, path throws(ConfigError) in
            guard let setting = settings[sub] else { throw unknown(k, path) }
            switch setting {
            case .duration(let p): config[keyPath: p] = try duration(v, key: path)
            case .integer(let p, let min, let max): config[keyPath: p] = try integer(v, key: path, min: min, max: max)
            case .size(let p): config[keyPath: p] = try size(v, key: path)
            case .fraction(let p, let max): config[keyPath: p] = try fraction(v, key: path, max: max)
            case .string(let p): config[keyPath: p] = try string(v, key: path)
            case .optionalString(let p): config[keyPath: p] = try string(v, key: path)
            }
        }
    }

    func unknown(_ keyNode: Node, _ key: String) -> ConfigError {
        error(keyNode, key, "unknown key (see config/newswired.yaml for the documented keys)")
    }

    func keyName(_ node: Node) throws(ConfigError) -> String {
        guard let s = node.string else { throw error(node, nil, "a key must be a plain string") }
        return s
    }

    func mapping(_ node: Node, key: String?) throws(ConfigError) -> [(Node, Node)] {
        guard let m = node.mapping else { throw error(node, key, "expected a mapping of keys to values") }
        var seen = Set<String>()
        var out: [(Node, Node)] = []
        for (k, v) in m {
            if let name = k.string, !seen.insert(name).inserted {
                throw error(k, key.map { "\($0).\(name)" } ?? name, "key given twice")
            }
            out.append((k, v))
        }
        return out
    }

    func string(_ node: Node, key: String) throws(ConfigError) -> String {
        guard case .scalar(let s) = node else { throw error(node, key, "expected a string") }
        return s.string
    }

    func oneOf(_ node: Node, key: String, _ choices: [String]) throws(ConfigError) -> String {
        let s = try string(node, key: key)
        guard choices.contains(s) else {
            throw error(node, key, "expected one of \(choices.joined(separator: ", ")), got '\(s)'")
        }
        return s
    }

    func bool(_ node: Node, key: String) throws(ConfigError) -> Bool {
        switch try string(node, key: key).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let s: throw error(node, key, "expected true or false, got '\(s)'")
        }
    }

    func integer(_ node: Node, key: String, min: Int = Int.min, max: Int = Int.max) throws(ConfigError) -> Int {
        let s = try string(node, key: key)
        guard let v = Int(s) else { throw error(node, key, "expected a whole number, got '\(s)'") }
        guard v >= min, v <= max else { throw error(node, key, "\(v) is outside \(min)...\(max)") }
        return v
    }

    func fraction(_ node: Node, key: String, max: Double) throws(ConfigError) -> Double {
        let s = try string(node, key: key)
        guard let v = Double(s), v >= 0, v <= max else { throw error(node, key, "expected a number from 0 to \(max), got '\(s)'") }
        return v
    }

    /// "90", "90s", "15m", "6h", "1d" → seconds.
    func duration(_ node: Node, key: String, allowZero: Bool = false) throws(ConfigError) -> Int {
        let s = try string(node, key: key).trimmingCharacters(in: .whitespaces)
        guard let v = Durations.parse(s) else {
            throw error(node, key, "expected a duration such as 30s, 15m, 6h or 1d, got '\(s)'")
        }
        guard allowZero || v > 0 else { throw error(node, key, "must be longer than 0s") }
        return v
    }

    /// "1048576", "512k", "8M" → bytes.
    func size(_ node: Node, key: String) throws(ConfigError) -> Int {
        let s = try string(node, key: key).trimmingCharacters(in: .whitespaces)
        let units: [Character: Int] = ["k": 1 << 10, "K": 1 << 10, "m": 1 << 20, "M": 1 << 20, "g": 1 << 30, "G": 1 << 30]
        var digits = Substring(s), mult = 1
        if let last = s.last, let u = units[last] { digits = s.dropLast(); mult = u }
        guard let v = Int(digits), v > 0 else { throw error(node, key, "expected a size such as 8M, 512k or 1048576, got '\(s)'") }
        return v * mult
    }

    func feeds(_ node: Node) throws(ConfigError) -> [FeedConfig] {
        guard let seq = node.sequence else { throw error(node, "feeds", "expected a list of feeds") }
        var out: [FeedConfig] = []
        for (i, item) in seq.enumerated() {
            let path = "feeds[\(i)]"
            if case .scalar = item {
                out.append(FeedConfig(url: try url(item, key: path)))
                continue
            }
            var feed = FeedConfig(url: "")
            var sawURL = false
            for (k, v) in try mapping(item, key: path) {
                let sub = try keyName(k), p = "\(path).\(sub)"
                switch sub {
                case "url": feed.url = try url(v, key: p); sawURL = true
                case "title": feed.title = try string(v, key: p)
                case "interval": feed.interval = try duration(v, key: p)
                case "allow_file": feed.allowFile = try bool(v, key: p)
                case "allow_private": feed.allowPrivate = try bool(v, key: p)
                case "tags":
                    guard let tags = v.sequence else { throw error(v, p, "expected a list of tags") }
                    feed.tags = try tags.map { (t: Node) throws(ConfigError) -> String in try string(t, key: p) }
                default: throw unknown(k, p)
                }
            }
            guard sawURL else { throw error(item, path, "a feed needs a url") }
            if feed.url.lowercased().hasPrefix("file:"), !feed.allowFile {
                throw error(item, path, "file:// URLs are refused unless the feed sets allow_file: true")
            }
            out.append(feed)
        }
        return out
    }

    func url(_ node: Node, key: String) throws(ConfigError) -> String {
        let s = try string(node, key: key).trimmingCharacters(in: .whitespaces)
        let lower = s.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file://"),
              URL(string: s)?.host != nil || lower.hasPrefix("file://") else {
            throw error(node, key, "expected an http(s) URL, got '\(s)'")
        }
        return s
    }
}

/// A loopback listen address: `127.0.0.1:9464`, `[::1]:9464`, `localhost:9464` (port 0: any free port).
public struct ListenAddress: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var isIPv6: Bool

    public init?(_ text: String) {
        var hostPart: Substring, portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard let port = Int(portPart), (0...65_535).contains(port) else { return nil }
        if hostPart == "localhost" { hostPart = "127.0.0.1" }
        let parts = hostPart.split(separator: ".", omittingEmptySubsequences: false)
        if hostPart == "::1" {
            isIPv6 = true
        } else if parts.count == 4, parts[0] == "127", parts.allSatisfy({ UInt8($0) != nil }) {
            isIPv6 = false
        } else {
            return nil
        }
        host = String(hostPart)
        self.port = port
    }
}

/// Durations written as "90", "90s", "15m", "6h", "1d".
public enum Durations {
    public static func parse(_ s: String) -> Int? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let last = s.last else { return nil }
        if let u = units[last] {
            guard let v = Int(s.dropLast()), v >= 0 else { return nil }
            return v * u
        }
        guard let v = Int(s), v >= 0 else { return nil }
        return v
    }

    /// 3600 → "1h", 90 → "1m30s".
    public static func format(_ seconds: Int) -> String {
        if seconds == 0 { return "0s" }
        var rest = seconds, out = ""
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }
}
