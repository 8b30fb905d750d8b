#!/usr/bin/env python3
"""The feed farm of scripts/check-same-output: feeds that exercise every path an item can take.

  farm.py make DIR ROUND     writes round 1 or 2 of the farm into DIR (round 2 changes some feeds)
  farm.py urls DIR BASE      the feed list (one URL a line), in a fixed order
  farm.py dump-store FILE    every table's rows, time columns left out, in a stable order
  farm.py archive DIR        every archive line with "fetched" left out, in file and line order
  farm.py items LOG          the `item` lines of a log, without their timestamp
  farm.py fetches LOG        the `fetch`, `moved` and `parse` lines, without times

Round 1: synthetic RSS feeds (as Benchmarks/fetch/make_feeds.py writes them), the 84 items of ../shared/eval/dedup-dev.jsonl
spread over six feeds (exact copies, syndicated near-duplicates, stories), and the integration fixtures.
Round 2: a fixture with a new item, a synthetic feed revised (same GUIDs, new text), two with new items, the rest
unchanged (304s). nginx adds a 410, a 503 with Retry-After, a 404 and a permanent redirect.
"""
import json
import re
import os
import random
import shutil
import sqlite3
import sys
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "Tests", "IntegrationTests", "Fixtures")
DEDUP_DEV = os.path.join(ROOT, "..", "shared", "eval", "dedup-dev.jsonl")
SPECIAL = ["gone.xml", "busy.xml", "missing.xml", "moved.xml"]  # served by nginx rules, see the script
FIXTURE_FEEDS = ["world-wire.rss.xml", "policy-desk.atom.xml", "story-wire.rss.xml", "story-partner.atom.xml",
                 "story-aggregator.rss.xml", "syndicated-wire.rss.xml", "syndicated-partner.atom.xml",
                 "escaped-urls.rss.xml", "escaped-urls.atom.xml"]
SYNTHETIC = 24

sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "fetch"))
from make_feeds import paragraph  # noqa: E402  (the fetch benchmark's words)


def synthetic(rng, f, n_items, tag=""):
    items = []
    for i in range(n_items):
        title = paragraph(rng, 9)[:-1] + f" ({f}-{i}{tag})"
        body = "".join(f"<p>{paragraph(rng, 45)}</p>" for _ in range(3))
        items.append(f"<item><title>{escape(title)}</title><link>https://news{f % 7}.example/{f}/{i}{tag}?utm_source=rss</link>"
                     f"<guid isPermaLink=\"false\">feed{f}-item{i}{tag}</guid>"
                     f"<pubDate>Sat, 26 Jul 2025 {i % 24:02d}:{(f + i) % 60:02d}:00 GMT</pubDate>"
                     f"<category>World</category><description>{escape(body)}</description></item>\n")
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
            f"<title>Synthetic feed {f}</title><link>https://news{f}.example/</link>"
            f"<description>check feed</description>\n{''.join(items)}</channel></rss>\n")


def dedup_feeds():
    items = [json.loads(line) for line in open(DEDUP_DEV, encoding="utf-8") if line.strip()]
    feeds = []
    for k in range(6):
        entries = []
        for it in items[k::6]:
            entries.append(f"<item><title>{escape(it.get('title') or '')}</title><link>{escape(it.get('url') or '')}</link>"
                           f"<guid isPermaLink=\"false\">{escape(it['id'])}</guid>"
                           f"<description>{escape(it.get('html') or it.get('text') or '')}</description></item>\n")
        feeds.append(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
                      f"<title>Dedup dev {k}</title><link>https://dedup{k}.example/</link>"
                      f"<description>dedup dev items</description>\n{''.join(entries)}</channel></rss>\n"))
    return feeds


def names():
    return ([f"feed{f:04d}.xml" for f in range(SYNTHETIC)] + [f"dedup{k}.xml" for k in range(6)]
            + FIXTURE_FEEDS + SPECIAL)


def make(out, rnd):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(42)
    for f in range(SYNTHETIC):
        text = synthetic(rng, f, 12)
        if rnd == 2 and f in (3, 11):
            text = synthetic(random.Random(1000 + f), f, 6, tag="b")  # new items
        if rnd == 2 and f == 5:
            text = synthetic(random.Random(1000 + f), f, 12)  # the same GUIDs with new text: revisions
        write(os.path.join(out, f"feed{f:04d}.xml"), text)
    for k, text in enumerate(dedup_feeds()):
        write(os.path.join(out, f"dedup{k}.xml"), text)
    for name in FIXTURE_FEEDS:
        src = name
        if rnd == 2 and name == "world-wire.rss.xml":
            src = "world-wire-updated.rss.xml"
        data = open(os.path.join(FIXTURES, src), "rb").read()
        write(os.path.join(out, name), data)


def write(path, text):
    data = text.encode("utf-8") if isinstance(text, str) else text
    if os.path.exists(path) and open(path, "rb").read() == data:
        return  # unchanged: same mtime, so nginx answers 304
    with open(path, "wb") as f:
        f.write(data)


TIME_COLUMNS = {"fetched", "first_seen", "last_seen", "last_fetch_at", "last_success_at", "last_new_item_at",
                "next_due_at", "added_at", "last_error"}


def dump_store(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    print("user_version", db.execute("PRAGMA user_version").fetchone()[0])
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for t in tables:
        if t == "sqlite_sequence" or t.startswith("items_fts"):
            continue  # FTS5 internals are checked through a search below
        cols = [r[1] for r in db.execute(f"PRAGMA table_info('{t}')") if r[1] not in TIME_COLUMNS]
        if not cols:
            continue
        sel = ", ".join(f'"{c}"' for c in cols)
        print(f"== {t} ({sel})")
        for row in db.execute(f"SELECT {sel} FROM \"{t}\" ORDER BY {sel}"):
            print(repr(row))
    print("== items_fts MATCH governance")
    for row in db.execute("SELECT rowid FROM items_fts WHERE items_fts MATCH 'governance OR ai OR chips' ORDER BY rowid"):
        print(row[0])


def archive(directory):
    for name in sorted(os.listdir(directory)):
        for line in open(os.path.join(directory, name), encoding="utf-8"):
            # The line's bytes, its `fetched` value blanked (the only field that depends on the clock).
            print(name, re.sub(r'"fetched":"[^"]*"', '"fetched":""', line, count=1), end="")


def items(log):
    for line in open(log, encoding="utf-8", errors="replace"):
        if " event=item " in line:
            print(line.split(" ", 1)[1].rstrip("\n"))


def fetches(log):
    """The `fetch`, `moved` and `parse` lines without their timestamp and the values that depend on the clock."""
    for line in open(log, encoding="utf-8", errors="replace"):
        if any(f" event={e} " in line for e in ("fetch", "moved", "parse")):
            line = line.split(" ", 1)[1].rstrip("\n")
            print(re.sub(r" (ms|next_at|retry_at|recheck_at)=\S+", r" \1=_", line))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2], int(sys.argv[3]))
    elif cmd == "urls":
        for n in names():
            print(f"{sys.argv[3]}/{n}")
    elif cmd == "dump-store":
        dump_store(sys.argv[2])
    elif cmd == "archive":
        archive(sys.argv[2])
    elif cmd == "items":
        items(sys.argv[2])
    elif cmd == "fetches":
        fetches(sys.argv[2])
