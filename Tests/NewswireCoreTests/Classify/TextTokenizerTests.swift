import Testing
@testable import NewswireCore

extension Classify {
    @Suite struct TextTokenizerTests {
        @Test(arguments: [
            ("Export controls on AI chips", ["export", "control", "ai", "chip"]),
            ("China's open-source models", ["china", "open", "sourc", "model"]),
            ("The U.S. and the US told us", ["usa", "usa", "told"]),
            ("Countries are ruling, ruled; rules", ["country", "rul", "rul", "rul"]),
            ("Controlled, controlling", ["control", "control"]),
            ("ÉTATS-UNIS régulation", ["états", "unis", "régulation"]),
        ])
        func normalizesEnglish(text: String, expected: [String]) {
            #expect(TextTokenizer.tokens(text) == expected)
        }

        @Test func splitsCJKIntoCharacters() {
            #expect(TextTokenizer.tokens("中国提出世界人工智能合作组织") == ["中", "国", "提", "出", "世", "界", "人", "工", "智", "能", "合", "作", "组", "织"])
            #expect(TextTokenizer.tokens("WAIC 2025在上海") == ["waic", "2025", "在", "上", "海"])
        }

        @Test func hashesMatchTokenStrings() {
            var hashes: [UInt64] = []
            _ = TextTokenizer.forEachToken("Global AI governance") { h, _ in hashes.append(h) }
            #expect(hashes == TextTokenizer.tokens("Global AI governance").map { TextTokenizer.hash($0) })
            #expect(hashes.count == 3)
        }

        @Test func tellsWordsNumbersAndCJKApart() {
            var kinds: [TextTokenizer.Kind] = []
            _ = TextTokenizer.forEachToken("GPT4 rules of 2025 在上海") { _, k in kinds.append(k) }
            #expect(kinds == [.word, .word, .number, .cjk, .cjk, .cjk])
        }

        @Test func keepsSurfaceFormsBeforeStemming() {
            let pairs = TextTokenizer.tokensWithSurface("Chips and data centres")
            #expect(pairs.map(\.token) == ["chip", "data", "centr"])
            #expect(pairs.map(\.surface) == ["chips", "data", "centres"])
        }

        @Test(arguments: [
            ("China proposes a global body for the governance of artificial intelligence", "en"),
            ("中国提出建立世界人工智能合作组织，总部拟设在上海", "zh"),
            ("人工知能のガバナンスについて", "ja"),
            ("인공지능 거버넌스", "ko"),
            ("Искусственный интеллект", "ru"),
            ("12345", nil),
        ] as [(String, String?)])
        func detectsLanguageByScript(text: String, language: String?) {
            let counts = TextTokenizer.forEachToken(text) { _, _ in }
            #expect(counts.language == language)
        }
    }
}
