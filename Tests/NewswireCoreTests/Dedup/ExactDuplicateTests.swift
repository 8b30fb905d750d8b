import Testing
@testable import NewswireCore

/// What the exact hash ignores, on bodies as the parser hands them over (HTML turned into text).
@Suite struct ExactDuplicateTests {
    @Test(arguments: [
        // entities and NBSP, a different wrapper, paragraphs re-broken with <br>
        "<div class=\"story\"><p>Nvidia&#39;s shares&nbsp;closed at $118.50.</p><p>The Nasdaq fell 3.1%.</p></div>",
        "<span>Nvidia\u{2019}s shares closed at $118.50.<br>The Nasdaq fell 3.1%.</span>",
        "<article><p>NVIDIA&rsquo;S   SHARES\n closed at $118.50. The Nasdaq&#xA0;fell 3.1%.</p></article>",
    ])
    func markupEntitiesNBSPQuotesCaseAndBreaksHashAlike(_ html: String) {
        let plain = ContentHash.of(title: "Nvidia sheds $589 billion", body: "Nvidia's shares closed at $118.50.\nThe Nasdaq fell 3.1%.")
        #expect(ContentHash.of(title: "  NVIDIA sheds\u{00A0}$589 billion ", body: PlainText.fromHTML(html)) == plain)
    }

    @Test func aChangedHeadlineOrFigureIsNotExact() {
        let a = ContentHash.of(title: "Nvidia sheds $589 billion", body: "Shares closed at $118.50.")
        #expect(ContentHash.of(title: "Nvidia loses $589 billion", body: "Shares closed at $118.50.") != a)
        #expect(ContentHash.of(title: "Nvidia sheds $589 billion", body: "Shares closed at $118.51.") != a)
    }
}
