import ArgumentParser
import Foundation
import Logging
import NewswireCore

/// Options every daemon-facing command takes: where the config, the state and the feed list are.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The config file.",
        discussion: "Default: $NEWSWIRED_CONFIG, else ./config/newswired.yaml when run from a checkout, else /etc/newswired/newswired.yaml.",
        valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp(
        "The state directory (store, archive, log).",
        discussion: "Default: $STATE_DIRECTORY (set by systemd), else /var/lib/newswired for a config under /etc, else ./state.",
        valueName: "dir"))
    var state: String?

    @Option(name: .long, help: ArgumentHelp(
        "A feed list (OPML, or one URL per line) used instead of the config's feeds.", valueName: "file"))
    var feeds: String?

    @Option(name: .customLong("log-level"), help: ArgumentHelp(
        "trace, debug, info, notice, warning, error or critical (default: the config's log_level).", valueName: "level"))
    var logLevel: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    var configPath: String {
        if let config { return config }
        if let env = ProcessInfo.processInfo.environment["NEWSWIRED_CONFIG"], !env.isEmpty { return env }
        if FileManager.default.fileExists(atPath: "config/newswired.yaml") { return "config/newswired.yaml" }
        return "/etc/newswired/newswired.yaml"
    }

    /// The config. With `defaultsWithState`, a command that only reads or writes the store (`feeds …`,
    /// `status`) runs on the built-in defaults when `--state` is given and no config file was named or found.
    func loadConfig(defaultsWithState: Bool = false) throws -> DaemonConfig {
        let path = configPath
        let named = config != nil || !(ProcessInfo.processInfo.environment["NEWSWIRED_CONFIG"] ?? "").isEmpty
        if !named && !FileManager.default.fileExists(atPath: path) {
            if defaultsWithState && state != nil { return DaemonConfig(file: "(built-in defaults)") }
            throw CLIError.config(ConfigError(file: path, message: "no config file here; name one with --config FILE"
                + (defaultsWithState ? ", or pass --state DIR to use the built-in defaults" : "")))
        }
        do {
            return try ConfigLoader.load(file: path)
        } catch {
            throw CLIError.config(error)
        }
    }

    func stateDirectory(for config: DaemonConfig) -> URL {
        if let state { return URL(fileURLWithPath: state, isDirectory: true) }
        if let env = ProcessInfo.processInfo.environment["STATE_DIRECTORY"], !env.isEmpty {
            // systemd may pass several, separated by ':'; the first is ours.
            return URL(fileURLWithPath: String(env.split(separator: ":")[0]), isDirectory: true)
        }
        if config.file.hasPrefix("/etc/") { return URL(fileURLWithPath: "/var/lib/newswired", isDirectory: true) }
        return URL(fileURLWithPath: "state", isDirectory: true)
    }

    /// The feeds to poll: `configFeedList`, then the feeds added with `newswired feeds add|import` (kept in
    /// the store under the state directory) that it does not already hold.
    func feedList(for config: DaemonConfig) throws -> [FeedConfig] {
        var list = try configFeedList(for: config)
        let seen = Set(list.map(\.url))
        list += try ItemStore.subscriptions(stateDirectory: stateDirectory(for: config)).filter { !seen.contains($0.url) }
        return list
    }

    /// `--feeds` when given, else the config's own list plus its `feeds_file`.
    func configFeedList(for config: DaemonConfig) throws -> [FeedConfig] {
        do {
            if let feeds { return try FeedList.load(file: feeds) }
            var list = config.feeds
            if let file = config.feedsFile {
                let seen = Set(list.map(\.url))
                list += try FeedList.load(file: config.resolve(file).path).filter { !seen.contains($0.url) }
            }
            return list
        } catch {
            throw CLIError.config(error)
        }
    }

    /// What `run` and `once` start from: the config, the log set up by it, and the feed list.
    func loadForDaemon() throws -> (config: DaemonConfig, feeds: [FeedConfig]) {
        let config = try loadConfig()
        try bootstrapLogging(config: config)
        return (config, try feedList(for: config))
    }

    /// Installs the key=value log handler: `--log-level` over the config's `log_level`, per-module
    /// `log_levels`, and the log file `<state>/log/newswired.log` when `log_file` is on.
    func bootstrapLogging(config: DaemonConfig?) throws {
        let level = logLevel.flatMap(Logger.Level.init(rawValue:))
            ?? config.flatMap { Logger.Level(rawValue: $0.logLevel) } ?? .info
        var modules: [String: Logger.Level] = [:]
        for (module, name) in config?.logLevels ?? [:] { modules[module] = Logger.Level(rawValue: name) }
        if logLevel != nil { modules.removeAll() }  // the command line wins over the file
        let sink = LogSink.standardError
        if let config, config.logFile {
            let path = stateDirectory(for: config).appendingPathComponent("log/newswired.log").path
            do {
                try sink.openFile(path: path)
            } catch {
                throw CLIError.config(ConfigError(file: config.file, key: "log_file", message: "\(error)"))
            }
        }
        Logs.bootstrap(level: level, moduleLevels: modules, sink: sink)
    }
}

/// Errors a command reports on stderr with a specific exit status.
enum CLIError: Error, CustomStringConvertible {
    /// A configuration problem: exit status 78 (EX_CONFIG), which the systemd unit does not restart on.
    case config(ConfigError)

    var description: String {
        switch self {
        case .config(let e): return e.description
        }
    }
}

/// A command whose errors `reportingErrors` turns into one line and an exit status: the command writes
/// `execute()`, and this plumbing its `run()`.
protocol ReportingCommand: ParsableCommand {
    func execute() throws
}

extension ReportingCommand {
    func run() throws { try reportingErrors(execute) }
}

extension ParsableCommand {
    /// Runs `body`, turning configuration, store, archive and lock errors into one clear line on stderr and an
    /// exit status; any other error goes on to ArgumentParser.
    func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            let status: Int32
            switch error {
            case is CLIError, is ConfigError: status = 78  // EX_CONFIG: the unit does not restart on it
            case is StoreError, is ArchiveError: status = 74  // EX_IOERR
            case is StateLockError: status = 75  // EX_TEMPFAIL: another process holds the state directory
            default: throw error
            }
            FileHandle.standardError.write(Data("newswired: \(error)\n".utf8))
            throw ExitCode(status)
        }
    }
}
