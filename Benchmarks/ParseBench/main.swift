import Foundation
import NewswireCore

// newswired-bench: in-process throughput of `FeedParser.parse`, the full parse to the entry model.
//
//   newswired-bench [-p PASSES] FILE...|DIR
//   newswired-bench --dump FILE...
//   newswired-bench --floor names|events [-p PASSES] FILE...|DIR
//
// Loads every file into memory first (a directory: its regular files, except *.md, *.tsv and dot files),
// skips JSON Feed documents (first non-blank byte "{") exactly as ../shared/bench/xmlwalk.c does, so both
// time the same bytes, then parses every document once untimed (warm-up) and PASSES times timed. Each
// document is parsed with a document URL, as the daemon does (relative links are resolved). Prints one
// JSON line in xmlwalk's shape: bytes, files, entries (the parser's own count), errors, every pass's
// seconds and their median, MB/s (10^6 bytes) and entries/s at the median.
//
// --dump prints, for every file given (JSON Feed included), its name and `String(describing:)` of the
// ParsedFeed or of the error: the output of a differential check, compared before and after a parser change.
//
// --floor times `ParseFloor.run` instead of the full parse (same documents, passes and JSON line, mode
// "floor-names" or "floor-events"): decoding, entity repair and libxml2's push parse into a sink that
// only counts, without (names) or with (events) every piece of character data made a String.

struct Document {
    var name: String
    var bytes: Data
}

func usage() -> Never {
    FileHandle.standardError.write(Data("usage: newswired-bench [--floor names|events] [-p PASSES] FILE...|DIR | --dump FILE...\n".utf8))
    exit(2)
}

var passes = 5
var paths: [String] = []
var dump = false
var floor: ParseFloor.Level?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--dump" {
        dump = true
    } else if argument == "--floor", let value = arguments.popFirst().flatMap({ ParseFloor.Level(rawValue: $0) }) {
        floor = value
    } else if argument == "-p", let value = arguments.popFirst().flatMap({ Int($0) }), value > 0 {
        passes = value
    } else if argument.hasPrefix("-") {
        usage()
    } else {
        paths.append(argument)
    }
}
if paths.isEmpty { usage() }

if dump {
    for path in paths {
        guard let data = FileManager.default.contents(atPath: path) else { print("== \(path)\ncannot read"); continue }
        let name = (path as NSString).lastPathComponent
        do {
            let feed = try FeedParser.parse(data, documentURL: "https://bench.invalid/feeds/" + name)
            print("== \(path)\n\(String(describing: feed))")
        } catch {
            print("== \(path)\nerror: \(String(describing: error))")
        }
    }
    exit(0)
}

let fileManager = FileManager.default
var isDirectory: ObjCBool = false
if paths.count == 1, fileManager.fileExists(atPath: paths[0], isDirectory: &isDirectory), isDirectory.boolValue {
    let directory = paths[0]
    paths = (try? fileManager.contentsOfDirectory(atPath: directory))?.sorted()
        .filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") && !$0.hasSuffix(".tsv") }
        .map { directory + "/" + $0 }
        .filter { fileManager.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue } ?? []
}

func isJSON(_ data: Data) -> Bool {
    var rest = data[...]
    if rest.starts(with: [0xEF, 0xBB, 0xBF]) { rest = rest.dropFirst(3) }
    return rest.first(where: { ![0x20, 0x09, 0x0D, 0x0A].contains($0) }) == UInt8(ascii: "{")
}

var documents: [Document] = []
var skippedJSON = 0
for path in paths {
    guard let data = fileManager.contents(atPath: path) else {
        FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
        exit(1)
    }
    if isJSON(data) { skippedJSON += 1; continue }
    documents.append(Document(name: (path as NSString).lastPathComponent, bytes: data))
}
let totalBytes = documents.reduce(0) { $0 + $1.bytes.count }

/// One pass over every document: (entries, errors).
@inline(never)
func parseAll(_ documents: [Document], floor: ParseFloor.Level?) -> (entries: Int, errors: Int) {
    var entries = 0, errors = 0
    for document in documents {
        if let floor {
            if ParseFloor.run(document.bytes, level: floor) < 0 { errors += 1 }  // entries stay 0: no feed is built
            continue
        }
        do {
            let feed = try FeedParser.parse(document.bytes, documentURL: "https://bench.invalid/feeds/" + document.name)
            entries += feed.entries.count
        } catch {
            errors += 1
        }
    }
    return (entries, errors)
}

var counts = parseAll(documents, floor: floor)  // warm-up, untimed
var seconds: [Double] = []
let clock = ContinuousClock()
for _ in 0..<passes {
    let start = clock.now
    counts = parseAll(documents, floor: floor)
    let elapsed = clock.now - start
    seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}
let sorted = seconds.sorted()
let median = passes % 2 == 1 ? sorted[passes / 2] : (sorted[passes / 2 - 1] + sorted[passes / 2]) / 2
let secondsList = seconds.map { String(format: "%.6f", $0) }.joined(separator: ",")
let mode = floor.map { "floor-" + $0.rawValue } ?? "newswired"
print("{\"mode\":\"\(mode)\",\"files\":\(documents.count),\"skipped_json\":\(skippedJSON),\"bytes\":\(totalBytes),"
    + "\"entries\":\(counts.entries),\"errors\":\(counts.errors),\"seconds\":[\(secondsList)],"
    + "\"median_s\":\(String(format: "%.6f", median)),\"mb_per_s\":\(String(format: "%.2f", Double(totalBytes) / median / 1e6)),"
    + "\"entries_per_s\":\(String(format: "%.0f", Double(counts.entries) / median))}")
