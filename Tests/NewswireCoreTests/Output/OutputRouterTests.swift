import Foundation
import Testing
@testable import NewswireCore

/// The output stage's decisions against a real store: what each new item queues, for which output, as what.
@Suite struct OutputRouterTests {
    static let t0 = Date(timeIntervalSince1970: 1_753_500_000)

    /// Item `n` of story `story` (nil: it starts its own), as the pipeline would have stored it with its sighting.
    static func store(_ store: ItemStore, _ n: Int, story: String?, copyOf: String? = nil, feed: String = "https://feed.example/rss",
                      relevant: Bool = true, relevance: Double = 0.8, topics: [String] = ["governance-body"]) throws -> ArchiveRecord {
        var r = sampleRecord(n)
        r.feed = feed
        r.story = story ?? r.id
        r.nearDuplicateOf = copyOf
        r.relevant = relevant
        r.relevance = relevance
        r.topics = topics.map { TopicScore(id: $0, score: 0.7, terms: []) }
        try store.insertItem(r, language: "en")
        try store.recordSighting(itemID: r.id, feedURL: feed, guid: r.guid, url: r.url, at: r.fetched)
        return r
    }

    static func outbox(_ store: ItemStore) throws -> [Delivery] { try store.allDeliveries() }

    @Test func aStoryAlertsOnceAndItsCopiesBecomeOneUpdatePerInterval() throws {
        let tmp = TempState()
        let s = try ItemStore(stateDirectory: tmp.url)
        var o = OutputConfig(name: "a", url: "http://127.0.0.1:1/")
        o.updateInterval = 600
        let router = OutputRouter(outputs: [o], storage: s)
        let original = try Self.store(s, 1, story: nil)
        let first = try router.itemStored(original, feedTags: [], now: Self.t0)
        #expect(first.map(\.event) == [.alert])
        // Twenty copies in twenty feeds: one update queued, replaced by each newer copy.
        var last: ArchiveRecord?
        for k in 0..<20 {
            let copy = try Self.store(s, 100 + k, story: original.id, copyOf: original.id, feed: "https://outlet\(k).example/rss")
            let queued = try router.itemStored(copy, feedTags: [], now: Self.t0.addingTimeInterval(Double(k)))
            #expect(queued.map(\.event) == [.update])
            last = copy
        }
        let rows = try Self.outbox(s)
        #expect(rows.map(\.event) == [.alert, .update])
        let update = try #require(rows.last)
        #expect(update.itemID == last?.id, "the queued update carries the newest copy")
        #expect(update.nextAt == Int(Self.t0.timeIntervalSince1970) + 600, "due one interval after the alert")
        #expect(update.payload.contains("\"outlets\":21"), "the original's feed and twenty outlets")
        #expect(update.payload.contains("\"first_item\":{\"schema\":1,\"id\":\"\(original.id)\""))

        // Once an attempt claimed it, the next copy queues a new update one interval later.
        #expect(try s.claim(key: update.key, version: update.version))
        let late = try Self.store(s, 200, story: original.id, copyOf: original.id, feed: "https://late.example/rss")
        let next = try #require(try router.itemStored(late, feedTags: [], now: Self.t0.addingTimeInterval(30)).first)
        #expect(next.key != update.key)
        #expect(next.nextAt == update.nextAt + 600)
        #expect(try Self.outbox(s).count == 3)
    }

    @Test func aCopyNeverAlertsOnItsOwnAndTheFilterDecidesTheAlert() throws {
        let tmp = TempState()
        let s = try ItemStore(stateDirectory: tmp.url)
        var o = OutputConfig(name: "a", url: "http://127.0.0.1:1/")
        o.filter.relevant = true
        o.filter.minRelevance = 0.5
        o.filter.topics = ["regulation-standards", "governance-body"]
        let router = OutputRouter(outputs: [o], storage: s)
        // A story whose first item does not match: no alert; nor does its copy that would match.
        let weak = try Self.store(s, 1, story: nil, relevance: 0.2)
        #expect(try router.itemStored(weak, feedTags: [], now: Self.t0).isEmpty)
        let copy = try Self.store(s, 2, story: weak.id, copyOf: weak.id, feed: "https://copy.example/rss")
        #expect(try router.itemStored(copy, feedTags: [], now: Self.t0).isEmpty)
        // Another outlet's own article on the story that matches: the story's alert.
        let own = try Self.store(s, 3, story: weak.id, feed: "https://own.example/rss")
        let alert = try #require(try router.itemStored(own, feedTags: [], now: Self.t0).first)
        #expect(alert.event == .alert && alert.story == weak.id && alert.itemID == own.id)
        #expect(alert.payload.contains("\"outlets\":3"))
        // Not relevant, or of another topic: nothing.
        let off = try Self.store(s, 4, story: nil, relevant: false)
        let otherTopic = try Self.store(s, 5, story: nil, topics: ["open-source"])
        #expect(try router.itemStored(off, feedTags: [], now: Self.t0).isEmpty)
        #expect(try router.itemStored(otherTopic, feedTags: [], now: Self.t0).isEmpty)
    }

