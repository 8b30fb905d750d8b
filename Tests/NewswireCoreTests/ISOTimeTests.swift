import Foundation
import Testing
@testable import NewswireCore

@Suite struct ISOTimeTests {
    @Test func formatsAndParsesRoundTrip() {
        let d = Date(timeIntervalSince1970: 1_753_574_400) // 2025-07-27T00:00:00Z
        #expect(ISOTime.format(d) == "2025-07-27T00:00:00Z")
        #expect(ISOTime.parse("2025-07-27T00:00:00Z") == d)
        #expect(ISOTime.day(d.addingTimeInterval(-1)) == "2025-07-26")
    }

    @Test func rejectsImpossibleDates() {
        #expect(ISOTime.fromFields(year: 2025, month: 2, day: 29, hour: 0, minute: 0, second: 0) == nil)
        #expect(ISOTime.fromFields(year: 2024, month: 2, day: 29, hour: 0, minute: 0, second: 0) != nil)
        #expect(ISOTime.fromFields(year: 2025, month: 13, day: 1, hour: 0, minute: 0, second: 0) == nil)
        #expect(ISOTime.parse("2025-07-27 00:00:00Z") == nil)
    }

    @Test func handlesDatesBefore1970() {
        let d = ISOTime.fromFields(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59)!
        #expect(ISOTime.format(d) == "1969-12-31T23:59:59Z")
    }
}
