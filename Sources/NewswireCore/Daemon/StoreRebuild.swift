import Foundation

/// `newswired store rebuild`: a store made again from the archive, for a store lost, emptied or corrupt beside
/// an archive that holds its items. Every complete archive line becomes an item with the decisions it was
/// archived with (classification, near-duplicate, revision and story links), its first sighting (feed, GUID,
/// URL, time), and its dedup and story index entries; every item is marked archived, so nothing is written
/// twice. Feed states (validators, schedules) are not in the archive: feeds are fetched again in full, and
/// what they bring is deduplicated against the rebuilt items.
public struct StoreRebuild {
    public struct Summary: Sendable, Equatable {
        public var lines = 0
        public var items = 0
        /// Lines whose id was already stored (an archive that held an item twice).
        public var repeated = 0
    }

    /// Present while a rebuild runs (`<state>/rebuild-incomplete`): a rebuild cut short leaves a store that
    /// lacks the archive's later items, which the daemon would archive again; it refuses to start on it, and
    /// the next rebuild continues where this one stopped.
    public static func incompleteMarker(stateDirectory: URL) -> URL {
        stateDirectory.appendingPathComponent("rebuild-incomplete")
    }

    let storage: any PipelineStorage
    let classifier: TopicClassifier
    var deduper = Deduper()

    public init(store: ItemStore, classifier: TopicClassifier) {
        storage = store
        self.classifier = classifier
    }

    /// Reads the archive and stores its items, a transaction per 1,000 lines. The store should be empty: items it
    /// has already are counted as repeated and left as they are.
    public func run(from archive: ArchiveReader) throws -> Summary {
        let index = DedupIndex(storage: storage)
        var summary = Summary()
        var archived: [ArchivedLine] = []
        try storage.beginBatch()
        do {
            try archive.forEachRecord { r, location in
                summary.lines += 1
                if try storage.containsItem(id: r.id) {
                    summary.repeated += 1
                    return
                }
                let body = r.content ?? r.summary
                let links = try deduper.restoredLinks(itemID: r.id, nearDuplicateOf: r.nearDuplicateOf, revisionOf: r.revisionOf,
                                                      story: r.story, title: r.title, body: body, in: index)
                let language = classifier.classify(ClassifierInput(title: r.title, summary: r.summary, content: r.content)).language
                try storage.insertItem(r, language: language)
                try deduper.register(itemID: r.id, links, fetched: r.fetched, in: index)
                try storage.recordSighting(itemID: r.id, feedURL: r.feed, guid: r.guid, url: r.url, at: r.fetched)
                archived.append(ArchivedLine(id: r.id, location: location))
                summary.items += 1
                if archived.count == 1_000 {
                    try storage.markArchived(archived)
                    try storage.commitBatch()
                    try storage.beginBatch()
                    archived.removeAll(keepingCapacity: true)
                }
            }
            try storage.markArchived(archived)
            try storage.commitBatch()
        } catch {
            storage.rollbackBatch()
            throw error
        }
        return summary
    }
}
