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

/// The byte-level formatters against Foundation's own (`format`, `day`, `formatMillis` are on every archive
/// line, store row and log line, so they were rewritten without Strings per field).
@Suite struct ISOTimeFormatTests {
    static func reference(_ d: Date, millis: Bool = false) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        f.formatOptions = millis ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return f.string(from: d)
    }

    @Test func formatAgreesWithFoundationOverFourMillennia() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<5_000 {
            // 1601-01-01 ... 5000-01-01, whole seconds (Foundation's formatter rounds fractions, ours rounds down).
            let t = Double(Int64(bitPattern: rng.next() % 99_000_000_000) - 11_644_473_600)
            let d = Date(timeIntervalSince1970: t)
            #expect(ISOTime.format(d) == Self.reference(d), "t = \(t)")
            #expect(ISOTime.day(d) == String(Self.reference(d).prefix(10)), "t = \(t)")
        }
    }

    @Test func formatRoundsDownAndClampsToFourDigitYears() {
        #expect(ISOTime.format(Date(timeIntervalSince1970: 1.999)) == "1970-01-01T00:00:01Z")
        #expect(ISOTime.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59Z")
        #expect(ISOTime.format(Date(timeIntervalSince1970: 1e15)) == "9999-12-31T23:59:59Z")
        #expect(ISOTime.format(Date(timeIntervalSince1970: -1e15)) == "0001-01-01T00:00:00Z")
        #expect(ISOTime.format(Date(timeIntervalSince1970: .nan)) == "1970-01-01T00:00:00Z")
        var bytes = Array("x".utf8)
        ISOTime.append(Date(timeIntervalSince1970: 1_753_574_400), to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "x2025-07-27T00:00:00Z", "appends")
    }

    @Test func millisecondsAreTruncatedToThreeDigits() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<5_000 {
            let ms = Int64(rng.next() % 4_000_000_000_000)  // up to 2096, in whole milliseconds
            let d = Date(timeIntervalSince1970: Double(ms) / 1000 + 0.0001)
            #expect(ISOTime.formatMillis(d) == Self.reference(d, millis: true), "ms = \(ms)")
        }
        #expect(ISOTime.formatMillis(Date(timeIntervalSince1970: 5.0999)) == "1970-01-01T00:00:05.099Z")
    }
}
