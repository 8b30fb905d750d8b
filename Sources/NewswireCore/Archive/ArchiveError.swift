/// An archive file could not be written, read or repaired: which file, and what the system said.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "archive \(path): \(message)" }
}

/// What the archive needs of the store: the items committed but not yet confirmed in a day file, and marking
/// them confirmed. `ItemStore` implements it; a second backend implements the same.
public protocol ArchiveStorage: AnyObject {
    /// Items committed to the store but not yet confirmed in the archive, oldest first.
    func unarchivedItems() throws(StoreError) -> [ArchiveRecord]
    /// Their archive lines are written and synced, where `lines` says.
    func markArchived(_ lines: [ArchivedLine]) throws(StoreError)
}
