#!/usr/bin/env python3
"""Python feedparser over URLS with 16 threads: one full pass, then a conditional pass (ETag/Last-Modified)."""
import concurrent.futures
import sys
import time

import feedparser


def main():
    urls = [u.strip() for u in open(sys.argv[1]) if u.strip() and not u.startswith("#")]
    state = {}

    def fetch(url):
        prev = state.get(url, {})
        d = feedparser.parse(url, etag=prev.get("etag"), modified=prev.get("modified"))
        state[url] = {"etag": d.get("etag"), "modified": d.get("modified")}
        return len(d.entries), d.get("status")

    for label in ("full", "conditional"):
        t = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            results = list(pool.map(fetch, urls))
        took = time.perf_counter() - t
        entries = sum(r[0] for r in results)
        not_modified = sum(1 for r in results if r[1] == 304)
        print(f"{label} {took:.3f} entries={entries} not_modified={not_modified}", flush=True)


main()
