import Foundation
import Testing
@testable import NewswireCore

/// Outcomes prepared on the worker come back in the order they were submitted, prepared ahead
/// (classification and dedup input computed), and only once each.
@Suite struct PrepareQueueTests {
    @Test func preparedOutcomesComeBackInSubmissionOrder() throws {
        let classifier = TopicClassifier(model: try TopicModel.load(contentsOf: Paths.model))
        let queue = PrepareQueue()
        #expect(queue.next(wait: true) == nil)  // nothing in flight: never blocks
        let feeds = (0..<12).map { FeedConfig(url: "https://example.org/\($0)") }
        for (i, feed) in feeds.enumerated() {
            // Every third outcome a failure (nothing to parse), the others a feed of i + 1 items.
            let outcome: Result<FetchResponse, FetchError> = i % 3 == 2
                ? .failure(FetchError(.timeout, "slow"))
                : PipelineStoreErrorTests.ok(PipelineStoreErrorTests.rss((0...i).map { "Item \($0) of feed \(i)" }), url: feed.url)
            queue.submit(feed: feed, outcome: outcome, classifier: classifier, deduper: Deduper())
        }
        #expect(queue.inFlight == 12)
        var taken: [Pipeline.PreparedFetch] = []
        while let p = queue.next(wait: true) { taken.append(p) }
        #expect(queue.inFlight == 0)
        #expect(taken.map(\.feed) == feeds)
        for (i, p) in taken.enumerated() {
            if i % 3 == 2 {
                #expect(p.parsed == nil && p.entries.isEmpty)
            } else {
                #expect(p.entries.count == i + 1)
                #expect(p.entries.allSatisfy { $0.classification != nil && $0.dedup != nil })
                #expect(p.entries.first?.id == ContentHash.of(p.entries[0].entry))
            }
        }
    }
}
