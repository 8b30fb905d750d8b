/// A fixed, open-addressing map from already well-mixed 64-bit keys (token hashes, trie edges) to Int32:
/// linear probing over a power-of-two table, no rehashing of the key. Built once when a model loads, read
/// concurrently afterwards. Kept apart from `Int64Table` (mutable, with deletion, keys spread by
/// multiplication) because this build-once, read-only shape scores items measurably faster
/// (Benchmarks/CLASSIFY.md); `Dictionary` would hash every key again with SipHash.
struct TokenHashTable: Sendable {
    private var keys: [UInt64]
    private var values: [Int32]
    private var used: [Bool]
    private let mask: Int

    init<S: Sequence>(_ pairs: S) where S.Element == (UInt64, Int32) {
        let list = Array(pairs)
        var capacity = 16
        while capacity < list.count * 2 { capacity <<= 1 }
        keys = [UInt64](repeating: 0, count: capacity)
        values = [Int32](repeating: 0, count: capacity)
        used = [Bool](repeating: false, count: capacity)
        mask = capacity - 1
        for (k, v) in list {
            var i = Int(truncatingIfNeeded: k) & mask
            while used[i] && keys[i] != k { i = (i + 1) & mask }
            keys[i] = k; values[i] = v; used[i] = true
        }
    }

    @inline(__always)
    subscript(key: UInt64) -> Int32? {
        var i = Int(truncatingIfNeeded: key) & mask
        while used[i] {
            if keys[i] == key { return values[i] }
            i = (i + 1) & mask
        }
        return nil
    }
}
