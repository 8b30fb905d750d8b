/// A hash table keyed by `Int64`, for the story clusterer's hot paths: the candidate mass of a story lookup
/// (keyed by `seq`) and the document-frequency cache (keyed by term hash).
///
/// Swift's `Dictionary` hashes every key with SipHash-1-3 through `Hasher`; for these keys, which are already
/// hashes or sequence numbers, that was most of the cost of a lookup. Here a key is placed by Fibonacci
/// hashing (the top bits of `key × 2⁶⁴/φ`: sequential
/// seqs spread as well as random hashes), with linear probing, a load factor of at most 3/4, and backward-shift
/// deletion (no tombstones). Iteration order is unspecified, as a dictionary's is. Memory: 8 bytes of key and a
/// value's optional (16 for an `Int` or a `Double`) per slot, at least 4/3 slots an entry: ~3 MB for the
/// document-frequency cache's 98,000 terms, a little more than a `Dictionary`'s ~2.5 MB.
struct Int64Table<Value> {
    private var keys: [Int64] = []
    private var values: [Value?] = []
    private(set) var count = 0
    /// log2 of the capacity (0: no storage yet).
    private var bits = 0

    init() {}

    init(minimumCapacity: Int) {
        reserveCapacity(minimumCapacity)
    }

    var isEmpty: Bool { count == 0 }

    /// Slots allocated.
    var capacity: Int { bits == 0 ? 0 : 1 << bits }

    @inline(__always) private func home(_ key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
    }

    /// The slot holding `key`, or the empty slot where it would go.
    @inline(__always) private func slot(_ key: Int64) -> (index: Int, found: Bool) {
        let mask = (1 << bits) - 1
        var i = home(key)
        while true {
            guard values[i] != nil else { return (i, false) }
            if keys[i] == key { return (i, true) }
            i = (i + 1) & mask
        }
    }

    /// Room for `n` entries without growing.
    mutating func reserveCapacity(_ n: Int) {
        var b = max(bits, 3)
        while 3 * (1 << b) < 4 * n { b += 1 }
        if b != bits { rehash(bits: b) }
    }

    private mutating func rehash(bits newBits: Int) {
        let oldKeys = keys, oldValues = values
        bits = newBits
        keys = Array(repeating: 0, count: 1 << newBits)
        values = Array(repeating: nil, count: 1 << newBits)
        for i in oldValues.indices {
            guard let v = oldValues[i] else { continue }
            let s = slot(oldKeys[i]).index
            keys[s] = oldKeys[i]
            values[s] = v
        }
    }

    subscript(key: Int64) -> Value? {
        get {
            guard count > 0 else { return nil }
            let s = slot(key)
            return s.found ? values[s.index] : nil
        }
        set {
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    /// The value for `key`, `defaultValue` stored first when there is none (as `Dictionary`'s `[key, default:]`).
    subscript(key: Int64, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self[key] ?? defaultValue() }
        _modify {
            if bits == 0 || 4 * (count + 1) > 3 * (1 << bits) { reserveCapacity(count + 1) }
            let s = slot(key)
            if !s.found {
                keys[s.index] = key
                values[s.index] = defaultValue()
                count += 1
            }
            yield &values[s.index]!
        }
    }

    private mutating func insert(_ key: Int64, _ value: Value) {
        if bits == 0 || 4 * (count + 1) > 3 * (1 << bits) { reserveCapacity(count + 1) }
        let s = slot(key)
        if !s.found {
            keys[s.index] = key
            count += 1
        }
        values[s.index] = value
    }

    /// Removes `key`; the entries after it in its probe run move back so that every key stays reachable from
    /// its home slot without crossing an empty one.
    @discardableResult
    mutating func remove(_ key: Int64) -> Value? {
        guard count > 0 else { return nil }
        let s = slot(key)
        guard s.found else { return nil }
        let removed = values[s.index]
        let mask = (1 << bits) - 1
        var hole = s.index
        var i = (hole + 1) & mask
        while values[i] != nil {
            // The entry at i may fill the hole unless its home lies cyclically in (hole, i].
            let h = home(keys[i])
            let stays = hole <= i ? (hole < h && h <= i) : (hole < h || h <= i)
            if !stays {
                keys[hole] = keys[i]
                values[hole] = values[i]
                hole = i
            }
            i = (i + 1) & mask
        }
        values[hole] = nil
        count -= 1
        return removed
    }

    mutating func removeAll(keepingCapacity keep: Bool = false) {
        guard keep, bits > 0 else {
            self = Int64Table()
            return
        }
        for i in values.indices { values[i] = nil }
        count = 0
    }

    /// Every entry, in unspecified order.
    func forEach(_ body: (_ key: Int64, _ value: Value) throws -> Void) rethrows {
        for i in values.indices {
            if let v = values[i] { try body(keys[i], v) }
        }
    }
}

extension Int64Table: Sendable where Value: Sendable {}
