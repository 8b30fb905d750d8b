import Testing
@testable import NewswireCore

@Suite struct LogFormatTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("", "\"\""),
        ("two words", "\"two words\""),
        ("a=b", "\"a=b\""),
        ("say \"hi\"", "\"say \\\"hi\\\"\""),
        ("line\nlevel=error event=forged", "\"line\\nlevel=error event=forged\""),
        ("tab\there", "\"tab\\there\""),
        ("bell\u{07}", "\"bell\\u{7}\""),
        ("中文标题", "中文标题"),
    ])
    func quotesValuesSoTheyCannotForgeLines(raw: String, expected: String) {
        #expect(KeyValueLogHandler.quote(raw) == expected)
        #expect(!KeyValueLogHandler.quote(raw).contains("\n"))
    }

    @Test func jsonNumbers() {
        #expect(JSONText.number(0.8125) == "0.8125")
        #expect(JSONText.number(1) == "1")
        #expect(JSONText.number(0.123456) == "0.1235")
        #expect(JSONText.number(.nan) == "0")
    }
}
