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

@Suite struct ParseConcurrencyTests {
    @Test func parsesConcurrentlyWithSameResults() throws {
        let files = Array(ParseRealWorldCorpusTests.files().prefix(16))
        let docs = try files.map { try Data(contentsOf: ParseRealWorldCorpusTests.corpus.appendingPathComponent($0)) }
        let serial = docs.map { try? FeedParser.parse($0) }
        let results = ResultBox(count: docs.count)
        DispatchQueue.concurrentPerform(iterations: docs.count * 4) { i in
            let k = i % docs.count
            results.set(k, try? FeedParser.parse(docs[k]))
        }
        for k in docs.indices { #expect(results.get(k) == serial[k], "\(files[k])") }
    }
}

/// A lock-protected result table for the concurrency test.
private final class ResultBox: @unchecked Sendable {  // invariant: `slots` is only touched under `lock`
    private let lock = NSLock()
    private var slots: [ParsedFeed?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: ParsedFeed?) { lock.lock(); slots[i] = v; lock.unlock() }
    func get(_ i: Int) -> ParsedFeed? { lock.lock(); defer { lock.unlock() }; return slots[i] }
}
