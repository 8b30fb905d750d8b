#!/usr/bin/env python3
"""What SQLite alone needs to write the rows a full `newswired once` pass leaves in its store.

    store_floor.py STATE_DIR WORK_DIR [BATCH]

Reads the store of a finished pass (STATE_DIR/newswired.sqlite3) and replays its rows into an empty store
of the same schema with the `sqlite3` shell (the same system SQLite newswired links), with newswired's
pragmas (ItemStore.swift), in the pass's commits of BATCH items (Pipeline.maxPending, 250):

  items (with its indexes and the item_topics trigger), the FTS5 entries, dedup_items, the near-duplicate
  postings through dedup_keys_recent (moved to dedup_keys at ItemStore.recentDedupKeysLimit, as
  mergeRecentDedupKeys does), story_terms, story_df, sightings, archive_pending, and the archive's marks
  (archive_pending emptied after each commit, in a transaction of its own, as the archive worker's batch is).

Every row goes in as one INSERT ... SELECT per table and commit: no lookups, no statement per row, no
parsing, no Swift. So this is a floor for the store's part of a pass, not an estimate of it. Prints
"replay" runs as JSON: wall and CPU seconds of the replay in the pass's commits, and of the same rows in one
transaction (what batching cannot go below).
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

PRAGMAS = """PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;
PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=50000; PRAGMA journal_size_limit=67108864;"""
RECENT_KEYS_LIMIT = 16_384


def main():
    state, work = sys.argv[1], sys.argv[2]
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 250
    store = os.path.join(state, "newswired.sqlite3")
    src = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    schema = [sql for (name, sql) in src.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
              if not name.startswith("items_fts_") and name != "sqlite_sequence"]
    items = src.execute("SELECT max(seq) FROM items").fetchone()[0] or 0
    if items != src.execute("SELECT count(*) FROM items").fetchone()[0]:
        sys.exit("store_floor: items are not numbered 1...n; replay a store from a single pass")
    src.close()

    # The postings tables are keyed by term or shingle; copies ordered and indexed by item make a batch's
    # rows a range read, so the replay's reads cost next to nothing (checked: ~0.2 s for all of them).
    by_seq = os.path.join(work, "by-seq.sqlite3")
    if os.path.exists(by_seq):
        os.remove(by_seq)
    subprocess.run(["sqlite3", by_seq, f"""
        ATTACH '{store}' AS s;
        CREATE TABLE dk AS SELECT * FROM s.dedup_keys ORDER BY seq; CREATE INDEX dk_seq ON dk(seq);
        CREATE TABLE st AS SELECT * FROM s.story_terms ORDER BY seq; CREATE INDEX st_seq ON st(seq);
        """], check=True)

    def script(commits):
        lines = [PRAGMAS, f"ATTACH '{store}' AS s; PRAGMA s.mmap_size=4000000000;",
                 f"ATTACH '{by_seq}' AS t;"]
        per = -(-items // commits)
        staged = 0
        for lo in range(1, items + 1, per):
            hi = min(lo + per - 1, items)
            r = f"BETWEEN {lo} AND {hi}"
            lines += [
                "BEGIN;",
                f"INSERT INTO items SELECT * FROM s.items WHERE seq {r};",
                f"INSERT INTO items_fts(rowid, title, summary, content) "
                f"SELECT seq, title, summary, content FROM s.items WHERE seq {r};",
                f"INSERT INTO archive_pending SELECT seq FROM s.items WHERE seq {r};",
                f"INSERT INTO dedup_items SELECT * FROM s.dedup_items WHERE seq {r};",
                f"INSERT INTO dedup_keys_recent SELECT * FROM t.dk WHERE seq {r};",
                f"INSERT INTO story_terms SELECT * FROM t.st WHERE seq {r};",
                f"INSERT OR REPLACE INTO story_df SELECT term, count(*) FROM story_terms "
                f"WHERE term IN (SELECT term FROM t.st WHERE seq {r}) GROUP BY term;",
                f"INSERT INTO sightings SELECT * FROM s.sightings WHERE item_seq {r};",
            ]
            staged += hi - lo + 1
            if staged * 8 >= RECENT_KEYS_LIMIT or hi == items:
                lines.append("INSERT OR IGNORE INTO dedup_keys(key, seq, pos) "
                             "SELECT key, seq, pos FROM dedup_keys_recent ORDER BY key, seq; "
                             "DELETE FROM dedup_keys_recent;")
                staged = 0
            lines += ["COMMIT;", f"DELETE FROM archive_pending WHERE seq {r};"]
        return "\n".join(lines) + "\n"

    def run(commits):
        target = os.path.join(work, "floor.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(target + suffix):
                os.remove(target + suffix)
        subprocess.run(["sqlite3", target], input=";\n".join(schema) + ";\n", text=True, check=True)
        sql = script(commits)
        before = os.times()
        start = time.monotonic()
        subprocess.run(["sqlite3", target], input=sql, text=True, check=True, stdout=subprocess.DEVNULL)
        wall = time.monotonic() - start
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        got = subprocess.run(["sqlite3", target, "SELECT count(*) FROM items"], capture_output=True, text=True,
                             check=True).stdout.strip()
        if int(got) != items:
            sys.exit(f"store_floor: the replay stored {got} items of {items}")
        return round(wall, 2), round(cpu, 2)

    commits = -(-items // batch)
    print(json.dumps({"items": items, "commits": commits, "batched": run(commits), "one_transaction": run(1)}))


if __name__ == "__main__":
    main()
