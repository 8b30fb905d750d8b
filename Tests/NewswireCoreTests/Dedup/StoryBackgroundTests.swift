import Foundation
import Testing
@testable import NewswireCore

/// Stories that do not depend on the store's size: the shipped background frequencies, and what they are for.
@Suite struct StoryBackgroundTests {
    /// The seed articles' titles and bodies (first line, the rest), in file order.
    static func seeds() throws -> [(title: String, body: String)] {
        try FileManager.default.contentsOfDirectory(at: Paths.seeds, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "txt" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
            .map { url in
                let text = try String(contentsOf: url, encoding: .utf8)
                let nl = text.firstIndex(of: "\n") ?? text.endIndex
                return (String(text[..<nl]), String(text[nl...]))
            }
    }

    /// The stories `deduper` gives the seeds on a new, empty store.
    static func stories(_ deduper: Deduper) throws -> [String] {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let index = DedupIndex(storage: store)
        var out: [String] = []
        try store.transaction {
            for s in try seeds() {
                let id = ContentHash.of(title: s.title, body: s.body)
                let links = try deduper.links(itemID: id, title: s.title, body: s.body, revisionOf: nil, now: Date(), in: index)
                try deduper.register(itemID: id, links, fetched: Date(), in: index)
                out.append(links.story)
            }
        }
        return out
    }

    @Test func theFiveSeedsFormOneStoryOnAnEmptyStore() throws {
        let stories = try Self.stories(Deduper())
        #expect(stories.count == 5)
        #expect(Set(stories).count == 1, "one event, one story: \(stories.map { $0.prefix(8) })")
    }

    @Test func theShippedTableDecodesAndRoundTrips() throws {
        let shipped = BackgroundFrequencies.shipped
        #expect(shipped.documents > 1_000 && shipped.termCount > 1_000)
        #expect(BackgroundFrequencies(encoded: shipped.encoded) == shipped)
        #expect(BackgroundFrequencies(encoded: Array(shipped.encoded.dropLast())) == nil, "a cut table is refused")
    }

    @Test func backgroundCountsAddToTheStoresInTheIdf() throws {
        let c = StoryClusterer()
        let docs: [(title: String?, body: String?)] = [("Shanghai hosts the conference", "governance"), ("Shanghai weather", nil), ("Markets", nil)]
        let table = BackgroundFrequencies.build(documents: docs, clusterer: c, minimumCount: 2)
        let shanghai = Int64(bitPattern: DedupText.fnv1a("shanghai"))
        #expect(table.documents == 3 && table[shanghai] == 2 && table.termCount == 1, "terms in one document are left out")
    }
}
