import Dispatch
import Foundation

/// Prepares transfers' outcomes (`Pipeline.prepare`: parse, content hashes, classification and dedup input of the
/// entries not stored yet, `StoredItems`) on a worker thread while the caller's thread stores the ones already
/// prepared, in the order they were submitted:
/// with the two cores of a small machine, parsing and classifying one feed overlaps storing the one before.
/// Submitted and not yet taken outcomes are bounded by the caller (`Daemon.fetch` waits past `depth`), so
/// memory stays bounded when storing is the slower side.
///
/// `submit` and `next` are called from one thread (the fetch loop's).
final class PrepareQueue: @unchecked Sendable {
    /// Outcomes submitted and not yet taken beyond which the fetch loop waits for one to store.
    static let depth = 2

    private let worker = DispatchQueue(label: "newswired.prepare")
    private let condition = NSCondition()
    /// Prepared outcomes not yet taken, in submission order (the worker is serial). Guarded by `condition`.
    private var ready: [Pipeline.PreparedFetch] = []
    /// Submitted and not yet taken (the caller's thread only).
    private(set) var inFlight = 0
    /// Which entries are stored already (nil: all are prepared in full).
    private let stored: StoredItems?

    init(stored: StoredItems? = nil) {
        self.stored = stored
    }

    func submit(feed: FeedConfig, outcome: Result<FetchResponse, FetchError>, classifier: TopicClassifier, deduper: Deduper) {
        inFlight += 1
        worker.async { [self] in
            let prepared = Pipeline.prepare(feed: feed, outcome: outcome, ahead: (classifier, deduper), stored: stored)
            condition.lock()
            ready.append(prepared)
            condition.signal()
            condition.unlock()
        }
    }

    /// The next prepared outcome in submission order: nil when nothing is in flight, or (without `wait`) when
    /// the next one is not ready yet.
    func next(wait: Bool) -> Pipeline.PreparedFetch? {
        guard inFlight > 0 else { return nil }
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty {
            guard wait else { return nil }
            condition.wait()
        }
        inFlight -= 1
        return ready.removeFirst()
    }
}
