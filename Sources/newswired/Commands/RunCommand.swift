import ArgumentParser
import Foundation
import Logging
import NewswireCore

struct RunCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon in the foreground: poll every feed at its interval until SIGTERM or SIGINT.",
        discussion: """
        Sends READY=1 to systemd (Type=notify) once the store is open and the schedule loaded, WATCHDOG=1 \
        from the scheduling loop (at half of WATCHDOG_USEC) and a one-line STATUS=. SIGHUP reloads the \
        config, the feed list and the topic model at once (a broken one is logged with file, line and key, and \
        the old one keeps running). SIGUSR1 reopens the log file (for logrotate). On SIGTERM or SIGINT it \
        starts no new transfer, lets those in flight finish within shutdown_grace, commits and archives what \
        they brought, and exits 0; a second signal exits at once. With metrics.listen set, /metrics \
        (Prometheus) and /healthz are served there (503 while an alarm is raised: the store failing every \
        commit, or archive writes failing, which are retried with backoff). On SQLite it holds <state>/lock: a \
        second run or once on the same state directory exits 75; a store with no items beside an archive with \
        lines is refused (see `newswired store rebuild`). With `store:` a PostgreSQL URL, several daemons share \
        the store and the state directory's archive: each claims due feeds under a lease, and whichever holds \
        the archive's lock writes every item once. With outputs: configured (SQLite store), new stories are \
        POSTed to each webhook (signed, once per story, from a durable outbox, retried with backoff; see \
        `newswired outputs`).
        """
    )

    @OptionGroup var global: GlobalOptions

    func execute() throws {
        let (config, feeds) = try global.loadForDaemon()
        let logger = Logger(label: "daemon")
        let stop = StopSignal()
        stop.install(onReopenLog: { LogSink.standardError.reopen() })  // before READY=1: a signal raised earlier would be lost
        let registry = config.metricsListen != nil ? DaemonMetrics.bootstrapPrometheus() : nil
        let model = try Daemon.Settings.loadModel(for: config)
        try OutputConfig.check(config, model: model)
        let daemon = try Daemon(settings: Daemon.Settings(config: config, feeds: feeds, model: model),
                                stateDirectory: global.stateDirectory(for: config))
        if feeds.isEmpty { logger.warning("config", metadata: ["error": "no feeds configured; nothing to poll"]) }
        var metricsServer: MetricsServer?
        if let listen = config.metricsListen.flatMap(ListenAddress.init), let registry {
            metricsServer = try MetricsServer(listen: listen, metrics: { registry.emitToBuffer() }, heartbeat: daemon.heartbeat)
            logger.info("metrics", metadata: ["listen": .string("\(listen.isIPv6 ? "[\(listen.host)]" : listen.host):\(metricsServer!.port)")])
        }
        defer { metricsServer?.stop() }
        let options = global
        daemon.run(stop: stop) {
            do {
                let config = try options.loadConfig()
                let model = try Daemon.Settings.loadModel(for: config)
                try OutputConfig.check(config, model: model)
                return Daemon.Settings(config: config, feeds: try options.feedList(for: config), model: model)
            } catch CLIError.config(let error) {
                throw error  // the daemon logs its file, line and key as fields
            }
        }
    }
}

struct OnceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "once",
        abstract: "Fetch every feed once, archive what is new, and exit (for cron).",
        discussion: "With outputs: configured, the webhook deliveries due are sent at the end of the pass (failures wait for the next run or once). Exit status 0 when at least one feed was fetched (a 304 counts), 1 when none could be, 74 when a committed item could not be archived or the store reported an error, 75 when another newswired holds the state directory, 78 on a configuration error. SIGTERM or SIGINT end the pass early (in-flight transfers get shutdown_grace); SIGHUP is ignored."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        var status: Int32 = 0
        try reportingErrors {
            let (config, feeds) = try global.loadForDaemon()
            let logger = Logger(label: "daemon")
            let stop = StopSignal()
            // SIGHUP too: its default action would kill the pass; a one-shot pass has nothing to reload, so it is ignored.
            stop.install(signals: [SIGTERM, SIGINT, SIGHUP])
            let daemon = try Daemon(config: config, feeds: feeds, stateDirectory: global.stateDirectory(for: config))
            if feeds.isEmpty {
                logger.warning("config", metadata: ["error": "no feeds configured; nothing to fetch"])
                return
            }
            let summary = daemon.runOnce(stop: stop)
            if summary.unarchived > 0 || summary.errors > 0 {
                var problems: [String] = []
                if summary.unarchived > 0 { problems.append("\(summary.unarchived) committed items could not be archived yet (written by the next run or once)") }
                if summary.errors > 0 { problems.append("\(summary.errors) store or archive errors (see the log)") }
                FileHandle.standardError.write(Data("newswired: \(problems.joined(separator: "; "))\n".utf8))
                status = 74
            } else if summary.fetched == 0 {
                status = 1
            }
        }
        if status != 0 { throw ExitCode(status) }
    }
}

struct CheckConfigCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the config, the feed list and the topic model; print a summary or the first error (file:line: key: problem)."
    )

    @OptionGroup var global: GlobalOptions

    func execute() throws {
        let config = try global.loadConfig()
        let feeds = try global.feedList(for: config)
        let model: TopicModel
        do {
            model = try TopicModel.load(contentsOf: config.modelURL)
        } catch {
            throw CLIError.config(ConfigError(file: config.file, key: "model", message: "cannot load \(config.modelURL.path): \(error)"))
        }
        do {
            try OutputConfig.check(config, model: model)
        } catch {
            throw CLIError.config(error)
        }
        print("config \(config.file): ok")
        print("feeds: \(feeds.count)")
        print("model: \(config.modelURL.path)")
        print("outputs: \(config.outputs.count)")
        for o in config.outputs {
            print("  \(o.name): per \(o.per.rawValue), \(o.secret == nil ? "unsigned" : "signed")")
        }
        print("state: \(global.stateDirectory(for: config).path)")
    }
}