    @Test func perItemSendsEveryMatchingItemAndTagsAndFeedsFilter() throws {
        let tmp = TempState()
        let s = try ItemStore(stateDirectory: tmp.url)
        var items = OutputConfig(name: "a", url: "http://127.0.0.1:1/")
        items.per = .item
        items.filter.tags = ["policy"]
        var feeds = OutputConfig(name: "b", url: "http://127.0.0.1:2/")
        feeds.filter.feeds = ["https://wire.example/rss"]
        let router = OutputRouter(outputs: [items, feeds], storage: s)
        let r1 = try Self.store(s, 1, story: nil, feed: "https://wire.example/rss")
        let r2 = try Self.store(s, 2, story: r1.id, copyOf: r1.id, feed: "https://other.example/rss")
        let q1 = try router.itemStored(r1, feedTags: ["policy"], now: Self.t0)
        let q2 = try router.itemStored(r2, feedTags: ["policy"], now: Self.t0)
        let r3 = try Self.store(s, 3, story: nil, feed: "https://other.example/rss")
        let q3 = try router.itemStored(r3, feedTags: ["sport"], now: Self.t0)
        #expect(q1.map(\.output) == ["a", "b"] && q1.map(\.event) == [.item, .alert])
        #expect(q2.map(\.output) == ["a", "b"] && q2.map(\.event) == [.item, .update], "per item: copies too")
        #expect(q3.isEmpty)
        #expect(Set(try Self.outbox(s).map(\.key)).count == 4, "one key per output, event and item")
    }

    @Test func aRolledBackEntryTakesItsDeliveriesWithIt() throws {
        let tmp = TempState()
        let s = try ItemStore(stateDirectory: tmp.url)
        let router = OutputRouter(outputs: [OutputConfig(name: "a", url: "http://127.0.0.1:1/")], storage: s)
        struct Boom: Error {}
        try s.beginBatch()
        _ = try? s.savepoint {
            let r = try Self.store(s, 1, story: nil)
            try router.itemStored(r, feedTags: [], now: Self.t0)
            throw Boom()
        }
        let kept = try s.savepoint {
            let r = try Self.store(s, 2, story: nil)
            return try router.itemStored(r, feedTags: [], now: Self.t0)
        }
        try s.commitBatch()
        #expect(try Self.outbox(s).map(\.key) == kept.map(\.key))
        #expect(try s.outputStory(output: "a", story: sampleRecord(1).id) == nil)
    }
}

@Suite struct OutboxTests {
    @Test func anUpdateWaitsForItsStorysAlertAndDeadOnesAreReplayed() throws {
        let tmp = TempState()
        let s = try ItemStore(stateDirectory: tmp.url)
        var o = OutputConfig(name: "a", url: "http://127.0.0.1:1/")
        o.updateInterval = 0
        let router = OutputRouter(outputs: [o], storage: s)
        let t0 = OutputRouterTests.t0
        let original = try OutputRouterTests.store(s, 1, story: nil)
        let alert = try #require(try router.itemStored(original, feedTags: [], now: t0).first)
        let copy = try OutputRouterTests.store(s, 2, story: original.id, copyOf: original.id, feed: "https://copy.example/rss")
        let update = try #require(try router.itemStored(copy, feedTags: [], now: t0).first)
        let now = Int(t0.timeIntervalSince1970) + 5
        #expect(try s.dueDeliveries(at: now, outputs: ["a"], limit: 10).map(\.key) == [alert.key], "the update waits for the alert")
        #expect(try s.dueDeliveries(at: now, outputs: ["b"], limit: 10).isEmpty, "another output's name")
        // The alert fails for good: dead, and the update goes.
        #expect(try s.claim(key: alert.key, version: alert.version))
        try s.deliveryFailed(key: alert.key, attempts: 1, nextAt: now, error: "HTTP 500", dead: true)
        #expect(try s.dueDeliveries(at: now, outputs: ["a"], limit: 10).map(\.key) == [update.key])
        #expect(try s.outboxBacklog() == [OutputBacklog(output: "a", queued: 1, retrying: 0, dead: 1, oldest: now - 5)])
        #expect(try s.deadDeliveries(output: "a").map(\.key) == [alert.key])
        // Replayed: queued again from now under its key; delivered, it leaves the outbox.
        #expect(try s.retryDead(output: nil, now: now + 10) == 1)
        let replayed = try #require(try s.dueDeliveries(at: now + 10, outputs: ["a"], limit: 10).first { $0.key == alert.key })
        #expect(replayed.attempts == 0 && replayed.createdAt == now + 10 && !replayed.dead)
        #expect(try s.claim(key: alert.key, version: replayed.version))
        #expect(try s.deliveryDone(key: alert.key, version: replayed.version))
        #expect(try s.deadDeliveries(output: nil).isEmpty)
        #expect(try s.outboxBacklog().map(\.queued) == [1])
    }
}
