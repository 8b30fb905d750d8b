import Foundation
import Testing
@testable import NewswireCore

@Suite struct ParseHostileInputTests {
    @Test func billionLaughsIsRefused() {
        var dtd = "<!DOCTYPE rss [<!ENTITY lol \"lol\">"
        var prev = "lol"
        for i in 1...9 {
            dtd += "<!ENTITY lol\(i) \"" + String(repeating: "&\(prev);", count: 10) + "\">"
            prev = "lol\(i)"
        }
        dtd += "]>"
        let doc = dtd + "<rss version=\"2.0\"><channel><title>&lol9;</title></channel></rss>"
        #expect {
            try FeedParser.parse(Data(doc.utf8))
        } throws: { ($0 as? ParseError)?.code == .limitExceeded }
    }

    @Test func quadraticBlowupIsBounded() {
        // One 100 KB entity referenced 2,000 times: 200 MB if expanded.
        let big = String(repeating: "x", count: 100_000)
        let refs = String(repeating: "&big;", count: 2_000)
        let doc = "<!DOCTYPE rss [<!ENTITY big \"\(big)\">]><rss version=\"2.0\"><channel><item><description>\(refs)</description></item></channel></rss>"
        var limits = ParseLimits()
        limits.maxFieldBytes = 1 << 20
        let start = Date()
        #expect {
            try FeedParser.parse(Data(doc.utf8), limits: limits)
        } throws: { error in
            let e = error as? ParseError
            return e?.code == .limitExceeded && (e?.message.contains("exceeds") ?? false)
        }
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func quadraticBlowupAcrossManyFieldsHitsDocumentBudget() {
        let big = String(repeating: "y", count: 50_000)
        let items = String(repeating: "<item><title>&big;&big;</title></item>", count: 1_000)
        let doc = "<!DOCTYPE rss [<!ENTITY big \"\(big)\">]><rss version=\"2.0\"><channel>\(items)</channel></rss>"
        var limits = ParseLimits()
        limits.maxDocumentTextBytes = 8 << 20
        #expect {
            try FeedParser.parse(Data(doc.utf8), limits: limits)
        } throws: { ($0 as? ParseError)?.code == .limitExceeded }
    }

    @Test func deepNestingIsRefused() {
        let depth = 10_000
        let doc = "<rss version=\"2.0\"><channel>" + String(repeating: "<x>", count: depth) + String(repeating: "</x>", count: depth) + "</channel></rss>"
        #expect {
            try FeedParser.parse(Data(doc.utf8))
        } throws: { error in
            let e = error as? ParseError
            return e?.code == .limitExceeded && (e?.message.contains("nesting") ?? false)
        }
    }

    @Test func hugeTextNodeIsRefused() {
        let doc = "<rss version=\"2.0\"><channel><item><description>" + String(repeating: "z", count: 3 << 20)
            + "</description></item></channel></rss>"
        #expect {
            try FeedParser.parse(Data(doc.utf8))
        } throws: { error in
            let e = error as? ParseError
            return e?.code == .limitExceeded && (e?.message.contains("<description>") ?? false)
        }
    }

    @Test func tooManyItemsIsRefused() {
        var limits = ParseLimits()
        limits.maxEntries = 100
        let doc = "<rss version=\"2.0\"><channel>" + String(repeating: "<item><title>t</title></item>", count: 101) + "</channel></rss>"
        #expect(throws: ParseError(.limitExceeded, "more than 100 entries")) {
            try FeedParser.parse(Data(doc.utf8), limits: limits)
        }
        let ok = "<rss version=\"2.0\"><channel>" + String(repeating: "<item><title>t</title></item>", count: 100) + "</channel></rss>"
        #expect((try? FeedParser.parse(Data(ok.utf8), limits: limits))?.entries.count == 100)
    }

    @Test func externalEntitiesAreNeverLoaded() throws {
        let doc = "<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><rss version=\"2.0\"><channel><title>a&xxe;b</title></channel></rss>"
        let feed = try FeedParser.parse(Data(doc.utf8))
        #expect(feed.feed.title?.contains("root:") == false)
    }
}

@Suite struct ParseHostileAttributeTests {
    @Test func entityBlowupInAttributesIsBounded() {
        // Attribute values are always expanded by libxml2; every expansion is charged to the document budget.
        let big = String(repeating: "q", count: 100_000)
        let refs = String(repeating: "&big;", count: 50)
        let items = String(repeating: "<item><enclosure url=\"\(refs)\" type=\"a\"/></item>", count: 2_000)
        let doc = "<!DOCTYPE rss [<!ENTITY big \"\(big)\">]><rss version=\"2.0\"><channel>\(items)</channel></rss>"
        let start = Date()
        #expect {
            try FeedParser.parse(Data(doc.utf8))
        } throws: { error in
            let e = error as? ParseError
            return e?.code == .limitExceeded && (e?.message.contains("entity expansion") ?? false)
        }
        #expect(Date().timeIntervalSince(start) < 10)
    }
}
