import ArgumentParser
import Foundation
import NewswireCore

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Maintain the store.",
        subcommands: [StoreRebuildCommand.self]
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
