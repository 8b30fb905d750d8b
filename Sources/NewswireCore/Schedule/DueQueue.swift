/// The feeds' next due times, soonest first: a binary min-heap. A feed rescheduled or removed leaves its old
/// entry in the heap, skipped when it reaches the top, so every operation is O(log n) and none scans all feeds.
struct DueQueue {
    private var heap: [(at: Int, url: String)] = []
    /// Each scheduled feed's due time: what the heap's entries are checked against.
    private var due: [String: Int] = [:]

    var count: Int { due.count }

    func dueTime(of url: String) -> Int? { due[url] }

    /// Schedules `url` at `at`, replacing its earlier time.
    mutating func schedule(_ url: String, at: Int) {
        due[url] = at
        heap.append((at, url))
        siftUp(heap.count - 1)
    }

    /// Unschedules `url` (removed from the config, or disabled).
    mutating func remove(_ url: String) {
        due[url] = nil
    }

    /// The soonest due time, if any feed is scheduled.
    mutating func nextDue() -> Int? {
        dropStale()
        return heap.first?.at
    }

    /// Takes every feed due at or before `now` out of the queue, soonest first, with its due time.
    mutating func takeDue(by now: Int) -> [(url: String, at: Int)] {
        var out: [(url: String, at: Int)] = []
        while let top = nextDueEntry(), top.at <= now {
            popTop()
            due[top.url] = nil
            out.append((top.url, top.at))
        }
        return out
    }

    private mutating func nextDueEntry() -> (at: Int, url: String)? {
        dropStale()
        return heap.first
    }

    /// Pops entries that no longer match their feed's due time.
    private mutating func dropStale() {
        while let top = heap.first, due[top.url] != top.at { popTop() }
    }

    private mutating func popTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        heap[a].at < heap[b].at || (heap[a].at == heap[b].at && heap[a].url < heap[b].url)
    }

    private mutating func siftUp(_ i: Int) {
        var child = i
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ i: Int) {
        var parent = i
        while true {
            let l = 2 * parent + 1, r = l + 1
            var m = parent
            if l < heap.count, less(l, m) { m = l }
            if r < heap.count, less(r, m) { m = r }
            if m == parent { return }
            heap.swapAt(parent, m)
            parent = m
        }
    }
}
