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

        @Test func backgroundSkipsWhatTheParserRejectsWithAWarning() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bg-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try Data("First paragraph.\n\nSecond paragraph.".utf8).write(to: dir.appendingPathComponent("a.txt"))
            try Data("{\"title\": \"T\", \"summary\": \"S\"}\n".utf8).write(to: dir.appendingPathComponent("b.jsonl"))
            try Data("<html><body>not a feed</body></html>".utf8).write(to: dir.appendingPathComponent("c.xml"))
            var warnings: [String] = []
            let bg = try ClassifierTextSource.background([dir]) { warnings.append($0) }
            #expect(bg.docs == ["First paragraph.", "Second paragraph.", "T\nS"])
            #expect(bg.stats.files == 2 && bg.stats.skippedFiles == 1 && bg.stats.documents == 3)
            #expect(warnings.count == 1 && warnings[0].contains("c.xml"))
        }
    }
}
