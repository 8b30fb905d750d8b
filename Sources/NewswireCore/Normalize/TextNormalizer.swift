import Foundation

/// The normalized form of item text that feeds the content hash.
///
/// What is ignored (so two copies that differ only in these hash alike): markup (the parser already yields
/// plain text), Unicode compatibility forms (NFKC: full-width letters, ligatures, NBSP → space), letter case
/// (full Unicode lower-casing), quote styles (‘ ’ ‚ ‛ ′ ` → ', “ ” „ ‟ ″ « » → "), dash styles (– — ‒ ― − → -),
/// zero-width characters and soft hyphens, and whitespace (any run, paragraph breaks included, becomes one
/// space; leading and trailing space dropped).
public enum TextNormalizer {
    public static func normalize(_ text: String) -> String {
        // ASCII text (most of it) is already in NFKC and lower-cases byte by byte.
        let ascii = text.utf8.allSatisfy { $0 < 0x80 }
        let folded = ascii ? text : text.precomposedStringWithCompatibilityMapping.lowercased()
        var out = [UInt8]()
        out.reserveCapacity(folded.utf8.count)
        var pendingSpace = false
        func emit(_ byte: UInt8) {
            if pendingSpace {
                out.append(0x20)
                pendingSpace = false
            }
            out.append(byte)
        }
        if ascii {
            for b in folded.utf8 {
                switch b {
                case 0x09...0x0D, 0x20: pendingSpace = !out.isEmpty
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): emit(b | 0x20)
                case UInt8(ascii: "`"): emit(UInt8(ascii: "'"))
                default: emit(b)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        for u in folded.unicodeScalars {
            switch u.value {
            case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x0060: emit(UInt8(ascii: "'"))
            case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033, 0x00AB, 0x00BB: emit(UInt8(ascii: "\""))
            case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212: emit(UInt8(ascii: "-"))
            case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD: continue
            case 0x09...0x0D, 0x20: pendingSpace = !out.isEmpty
            case 0...0x7F: emit(UInt8(u.value))
            default:
                if u.properties.isWhitespace {
                    pendingSpace = !out.isEmpty
                } else {
                    if pendingSpace {
                        out.append(0x20)
                        pendingSpace = false
                    }
                    UTF8.encode(u) { out.append($0) }
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
