import Foundation
import Testing
@testable import NewswireCore

/// Story vectors and postings older than the story window are dropped (`pruneStoryIndex`, issue #22): the story
/// index stays the size of the window, and no story decision changes.
@Suite struct StoryWindowTests {
    /// The stories of the five seed articles (one event), the first two registered `daysBefore` days before the
    /// other three; with `prune`, the index is pruned before the later three as the pipeline does at a commit.
    static func stories(prune: Bool, daysBefore: Double) throws -> (stories: [String], vectors: Int64, postings: Int64) {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let index = DedupIndex(storage: store)
        let deduper = Deduper()
        let later = Date(timeIntervalSince1970: 1_753_500_000)
        var out: [String] = []
        for (n, s) in try StoryBackgroundTests.seeds().enumerated() {
            let now = n < 2 ? later.addingTimeInterval(-daysBefore * 86_400) : later
            if n == 2, prune {
                let before = Int(later.timeIntervalSince1970 - deduper.stories.window - Pipeline.storyPruneMargin)
                _ = try store.transaction { try store.pruneStoryIndex(before: before, limit: 1_000) }
            }
            try store.transaction {
                let id = ContentHash.of(title: s.title, body: s.body)
                let links = try deduper.links(itemID: id, title: s.title, body: s.body, revisionOf: nil, now: now, in: index)
                try deduper.register(itemID: id, links, fetched: now, in: index)
                out.append(links.story)
            }
        }
        return (out, try store.db.int("SELECT count(*) FROM story_vectors") ?? 0,
                try store.db.int("SELECT count(*) FROM story_terms") ?? 0)
    }

    @Test func olderThanTheWindowIsDroppedAndNoDecisionChanges() throws {
        // Two days back: inside the window, nothing goes. Ten days back: beyond it, the two items' vectors and
        // postings go, and the later three form their own story either way.
        for days in [2.0, 10.0] {
            let kept = try Self.stories(prune: false, daysBefore: days)
            let pruned = try Self.stories(prune: true, daysBefore: days)
            #expect(pruned.stories == kept.stories, "\(days) days")
            #expect(kept.vectors == 5)
            if days < 3 {
                #expect(pruned.vectors == 5 && pruned.postings == kept.postings)
                #expect(Set(pruned.stories).count == 1, "one event, one story")
            } else {
                #expect(pruned.vectors == 3 && pruned.postings < kept.postings)
                #expect(Set(pruned.stories.suffix(3)).count == 1 && !pruned.stories.suffix(3).contains(pruned.stories[0]))
            }
        }
    }

    /// With nothing first seen since the bound, everything before it goes (a daemon idle for longer than the
    /// window), a step at a time.
    @Test func anIdleStoreIsEmptiedStepByStep() throws {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let index = DedupIndex(storage: store)
        let deduper = Deduper()
        let then = Date(timeIntervalSince1970: 1_753_500_000)
        try store.transaction {
            for s in try StoryBackgroundTests.seeds() {
                let id = ContentHash.of(title: s.title, body: s.body)
                let links = try deduper.links(itemID: id, title: s.title, body: s.body, revisionOf: nil, now: then, in: index)
                try deduper.register(itemID: id, links, fetched: then, in: index)
            }
        }
        let after = Int(then.timeIntervalSince1970) + 1
        #expect(try store.transaction { try store.pruneStoryIndex(before: after, limit: 2) } == 4, "two vectors, two postings")
        while try store.transaction({ try store.pruneStoryIndex(before: after, limit: 2) }) > 0 {}
        #expect(try store.db.int("SELECT count(*) FROM story_vectors") == 0)
        #expect(try store.db.int("SELECT count(*) FROM story_terms") == 0)
        #expect(try store.db.int("SELECT count(*) FROM dedup_items") == 5, "fingerprints stay: near-duplicates have no window")
    }
}
