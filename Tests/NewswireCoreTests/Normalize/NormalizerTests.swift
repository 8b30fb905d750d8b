import Testing
@testable import NewswireCore

@Suite struct NormalizerTests {
    @Test(arguments: [
        ("  Hello\u{00A0}  World\n\nAgain ", "hello world again"),
        ("China\u{2019}s \u{201C}AI\u{201D} plan", "china's \"ai\" plan"),
        ("ＷＡＩＣ ２０２５", "waic 2025"),
        ("soft\u{00AD}hyphen zero\u{200B}width", "softhyphen zerowidth"),
        ("em\u{2014}dash", "em-dash"),
        ("ĞÜŞ", "ğüş"),
    ])
    func normalizesText(input: String, expected: String) {
        #expect(TextNormalizer.normalize(input) == expected)
    }

    @Test(arguments: [
        ("HTTPS://Example.COM:443/a?utm_source=x&id=3&fbclid=y#frag", "https://example.com/a?id=3"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/x/", "http://example.com:8080/x/"),
        ("https://example.com/a?utm_medium=m&gclid=z", "https://example.com/a"),
    ])
    func canonicalizesURLs(input: String, expected: String) {
        #expect(URLCanonicalizer.canonicalize(input) == expected)
    }

    @Test func matchKeyIgnoresSchemeAndTrailingSlash() {
        #expect(URLCanonicalizer.matchKey("http://Example.com/story/?utm_campaign=c")
                == URLCanonicalizer.matchKey("https://example.com/story#top"))
    }
}
