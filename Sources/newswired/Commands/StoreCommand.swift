import ArgumentParser
import Foundation
import NewswireCore

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Maintain the store.",
        subcommands: [StoreRebuildCommand.self, StoreCopyCommand.self]
    )
}

struct StoreRebuildCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild an empty store from the archive, so that nothing is archived twice.",
        discussion: """
        For a store that was lost, emptied or re-created beside an archive (the daemon refuses to start on \
        one). Reads every complete line of the archive's day files in date order and stores it as it was \
        archived: the item with its classification and its near-duplicate, revision and story links, its \
        first sighting, its dedup and story index entries; every item is marked archived. Feed states \
        (validators, schedules) are not in the archive: the next pass fetches every feed in full and finds \
        its items already stored. The store must be empty (move a damaged one away first) and no daemon may \
        run on the state directory. A rebuild cut short (a crash, a full disk) leaves <state>/rebuild-incomplete: \
        the daemon refuses that store, and running the rebuild again continues where it stopped. Exit status 0 on success, 64 when the store is not empty, 74 on an \
        archive or store error (a line that is not an archive line is named by file and line).
        """
    )

    @OptionGroup var global: GlobalOptions

    func execute() throws {
        let config = try global.loadConfig()
        try global.bootstrapLogging(config: nil)
        let stateDirectory = global.stateDirectory(for: config)
        let lock = try StateLock(stateDirectory: stateDirectory)
        defer { withExtendedLifetime(lock) {} }
        let store = try ItemStore(stateDirectory: stateDirectory)
        let items = try store.itemCount()
        let marker = StoreRebuild.incompleteMarker(stateDirectory: stateDirectory)
        let continuing = FileManager.default.fileExists(atPath: marker.path)
        guard items == 0 || continuing else {
            FileHandle.standardError.write(Data("newswired: store \(store.path) holds \(items) items; rebuild fills an empty store only (move this one away first)\n".utf8))
            throw ExitCode(64)
        }
        let model: TopicModel
        do {
            model = try TopicModel.load(contentsOf: config.modelURL)
        } catch {
            throw CLIError.config(ConfigError(file: config.file, key: "model", message: "cannot load \(config.modelURL.path): \(error)"))
        }
        let archive = ArchiveReader(stateDirectory: stateDirectory)
        guard FileManager.default.createFile(atPath: marker.path, contents: Data("started by pid \(getpid())\n".utf8)) else {
            throw StoreError(path: marker.path, message: "cannot write the rebuild marker")
        }
        let summary = try StoreRebuild(store: store, classifier: TopicClassifier(model: model)).run(from: archive)
        try? FileManager.default.removeItem(at: marker)
        if continuing { print("continued an unfinished rebuild") }
        print("rebuilt \(store.path) from \(archive.directory.path): \(summary.items) items from \(summary.lines) lines\(summary.repeated > 0 ? " (\(summary.repeated) lines repeated an item already stored)" : "")")
    }
}

struct StoreCopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy the SQLite store into an empty PostgreSQL database.",
        discussion: """
        Moving in to the PostgreSQL backend (in progress: the daemon does not run on it yet). Copies feeds \
        with their HTTP and schedule state, items, sightings, the items not yet archived, and the \
        near-duplicate and story indexes, row for row, in one transaction (a copy cut short leaves the target \
        empty). The target must hold no feed or item; its tables are created when missing. The URL is \
        libpq's (postgresql://user@host:port/db, or key=value words); the password comes from ~/.pgpass or \
        PGPASSWORD, like psql. No daemon may run on the state directory meanwhile. Exit status 0 on \
        success, 64 when the target is not empty, 74 on a store error.
        """
    )

    @Option(name: .long, help: ArgumentHelp("The state directory whose store is copied (default: as --state).", valueName: "dir"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("The PostgreSQL database to copy into.", valueName: "url"))
    var to: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors {
            try global.bootstrapLogging(config: nil)
            let stateDirectory = try from.map { URL(fileURLWithPath: $0, isDirectory: true) }
                ?? global.stateDirectory(for: global.loadConfig(defaultsWithState: true))
            let lock = try StateLock(stateDirectory: stateDirectory)
            defer { withExtendedLifetime(lock) {} }
            let source = try ItemStore(stateDirectory: stateDirectory)  // brought to the current schema first, as the daemon would
            let target = try PostgresStore(url: to)
            let summary: PostgresStore.CopySummary
            do {
                summary = try target.copy(from: source)
            } catch let e as StoreError where e.message.contains("fills an empty store only") {
                FileHandle.standardError.write(Data("newswired: \(e)\n".utf8))
                throw ExitCode(64)
            }
            let counts = ["feeds", "items", "sightings", "archive_pending", "dedup_items", "dedup_keys", "story_terms", "story_df"]
                .map { "\($0)=\(summary.rows[$0] ?? 0)" }.joined(separator: " ")
            print("copied \(source.path) to \(target.name): \(counts)")
        }
    }
}
