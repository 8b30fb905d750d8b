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
        // An hour inside the 3-day window: kept, and the five form one story with or without pruning (a prune
        // bound on the wrong side of the window would split them). Half a day beyond it: outside the lookups,
        // still kept (the day's margin). Ten days back: dropped, and the later three are a story of their own
        // either way.
        for (days, keptVectors) in [(3.0 - 1.0 / 24, 5), (3.5, 5), (10.0, 3)] {
            let kept = try Self.stories(prune: false, daysBefore: days)
            let pruned = try Self.stories(prune: true, daysBefore: days)
            #expect(pruned.stories == kept.stories, "\(days) days")
            #expect(kept.vectors == 5)
            #expect(pruned.vectors == Int64(keptVectors), "\(days) days")
            #expect(keptVectors == 5 ? pruned.postings == kept.postings : pruned.postings < kept.postings)
            if days < 3 {
                #expect(Set(pruned.stories).count == 1, "one event, one story")
            } else {
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
