#!/usr/bin/env bash
# scripts/bench-fetch's full and 304 passes for two binaries, alternating back to back on one feed farm, so a
# change can be compared with the code before it on a shared machine (the order flips every round).
#
#   Benchmarks/fetch/alternate.sh OLD_BINARY NEW_BINARY [ROUNDS]    # FEEDS=1000 ITEMS=50 PORT=18081
set -euo pipefail
cd "$(dirname "$0")/../.."
old=$(realpath "$1"); new=$(realpath "$2"); rounds=${3:-3}
FEEDS=${FEEDS:-1000}; ITEMS=${ITEMS:-50}; PORT=${PORT:-18081}
work=$(mktemp -d /tmp/newswired-alternate.XXXXXX)
nginx_pid=""
cleanup() { [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/feeds" "$work/logs"
python3 Benchmarks/fetch/make_feeds.py "$work/feeds" "$FEEDS" "$ITEMS" 42
chmod -R a+rX "$work"
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $work/nginx.pid;
error_log $work/logs/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  etag on;
  sendfile on;
  keepalive_requests 100000;
  types { application/rss+xml xml; }
  server { listen 127.0.0.1:$PORT; root $work/feeds; }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" & nginx_pid=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/feed0000.xml" && break; sleep 0.1; done
ls "$work/feeds" | sed "s|^|http://127.0.0.1:$PORT/|" > "$work/urls.txt"
cat > "$work/newswired.yaml" <<YAML
model: $PWD/config/topics/waic-governance.json
fetch:
  max_concurrent: 32
  max_per_host: 32
YAML
# "seconds peak_rss_kib" of one pass
pass() {
  /usr/bin/time -f "%e %M" -o "$work/time.out" "$1" once --config "$work/newswired.yaml" --state "$work/state-$2" \
    --feeds "$work/urls.txt" >"$work/logs/$2.log" 2>&1 || true
  cat "$work/time.out"
}
both() {  # side binary
  rm -rf "$work/state-$1"
  local full p304
  full=$(pass "$2" "$1"); p304=$(pass "$2" "$1")
  echo "$1 full ${full% *} s (${full#* } KiB)  304 ${p304% *} s"
  echo "$1 $full $p304" >> "$work/results"
}
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then both old "$old"; both new "$new"; else both new "$new"; both old "$old"; fi
done
python3 - "$work/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for side in ("old", "new"):
    r = [x for x in rows if x[0] == side]
    full = [float(x[1]) for x in r]; p304 = [float(x[3]) for x in r]
    print(f"{side}: full median {statistics.median(full):.2f} s ({', '.join(f'{v:.2f}' for v in full)}); "
          f"304 median {statistics.median(p304):.3f} s ({', '.join(f'{v:.3f}' for v in p304)}); "
          f"peak RSS {max(int(x[2]) for x in r) / 1024:.1f} MiB")
PY
