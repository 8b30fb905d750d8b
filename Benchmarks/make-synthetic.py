#!/usr/bin/env python3
"""Writes the synthetic benchmark corpus: FEEDS large feeds of ITEMS items each, alternately RSS 2.0
(with content:encoded, dc:creator, categories, enclosures) and Atom 1.0 (HTML and XHTML content,
authors, categories), filled with news-like text, HTML markup, entities and some non-ASCII text.
Deterministic (fixed seed): the same arguments always write the same bytes.

    make-synthetic.py OUTDIR [FEEDS=20] [ITEMS=2000]
"""
import os
import random
import sys
from datetime import datetime, timedelta, timezone
from html import escape

WORDS = ("governance AI model safety China proposal cooperation organization world summit Shanghai "
         "regulation framework standard policy ministry council agreement data security chips export "
         "research lab open source training compute benchmark evaluation risk frontier global south "
         "developers industry investment market report analysis officials said statement announced "
         "week year new first international national partners technology digital platform users").split()
NAMES = ["Li Wei", "Anna Müller", "José García", "Chen Jing", "Sarah O'Brien", "Tanaka Yūki", "Amira Haddad"]
TAGS = ["AI", "Policy", "China", "Regulation", "Chips", "Research", "Diplomacy", "Open source", "Safety", "Markets"]
SNIPPETS = ["中国人工智能", "l’Organisation mondiale", "Überblick", "—", "“quoted”", "café", "العربية"]


def sentence(rng, lo=8, hi=20):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), rng.choice(SNIPPETS))
    s = " ".join(words)
    return s[0].upper() + s[1:] + "."


def html_body(rng, url):
    paras = []
    for _ in range(rng.randint(1, 3)):
        s = " ".join(sentence(rng) for _ in range(rng.randint(1, 2)))
        words = s.split(" ")
        i = rng.randrange(len(words))
        words[i] = '<a href="%s#p%d">%s</a>' % (url, i, words[i])
        if rng.random() < 0.5:
            j = rng.randrange(len(words))
            words[j] = "<em>%s</em>" % words[j]
        if rng.random() < 0.4:
            words.append("R&amp;D &#8217;25 &lt;tag&gt;")
        paras.append("<p>" + " ".join(words) + "</p>")
    if rng.random() < 0.2:
        paras.append('<img src="/img/%d.jpg" alt="photo"><br/>' % rng.randrange(10**6))
    return "\n".join(paras)


def rfc822(d):
    return d.strftime("%a, %d %b %Y %H:%M:%S +0000")


def rss(rng, n, items):
    site = "https://news%d.example.com" % n
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">',
           "<channel>", "<title>Synthetic newswire %d</title>" % n, "<link>%s/</link>" % site,
           "<description>%s</description>" % escape(sentence(rng)), "<language>en</language>",
           '<atom:link href="%s/feed.xml" rel="self" type="application/rss+xml"/>' % site, "<ttl>15</ttl>"]
    t = datetime(2025, 7, 26, 9, 30, tzinfo=timezone.utc)
    for i in range(items):
        t -= timedelta(minutes=rng.randint(1, 90))
        url = "%s/%d/%02d/story-%d-%d.html?utm_source=rss" % (site, t.year, t.month, n, i)
        out += ["<item>", "<title>%s</title>" % escape(sentence(rng, 6, 12)[:-1]),
                "<link>%s</link>" % escape(url), '<guid isPermaLink="false">%s-%d-%d</guid>' % (site, n, i),
                "<pubDate>%s</pubDate>" % rfc822(t), "<dc:creator>%s</dc:creator>" % escape(rng.choice(NAMES))]
        out += ["<category>%s</category>" % c for c in rng.sample(TAGS, rng.randint(1, 3))]
        out.append("<description>%s</description>" % escape("<p>%s</p>" % sentence(rng)))
        out.append("<content:encoded><![CDATA[%s]]></content:encoded>" % html_body(rng, url))
        if rng.random() < 0.15:
            out.append('<enclosure url="%s/audio/%d.mp3" length="%d" type="audio/mpeg"/>' % (site, i, rng.randrange(10**7)))
        out.append("</item>")
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def atom(rng, n, items):
    site = "https://blog%d.example.org" % n
    t = datetime(2025, 7, 26, 9, 30, tzinfo=timezone.utc)
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
           "<title>Synthetic blog %d</title>" % n, '<link rel="alternate" href="%s/"/>' % site,
           '<link rel="self" href="%s/atom.xml"/>' % site, "<id>tag:blog%d.example.org,2025:feed</id>" % n,
           "<updated>%s</updated>" % t.strftime("%Y-%m-%dT%H:%M:%SZ"), "<subtitle>%s</subtitle>" % escape(sentence(rng))]
    for i in range(items):
        t -= timedelta(minutes=rng.randint(1, 90))
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        path = "/posts/%d/%d" % (n, i)
        name = rng.choice(NAMES)
        out += ["<entry>", '<title type="html">%s</title>' % escape(sentence(rng, 6, 12)[:-1]),
                '<link rel="alternate" type="text/html" href="%s"/>' % path,
                "<id>tag:blog%d.example.org,2025:%d</id>" % (n, i), "<published>%s</published>" % stamp,
                "<updated>%s</updated>" % stamp,
                "<author><name>%s</name><email>%s@example.org</email></author>" % (escape(name), name.split()[0].lower())]
        out += ['<category term="%s"/>' % escape(c) for c in rng.sample(TAGS, rng.randint(1, 3))]
        out.append('<summary type="html">%s</summary>' % escape(sentence(rng)))
        if rng.random() < 0.5:
            out.append('<content type="html" xml:base="%s">%s</content>' % (site, escape(html_body(rng, path))))
        else:
            body = html_body(rng, path).replace("<br/>", "<br/>").replace("<img ", "<img ").replace('alt="photo">', 'alt="photo"/>')
            out.append('<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">%s</div></content>' % body)
        out.append("</entry>")
    out += ["</feed>", ""]
    return "\n".join(out)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    feeds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    items = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    os.makedirs(outdir, exist_ok=True)
    for n in range(feeds):
        rng = random.Random(1000 + n)
        text = rss(rng, n, items) if n % 2 == 0 else atom(rng, n, items)
        name = "synthetic-%02d.%s" % (n, "rss" if n % 2 == 0 else "atom")
        with open(os.path.join(outdir, name), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
