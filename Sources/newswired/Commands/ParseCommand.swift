import ArgumentParser
import Foundation
import NewswireCore

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse one feed (a file, or a URL fetched once) and print the normalized result.",
        discussion: "With --json, prints exactly the `newswired parse --json` schema of docs/ARCHITECTURE.md."
    )

    @Flag(name: .long, help: "Print the normalized JSON schema (the default prints a short summary).")
    var json = false

    @Argument(help: "A feed file path, or an http(s) URL.")
    var source: String

    func run() throws {
        if source.hasPrefix("http://") || source.hasPrefix("https://") {
            throw ValidationError("URL not supported here yet: fetch it first and parse the file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: source))
        } catch {
            throw ValidationError("cannot read \(source): \(error.localizedDescription)")
        }
        let feed: ParsedFeed
        do {
            // A local file has no feed URL: relative links are resolved against xml:base only.
            feed = try FeedParser.parse(data)
        } catch {
            FileHandle.standardError.write(Data("newswired: \(source): \(error)\n".utf8))
            throw ExitCode(2)
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
            FileHandle.standardOutput.write(try enc.encode(feed) + Data("\n".utf8))
        } else {
            print("format=\(feed.format.rawValue) bozo=\(feed.bozo) entries=\(feed.entries.count) title=\(feed.feed.title ?? "-")")
            if let reason = feed.bozoReason { print("bozo_reason=\(reason)") }
            for e in feed.entries { print("- \(e.title ?? e.link ?? e.id ?? "(untitled)")") }
        }
    }
}
