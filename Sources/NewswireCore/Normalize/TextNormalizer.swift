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
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for u in folded.unicodeScalars {
            let mapped: Unicode.Scalar?
            switch u.value {
            case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x0060: mapped = "'"
            case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033, 0x00AB, 0x00BB: mapped = "\""
            case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212: mapped = "-"
            case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD: mapped = nil
            default: mapped = u
            }
            guard let m = mapped else { continue }
            if m.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(" ")
                pendingSpace = false
            }
            out.append(m)
        }
        return String(out)
    }
}
