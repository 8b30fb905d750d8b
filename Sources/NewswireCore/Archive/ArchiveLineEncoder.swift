/// The fields of one archive line, in contract order. A stored row lists its columns in this order
/// (`ItemStore.recordColumns`), so a field's raw value is its column there.
enum ArchiveLineField: Int32, CaseIterable {
    case id, feed, guid, url, title, published, fetched, author, categories, summary, content, relevant, relevance,
         topics, nearDuplicateOf, revisionOf, story
}

/// Where the encoder reads a line's values from: a record in memory (`ArchiveRecord`) or a stored row, whose
/// `categories` and `topics` are already the contract's JSON.
protocol ArchiveLineFields {
    /// Appends the field's value as a JSON string (escaped as `JSONText.appendEscaped` does), or `null`.
    func appendString(_ field: ArchiveLineField, to out: inout [UInt8])
    /// Appends `categories` or `topics` as the contract's JSON array.
    func appendJSON(_ field: ArchiveLineField, to out: inout [UInt8])
    var relevant: Bool { get }
    var relevance: Double { get }
}

/// The one writer of the archive line (schema 1, README "The archive"): keys, their order and the escaping.
/// The daemon's day files (`ArchiveWriter`) and `archive export` both go through it, so the two cannot drift.
enum ArchiveLineEncoder {
    private static let keys: [[UInt8]] = ArchiveLineField.allCases.map { field in
        let name = switch field {
        case .id: "id"
        case .feed: "feed"
        case .guid: "guid"
        case .url: "url"
        case .title: "title"
        case .published: "published"
        case .fetched: "fetched"
        case .author: "author"
        case .categories: "categories"
        case .summary: "summary"
        case .content: "content"
        case .relevant: "relevant"
        case .relevance: "relevance"
        case .topics: "topics"
        case .nearDuplicateOf: "near_duplicate_of"
        case .revisionOf: "revision_of"
        case .story: "story"
        }
        return Array((field == .id ? #"{"schema":1,"# : ",").utf8) + Array(#""\#(name)":"#.utf8)
    }

    /// Appends the line (without its newline).
    static func append(_ fields: some ArchiveLineFields, to out: inout [UInt8]) {
        for field in ArchiveLineField.allCases {
            out.append(contentsOf: keys[Int(field.rawValue)])
            switch field {
            case .categories, .topics:
                fields.appendJSON(field, to: &out)
            case .relevant:
                out.append(contentsOf: fields.relevant ? JSONText.true : JSONText.false)
            case .relevance:
                JSONText.appendNumber(fields.relevance, to: &out)
            default:
                fields.appendString(field, to: &out)
            }
        }
        out.append(0x7D)  // }
    }
}
