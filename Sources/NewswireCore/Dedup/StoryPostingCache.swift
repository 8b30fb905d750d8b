/// The newest story postings (`story_terms`) of the terms the story lookup reads, as the writer sees them.
///
/// Every new item looks up ~30 terms and reads up to `StoryClusterer.postingLimit` newest postings of each,
/// hundreds of rows an item, for lists that change
/// by one posting per item that has the term. News vocabulary recurs, so a term's list is read once and then
/// kept up to date by the registrations themselves.
///
/// A cached list is the newest `limit` postings of its term, oldest first. A lookup with `seq >= since` takes
/// the newest `limit` of those at or past `since`, which is exactly what the SQL query returns: a posting at
/// or past `since` among the newest `limit` of that range is among the newest `limit` of all, since every
/// newer posting is past `since` too.
///
/// Consistency, as `DocumentFrequencies` and `StoryVectorCache` keep theirs:
/// - read and filled only inside a write transaction begun by `ItemStore` (`begin` ... `commit` / `discard`),
///   which holds the write lock;
/// - a posting of the open transaction is added to its term's list at once, and the term logged: a savepoint
///   rolled back evicts the terms it touched (`undo(to:)`), a transaction rolled back empties the cache
///   (`discard`), so a list never keeps a posting the store lost (its sequence number is reused next);
/// - another connection's commit empties the cache at the next transaction (`PRAGMA data_version` changed);
/// - memory is bounded: past `maxPostings` postings or `maxTerms` terms it is emptied and refills with the
///   terms in use (about 2 MB at the limits; the 1,000-feed benchmark needs ~1,100 terms and ~70,000 postings).
struct StoryPostingCache {
    static let maxPostings = 131_072
    static let maxTerms = 16_384

    /// Term → its newest postings, oldest first, at most `limit`.
    private var lists: [Int64: [Int64]] = [:]
    private var postingCount = 0
    /// The per-term limit of the lists (a lookup with another limit empties the cache first).
    private var limit = 0
    /// Terms given a posting since the transaction began, in order, so a savepoint can evict its own.
    private var log: [Int64] = []
    private var dataVersion: Int64?
    /// A write transaction begun by `begin` is open.
    private var active = false

    /// A write transaction begins. Empties the cache when another connection committed since the last call
    /// (`version`: `PRAGMA data_version`).
    mutating func begin(dataVersion version: Int64?) {
        if version != dataVersion { clear() }
        dataVersion = version
        log.removeAll(keepingCapacity: true)
        active = true
    }

    /// Hands `body` the term's postings at or past `sinceSeq`, newest first, at most `limit`; false when the
    /// term is not cached (nothing handed).
    func forEach(term: Int64, sinceSeq: Int64, limit: Int, _ body: (Int64) -> Void) -> Bool {
        guard active, limit == self.limit, let list = lists[term] else { return false }
        var i = list.count - 1
        var handed = 0
        while i >= 0, handed < limit, list[i] >= sinceSeq {
            body(list[i])
            handed += 1
            i -= 1
        }
        return true
    }

    /// Caches a term's newest `limit` postings as read from the store, newest first.
    mutating func remember(term: Int64, newestFirst seqs: [Int64], limit: Int) {
        guard active else { return }
        if limit != self.limit {
            clear()
            self.limit = limit
        }
        if postingCount + seqs.count > Self.maxPostings || lists.count >= Self.maxTerms { clear() }
        if let old = lists.updateValue(seqs.reversed(), forKey: term) { postingCount -= old.count }
        postingCount += seqs.count
    }

    /// `seq` (newer than every posting stored) got a posting for each of `terms`: inside a transaction or
    /// committed on its own (then `commit` follows).
    mutating func added(seq: Int64, terms: [Int64]) {
        for t in terms {
            guard var list = lists.removeValue(forKey: t) else { continue }
            list.append(seq)
            postingCount += 1
            if list.count > limit {
                list.removeFirst(list.count - limit)
                postingCount -= 1
            }
            lists[t] = list
        }
        log += terms
    }

    var mark: Int { log.count }

    /// A savepoint rolled back: its terms are evicted (read again from the store when next looked up).
    mutating func undo(to mark: Int) {
        guard mark < log.count else { return }
        for t in log[mark...] {
            if let old = lists.removeValue(forKey: t) { postingCount -= old.count }
        }
        log.removeSubrange(mark...)
    }

    /// The transaction committed: its postings are lasting.
    mutating func commit() {
        log.removeAll(keepingCapacity: true)
        active = false
    }

    /// The transaction was rolled back: nothing cached.
    mutating func discard() {
        clear()
        log.removeAll(keepingCapacity: true)
        dataVersion = nil
        active = false
    }

    /// Forgets every list. Not the log: a savepoint still open takes back its terms by it, and a list read
    /// again after this may hold that savepoint's postings.
    private mutating func clear() {
        lists.removeAll()
        postingCount = 0
    }

    var termCount: Int { lists.count }
}
