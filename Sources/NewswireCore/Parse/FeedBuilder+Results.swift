import Foundation

/// Finished records mapped to the schema, as `../shared/conformance/oracle.py` maps feedparser's result.
extension FeedBuilder {
    // MARK: Results

    /// Maps a finished entry record to the schema (oracle.py's reading of feedparser's entry).
    func finishEntry() {
        guard var e = currentEntry else { return }
        currentEntry = nil
        var entry = FeedEntry()
        entry.id = e.values[.id].flatMap(nonEmptyPlain)
        entry.title = text(e, .title)
        entry.link = e.values[.link].flatMap(outputURL)
        entry.published = e.dates[.published] ?? nil
        entry.updated = e.dates[.updated] ?? nil
        entry.author = person(e)
        entry.categories = (e.tags ?? []).compactMap { tag in
            nonEmptyPlain(tag.term ?? "") ?? nonEmptyPlain(tag.label ?? "")
        }
        // The longest content (by characters, as the oracle measures); a summary copied from a content (the
        // reference's setdefault) is the same text, converted once.
        var converted: [(raw: String, plain: Bool, text: String?)] = []
        var best: String?, bestLength = -1
        for c in e.contents {
            let t = text(c.value, type: c.type)
            converted.append((c.value, Self.isPlainType(c.type), t))
            if let t {
                let length = e.contents.count == 1 ? 0 : t.unicodeScalars.count
                if length > bestLength { best = t; bestLength = length }
            }
        }
        entry.content = best
        if let raw = e.values[.summary] {
            let type = e.details[.summary] ?? nil
            let plain = Self.isPlainType(type)
            if let same = converted.first(where: { $0.plain == plain && $0.raw == raw }) {
                entry.summary = same.text
            } else {
                entry.summary = text(raw, type: type)
            }
        }
        for link in e.links ?? [] where link.attributes["rel"] == "enclosure" {
            guard let href = link.attributes["href"], let url = outputURL(href) else { continue }
            let type = link.attributes["type"].map(Self.pyStrip)
            entry.enclosures.append(Enclosure(url: url, type: type?.isEmpty == false ? type : nil,
                                              length: link.attributes["length"].flatMap { Int(Self.pyStrip($0)) }))
        }
        result.entries.append(entry)
        // Nothing else holds the record now (no handler keeps one past its entry); checked, not assumed.
        if isKnownUniquelyReferenced(&e) {
            e.reset()
            spareRecord = e
        }
    }

    func finishDocument() {
        guard !finished else { return }
        finished = true
        if result.format == .unknown {
            // The version the reference read (namespaces declared, root attributes): in the loose reading an
            // RSS 1.0 item in the document's default namespace is not known as such.
            switch referenceVersion {
            case "rss090", "rss091u", "rss091n", "rss092", "rss093", "rss094": result.format = .rss09x
            case "rss10": result.format = .rss10
            case "rss20": result.format = .rss20
            case "atom01", "atom02", "atom03": result.format = .atom03
            case "atom10": result.format = .atom10
            default: break
            }
        }
        let f = feedRecord
        result.feed.title = text(f, .title)
        result.feed.link = f.values[.link].flatMap(outputURL)
        result.feed.subtitle = text(f, .subtitle)
        result.feed.id = f.values[.id].flatMap(nonEmptyPlain) ?? (result.format == .rss10 ? channelAbout : nil)
        result.feed.language = f.values[.language].flatMap(nonEmptyPlain)
        result.feed.updated = f.dates[.updated] ?? nil
        result.feed.author = person(f)
        result.feed.generator = f.values[.generator].flatMap(nonEmptyPlain)
        if let image = f.image {
            result.feed.image = (image.values[.href].flatMap(nonEmptyPlain) ?? image.values[.url].flatMap(nonEmptyPlain))
                .flatMap(outputURL)
        }
        if isAtomDocument, let author = result.feed.author {
            // RFC 4287 4.2.1: an entry without atom:author inherits the feed's.
            for i in result.entries.indices where result.entries[i].author == nil { result.entries[i].author = author }
        }
        result.pollHint.ttlMinutes = f.values[.ttl].flatMap { Int($0) }
        if let p = f.values[.syUpdatePeriod]?.lowercased() {
            let seconds: Int? = ["hourly": 3600, "daily": 86_400, "weekly": 604_800, "monthly": 2_592_000,
                                 "yearly": 31_536_000][p]
            let frequency = f.values[.syUpdateFrequency].flatMap { Int($0) }
            if let seconds { result.pollHint.syndicationPeriodSeconds = seconds / max(1, frequency ?? 1) }
        }
    }

