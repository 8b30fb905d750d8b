import Foundation
import Testing
import TestSupport

/// Story clusters through the real pipeline on a young store (ten items, so idf says little): unrelated short
/// items that share a word or two ("record", "global", "AI") must stay in stories of their own. Before the
/// clusterer asked for `minSharedTerms`, these fixtures put a heatwave and a chip maker's results in one story,
/// and three different AI-governance events in another.
@Suite struct StoryClusterTests {
    @Test func unrelatedItemsOfOnePassAreNotOneStory() throws {
        let feeds = try FeedServer([("/world.rss", "world-wire.rss.xml"), ("/policy.atom", "policy-desk.atom.xml"),
                                    ("/wire.rss", "syndicated-wire.rss.xml"), ("/partner.atom", "syndicated-partner.atom.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds(["/world.rss", "/policy.atom", "/wire.rss", "/partner.atom"].map(feeds.url))
        let run = try sandbox.once()
        #expect(run.exitCode == 0, "stderr:\n\(run.stderr)")
        let records = try sandbox.archive()
        #expect(records.count == 10)
        var byStory: [String: [String]] = [:]
        for r in records { byStory[r["story"]?.string ?? "none", default: []].append(r.title ?? "") }
        let shared = byStory.values.filter { $0.count > 1 }
        #expect(shared.isEmpty, "every fixture item reports a different event: \(shared)")
        #expect(records.allSatisfy { $0["story"]?.string == $0.id }, "each item starts its own story")
    }
}

/// The shipped background frequencies are what `newswired dedup background` builds from their inputs: no
/// hand-edited count ships.
@Suite struct BackgroundFrequencyCommandTests {
    @Test func theShippedTableIsRebuiltByteForByte() throws {
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let shared = Newswired.repoRoot.deletingLastPathComponent().appendingPathComponent("shared")
        let out = sandbox.root.appendingPathComponent("BackgroundFrequencies+Data.swift")
        let run = try RunningNewswired(arguments: ["dedup", "background", "--out", out.path,
                                                   shared.appendingPathComponent("corpus/realworld").path,
                                                   shared.appendingPathComponent("eval/waic-train.jsonl").path],
                                       outputPrefix: sandbox.root.appendingPathComponent("background"))
        #expect(run.waitForExit(timeout: 60) == 0, "stderr:\n\(run.stderr)")
        let shipped = Newswired.repoRoot.appendingPathComponent("Sources/NewswireCore/Dedup/BackgroundFrequencies+Data.swift")
        #expect(try Data(contentsOf: out) == Data(contentsOf: shipped),
                "regenerate with: newswired dedup background --out \(shipped.path) ../shared/corpus/realworld ../shared/eval/waic-train.jsonl")
    }
}
