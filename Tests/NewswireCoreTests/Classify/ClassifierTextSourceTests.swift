import Foundation
import Testing
@testable import NewswireCore

extension Classify {
    @Suite struct ClassifierTextSourceTests {
        @Test(arguments: [
            ("<?xml version=\"1.0\"?><rss/>", ClassifierTextSource.Kind.feed),
            ("  {\"id\": \"a\", \"title\": \"t\"}\n{\"id\": \"b\"}", .jsonl),
            ("{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": []}", .feed),
            ("China proposes a body\nBody text", .text),
        ])
        func detectsTheKindOfInput(text: String, kind: ClassifierTextSource.Kind) {
            #expect(ClassifierTextSource.kind(of: Data(text.utf8)) == kind)
        }

        @Test func readsJSONLinesInOrderAndReportsBadLines() {
            let items = ClassifierTextSource.jsonLines(Data("""
            {"id": "a", "title": "First", "summary": "S1"}

            not json
            {"id": 7, "title": "Third"}
            """.utf8))
            #expect(items.count == 3)
            #expect(items[0].id == "a" && items[0].input.title == "First" && items[0].input.summary == "S1")
            #expect(items[1].error == "line 3: not a JSON object")
            #expect(items[2].id == "7" && items[2].error == nil)
        }

        @Test func plainTextFirstLineIsTheTitle() {
            let item = ClassifierTextSource.plainText("\n  Headline here\nFirst paragraph.\nSecond.\n")
            #expect(item.input.title == "Headline here")
            #expect(item.input.summary == "First paragraph.\nSecond.")
        }

        @Test(arguments: [
            (#"{"title": "A \"quoted\" \u00e9t\u00e9 \ud83d\ude00", "x": [1, {"y": null}], "summary": "s\nt"}"#,
             "A \"quoted\" été 😀", "s\nt" as String?),
            (#"  {"summary": "only", "title": null, "n": -1.5e3, "b": true}  "#, nil, "only"),
            (#"{"content": "c", "text": "t"}"#, nil, nil),
        ] as [(String, String?, String?)])
        func jsonLineFieldsAreUnescapedAndOtherValuesSkipped(line: String, title: String?, summary: String?) throws {
            let items = ClassifierTextSource.jsonLines(Data(line.utf8))
            #expect(items.count == 1)
            let item = try #require(items.first)
            #expect(item.error == nil)
            #expect(item.input.title == title)
            #expect(item.input.summary == summary)
        }

        @Test func contentFallsBackToText() {
            #expect(ClassifierTextSource.jsonLines(Data(#"{"text": "t"}"#.utf8))[0].input.content == "t")
            #expect(ClassifierTextSource.jsonLines(Data(#"{"content": "c", "text": "t"}"#.utf8))[0].input.content == "c")
        }

        @Test(arguments: [
            #"{"title": "unterminated}"#, #"{"title": "a",}"#, #"{"title": "a"} trailing"#, #"["title"]"#,
            #"{"title": "bad \q escape"}"#, "{\"title\": \"raw \t control\"}", #"{"a": tru}"#, #"{"a": 01x}"#,
        ])
        func malformedLinesAreReportedNotGuessed(line: String) {
            let items = ClassifierTextSource.jsonLines(Data(line.utf8))
            #expect(items.count == 1)
            #expect(items.first?.error == "line 1: not a JSON object")
        }

        /// Every line JSONSerialization accepts as an object gives the same string fields.
        @Test func agreesWithJSONSerializationOnTheDevSet() throws {
            let url = Paths.shared.appendingPathComponent("eval/waic-dev.jsonl")
            let data = try Data(contentsOf: url)
            let items = ClassifierTextSource.jsonLines(data)
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
            #expect(items.count == lines.count)
            for (item, line) in zip(items, lines) {
                let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(item.id == obj["id"] as? String)
                #expect(item.input.title == obj["title"] as? String)
                #expect(item.input.summary == obj["summary"] as? String)
            }
        }
    }
}
