import Foundation

/// What the `archive` commands read from a store (issue #19): search, the items in order, export's lines, the
/// tail and its follower, one item with its relations, and counts. The SQLite store (`ItemStore+Search`) and
/// the PostgreSQL store (`PostgresStore+Search`) implement it; the commands open whichever the config names.
/// Orders are the same on both (sequence order, oldest first; search: best first, then sequence); what a
/// search query means differs where the full-text engines do (README, "The archive").
public protocol ArchiveReading: AnyObject {
    /// The store as messages name it: the SQLite file's path, or the server's URL without its password.
    var displayName: String { get }

    /// Phase one of a search: the best `limit` matches of `query` and `filter`, best first (lower `rank` is
    /// better), without reading any text. Throws `SearchQueryError` for a query the engine cannot run.
    func rankedMatches(_ query: String, filter: ItemFilter, limit: Int) throws -> [RankedMatch]
    /// Phase two: the records of `ranked`, in its order, each with a snippet whose matched terms are wrapped in
    /// `SearchHit.matchStart` and `matchEnd`.
    func hits(_ ranked: [RankedMatch], query: String) throws -> [SearchHit]

    /// Every item matching `filter` with a sequence above `afterSeq` (`archivedOnly`: whose archive line is
    /// confirmed), oldest first.
    func forEachItem(filter: ItemFilter, afterSeq: Int64, archivedOnly: Bool,
                     _ body: (Int64, ArchiveRecord) throws -> Void) throws
    /// The archive lines of every item matching `filter`, oldest first, byte for byte as the day files hold them,
    /// each followed by "\n", handed to `flush` in chunks of about `flushAt` bytes (with the count of lines so far).
    func writeArchiveLines(filter: ItemFilter, flushAt: Int,
                           _ flush: (inout [UInt8], Int) throws(StoreError) -> Void) throws(StoreError)
    /// The last `count` archived items matching `filter`, oldest first, and the highest sequence in the store.
    func lastArchivedItems(_ count: Int, filter: ItemFilter) throws -> (items: [(Int64, ArchiveRecord)], maxSeq: Int64)
    func maxSeq() throws(StoreError) -> Int64
    /// The lowest sequence above `seq` of an item committed but not yet archived, if any.
    func firstUnarchivedSeq(after seq: Int64) throws(StoreError) -> Int64?

    /// The full id of the one item whose id starts with `prefix` (6 or more hex digits); nil when none; throws
    /// when it names several.
    func resolveItemID(_ prefix: String) throws -> String?
    func details(id: String) throws -> ItemDetails?

    func count(filter: ItemFilter) throws(StoreError) -> Int
    func stats(filter: ItemFilter) throws -> ArchiveStats
}

extension ItemStore: ArchiveReading {
    public var displayName: String { path }
}
