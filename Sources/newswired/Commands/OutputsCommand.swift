import ArgumentParser
import Foundation
import NewswireCore

struct OutputsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outputs",
        abstract: "Webhook outputs: their backlog and dead letters, and replaying the dead letters.",
        subcommands: [OutputsListCommand.self, OutputsRetryCommand.self]
    )
}

/// The store under `--state`, for the outputs commands (works while the daemon runs).
private func outboxStore(_ global: GlobalOptions, readOnly: Bool) throws -> (DaemonConfig, ItemStore) {
    let config = try global.loadConfig(defaultsWithState: true)
    let dir = global.stateDirectory(for: config)
    guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(ItemStore.fileName).path) else {
        throw CLIError.config(ConfigError(file: dir.path, message: "no store here yet (the daemon has not run with this --state)"))
    }
    return (config, try ItemStore(stateDirectory: dir, readOnly: readOnly))
}

struct OutputsListCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Each output's backlog (queued, retrying, dead) and its dead deliveries with their last error."
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "One JSON object per dead delivery instead of text.")
    var json = false

    func execute() throws {
        let (config, store) = try outboxStore(global, readOnly: true)
        guard try store.hasOutbox() else { return print("no outbox yet (the daemon has not run this version on this store)") }
        let dead = try store.deadDeliveries(output: nil)
        if json {
            for d in dead {
                var w = JSONObjectWriter()
                w.field("delivery", d.key)
                w.field("output", d.output)
                w.field("event", d.event.rawValue)
                w.field("item", d.itemID)
                w.field("story", d.story)
                w.field("attempts", d.attempts)
                w.field("queued", date: Date(timeIntervalSince1970: TimeInterval(d.createdAt)))
                w.field("last_error", d.lastError)
                print(w.finish())
            }
            return
        }
        for line in OutputsStatus.lines(config: config, backlog: try store.outboxBacklog()) { print(line) }
        for d in dead {
            print("  dead \(d.key) \(d.output) \(d.event.rawValue) item \(d.itemID.prefix(12)): \(d.attempts) attempts, last error: \(d.lastError ?? "?")")
        }
    }
}

struct OutputsRetryCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Queue the dead deliveries again (all, or one output's), with their keys, for the daemon to send.",
        discussion: """
        A delivery is dead once it kept failing for its output's max_age. Replayed, it keeps its \
        X-Newswired-Delivery key (receivers that saw it already can drop it), is tried at once by the running \
        daemon (or by the next `once`), and has max_age again before it is dead once more.
        """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this output's dead deliveries (its name, as `status` shows it).")
    var output: String?

    func execute() throws {
        let (_, store) = try outboxStore(global, readOnly: false)
        let n = try store.retryDead(output: output, now: Int(Date().timeIntervalSince1970))
        print("\(n) dead deliver\(n == 1 ? "y" : "ies") queued again")
    }
}

/// The outputs part of `status` and `outputs list`.
enum OutputsStatus {
    static func lines(config: DaemonConfig, backlog: [OutputBacklog]) -> [String] {
        var byName = Dictionary(backlog.map { ($0.output, $0) }, uniquingKeysWith: { a, _ in a })
        var out = ["outputs: \(config.outputs.count) configured"]
        func describe(_ b: OutputBacklog?) -> String {
            guard let b else { return "nothing waiting" }
            var s = "\(b.queued) queued, \(b.retrying) retrying, \(b.dead) dead"
            if let oldest = b.oldest { s += "; oldest queued \(ISOTime.format(Date(timeIntervalSince1970: TimeInterval(oldest))))" }
            return s
        }
        for o in config.outputs {
            out.append("  \(o.name) (per \(o.per.rawValue)): \(describe(byName.removeValue(forKey: o.name)))")
        }
        for b in byName.values.sorted(by: { $0.output < $1.output }) {
            out.append("  \(b.output) (not configured): \(describe(b))")
        }
        return out
    }

    static func json(config: DaemonConfig, backlog: [OutputBacklog]) -> String {
        let byName = Dictionary(backlog.map { ($0.output, $0) }, uniquingKeysWith: { a, _ in a })
        let names = config.outputs.map(\.name) + backlog.map(\.output).filter { n in !config.outputs.contains { $0.name == n } }
        return "[" + names.map { name in
            let b = byName[name] ?? OutputBacklog(output: name)
            var w = JSONObjectWriter()
            w.field("name", name)
            w.field("configured", config.outputs.contains { $0.name == name })
            w.field("queued", b.queued)
            w.field("retrying", b.retrying)
            w.field("dead", b.dead)
            w.field("oldest_queued", date: b.oldest.map { Date(timeIntervalSince1970: TimeInterval($0)) })
            return w.finish()
        }.joined(separator: ",") + "]"
    }
}
