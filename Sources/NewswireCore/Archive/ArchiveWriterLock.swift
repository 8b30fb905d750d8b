/// Which of several daemons sharing one store writes the archive: exactly one at a time, the holder of this
/// lock. The others commit items and leave them pending in the store; the holder appends every pending item,
/// whoever committed it. A holder that dies loses the lock with its session, and the next holder first
/// reconciles (an item committed, or written and not yet marked, by the dead one is appended once).
public protocol ArchiveWriterLock: AnyObject {
    /// Takes the lock if it is free. `.acquired` when this call took it (reconcile before appending).
    func holdArchive() -> ArchiveHold
}

public enum ArchiveHold: Sendable {
    /// Another daemon holds it (or the store cannot be reached).
    case elsewhere
    /// Taken by this call.
    case acquired
    /// Held since an earlier call.
    case held
}
