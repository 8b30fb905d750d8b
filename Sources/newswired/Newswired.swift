import ArgumentParser
import NewswireCore

@main
struct Newswired: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newswired",
        abstract: "A newswire ingestion daemon: fetch feeds, deduplicate, classify against the WAIC governance topic model, archive.",
        version: NewswireVersion.string,
        subcommands: [RunCommand.self, OnceCommand.self, ParseCommand.self, ClassifyCommand.self, ModelCommand.self,
                      CheckConfigCommand.self, StatusCommand.self, ArchiveCommand.self, FeedsCommand.self,
                      DedupCommand.self, StoreCommand.self, OutputsCommand.self]
    )
}
