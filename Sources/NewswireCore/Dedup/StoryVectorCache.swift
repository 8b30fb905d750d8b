/// Decoded story vectors of the items registered last, for the story lookup's candidates
/// (`ItemStore.storyCandidate`): a lookup scores about twenty candidates, mostly recent items, which would
/// otherwise each be read and decoded from `dedup_items`. Entries come from `registerDedup`,
/// decoded from the very bytes it stores, so a hit gives exactly what a read would.
///
/// Rows of `dedup_items` never change their story or vector once written, but an uncommitted one can vanish:
/// entries of the open transaction stay pending, a savepoint rolled back takes its own back (`mark` /
/// `undo(to:)`), a transaction rolled back all of them (`discard`), and a commit makes them lasting (`commit`),
/// the oldest leaving beyond `capacity`. Without that, a rolled-back item's sequence number, reused by the next
/// item, would find the wrong vector.
struct StoryVectorCache {
    typealias Entry = (story: String, vector: StoryClusterer.Sorted)

    /// ~40 terms of 16 bytes an item: ~1 MB.
    static let capacity = 1_024

    private var committed: [Int64: Entry] = [:]
    private var fifo: [Int64] = []
    private var fifoStart = 0
    private var pending: [(seq: Int64, entry: Entry)] = []
    private var pendingIndex: [Int64: Int] = [:]

    func entry(seq: Int64) -> Entry? {
        if let i = pendingIndex[seq] { return pending[i].entry }
        return committed[seq]
    }

    /// Adds an entry of the open transaction. A transaction registering more than `4 × capacity` items (a
    /// benchmark's bulk load; the pipeline's batches hold 250) keeps the rest uncached: they are read back from
    /// the store instead, which sees the transaction's own rows.
    mutating func add(seq: Int64, story: String, vector: StoryClusterer.Sorted) {
        guard pending.count < 4 * Self.capacity else { return }
        pendingIndex[seq] = pending.count
        pending.append((seq, (story, vector)))
    }

    var mark: Int { pending.count }

    mutating func undo(to mark: Int) {
        guard mark < pending.count else { return }
        for p in pending[mark...] { pendingIndex[p.seq] = nil }
        pending.removeSubrange(mark...)
    }

    mutating func discard() {
        pending.removeAll()
        pendingIndex.removeAll()
    }

    mutating func commit() {
        for p in pending {
            if committed.updateValue(p.entry, forKey: p.seq) == nil { fifo.append(p.seq) }
        }
        discard()
        while fifo.count - fifoStart > Self.capacity {
            committed[fifo[fifoStart]] = nil
            fifoStart += 1
        }
        if fifoStart > Self.capacity {  // compact the queue now and then
            fifo.removeFirst(fifoStart)
            fifoStart = 0
        }
    }
}
