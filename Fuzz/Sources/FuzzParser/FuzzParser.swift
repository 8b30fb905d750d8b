import Foundation
import NewswireCore

// libFuzzer entry point over `FeedParser.parse`.
//
// Input layout: the feed bytes, then one configuration byte (the input's last byte), which picks the
// HTTP Content-Type (charset included), the document URL and the parse limits. The byte is XORed with
// "\n" first, so a plain feed file ending in a newline — every file of Fuzz/corpus — runs with no
// Content-Type, an https document URL and the default limits.
//
//   bits 0-2  Content-Type, from `contentTypes`
//   bits 3-4  document URL, from `documentURLs`
//   bit 5     tight limits (depth 16, fields 4 KiB, text 64 KiB, 8 entries) instead of the defaults
//
// A thrown `ParseError` is a normal outcome. A crash, a sanitizer report, a timeout (`-timeout`), an RSS
// over `-rss_limit_mb` or a broken invariant below is a finding.

private let contentTypes: [String?] = [
    nil,
    "application/rss+xml",
    "application/atom+xml; charset=utf-8",
    "text/xml; charset=ISO-8859-1",
    "text/xml; charset=windows-1251",
    "application/xml; charset=UTF-16",
    "text/html; charset=x-no-such-charset",
    "application/feed+json; charset=\"utf-8\"",
]

private let documentURLs: [String?] = [
    "https://example.com/blog/feed.xml",
    nil,
    "http://[::1]:8080/a/b/../c/?x=1&y=%zz#frag",
    "not a url ☃",
]

private let tightLimits: ParseLimits = {
    var limits = ParseLimits()
    limits.maxDepth = 16
    limits.maxFieldBytes = 4 << 10
    limits.maxDocumentTextBytes = 64 << 10
    limits.maxEntries = 8
    return limits
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParser(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let config = start[count - 1] ^ UInt8(ascii: "\n")
    let feedBytes = Data(bytes: start, count: count - 1)
    let contentType = contentTypes[Int(config & 0b111)]
    let documentURL = documentURLs[Int((config >> 3) & 0b11)]
    let limits = config & 0b10_0000 != 0 ? tightLimits : .default

    do {
        let feed = try FeedParser.parse(feedBytes, documentURL: documentURL, contentType: contentType, limits: limits)
        // What the parser promises its callers about a successful parse.
        precondition(feed.entries.count <= limits.maxEntries, "\(feed.entries.count) entries over the limit of \(limits.maxEntries)")
    } catch {
        // ParseError (typed throws): a verdict on the input, not a finding.
        _ = error.code
    }
    return 0
}
