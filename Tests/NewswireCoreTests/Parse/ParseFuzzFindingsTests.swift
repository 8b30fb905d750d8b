import Foundation
import Testing
@testable import NewswireCore

/// Inputs found by the libFuzzer target (Fuzz/, `scripts/fuzz-parser`), minimized; each is also a seed in
/// Fuzz/corpus. (A finding that still traps would be disabled here, because a trap ends the whole test
/// process instead of failing one test, and enabled together with its fix.)
@Suite struct ParseFuzzFindingsTests {
    /// 2026-11-23: an RFC 822 date with a 14- to 19-digit year overflows Int arithmetic in
    /// ISOTime.daysFromCivil / fromFields (a trap: one hostile <pubDate> or <updated> stops the daemon).
    /// Expected: such a date is not a date (nil), as any other impossible date. Fixed: ISOTime.fromFields
    /// refuses years outside 1...9999.
    @Test(arguments: ["Wed, 6 Apr 1509859692855631881", "1 Jan 99999999999999 10:00:00 GMT"])
    func hugeYearIsNoDate(input: String) {
        #expect(FeedDate.parse(input) == nil)
    }

    @Test func hugeYearFeedParses() throws {
        let feed = try FeedParser.parse(Data("""
            <rss version="2.0"><channel><item><title>t</title><pubDate>Wed, 6 Apr 1509859692855631881</pubDate></item></channel></rss>
            """.utf8))
        #expect(feed.entries.count == 1)
        #expect(feed.entries.first?.published == nil)
    }
}
