/// A small, seedable, platform-independent generator (Steele, Lea & Flood 2014): cross-validation folds,
/// jitter in tests, synthetic benchmark data. Its finalizer, `mix`, is the one 64-bit mixer of the code base
/// (feature hashes, near-duplicate sampling).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The golden-ratio step between two states.
    static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.mix(state)
    }

    /// SplitMix64's finalizer: every input bit reaches every output bit.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
