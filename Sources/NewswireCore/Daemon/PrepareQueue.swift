/// Prepares transfers' outcomes (`Pipeline.prepare`: parse, content hashes, classification and dedup input of the
/// entries not stored yet, `ItemLookupConnection`) on a worker thread while the caller's thread stores the ones already
/// prepared, in the order they were submitted: on two cores, parsing and classifying one feed overlaps storing
/// the one before. The caller bounds what is in flight (`Daemon.fetch` waits past `depth`), so memory stays
/// bounded when storing is the slower side.
///
/// `submit` and `next` are called from one thread (the fetch loop's); `close` joins the worker.
final class PrepareQueue: Sendable {
    /// Outcomes submitted and not yet taken beyond which the fetch loop waits for one to store.
    static let depth = 2

    private let worker = WorkerThread<Pipeline.PreparedFetch>(name: "newswired-prepare")
    /// Which entries are stored already (nil: all are prepared in full).
    private let stored: ItemLookupConnection?

    init(stored: ItemLookupConnection? = nil) {
        self.stored = stored
    }

    /// Submitted and not yet taken.
    var inFlight: Int { worker.inFlight }

    func submit(feed: FeedConfig, outcome: Result<FetchResponse, FetchError>, classifier: TopicClassifier, deduper: Deduper) {
        let stored = self.stored
        worker.submit { Pipeline.prepare(feed: feed, outcome: outcome, classifier: classifier, deduper: deduper, stored: stored) }
    }

    /// The next prepared outcome in submission order: nil when nothing is in flight, or (without `wait`) when
    /// the next one is not ready yet.
    func next(wait: Bool) -> Pipeline.PreparedFetch? {
        worker.next(wait: wait)
    }

    /// Waits for the worker thread to end (after what was submitted).
    func close() {
        worker.close()
    }
}
