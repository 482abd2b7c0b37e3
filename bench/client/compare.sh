#!/usr/bin/env bash
# TernClient's producer (through `tern produce`, release build) against kcat/librdkafka on the
# same three-node cluster with the same settings: acks=all, idempotence, LZ4, linger 5 ms,
# 100-byte values, one topic of 6 partitions; and the memory of `tern produce` holding 10,000
# records in its buffer (linger 60 s, so nothing is sent before the end).
#
# Usage: bench/client/compare.sh [RECORDS]   (default 200000). Brings the local cluster up with
# deploy/local/cluster.sh (release ternd) if it is not running; prints one line per run and the
# ratio. Needs kcat and /usr/bin/time (GNU time, Debian package `time`).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
RECORDS="${1:-200000}"
BOOTSTRAP="127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094"
command -v kcat >/dev/null || { echo "compare.sh: kcat is missing (apt-get install kcat)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "compare.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
(cd "$REPO" && swift build -c release --product tern >&2)
TERN="$REPO/.build/release/tern"
"$REPO/deploy/local/cluster.sh" up >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$RECORDS" > "$work/lines" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    print(f"key-{i % 1000}:" + f"value-{i:010d}-".ljust(100, "x"))
PY
run_id="$(date +%s)"
"$TERN" topic create "bench-tern-$run_id" "bench-kcat-$run_id" -p 6 -r 3 --brokers "$BOOTSTRAP" >/dev/null
seconds() { python3 -c "import time; print(time.monotonic())"; }
start="$(seconds)"
"$TERN" produce "bench-tern-$run_id" --key-separator : --brokers "$BOOTSTRAP" --format json < "$work/lines" > "$work/tern.out"
tern_s="$(python3 -c "print($(seconds) - $start)")"
start="$(seconds)"
kcat -P -b "$BOOTSTRAP" -t "bench-kcat-$run_id" -K : -X acks=all -X enable.idempotence=true -X compression.type=lz4 \
    -X linger.ms=5 -X partitioner=murmur2_random < "$work/lines"
kcat_s="$(python3 -c "print($(seconds) - $start)")"
tern_acked="$(grep -c '"offset"' "$work/tern.out" || true)"
python3 - "$RECORDS" "$tern_s" "$kcat_s" "$tern_acked" <<'PY'
import sys
n, tern, kcat, acked = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"tern produce (TernClient): {n} records in {tern:.2f} s = {n / tern:,.0f} records/s ({acked} acknowledged)")
print(f"kcat -P (librdkafka):      {n} records in {kcat:.2f} s = {n / kcat:,.0f} records/s")
print(f"ratio TernClient / librdkafka: {kcat / tern:.2f}")
PY
head -n 10000 "$work/lines" > "$work/ten-thousand"
/usr/bin/time -v "$TERN" produce "bench-tern-$run_id" --key-separator : --linger-ms 60000 --batch-bytes 16000000 \
    --brokers "$BOOTSTRAP" < "$work/ten-thousand" > /dev/null 2> "$work/time.txt"
idle_rss="$(/usr/bin/time -v "$TERN" topic list --brokers "$BOOTSTRAP" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {print $2}')"
rss="$(awk -F: '/Maximum resident/ {print $2}' "$work/time.txt")"
echo "tern produce holding 10,000 records of ~110 bytes: max RSS ${rss## } KiB (a tern command doing no produce: ${idle_rss## } KiB)"
