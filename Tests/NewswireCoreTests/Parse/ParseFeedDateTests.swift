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
        // The reference's ISO 8601 time needs colons: a basic-format time is not read, the date is.
        ("20250726T100000Z", "2025-07-26T00:00:00Z"),
    ])
    func parses(input: String, expected: String) {
        #expect(FeedDate.parse(input).map(ISOTime.format) == expected)
    }

    @Test(arguments: ["", "yesterday", "Mon, 31 Feb 2025 10:00:00 GMT", "Sat, 26 Foo 2025 10:00:00 GMT"])
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
    @Test func zoneDigitsOfAnyScriptAreRead() {
        // Python's int() reads any script's decimal digits: "+١٢٣٤" is +12:34.
        #expect(FeedDate.parse("Sat, 26 Jul 2025 10:00:00 +١٢٣٤").map(ISOTime.format) == "2025-07-25T21:26:00Z")
    }

    @Test func unreadableISOZoneLeavesTheTime() {
        #expect(FeedDate.parse("2025-07-26T10:00:00+½").map(ISOTime.format) == "2025-07-26T10:00:00Z")
    }

    @Test(arguments: ["Sat, ½ Jul 2025 10:00:00 GMT", "26 Jul 2025 10:½:00", "Sat, 26 Jul 99999999999999999999 10:00:00"])
    func oddInputGivesNilWithoutCrashing(input: String) {
        #expect(FeedDate.parse(input) == nil)
    }

    @Test func longDigitRunIsAYearOfFourDigits() throws {
        // ISO 8601's "YYYY" template matches the first four digits; the month is the clock's.
        let now = try #require(ISOTime.parse("2030-04-15T12:00:00Z"))
        #expect(FeedDate.parse(String(repeating: "9", count: 60), now: now).map(ISOTime.format) == "9999-04-01T00:00:00Z")
    }
}

/// The reference's date handlers, rule by rule (feedparser/datetimes).
@Suite struct ParseReferenceDateTests {
    @Test func isoFieldsPastTheirRangeCarryOver() {
        #expect(FeedDate.parse("2025-02-30T00:00:00Z").map(ISOTime.format) == "2025-03-02T00:00:00Z")
        #expect(FeedDate.parse("2025-13-01").map(ISOTime.format) == "2026-01-01T00:00:00Z")
        #expect(FeedDate.parse("2025-07-26T25:00:00Z").map(ISOTime.format) == "2025-07-27T01:00:00Z")
    }

    @Test func w3dtfReadsAColonlessZoneAsWholeHours() {
        #expect(FeedDate.parse("2025-07-26T10:00:00+0530").map(ISOTime.format) == "2025-07-26T05:00:00Z")
        #expect(FeedDate.parse("2025-07-26T10:00:00+05:30").map(ISOTime.format) == "2025-07-26T04:30:00Z")
    }

    @Test func w3dtfReadsASingleDigitHour() {
        #expect(FeedDate.parse("2009-01-12T5:40:14-05:00").map(ISOTime.format) == "2009-01-12T10:40:14Z")
    }

    @Test func rfc822ReadsUnknownZoneNamesAsUTC() {
        #expect(FeedDate.parse("Sat, 26 Jul 2025 10:00:00 CEST").map(ISOTime.format) == "2025-07-26T10:00:00Z")
        #expect(FeedDate.parse("Sat, 26 Jul 2025 10:00:00 MEST").map(ISOTime.format) == "2025-07-26T08:00:00Z")
    }

    @Test func rfc822TwoDigitYearsPivotAt90() {
        #expect(FeedDate.parse("26 Jul 89 10:00:00 GMT").map(ISOTime.format) == "2089-07-26T10:00:00Z")
        #expect(FeedDate.parse("26 Jul 90 10:00:00 GMT").map(ISOTime.format) == "1990-07-26T10:00:00Z")
    }

    @Test func isoTwoDigitYearsAreInTheClocksCentury() throws {
        let now = try #require(ISOTime.parse("2150-01-01T00:00:00Z"))
        #expect(FeedDate.parse("25-07-26", now: now).map(ISOTime.format) == "2125-07-26T00:00:00Z")
    }

    @Test func isoOrdinalDays() {
        #expect(FeedDate.parse("2025-207").map(ISOTime.format) == "2025-07-26T00:00:00Z")
        // "YY-?OOO" matches the start of a long number: year 15 of this century, day 184.
        #expect(FeedDate.parse("1518478934").map(ISOTime.format) == "2015-07-03T00:00:00Z")
    }

    @Test func asctimeIsReadThroughRFC822() {
        #expect(FeedDate.parse("Sat Jul 26 10:00:00 2025").map(ISOTime.format) == "2025-07-26T10:00:00Z")
        #expect(FeedDate.parse("Sat Jul 26 10:00:00 -0200 2025").map(ISOTime.format) == "2025-07-26T12:00:00Z")
    }

    @Test func whereTheReferenceGivesUpTheLenientReaderAnswers() {
        // The reference's RFC 822 handler needs a space before the zone; the fallback reads it anyway.
        #expect(FeedDate.parse("Sat, 26 Jul 2025 10:00:00-0300").map(ISOTime.format) == "2025-07-26T13:00:00Z")
    }
}
