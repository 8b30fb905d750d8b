#!/usr/bin/env python3
"""Prints the table of one corpus's benchmark results (JSON lines from xmlwalk, newswired-bench and
python-parsers.py) and checks the parser's target against libxml2's SAX walk of the same bytes.

    report.py TITLE RESULTS.jsonl
"""
import json
import sys

TARGET = 2.0  # the full parse's time as a multiple of the SAX walk's (issue 17; it was ≤ 1.67× before)
LABELS = {
    "sax": "libxml2 SAX walk (xmlwalk -m sax)",
    "reader": "libxml2 reader walk (xmlwalk -m reader)",
    "tree": "libxml2 tree walk (xmlwalk -m tree)",
    "newswired": "newswired FeedParser.parse (full parse)",
    "floor-names": "  floor: decode, repair, push parse, names",
    "floor-events": "  floor: as above + every text a String",
    "feedparser_rs": "feedparser-rs (Python module, Rust)",
    "feedparser": "feedparser (Python)",
}


def main():
    title, path = sys.argv[1], sys.argv[2]
    rows = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    by = {r["mode"]: r for r in rows}
    sax = by.get("sax")
    first = rows[0]
    skipped = first.get("skipped_json", 0)
    print(f"\n## {title}: {first['files']} files, {first['bytes'] / 1e6:.2f} MB"
          + (f" ({skipped} JSON Feed files left out: the SAX walk cannot read them)" if skipped else ""))
    print(f"{'parser':<44} {'passes':>6} {'median s':>9} {'MB/s':>8} {'entries':>8} {'entries/s':>10} {'time vs SAX':>11}")
    for r in rows:
        if r["bytes"] != first["bytes"]:
            print(f"warning: {r['mode']} timed {r['bytes']} bytes, not {first['bytes']}", file=sys.stderr)
        rel = f"{r['median_s'] / sax['median_s']:.2f}×" if sax else "-"
        label = LABELS.get(r["mode"], r["mode"]) + (f" {r['version']}" if r.get("version") else "")
        print(f"{label:<44} {len(r['seconds']):>6} {r['median_s']:>9.3f} {r['mb_per_s']:>8.2f} {r['entries']:>8}"
              f" {r['entries_per_s']:>10.0f} {rel:>11}")
    ours = by.get("newswired")
    if ours and sax:
        ratio = ours["median_s"] / sax["median_s"]
        verdict = "met" if ratio <= TARGET else "MISSED"
        print(f"target: full parse ≤ {TARGET:.1f}× the SAX walk's time: {ratio:.2f}× — {verdict}")
        if ours.get("errors"):
            print(f"note: {ours['errors']} document(s) were refused by FeedParser.parse (counted in the time)")


if __name__ == "__main__":
    main()
