#!/usr/bin/env python3
"""Times a Python feed parser in-process over preloaded files, in xmlwalk's output shape.

    python-parsers.py feedparser|feedparser_rs [-p PASSES] FILE...|DIR

Same file selection as ../shared/bench/xmlwalk.c and newswired-bench (a directory: its regular files
except *.md, *.tsv, dot files; JSON Feed documents skipped). One untimed warm-up parse of the first file (these
parsers are too slow for a whole warm-up pass to be worth it), then PASSES timed passes; entries are the parser's own count. Both parsers run with their defaults
(HTML sanitizing and relative-URI resolution on), parsing bytes.
"""
import json
import os
import sys
import time


def load(paths):
    if len(paths) == 1 and os.path.isdir(paths[0]):
        d = paths[0]
        paths = [os.path.join(d, n) for n in sorted(os.listdir(d))
                 if not n.startswith(".") and not n.endswith((".md", ".tsv")) and os.path.isfile(os.path.join(d, n))]
    docs, skipped = [], 0
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        if data.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n")[:1] == b"{":
            skipped += 1
            continue
        docs.append(data)
    return docs, skipped


def main():
    args = sys.argv[1:]
    if not args or args[0] not in ("feedparser", "feedparser_rs"):
        sys.exit(__doc__)
    name, args = args[0], args[1:]
    passes = 5
    if args[:1] == ["-p"]:
        passes, args = int(args[1]), args[2:]
    if name == "feedparser":
        import feedparser
        parse, version = feedparser.parse, feedparser.__version__
    else:
        import feedparser_rs
        from importlib.metadata import version as dist_version
        parse, version = feedparser_rs.parse, dist_version("feedparser-rs")
    docs, skipped = load(args)
    total = sum(len(d) for d in docs)

    def one_pass():
        return sum(len(parse(d).entries) for d in docs)

    if docs:
        parse(docs[0])  # warm-up, untimed
    entries = 0
    seconds = []
    for _ in range(passes):
        t0 = time.perf_counter()
        entries = one_pass()
        seconds.append(time.perf_counter() - t0)
    s = sorted(seconds)
    median = s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2
    print(json.dumps({"mode": name, "version": version, "files": len(docs), "skipped_json": skipped, "bytes": total,
                      "entries": entries, "seconds": [round(x, 6) for x in seconds], "median_s": round(median, 6),
                      "mb_per_s": round(total / median / 1e6, 2), "entries_per_s": round(entries / median)}))


if __name__ == "__main__":
    main()
