import Foundation
import Testing
@testable import NewswireCore

// How the reference parser (feedparser 6.0.14) reads each construct, one suite per rule family. Every document
// here is written for the rule it tests.

private func parse(_ xml: String, url: String? = nil) throws -> ParsedFeed {
    try FeedParser.parse(Data(xml.utf8), documentURL: url)
}

@Suite struct ParseBozoRuleTests {
    @Test func whitespaceBeforeTheXMLDeclarationIsNotWellFormed() throws {
        let feed = try parse("\n  <?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title></channel></rss>")
        #expect(feed.bozo)
        #expect(feed.feed.title == "T")  // still read
    }

    @Test func aDeclarationAtTheStartIsWellFormed() throws {
        let feed = try parse("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>T</title></channel></rss>")
        #expect(!feed.bozo)
    }

    @Test func whitespaceBeforeAnotherProcessingInstructionIsWellFormed() throws {
        let feed = try parse("\n<?xml-stylesheet href=\"s.xsl\"?><rss version=\"2.0\"><channel><title>T</title></channel></rss>")
        #expect(!feed.bozo)
    }
}
