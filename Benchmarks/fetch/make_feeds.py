#!/usr/bin/env python3
"""Writes N synthetic RSS 2.0 feeds of M items each (~2 KB an item) into DIR, deterministic for a seed.

Every item is unique across all feeds (so a full pass stores, dedups and classifies N*M items); the text
mixes general news words with AI-governance vocabulary so the classifier has real work.
"""
import random
import sys
from xml.sax.saxutils import escape

words = ("government ministry policy summit leaders agreement trade market shares company quarter growth "
         "export controls chips semiconductor artificial intelligence governance regulation safety standards "
         "framework cooperation organization global south developing countries open source models data centres "
         "energy networks football weather storm election court ruling copyright training data deepfakes "
         "misinformation jobs automation research university laboratory startup funding investors shanghai "
         "conference delegates united nations panel dialogue declaration europe china united states").split()


def paragraph(rng, n):
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def main():
    out, n_feeds, n_items, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    # Optional: the number of the first item, so that successive passes publish new items (scripts/bench-growth).
    first = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    rng = random.Random(seed)
    for f in range(n_feeds):
        items = []
        for i in range(first, first + n_items):
            title = paragraph(rng, 9)[:-1] + f" ({f}-{i})"
            body = "".join(f"<p>{paragraph(rng, 45)}</p>" for _ in range(5))
            items.append(
                f"<item><title>{escape(title)}</title>"
                f"<link>https://news{f % 37}.example/{f}/{i}?utm_source=rss</link>"
                f"<guid isPermaLink=\"false\">feed{f}-item{i}</guid>"
                f"<pubDate>Sat, 26 Jul 2025 {i % 24:02d}:{(f + i) % 60:02d}:00 GMT</pubDate>"
                f"<category>World</category>"
                f"<description>{escape(body)}</description></item>\n")
        doc = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
               f"<title>Synthetic feed {f}</title><link>https://news{f}.example/</link>"
               f"<description>benchmark feed</description>\n{''.join(items)}</channel></rss>\n")
        with open(f"{out}/feed{f:04d}.xml", "w", encoding="utf-8") as fh:
            fh.write(doc)


if __name__ == "__main__":
    main()
