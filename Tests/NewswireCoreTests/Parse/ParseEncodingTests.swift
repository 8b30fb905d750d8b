import Foundation
import Testing
@testable import NewswireCore

@Suite struct ParseEncodingTests {
    private let body = "<rss version=\"2.0\"><channel><title>caf\u{E9} \u{2013} \u{20AC}</title></channel></rss>"

    @Test func utf8WithBOM() throws {
        let feed = try FeedParser.parse(Data([0xEF, 0xBB, 0xBF] + Array(body.utf8)))
        #expect(feed.feed.title == "café – €")
        #expect(!feed.bozo)
    }

    @Test func utf16LittleEndianWithBOM() throws {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for u in ("<?xml version=\"1.0\" encoding=\"utf-16\"?>" + body).utf16 { bytes += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        #expect(try FeedParser.parse(Data(bytes)).feed.title == "café – €")
    }

    @Test func utf16BigEndianWithoutBOM() throws {
        var bytes: [UInt8] = []
        for u in ("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + body).utf16 { bytes += [UInt8(u >> 8), UInt8(u & 0xFF)] }
        #expect(try FeedParser.parse(Data(bytes)).feed.title == "café – €")
    }

    @Test func xmlDeclarationLatin1() throws {
        let bytes = Array("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>caf".utf8) + [0xE9]
            + Array("</title></channel></rss>".utf8)
        #expect(try FeedParser.parse(Data(bytes)).feed.title == "café")
    }

    @Test func httpCharsetBeatsDeclaration() throws {
        let bytes = Array("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>".utf8) + [0xC0, 0xE8]
            + Array("</title></channel></rss>".utf8)
        let feed = try FeedParser.parse(Data(bytes), contentType: "application/rss+xml; charset=windows-1251")
        #expect(feed.feed.title == "Аи")
    }

    @Test func invalidUTF8FallsBackToWindows1252AndIsFlagged() throws {
        let bytes = Array("<rss version=\"2.0\"><channel><title>don".utf8) + [0x92] + Array("t</title></channel></rss>".utf8)
        let feed = try FeedParser.parse(Data(bytes))
        #expect(feed.feed.title == "don\u{2019}t")
        #expect(feed.bozo)
        #expect(feed.bozoReason?.contains("windows-1252") == true)
    }

    @Test func eucKR() throws {
        // "한" is C7 D1 in EUC-KR.
        let bytes = Array("<?xml version=\"1.0\" encoding=\"euc-kr\"?><rss version=\"2.0\"><channel><title>".utf8) + [0xC7, 0xD1]
            + Array("</title></channel></rss>".utf8)
        #expect(try FeedParser.parse(Data(bytes)).feed.title == "한")
    }
}

@Suite struct ParseEncodingPrecedenceTests {
    @Test func unknownHTTPCharsetFallsBackToDeclaration() throws {
        let bytes = Array("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>caf".utf8) + [0xE9]
            + Array("</title></channel></rss>".utf8)
        let feed = try FeedParser.parse(Data(bytes), contentType: "text/xml; charset=no-such-charset")
        #expect(feed.feed.title == "café")
    }

    @Test func byteOrderMarkBeatsHTTPCharset() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("<rss version=\"2.0\"><channel><title>\u{E9}</title></channel></rss>".utf8)
        let feed = try FeedParser.parse(Data(bytes), contentType: "application/xml; charset=iso-8859-1")
        #expect(feed.feed.title == "é")
        #expect(!feed.bozo)
    }
}

@Suite struct ParseEncodingWideTests {
    @Test func utf32LittleEndianWithBOM() throws {
        var bytes: [UInt8] = [0xFF, 0xFE, 0x00, 0x00]
        for s in "<rss version=\"2.0\"><channel><title>\u{1F600} ok</title></channel></rss>".unicodeScalars {
            let v = s.value
            bytes += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
        }
        let feed = try FeedParser.parse(Data(bytes))
        #expect(feed.feed.title == "\u{1F600} ok")
        #expect(!feed.bozo)
    }

    @Test func declaredWindows1252() throws {
        let bytes = Array("<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss version=\"2.0\"><channel><title>".utf8)
            + [0x93, 0x80, 0x94] + Array("</title></channel></rss>".utf8)
        let feed = try FeedParser.parse(Data(bytes))
        #expect(feed.feed.title == "\u{201C}€\u{201D}")
        #expect(!feed.bozo)
    }
}

@Suite struct ParseLeadingWhitespaceTests {
    @Test func declarationAfterLeadingWhitespaceIsHonoured() throws {
        let bytes = Array("\n  <?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>caf".utf8) + [0xE9]
            + Array("</title></channel></rss>".utf8)
        let feed = try FeedParser.parse(Data(bytes))
        #expect(feed.feed.title == "café")
        #expect(feed.bozo)  // a declaration must open the document: read, but reported
    }
}

/// Charsets the reference reads with Python's codecs where glibc's iconv has no converter, or reads as a superset.
@Suite struct ParseReferenceCharsetTests {
    @Test(arguments: [("macgreek", 0x80, "Ä"), ("mac-greek", 0xA1, "Γ"), ("macturkish", 0xDA, "Ğ"), ("mac_turkish", 0x80, "Ä")])
    func macCharsets(label: String, byte: UInt8, expected: String) throws {
        let bytes = Array("<?xml version=\"1.0\" encoding=\"\(label)\"?><rss version=\"2.0\"><channel><title>".utf8) + [byte]
            + Array("</title></channel></rss>".utf8)
        let feed = try FeedParser.parse(Data(bytes))
        #expect(feed.feed.title == expected)
        #expect(!feed.bozo)
    }

    @Test func gb2312IsReadAsGB18030() throws {
        // "€" is A2 E3 in GB18030 and not a GB2312 character.
        let bytes = Array("<?xml version=\"1.0\" encoding=\"gb2312\"?><rss version=\"2.0\"><channel><title>".utf8)
            + [0xD6, 0xD0, 0xCE, 0xC4, 0xA2, 0xE3] + Array("</title></channel></rss>".utf8)
        let feed = try FeedParser.parse(Data(bytes))
        #expect(feed.feed.title == "中文€")
        #expect(!feed.bozo)
    }
}
