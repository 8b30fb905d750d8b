import Testing
@testable import NewswireCore

/// The ASCII-and-typographic-punctuation fast path gives exactly what the general path (NFKC, lower case,
/// folds) gives, and leaves every other character to the general path.
@Suite struct NormalizerFastPathTests {
    @Test(arguments: [
        "  Nvidia’s SHARES closed at $118.50 —\tdown “almost” 17%…  ",
        "A\u{00A0}B\u{2009}C\u{202F}D\u{3000}E\u{2028}F\u{0085}G",
        "soft\u{00AD}hyphen zero\u{200B}width \u{FEFF}bom `tick` «guillemets» ‚low‘ „low“ ‛rev‟",
        "dashes ‐ ‑ ‒ – — ― − and \r\n\n\u{000B}\u{000C} breaks",
        "\u{0001}control\u{007F} and ~!@#^&*()_+[]{}|;:,.<>/?",
        "",
        "   ",
    ])
    func fastPathMatchesTheGeneralPath(_ s: String) {
        let fast = TextNormalizer.fast(s)
        #expect(fast != nil)
        #expect(fast == TextNormalizer.general(s))
    }

    @Test(arguments: ["café", "ﬁnance", "ＡＢＣ", "e\u{0301}", "İstanbul", "″double prime″", "Ⅻ", "北京"])
    func otherCharactersTakeTheGeneralPath(_ s: String) {
        #expect(TextNormalizer.fast(s) == nil)
        #expect(TextNormalizer.normalize(s) == TextNormalizer.general(s))
    }
}
