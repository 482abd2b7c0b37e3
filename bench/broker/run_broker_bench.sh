#!/usr/bin/env bash
# The standard broker produce benchmark: starts one ternd (a temporary data directory,
# --fsync-policy always, 127.0.0.1 only), runs produce_bench.py for 1 and 3 partitions
# (1 KiB and 100 B throughput, latency at 5,000 records/s of 1 KiB), prints a Markdown table
# and stops the broker by PID. Builds nothing: pass the ternd to measure (default
# .build/release/ternd; figures from a debug build are meaningless).
#
# Usage: bench/broker/run_broker_bench.sh [path/to/ternd]
# Environment (defaults in brackets): COUNT_1K [200000], COUNT_100 [1000000], RATE [5000],
#   DURATION [20] (latency seconds), PARTITION_SETS ["1 3"], KEEP_DATA=1 to keep the data dir.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
ternd="${1:-$repo/.build/release/ternd}"
count_1k="${COUNT_1K:-200000}"
count_100="${COUNT_100:-1000000}"
rate="${RATE:-5000}"
duration="${DURATION:-20}"
partition_sets="${PARTITION_SETS:-1 3}"

if [[ ! -x "$ternd" ]]; then
    echo "run_broker_bench: no executable ternd at $ternd (build it first: swift build -c release)" >&2
    exit 2
fi
python3 -c "import confluent_kafka" 2>/dev/null || {
    echo "run_broker_bench: confluent-kafka missing (python3 -m pip install confluent-kafka)" >&2
    exit 2
}

work="$(mktemp -d "${TMPDIR:-/tmp}/ternd-bench.XXXXXX")"
data="$work/data"
mkdir -p "$data"
ternd_pid=""

stop_broker() {
    if [[ -n "$ternd_pid" ]] && kill -0 "$ternd_pid" 2>/dev/null; then
        kill -TERM "$ternd_pid"
        for _ in $(seq 1 600); do
            kill -0 "$ternd_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$ternd_pid" 2>/dev/null; then
            echo "run_broker_bench: ternd $ternd_pid ignored SIGTERM for 60 s; SIGKILL" >&2
            kill -KILL "$ternd_pid" 2>/dev/null || true
        fi
        wait "$ternd_pid" 2>/dev/null || true
    fi
    ternd_pid=""
}

