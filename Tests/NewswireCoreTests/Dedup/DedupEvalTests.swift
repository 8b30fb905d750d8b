import Foundation
import Testing
@testable import NewswireCore

/// The dedup dev set (../shared/eval, beside the repository): the thresholds the issue asks for.
@Suite struct DedupEvalTests {
    static let evalDir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/eval")

    @Test func devSetMeetsTheThresholds() throws {
        let items = try DedupEvaluation.loadItems(Self.evalDir.appendingPathComponent("dedup-dev.jsonl").path)
        let pairs = try DedupEvaluation.loadPairs(Self.evalDir.appendingPathComponent("dedup-dev-pairs.jsonl").path)
        #expect(items.count == 84)
        #expect(pairs.count == 228)
        let predicted = try DedupEvaluation.predict(items: items, pairs: pairs)
        let score = DedupEvaluation.Score(gold: pairs.map { $0.label ?? "" }, predicted: predicted)
        #expect(score.f1["exact"]! == 1.0, "\(score.report)")
        #expect(score.f1["syndicated"]! >= 0.95, "\(score.report)")
        #expect(score.f1["same-story"]! >= 0.85, "\(score.report)")
        #expect(score.report.split(separator: "\n").last!.hasPrefix("exact F1=1.000 syndicated F1="))
    }

    @Test func scoreCountsPerLabel() {
        let s = DedupEvaluation.Score(gold: ["exact", "exact", "syndicated", "different"],
                                      predicted: ["exact", "syndicated", "syndicated", "different"])
        #expect(s.precision["exact"] == 1.0)
        #expect(s.recall["exact"] == 0.5)
        #expect(s.precision["syndicated"] == 0.5)
        #expect(s.confusion["exact"]?["syndicated"] == 1)
        #expect(s.report.split(separator: "\n").last == "exact F1=0.667 syndicated F1=0.667 same-story F1=0.000")
    }
}
