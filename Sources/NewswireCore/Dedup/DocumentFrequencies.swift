/// The story clusterer's document frequencies (`story_df`) as the writer sees them: a cache of stored counts,
/// and the increments of the open transaction, written back in one statement when it commits.
///
/// Every new item reads the df of its ~50 terms and increments each of them. As SQL that would be one lookup
/// query and one upsert of ~50 rows per item; most of those terms recur
/// from item to item (a news vocabulary is Zipfian), so a cache answers most reads, and a batch of items
/// increments each distinct term once.
///
/// Consistency:
/// - reads give stored + pending, exactly what the SQL path gave inside the transaction;
/// - a savepoint rolled back takes its increments back (`mark` / `undo(to:)`), a transaction rolled back
///   drops them all and empties the cache (it may hold counts that were never committed);
/// - another connection's commit (a second writer process) empties the cache at the next transaction
///   (`PRAGMA data_version` changed);
/// - memory is bounded: past `cacheLimit` terms the cache is emptied and refills with the terms in use.
struct DocumentFrequencies {
    /// Just under 3/4 of 2^17: the `Int64Table` stays at 131,072 slots, ~3 MB (at 100,000 it would double).
    static let cacheLimit = 98_000

    private(set) var cache = Int64Table<Int>()
    /// Increments not yet in `story_df`, by term.
    private(set) var pending = Int64Table<Int>()
    /// Every increment since the transaction began, in order, so a savepoint can take back its own.
    private var log: [Int64] = []
    private var dataVersion: Int64?

    /// Empties the cache when another connection committed since the last call (`version`: `PRAGMA data_version`).
    mutating func begin(dataVersion version: Int64?) {
        if version != dataVersion { cache.removeAll(keepingCapacity: true) }
        dataVersion = version
    }

    /// The cached count of each of `terms` (nil: not cached; read it from the store), in their order.
    func lookup(_ terms: [Int64]) -> [Int?] {
        terms.map { cache[$0] }
    }

    /// Caches a count read from the store (`stored`: the committed count), adding what is pending; returns it.
    mutating func remember(_ term: Int64, stored: Int) -> Int {
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        let n = stored + (pending[term] ?? 0)
        cache[term] = n
        return n
    }

    /// One more item has each of `terms` (inside a transaction; written back by `takePending`).
    mutating func increment(_ terms: [Int64]) {
        for t in terms {
            pending[t, default: 0] += 1
            if let n = cache[t] { cache[t] = n + 1 }
        }
        log += terms
    }

    /// A committed increment made outside a transaction: the cache follows.
    mutating func incremented(_ terms: [Int64]) {
        for t in terms { if let n = cache[t] { cache[t] = n + 1 } }
    }

    var mark: Int { log.count }

    /// Takes back the increments made since `mark` (a savepoint rolled back).
    mutating func undo(to mark: Int) {
        guard mark < log.count else { return }
        for t in log[mark...] {
            if let p = pending[t] { pending[t] = p > 1 ? p - 1 : nil }
            if let n = cache[t] { cache[t] = n - 1 }
        }
        log.removeSubrange(mark...)
    }

    /// The pending increments, sorted by term (in B-tree order), to write before the commit; forgets them.
    mutating func takePending() -> [(term: Int64, count: Int)] {
        var out: [(term: Int64, count: Int)] = []
        out.reserveCapacity(pending.count)
        pending.forEach { out.append((term: $0, count: $1)) }
        out.sort { $0.term < $1.term }
        pending.removeAll(keepingCapacity: true)
        log.removeAll(keepingCapacity: true)
        return out
    }

    /// The transaction was rolled back: nothing pending, nothing cached.
    mutating func discard() {
        pending.removeAll(keepingCapacity: true)
        log.removeAll(keepingCapacity: true)
        cache.removeAll(keepingCapacity: true)
        dataVersion = nil
    }
}
