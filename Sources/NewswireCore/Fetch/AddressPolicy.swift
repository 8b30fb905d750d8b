/// Which resolved addresses a fetch may connect to: the SSRF guard.
///
/// Refused unless allowed for this feed: loopback, private (RFC 1918), link-local (and with it the cloud
/// metadata address 169.254.169.254), CGNAT (100.64/10), "this network" (0/8), IETF protocol assignments
/// (192.0.0/24), benchmarking (198.18/15), multicast, reserved (240/4, broadcast), and in IPv6 the unspecified
/// and loopback addresses, link-local (fe80::/10), unique local (fc00::/7, where fd00:ec2::254 lives),
/// multicast, and the IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible and NAT64 (64:ff9b::/96) forms of the
/// refused IPv4 ranges.
public enum AddressPolicy {
    /// True when the address is not a public unicast address.
    public static func isInternal(ipv4 b: [UInt8]) -> Bool {
        guard b.count == 4 else { return true }
        switch b[0] {
        case 0, 10, 127: return true
        case 100: return (64...127).contains(b[1])
        case 169: return b[1] == 254
        case 172: return (16...31).contains(b[1])
        case 192: return (b[1] == 168) || (b[1] == 0 && b[2] == 0)
        case 198: return b[1] == 18 || b[1] == 19
        case 224...255: return true
        default: return false
        }
    }

    public static func isInternal(ipv6 b: [UInt8]) -> Bool {
        guard b.count == 16 else { return true }
        if b[0..<15].allSatisfy({ $0 == 0 }) { return true }  // :: and ::1
        if b[0] == 0xFE && (b[1] & 0xC0) == 0x80 { return true }  // fe80::/10
        if (b[0] & 0xFE) == 0xFC { return true }  // fc00::/7
        if b[0] == 0xFF { return true }  // multicast
        let embedded = Array(b[12..<16])
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return isInternal(ipv4: embedded) }  // mapped
        if b[0..<12].allSatisfy({ $0 == 0 }) { return isInternal(ipv4: embedded) }  // compatible
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4..<12].allSatisfy({ $0 == 0 }) {
            return isInternal(ipv4: embedded)  // NAT64 64:ff9b::/96
        }
        return false
    }

    /// Parses a dotted-quad IPv4 literal.
    public static func ipv4(_ s: String) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCII), let v = UInt8(p) else { return nil }
            out.append(v)
        }
        return out
    }

    /// The canonical text of an address given as bytes (dotted quad, or lower-case hex groups).
    public static func text(_ b: [UInt8]) -> String {
        if b.count == 4 { return b.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        for i in stride(from: 0, to: b.count, by: 2) { groups.append(String(UInt16(b[i]) << 8 | UInt16(b[i + 1]), radix: 16)) }
        return groups.joined(separator: ":")
    }
}
