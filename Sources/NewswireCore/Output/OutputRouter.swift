import Foundation

/// The output stage's decisions, taken when a new item is stored and written in its transaction: which
/// outputs hear of it, as what (`alert`, `update`, `item`) and when.
///
/// `per: story`: the first item of a story that matches the output's filter and is not a syndicated copy
/// (`near_duplicate_of`) alerts once. Every later item of an alerted story (another outlet's article, a copy,
/// a revision) is an `update`, due `update_interval` after the one before; while one is queued and no attempt
/// has claimed it, a newer item replaces it, so an output gets at most one update per interval, about the
/// newest item. A copy
/// never alerts: a story first seen through copies alone alerts with its first original that matches.
/// `per: item`: every matching item is an `item` event.
public final class OutputRouter {
    public var outputs: [OutputConfig]
    private let storage: any OutboxStorage

    public init(outputs: [OutputConfig], storage: any OutboxStorage) {
        self.outputs = outputs
        self.storage = storage
    }

    /// A new item, stored (with its sighting) in the open transaction: queues what each output should hear.
    /// Returns the deliveries queued or replaced (for tests and the log).
    @discardableResult
    public func itemStored(_ record: ArchiveRecord, feedTags: [String], now: Date) throws(StoreError) -> [Delivery] {
        guard !outputs.isEmpty else { return [] }
        let t = Int(now.timeIntervalSince1970)
        // The spacing of a story's events counts from `now` rounded up: from whole seconds rounded down, an
        // update could go out up to a second short of `update_interval` after the event before it.
        let sentNoEarlierThan = Int(now.timeIntervalSince1970.rounded(.up))
        let story = record.story ?? record.id
        var queued: [Delivery] = []
        var outlets: Int?
        var firstItem: ArchiveRecord??
        func delivery(_ o: OutputConfig, _ event: Delivery.Event, at: Int) throws(StoreError) -> Delivery {
            if outlets == nil { outlets = try storage.storyOutlets(story: story) }
            if firstItem == nil { firstItem = .some(story == record.id ? record : try storage.item(id: story)) }
            let members = OutputPayload.members(event: event, output: o.name, item: record, story: story,
                                                firstItem: firstItem!, outlets: outlets!, maxBytes: o.maxBodyBytes)
            return Delivery(key: OutputPayload.key(output: o.name, event: event, itemID: record.id), output: o.name,
                            event: event, story: story, itemID: record.id, payload: members, createdAt: t, nextAt: at)
        }
        for o in outputs {
            switch o.per {
            case .item:
                guard o.filter.matches(record, feedTags: feedTags) else { continue }
                let d = try delivery(o, .item, at: t)
                try storage.enqueue(d)
                queued.append(d)
            case .story:
                if var state = try storage.outputStory(output: o.name, story: story) {
                    let d = try delivery(o, .update, at: max(t, state.lastUpdateAt + o.updateInterval))
                    if let pending = state.pendingUpdate,
                       try storage.replaceQueued(key: pending, itemID: record.id, payload: d.payload) {
                        queued.append(Delivery(key: pending, output: o.name, event: .update, story: story, itemID: record.id,
                                               payload: d.payload, createdAt: t, nextAt: state.lastUpdateAt))
                        continue
                    }
                    try storage.enqueue(d)
                    state.lastUpdateAt = max(d.nextAt, sentNoEarlierThan)
                    state.pendingUpdate = d.key
                    try storage.saveOutputStory(output: o.name, story: story, state)
                    queued.append(d)
                } else {
                    guard record.nearDuplicateOf == nil, o.filter.matches(record, feedTags: feedTags) else { continue }
                    let d = try delivery(o, .alert, at: t)
                    try storage.enqueue(d)
                    try storage.saveOutputStory(output: o.name, story: story,
                                                OutputStoryState(alertedAt: t, lastUpdateAt: sentNoEarlierThan, pendingUpdate: nil))
                    queued.append(d)
                }
            }
        }
        return queued
    }
}
