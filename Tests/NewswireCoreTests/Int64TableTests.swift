import Testing
@testable import NewswireCore

extension Int64Table {
    /// The entries as a dictionary, to compare with one.
    var dictionary: [Int64: Value] {
        var out: [Int64: Value] = [:]
        forEach { out[$0] = $1 }
        return out
    }
}

/// `Int64Table` against `Dictionary` through the same random operations.
@Suite struct Int64TableTests {
    /// Keys drawn from a few small ranges (sequential seqs, many collisions in the home slots once the table is
    /// small), from multiples of a power of two (identical low bits), and at random.
    private static func key(_ rng: inout SplitMix64, _ style: Int) -> Int64 {
        switch style {
        case 0: return Int64(rng.next() % 64)
        case 1: return Int64(rng.next() % 4_096) + 1_000_000
        case 2: return Int64(rng.next() % 128) << 32
        default: return Int64(bitPattern: rng.next())
        }
    }

    @Test(arguments: 0..<4) func behavesAsADictionary(style: Int) {
        var rng = SplitMix64(seed: UInt64(style) + 1)
        var table = Int64Table<Int>()
        var reference: [Int64: Int] = [:]
        for step in 0..<40_000 {
            let k = Self.key(&rng, style)
            switch rng.next() % 8 {
            case 0, 1:
                let v = Int(rng.next() % 1_000)
                table[k] = v
                reference[k] = v
            case 2, 3:
                table[k, default: 0] += 3
                reference[k, default: 0] += 3
            case 4, 5:
                #expect(table.remove(k) == reference.removeValue(forKey: k))
            case 6:
                table[k] = nil
                reference[k] = nil
            default:
                #expect(table[k] == reference[k])
            }
            #expect(table.count == reference.count)
            if step % 5_000 == 4_999 {
                // Every key still reachable after the removals' backward shifts, and nothing else there.
                #expect(table.dictionary == reference)
                for (k, v) in reference { #expect(table[k] == v) }
            }
            if step == 30_000 {
                table.removeAll(keepingCapacity: true)
                reference.removeAll()
                #expect(table.isEmpty && table[k] == nil)
            }
        }
    }

    @Test func growsAndKeepsEveryEntry() {
        var table = Int64Table<Double>()
        for k in 0..<Int64(100_000) { table[k * 7] = Double(k) }
        #expect(table.count == 100_000)
        #expect(table[7 * 99_999] == 99_999 && table[1] == nil)
        var sum = 0.0
        table.forEach { _, v in sum += v }
        #expect(sum == Double(99_999 * 100_000 / 2))
        table.removeAll()
        #expect(table.isEmpty && table[0] == nil)
    }

    /// At most 3/4 full: the document-frequency cache's limit fits 2^17 slots (~3 MB), one more entry than
    /// 3/4 of them takes 2^18.
    @Test func theLoadFactorBoundsItsMemory() {
        var table = Int64Table<Int>()
        for k in 0..<Int64(DocumentFrequencies.cacheLimit) { table[k] = 1 }
        #expect(table.capacity == 1 << 17)
        for k in Int64(DocumentFrequencies.cacheLimit)..<Int64(3 << 15) { table[k] = 1 }
        #expect(table.capacity == 1 << 17)
        table[-1] = 1
        #expect(table.capacity == 1 << 18)
    }
}
