import Testing
@testable import NewswireCore

@Suite struct ContentHashTests {
    @Test func isHexSHA256() {
        let h = ContentHash.of(title: "t", body: "b")
        #expect(h.count == 64)
        #expect(h.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        // SHA-256("t\nb"), computed independently with `printf 't\nb' | sha256sum`.
        #expect(h == "3b600b6a05d4169320ea0237291971b21e9c2065b9494be18e3a8dee27d45487")
    }

    @Test func copiesThatDifferOnlyInNoiseHashAlike() {
        let a = ContentHash.of(title: "China proposes World AI Cooperation Organization",
                               body: "Premier Li Qiang said \u{201C}AI\u{201D} needs global rules.\n\nMore text.")
        let b = ContentHash.of(title: "  china PROPOSES world ai cooperation organization ",
                               body: "Premier Li Qiang said \"AI\" needs\u{00A0}global rules. More   text.")
        #expect(a == b)
    }

    @Test func differentContentHashesApart() {
        #expect(ContentHash.of(title: "A", body: "x") != ContentHash.of(title: "A", body: "y"))
        #expect(ContentHash.of(title: "A", body: "x") != ContentHash.of(title: "B", body: "x"))
        // the title/body boundary matters
        #expect(ContentHash.of(title: "a b", body: "c") != ContentHash.of(title: "a", body: "b c"))
    }

    @Test func bareLinksDoNotCollapseOntoTheEmptyText() {
        let a = ContentHash.of(title: nil, body: nil, url: "https://a.example/1")
        let b = ContentHash.of(title: nil, body: nil, url: "https://a.example/2")
        #expect(a != b)
        #expect(a == ContentHash.of(title: "", body: " ", url: "http://a.example/1/?utm_source=x"))
    }

    @Test func entryUsesContentElseSummary() {
        let withContent = FeedEntry(title: "T", summary: "short", content: "full text")
        let summaryOnly = FeedEntry(title: "T", summary: "full text")
        #expect(ContentHash.of(withContent) == ContentHash.of(summaryOnly))
    }
}
