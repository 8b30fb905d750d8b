/// English stop words dropped by `TextTokenizer` before stemming: function words that carry no topic, so
/// phrases match across them ("export controls on chips" matches "export control chip").
/// "us" as a pronoun is here; the country ("US", "U.S.") is kept as the token "usa".
public enum StopWords {
    public static let english: [String] = """
    a about above after again against all also am an and any are aren as at be because been before being \
    below between both but by can cannot could couldn d did didn do does doesn doing don down during each \
    few for from further had hadn has hasn have haven having he her here hers herself him himself his how \
    i if in into is isn it its itself just ll m me might more most must mustn my myself no nor not now o of \
    off on once only or other our ours ourselves out over own re s same shan she should shouldn so some such \
    t than that the their theirs them themselves then there these they this those through to too under until \
    up us ve very was wasn we were weren what when where which while who whom why will with won would wouldn y \
    you your yours yourself yourselves said says say per via its it's among amid within without upon onto \
    according another every many much may yet still even though although however whether either neither
    """.split(separator: " ").map(String.init)

    /// Token hash → 1 for every stop word (all are at most 10 bytes).
    static let table = TokenHashTable(english.map { (TextTokenizer.hash(Array($0.utf8)), 1) })
}