    /// Call when the parse ended, possibly early on an error libxml2 could not recover from. An entry still
    /// open then is dropped: its fields may be cut anywhere, and a partial entry archived now would shadow
    /// the whole one later (the document is reported as not well-formed).
    func finish() {
        if loose {
            // A document whose root element closed keeps an entry that merely lacks its end tag; one that
            // stops before (a truncated download) drops it.
            if currentEntry != nil, !rootClosed {
                droppedOpenEntry = true
                currentEntry = nil
            }
            finishEntry()
            finishDocument()
        } else if !frames.isEmpty {
            frames.removeAll()
            droppedOpenEntry = currentEntry != nil
            currentEntry = nil
            finishDocument()
        }
    }

    func text(_ r: Record, _ key: Key) -> String? {
        guard let value = r.values[key] else { return nil }
        return text(value, type: r.details[key] ?? nil)
    }

    /// The schema's plain text of a value: `text/plain` collapsed, anything else read as HTML (oracle.py's
    /// `text_for`).
    static func isPlainType(_ type: String?) -> Bool {
        let t = lowercasedASCII(type ?? "")
        return t == "text/plain" || t == "text" || t == "plain"
    }

    func text(_ value: String, type: String?) -> String? {
        let out = Self.isPlainType(type) || Self.isMarkupFree(value.utf8.span) ? PlainText.collapse(value)
            : ReferenceSanitizer.keepingControlCharacters(value) { v in
                let sanitized = ReferenceSanitizer.separatingBlockEndTags(ReferenceSanitizer.droppingUnacceptableContent(v))
                return PlainText.fromHTML(Self.sanitizingEntityNames(sanitized), parser: html)
            }
        let trimmed = out.trimmingSpaces()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// HTML that is only text: no '<', no '&', no control character but tab, line feed and carriage return, no
    /// 0xEF byte (a byte-order mark, U+FFFE, U+FFFF). No sanitizer rule touches it, and its text is the
    /// collapsed field (what `HTMLTextScanner` makes of it: blanks collapsed, a C1 control read as
    /// windows-1252, no element to break a line), found without the passes.
    static func isMarkupFree(_ u: Span<UInt8>) -> Bool {
        for i in 0..<u.count {
            let b = u[i]
            if b == UInt8(ascii: "<") || b == UInt8(ascii: "&") || b == 0xEF { return false }
            if b < 0x20, b != 0x09, b != 0x0A, b != 0x0D { return false }
        }
        return true
    }

    func nonEmptyPlain(_ s: String) -> String? {
        let t = PlainText.collapse(s)
        return t.isEmpty ? nil : t
    }

    /// oracle.py's `_person`: the first author's name, else e-mail; else the detail record's; else the string.
    func person(_ r: Record) -> String? {
        if let n = name(of: r.authors?.first) ?? name(of: r.authorDetail) { return n }
        return r.values[.author].flatMap(nonEmptyPlain)
    }

    private func name(of person: Person?) -> String? {
        guard let p = person, !p.isEmpty else { return nil }
        return nonEmptyPlain(p.values.name ?? "") ?? nonEmptyPlain(p.values.email ?? "")
    }
}
