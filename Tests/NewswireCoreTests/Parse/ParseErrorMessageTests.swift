import Foundation
import Testing
@testable import NewswireCore

/// A body that is not a feed says what it is instead of libxml2's "Document is empty".
@Suite struct ParseErrorMessageTests {
    @Test(arguments: ["Service temporarily unavailable, try again later.\n", "\u{01}\u{02}binary\u{00}data", "   404 Not Found"])
    func aBodyWithoutMarkupIsNotXML(_ body: String) {
        #expect {
            _ = try FeedParser.parse(Data(body.utf8))
        } throws: { error in
            guard let e = error as? ParseError else { return false }
            return e.code == .malformed && e.message.hasPrefix("not XML or JSON: the body holds no markup")
                && !e.message.contains("Document is empty")
        }
    }

    @Test func thePreviewShowsTheBodysFirstWords() throws {
        #expect(FeedParser.notXML(Array("Service unavailable\r\nRetry".utf8)) == #"not XML or JSON: the body holds no markup; it begins "Service unavailable  Retry""#)
    }

    @Test func aBrokenXMLDocumentKeepsLibxml2sMessage() {
        #expect {
            _ = try FeedParser.parse(Data("garbage <<< not".utf8))
        } throws: { error in
            guard let e = error as? ParseError else { return false }
            return !e.message.hasPrefix("not XML")
        }
    }
}
