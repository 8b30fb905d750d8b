import Foundation

/// The extension modules' elements as the reference handles them: Dublin Core and DC terms
/// (`namespaces/dc.py`), iTunes (`itunes.py`), Media RSS (`mediarss.py`), `content:encoded`, XHTML's body and
/// feedburner's `browserFriendly` (`_base.py`). Many are the RSS/Atom handlers under another name
/// (`dc:creator` is an author, `dcterms:modified` an update): those are only named here. Also here: elements
/// no handler knows, which push a bucket of their own.
extension FeedBuilder {
    /// The modules' names and their handlers (RSS and Atom: `coreHandlers`).
    static let moduleHandlers: [String: Handler] = [
        "dc_author": .author,
        "dc_creator": .author,
        "itunes_author": .author,
        "dc_contributor": .dcContributor,
        "itunes_name": .name,
        "itunes_email": .email,
        "itunes_subtitle": .subtitle,
        "dc_rights": .rights,
        "dc_language": .language,
        "dc_publisher": .webmaster,
        "dcterms_issued": .published,
        "dc_date": .updated,
        "dcterms_modified": .updated,
        "dcterms_created": .created,
        "dc_subject": .category,
        "itunes_category": .itunesCategory,
        "media_category": .mediaCategory,
        "itunes_keywords": .itunesKeywords,
        "media_keywords": .mediaKeywords,
        "media_group": .noBucket,
        "media_content": .noBucket,
        "dc_title": .title,
        "media_title": .mediaTitle,
        "dc_description": .description,
        "media_description": .description,
        "feedburner_browserfriendly": .info,
        "itunes_summary": .summary,
        "xhtml_body": .body,
        "content_encoded": .contentEncoded,
        "fullitem": .contentEncoded,
        "itunes_owner": .itunesOwner,
        "itunes_image": .itunesImage,
        "itunes_link": .itunesImage,
        "media_thumbnail": .mediaThumbnail,
        "media_player": .mediaPlayer,
        "media_rating": .mediaRating,
        "media_credit": .mediaCredit,
        "media_restriction": .mediaRestriction,
        "media_license": .mediaLicense,
    ]

    static let itunesScheme = "http://www.itunes.com/"

    // MARK: Start and end

    /// The start of a module element, or of an element without a handler.
    func startModule(_ handler: Handler, _ element: ElementName, _ attrs: Attrs) throws(ParseError) {
        switch handler {
        case .dcContributor:
            incontributor = true
            push(.name, false)
        case .itunesCategory:
            addTag(attrs["text"], Self.itunesScheme, nil)
            push(.category, true)
        case .mediaCategory:
            var a = attrs
            if a["scheme"] == nil { a["scheme"] = "http://search.yahoo.com/mrss/category_schema" }
            startCategory(a)
        case .mediaTitle:
            pushContent(.title, attrs, defaultType: "text/plain", expectingText: infeed || inentry || insource)
        case .contentEncoded:
            hasContent = true
            pushContent(.content, attrs, defaultType: "text/html", expectingText: true)
        case .itunesOwner:
            inpublisher = true
            push(.publisher, false)
        case .itunesImage:
            push(.itunesImage, false)
            if let href = attrs["href"], !href.isEmpty {
                let image = Record()
                image.values[.href] = href
                context().image = image
            } else if let url = attrs["url"], !url.isEmpty {
                let image = Record()
                image.values[.href] = url
                context().image = image
            }
        case .mediaThumbnail: push(.url, true)
        case .mediaPlayer: push(.mediaPlayer, false)
        case .mediaRating: push(.rating, true)
        case .mediaCredit: push(.credit, true)
        case .mediaRestriction: push(.restriction, true)
        case .mediaLicense: push(.license, true)
        default:
            // No handler: the element's own bucket, unless it has attributes (then its text is its parent's).
            if attrs.isEmpty { push(element, true) }
        }
    }

    /// The end of a module element, or of an element without a handler.
    func endModule(_ handler: Handler, _ element: ElementName) {
        switch handler {
        case .dcContributor:
            endName()
            incontributor = false
        case .itunesCategory, .mediaCategory: endCategory()
        case .itunesKeywords, .mediaKeywords:
            guard let value = pop(element) else { pop(element); return }
            for term in value.split(separator: ",", omittingEmptySubsequences: false) {
                let t = Self.pyStrip(String(term))
                if !t.isEmpty { addTag(t, handler == .itunesKeywords ? Self.itunesScheme : nil, nil) }
            }
        case .mediaTitle:
            let kept = titleDepth
            endTitle()
            titleDepth = kept
        case .contentEncoded:
            if !endContent() { pop(element) }
        case .itunesOwner:
            pop(.publisher)
            inpublisher = false
            syncAuthorDetail(.publisher)
        case .mediaThumbnail: pop(.url)
        case .mediaPlayer: pop(.mediaPlayer)
        case .mediaRating: pop(.rating)
        case .mediaCredit: pop(.credit)
        case .mediaRestriction: pop(.restriction)
        case .mediaLicense: pop(.license)
        default: pop(element)
        }
    }
}
