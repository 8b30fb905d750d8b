import Foundation

/// What the pipeline needs of persistence for items and sightings, and the transactions it runs them in,
/// beside the protocols each stage defines for its own state (`FeedStateStorage`, `DedupStorage`,
/// `ArchiveStorage`). `ItemStore` (SQLite) implements them all; another backend implements the same.
public protocol PipelineStorage: FeedStateStorage, DedupStorage, ArchiveStorage {
    /// A write transaction that many feeds share: one commit for many.
    func beginBatch() throws(StoreError)
    func commitBatch() throws(StoreError)
    func rollbackBatch()
    /// Runs `body` so that an error undoes its writes alone (one entry of a batch).
    func savepoint<T>(_ body: () throws -> T) throws -> T
    /// Runs `body` as one transaction.
    func transaction<T>(_ body: () throws -> T) throws -> T

    func containsItem(id: String) throws(StoreError) -> Bool
    /// The newest item this feed published under this GUID, if any (for revisions).
    func itemID(feedURL: String, guid: String) throws(StoreError) -> String?
    func insertItem(_ record: ArchiveRecord, language: String?) throws(StoreError)
    /// One more sighting of a stored item: a feed, under a GUID, at a URL.
    func recordSighting(itemID: String, feedURL: String, guid: String?, url: String?, at time: Date) throws(StoreError)

    // What the daemon reads for its start-up check and its status line.
    func hasItems() throws(StoreError) -> Bool
    func itemCount(since time: Date) throws(StoreError) -> Int
    func lastItem() throws(StoreError) -> (title: String?, fetched: Date)?
}

extension ItemStore: PipelineStorage {}

/// What `newswired status` reads, from either store.
public protocol StatusStorage: FeedStateStorage {
    func itemCount() throws(StoreError) -> Int
    func itemsPerDay(limit: Int) throws(StoreError) -> [(day: String, items: Int, relevant: Int)]
}

extension ItemStore: StatusStorage {}
