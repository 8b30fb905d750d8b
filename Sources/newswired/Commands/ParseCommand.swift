import ArgumentParser
import Foundation
import NewswireCore

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse one feed (a file, or a URL fetched once) and print the normalized result.",
        discussion: """
        With --json, prints exactly the `newswired parse --json` schema (README). Exit status 2 when the document \
        is not a feed (an HTML page's advertised feeds are named), 3 when a URL could not be fetched.
        """
    )

    @Flag(name: .long, help: "Print the normalized JSON schema (the default prints a short summary).")
    var json = false

    @Argument(help: "A feed file path, or an http(s) URL.")
    var source: String

    func run() throws {
        let data: Data
        var documentURL: String?, contentType: String?
        let lower = source.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            // One fetch with the default limits (size, time, redirects); relative links resolve against
            // the final URL, and the HTTP charset takes part in decoding.
            switch Fetcher(options: FetchOptions()).fetchOne(FetchRequest(url: source)) {
            case .failure(let error):
                FileHandle.standardError.write(Data("newswired: \(source): \(error)\n".utf8))
                throw ExitCode(3)
            case .success(let response) where !(200...299).contains(response.status):
                FileHandle.standardError.write(Data("newswired: \(source): HTTP \(response.status)\n".utf8))
                throw ExitCode(3)
            case .success(let response):
                data = response.body
                documentURL = response.effectiveURL
                contentType = response.contentType
            }
        } else {
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: source))
            } catch {
                throw ValidationError("cannot read \(source): \(error.localizedDescription)")
            }
        }
        let feed: ParsedFeed
        do {
            // A local file has no feed URL: relative links are resolved against xml:base only.
            feed = try FeedParser.parse(data, documentURL: documentURL, contentType: contentType)
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
