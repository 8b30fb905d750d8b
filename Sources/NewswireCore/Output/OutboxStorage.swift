import Foundation

/// One queued webhook delivery: a row of the outbox until it is delivered (then deleted) or given up on (dead).
public struct Delivery: Sendable, Equatable {
    public enum Event: String, Sendable {
        /// The first matching item of a story (`per: story`).
        case alert
        /// A later item of an alerted story (`per: story`), at most one per `update_interval`.
        case update
        /// A matching item (`per: item`).
        case item
    }

    /// The idempotency key, sent as `X-Newswired-Delivery` on every attempt.
    public var key: String
    public var output: String
    public var event: Event
    public var story: String
    public var itemID: String
    /// The payload's members after `delivery` and `sent_at`, as JSON text without the braces (see `OutputPayload`).
    public var payload: String
    /// Bumped when a queued update is replaced by a newer item's before it was due.
    public var version: Int = 0
    /// Unix seconds: when it was queued, and the earliest time of its next attempt.
    public var createdAt: Int
    public var nextAt: Int
    public var attempts: Int = 0
    public var lastError: String?
    public var dead = false
}

/// How an output stands with one story it alerted (`per: story`).
public struct OutputStoryState: Sendable, Equatable {
    public var alertedAt: Int
    /// When the last update was (or is) due: the next one waits `update_interval` after it.
    public var lastUpdateAt: Int
    /// The update queued and not due yet, which a newer item of the story replaces.
    public var pendingUpdate: String?
}

/// What one output has waiting, for `status` and the metrics.
public struct OutputBacklog: Sendable, Equatable {
    public var output: String
    /// Not yet attempted.
    public var queued = 0
    /// Attempted and failed, to be retried.
    public var retrying = 0
    public var dead = 0
    /// Queue time of the oldest delivery not dead (Unix seconds).
    public var oldest: Int?

    public init(output: String, queued: Int = 0, retrying: Int = 0, dead: Int = 0, oldest: Int? = nil) {
        self.output = output
        self.queued = queued
        self.retrying = retrying
        self.dead = dead
        self.oldest = oldest
    }
}

/// What the output stage needs persisted: the outbox, written in the item's own transaction by `OutputRouter`,
/// and read and updated by `DeliveryWorker` on a connection of its own. `ItemStore` implements it
/// (ItemStore+Outputs.swift); the PostgreSQL store does not yet.
public protocol OutboxStorage: AnyObject {
    // In the item's transaction (the router):
    func outputStory(output: String, story: String) throws(StoreError) -> OutputStoryState?
    func saveOutputStory(output: String, story: String, _ state: OutputStoryState) throws(StoreError)
    func enqueue(_ delivery: Delivery) throws(StoreError)
    /// Replaces a queued delivery's item and payload if no attempt has claimed it yet; false when one has (or
    /// it is gone).
    func replaceQueued(key: String, itemID: String, payload: String) throws(StoreError) -> Bool
    /// How many feeds carry an item of this story (its items' sightings).
    func storyOutlets(story: String) throws(StoreError) -> Int
    func item(id: String) throws(StoreError) -> ArchiveRecord?

    // The delivery worker and the commands:
    /// Deliveries of these outputs due by `now`, oldest due first (those of outputs no longer configured wait,
    /// and so does a story's update while the story's alert is still to be delivered).
    func dueDeliveries(at now: Int, outputs: [String], limit: Int) throws(StoreError) -> [Delivery]
    /// Counts an attempt before it is made, if the delivery is still at `version`: from then on no newer item
    /// replaces its payload, so what is sent under its key stays what was sent. False: replaced meanwhile.
    func claim(key: String, version: Int) throws(StoreError) -> Bool
    /// Delivered: the row goes, unless a newer payload replaced it meanwhile (then false).
    func deliveryDone(key: String, version: Int) throws(StoreError) -> Bool
    func deliveryFailed(key: String, attempts: Int, nextAt: Int, error: String, dead: Bool) throws(StoreError)
    func outboxBacklog() throws(StoreError) -> [OutputBacklog]
    func deadDeliveries(output: String?) throws(StoreError) -> [Delivery]
    /// Dead deliveries (of one output, or all) queued again from `now`, with their keys; returns how many.
    func retryDead(output: String?, now: Int) throws(StoreError) -> Int
}
