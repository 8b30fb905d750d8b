import Testing
@testable import NewswireCore

@Suite struct AddressPolicyTests {
    @Test(arguments: [
        ("127.0.0.1", true), ("127.255.0.9", true), ("10.1.2.3", true), ("172.16.0.1", true), ("172.31.255.255", true),
        ("192.168.1.1", true), ("169.254.169.254", true), ("100.64.0.1", true), ("100.127.255.254", true),
        ("0.0.0.0", true), ("224.0.0.1", true), ("255.255.255.255", true), ("192.0.0.8", true), ("198.18.0.1", true),
        ("8.8.8.8", false), ("172.32.0.1", false), ("100.128.0.1", false), ("93.184.216.34", false), ("192.0.2.1", false),
    ])
    func classifiesIPv4(address: String, expected: Bool) throws {
        let bytes = try #require(AddressPolicy.ipv4(address))
        #expect(AddressPolicy.isInternal(ipv4: bytes) == expected)
    }

    static func v6(_ groups: [UInt16]) -> [UInt8] { groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }

    @Test func classifiesIPv6AndMappedForms() {
        #expect(AddressPolicy.isInternal(ipv6: Self.v6([0, 0, 0, 0, 0, 0, 0, 1])))            // ::1
        #expect(AddressPolicy.isInternal(ipv6: Self.v6([0, 0, 0, 0, 0, 0, 0, 0])))            // ::
        #expect(AddressPolicy.isInternal(ipv6: Self.v6([0xfe80, 0, 0, 0, 0, 0, 0, 1])))       // link-local
        #expect(AddressPolicy.isInternal(ipv6: Self.v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]))) // AWS metadata (ULA)
        #expect(AddressPolicy.isInternal(ipv6: Self.v6([0xfc00, 0, 0, 0, 0, 0, 0, 1])))
        #expect(AddressPolicy.isInternal(ipv6: Self.v6([0xff02, 0, 0, 0, 0, 0, 0, 1])))       // multicast
        #expect(AddressPolicy.isInternal(ipv6: Self.v6([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1])))  // ::ffff:127.0.0.1
        #expect(AddressPolicy.isInternal(ipv6: Self.v6([0, 0, 0, 0, 0, 0xffff, 0xa9fe, 0xa9fe]))) // ::ffff:169.254.169.254
        #expect(AddressPolicy.isInternal(ipv6: Self.v6([0x64, 0xff9b, 0, 0, 0, 0, 0x0a00, 1]))) // NAT64 of 10.0.0.1
        #expect(!AddressPolicy.isInternal(ipv6: Self.v6([0, 0, 0, 0, 0, 0xffff, 0x0808, 0x0808]))) // ::ffff:8.8.8.8
        #expect(!AddressPolicy.isInternal(ipv6: Self.v6([0x2001, 0x4860, 0x4860, 0, 0, 0, 0, 0x8888])))
    }

    @Test func rejectsMalformedIPv4Literals() {
        #expect(AddressPolicy.ipv4("1.2.3") == nil)
        #expect(AddressPolicy.ipv4("1.2.3.256") == nil)
        #expect(AddressPolicy.ipv4("1..3.4") == nil)
        #expect(AddressPolicy.text(AddressPolicy.ipv4("010.1.1.1")!) == "10.1.1.1")
    }
}
