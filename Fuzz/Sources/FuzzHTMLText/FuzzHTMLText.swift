import Foundation
@_spi(Fuzzing) import NewswireCore

// libFuzzer entry point comparing the two HTML-to-text paths (`FUZZ_MODE=html scripts/fuzz-parser`).
//
// The input is one HTML field: its bytes read as UTF-8 (invalid sequences become U+FFFD, as a field of a
// decoded document never holds them). The byte-level path (`HTMLTextScanner`) either steps aside or gives
// exactly libxml2's text; a different text is a finding (the precondition below), as is a crash, a
// sanitizer report, a timeout or an RSS over `-rss_limit_mb`.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTMLText(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let html = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    let (fast, libxml2) = HTMLTextPaths.both(html)
    if let fast {
        precondition(fast == libxml2, "fast path \(fast.debugDescription) != libxml2 \(libxml2.debugDescription) for \(html.debugDescription)")
    }
    return 0
}
