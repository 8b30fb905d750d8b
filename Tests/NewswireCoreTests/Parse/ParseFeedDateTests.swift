import Foundation
import Testing
@testable import NewswireCore

@Suite struct ParseFeedDateTests {
    @Test(arguments: [
        ("Sat, 26 Jul 2025 10:00:00 GMT", "2025-07-26T10:00:00Z"),
        ("Sat, 26 Jul 2025 10:00:00 +0200", "2025-07-26T08:00:00Z"),
        ("26 Jul 2025 10:00 EST", "2025-07-26T15:00:00Z"),
        ("Sat, 26 Jul 25 10:00:00 PDT", "2025-07-26T17:00:00Z"),
        ("26 jul 1999 10:00:00 z", "1999-07-26T10:00:00Z"),
        ("SATURDAY,   26   JUL   2025   10:00:00   UT", "2025-07-26T10:00:00Z"),
        ("Sat, 26 Jul 2025 10:00:00 A", "2025-07-26T11:00:00Z"),
        ("Sat, 26 Jul 2025", "2025-07-26T00:00:00Z"),
        ("2025-07-26T10:00:00Z", "2025-07-26T10:00:00Z"),
        ("2025-07-26T10:00:00.123+05:30", "2025-07-26T04:30:00Z"),
        ("2025-07-26T10:00-0100", "2025-07-26T11:00:00Z"),
        ("2025-07-26 10:00:00", "2025-07-26T10:00:00Z"),
        ("2025-07-26", "2025-07-26T00:00:00Z"),
        ("2025-07", "2025-07-01T00:00:00Z"),
        ("20250726T100000Z", "2025-07-26T10:00:00Z"),
    ])
    func parses(input: String, expected: String) {
        #expect(FeedDate.parse(input).map(ISOTime.format) == expected)
    }

    @Test(arguments: ["", "yesterday", "Mon, 31 Feb 2025 10:00:00 GMT", "2025-02-30T00:00:00Z", "2025-13-01",
                      "2025-07-26T25:00:00Z", "Sat, 26 Foo 2025 10:00:00 GMT"])
    func rejectsImpossible(input: String) {
        #expect(FeedDate.parse(input) == nil)
    }
}

@Suite struct ParseFeedDateZoneTests {
    @Test func colonZoneInRFC822() {
        #expect(FeedDate.parse("Sat, 26 Jul 2025 10:00:00 +02:00").map(ISOTime.format) == "2025-07-26T08:00:00Z")
        #expect(FeedDate.parse("Sat, 26 Jul 2025 10:00:00-0300").map(ISOTime.format) == "2025-07-26T13:00:00Z")
        #expect(FeedDate.parse("Sat, 26-Jul-2025 10:00:00 GMT+1").map(ISOTime.format) == "2025-07-26T09:00:00Z")
    }
}

@Suite struct ParseFeedDateHostileTests {
    @Test func unreadableZoneIsIgnored() {
        #expect(FeedDate.parse("Sat, 26 Jul 2025 10:00:00 +١٢٣٤").map(ISOTime.format) == "2025-07-26T10:00:00Z")
    }

    @Test(arguments: ["Sat, ½ Jul 2025 10:00:00 GMT", "2025-07-26T10:00:00+½",
                      "26 Jul 2025 10:½:00", String(repeating: "9", count: 60), "Sat, 26 Jul 99999999999999999999 10:00:00"])
    func oddInputGivesNilWithoutCrashing(input: String) {
        #expect(FeedDate.parse(input) == nil)
    }
}
