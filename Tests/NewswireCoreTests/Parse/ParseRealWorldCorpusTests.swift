import Foundation
import Testing
@testable import NewswireCore

/// Every feed of ../shared/corpus/realworld parses without throwing and yields entries.
@Suite struct ParseRealWorldCorpusTests {
    static let corpus: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Parse/
        .deletingLastPathComponent()  // NewswireCoreTests/
        .deletingLastPathComponent()  // Tests/
        .deletingLastPathComponent()  // repository root
        .deletingLastPathComponent()  // its parent, which holds shared/
        .appendingPathComponent("shared/corpus/realworld")

    static func files() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
        return names.filter { !$0.hasSuffix(".md") && !$0.hasPrefix(".") }.sorted()
    }

    @Test func corpusIsPresent() {
        #expect(Self.files().count >= 80)
    }

    @Test(arguments: files())
    func parsesWithEntries(file: String) throws {
        let data = try Data(contentsOf: Self.corpus.appendingPathComponent(file))
        let feed = try FeedParser.parse(data, documentURL: "https://feeds.example.com/\(file)")
        #expect(!feed.entries.isEmpty, "\(file): no entries")
        #expect(feed.format != .unknown || file.hasSuffix(".json") == false)
    }
}