cleanup() {
    stop_broker
    if [[ "${KEEP_DATA:-0}" == "1" ]]; then
        echo "run_broker_bench: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$ternd" --node-id 1 --data-dir "$data" --listener 127.0.0.1:0 --rpc-listener 127.0.0.1:0 \
    --admin-listener 127.0.0.1:0 --fsync-policy always >"$work/stdout" 2>"$work/ternd.log" </dev/null &
ternd_pid=$!

bootstrap=""
for _ in $(seq 1 600); do
    if line="$(grep -m1 '^ternd ready' "$work/stdout" 2>/dev/null)"; then
        bootstrap="$(sed -n 's/.* kafka=\([^ ]*\).*/\1/p' <<<"$line")"
        break
    fi
    if ! kill -0 "$ternd_pid" 2>/dev/null; then break; fi
    sleep 0.1
done
if [[ -z "$bootstrap" ]]; then
    echo "run_broker_bench: ternd did not become ready; its log:" >&2
    tail -n 40 "$work/ternd.log" >&2
    exit 1
fi
echo "ternd pid $ternd_pid on $bootstrap (data $data, fsync always)" >&2

results="$work/results.jsonl"
: >"$results"
run() {
    local label="$1"
    shift
    echo "== $label: produce_bench.py $*" >&2
    local out
    if ! out="$(python3 "$here/produce_bench.py" --bootstrap "$bootstrap" "$@")"; then
        echo "run_broker_bench: $label failed" >&2
        tail -n 20 "$work/ternd.log" >&2
        exit 1
    fi
    grep -v '^RESULT ' <<<"$out" >&2 || true
    grep '^RESULT ' <<<"$out" | sed 's/^RESULT //' | python3 -c '
import json, sys
label = sys.argv[1]
for line in sys.stdin:
    r = json.loads(line)
    r["label"] = label
    print(json.dumps(r))
' "$label" >>"$results"
}

# kcat (librdkafka 2.0.2, C) as the client: Python caps confluent-kafka near 100-250k records/s
# here, so the broker's own ceiling shows with a C producer. Lines of compressible text (a
# sequence number, then letters), produced from a file; timed over the whole run (connect,
# produce, wait for every acknowledgement).
kcat_run() {
    local label="$1" topic="$2" partitions="$3" file="$4" size="$5" count="$6"
    python3 -c '
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
for future in admin.create_topics([NewTopic(sys.argv[2], int(sys.argv[3]), 1)]).values():
    future.result(30)
' "$bootstrap" "$topic" "$partitions"
    local start end
    start="$(date +%s.%N)"
    if ! kcat -P -b "$bootstrap" -t "$topic" -z lz4 -X acks=all -X linger.ms=5 <"$file" 2>"$work/kcat.err"; then
        echo "run_broker_bench: kcat failed: $(tail -n 5 "$work/kcat.err")" >&2
        exit 1
    fi
    end="$(date +%s.%N)"
    python3 -c '
import json, sys
label, partitions, size, count, start, end = sys.argv[1:7]
seconds = float(end) - float(start)
print(json.dumps({"mode": "kcat", "label": label, "partitions": int(partitions), "size": int(size),
                  "delivered": int(count), "records_per_s": int(count) / seconds,
                  "mb_per_s": int(count) * int(size) / seconds / 1e6, "errors": 0}))
' "$label" "$partitions" "$size" "$count" "$start" "$end" >>"$results"
    echo "== $label: $(tail -n 1 "$results")" >&2
}
if command -v kcat >/dev/null 2>&1; then
    python3 - "$work" "$count_1k" "$count_100" <<'PY'
import random, sys
work, n1k, n100 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(7)
for name, count, size in (("rec1k.txt", n1k, 1024), ("rec100.txt", n100, 100)):
    with open(f"{work}/{name}", "w") as out:
        for i in range(count):
            out.write(f"{i:010d}" + "".join(r.choice("abcdefghijklmnop") for _ in range(size - 10)) + "\n")
PY
fi

# The latency client in C (librdkafka measures each message's latency itself), built here
# when librdkafka-dev is installed; the Python latency rows stay for comparison.
latency_bin=""
if [[ -f /usr/include/librdkafka/rdkafka.h ]] && cc -O2 -o "$work/rdkafka_latency" "$here/rdkafka_latency.c" -lrdkafka; then
    latency_bin="$work/rdkafka_latency"
else
    echo "run_broker_bench: no librdkafka-dev (apt-get install librdkafka-dev): C latency rows skipped" >&2
fi
c_latency() {
    local label="$1" topic="$2" partitions="$3"
    python3 -c '
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
for future in admin.create_topics([NewTopic(sys.argv[2], int(sys.argv[3]), 1)]).values():
    future.result(30)
' "$bootstrap" "$topic" "$partitions"
    local out
    out="$("$latency_bin" "$bootstrap" "$topic" "$rate" "$duration" 1024)"
    echo "== $label: $out" >&2
    python3 -c '
import json, re, sys
label, partitions, rate, line = sys.argv[1:5]
numbers = dict(re.findall(r"(sent|measured|p50|p99\.9|p99|max|errors) ([0-9.]+)", line))
print(json.dumps({"mode": "c-latency", "label": label, "partitions": int(partitions), "size": 1024,
                  "measured": int(numbers["measured"]), "achieved_rate": float(rate),
                  "p50_ms": float(numbers["p50"]), "p99_ms": float(numbers["p99"]),
                  "p999_ms": float(numbers["p99.9"]), "max_ms": float(numbers["max"]),
                  "errors": int(numbers["errors"])}))
' "$label" "$partitions" "$rate" "$out" >>"$results"
}

for partitions in $partition_sets; do
    if [[ -n "$latency_bin" ]]; then
        c_latency "C client 1 KiB latency at $rate/s" "clat-p$partitions" "$partitions"
    fi
    if command -v kcat >/dev/null 2>&1; then
        kcat_run "kcat 1 KiB throughput" "kcat-p$partitions-1k" "$partitions" "$work/rec1k.txt" 1024 "$count_1k"
        kcat_run "kcat 100 B throughput" "kcat-p$partitions-100b" "$partitions" "$work/rec100.txt" 100 "$count_100"
    fi
    run "1 KiB throughput" --topic "bench-p$partitions-1k" --create --partitions "$partitions" \
        --size 1024 --count "$count_1k"
    run "100 B throughput" --topic "bench-p$partitions-100b" --create --partitions "$partitions" \
        --size 100 --count "$count_100"
    run "1 KiB latency at $rate/s" --topic "bench-p$partitions-lat" --create --partitions "$partitions" \
        --size 1024 --rate "$rate" --duration "$duration" --set linger.ms=0
done

alive="yes"
kill -0 "$ternd_pid" 2>/dev/null || alive="no (it exited during the run)"
stop_broker

commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
python3 - "$results" "$ternd" "$commit" "$alive" <<'PY'
import json, os, platform, sys
path, ternd, commit, alive = sys.argv[1:5]
rows = [json.loads(line) for line in open(path)]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor()) \
    if os.path.exists("/proc/cpuinfo") else platform.processor()
print(f"ternd `{ternd}` (commit {commit}), fsync-policy always, 127.0.0.1, {os.cpu_count()} CPUs ({cpu}); "
      f"confluent-kafka acks=all lz4 linger.ms=5 batch.size=1000000, random (incompressible) values. "
      f"Broker still running at the end: {alive}.")
print()
print("| Partitions | Test | Records | Size | records/s | MB/s | p50 ms | p99 ms | p99.9 ms | max ms | Errors |")
print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    if r["mode"] == "c-latency":
        print(f"| {r['partitions']} | {r['label']} | {r['measured']:,} | {r['size']} B "
              f"| {r['achieved_rate']:,.0f} | {r['achieved_rate'] * r['size'] / 1e6:.1f} "
              f"| {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['p999_ms']:.2f} | {r['max_ms']:.2f} | {r['errors']} |")
    elif r["mode"] == "kcat":
        print(f"| {r['partitions']} | {r['label']} | {r['delivered']:,} | {r['size']} B "
              f"| {r['records_per_s']:,.0f} | {r['mb_per_s']:.1f} | | | | | {r['errors']} |")
    elif r["mode"] == "throughput":
        print(f"| {r['partitions']} | {r['label']} | {r['delivered']:,} | {r['size']} B "
              f"| {r['records_per_s']:,.0f} | {r['mb_per_s']:.1f} | | | | | {r['errors']} |")
    else:
        print(f"| {r['partitions']} | {r['label']} | {r['measured']:,} | {r['size']} B "
              f"| {r['achieved_rate']:,.0f} | {r['achieved_rate'] * r['size'] / 1e6:.1f} "
              f"| {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['p999_ms']:.2f} | {r['max_ms']:.2f} | {r['errors']} |")
print()
print("MB/s = 10^6 bytes of record values per second; throughput is timed after a warm-up (10% of the count, at most 20,000 records, sent and delivered first); "
      "kcat rows: the whole kcat run (connect, produce from a file, every acknowledgement), compressible text lines; "
      "latency = send -> delivery report with linger.ms=0, first 3 s excluded.")
PY
