#!/usr/bin/env bash
# The standard benchmark set, against the local three-node cluster (deploy/local/cluster.sh,
# started here when it is not up), with a release tern-bench:
#   produce 100 B and 1 KiB records, acks=1 and acks=all (idempotent), LZ4, 6 partitions;
#   kcat (librdkafka) producing the same 100 B records with the same settings, for the ratio;
#   consume (throughput) and end-to-end latency at 5,000 records/s;
#   failover: 10 kill -9 of the partition leader under 2,000 records/s, acks=all, idempotent.
# Writes bench/results/<date>-<revision>/: one JSON per run (settings, machine, revision), the
# HTML reports of the produce and failover runs, and summary.md. Exits 1 if the failover run
# lost, duplicated or reordered anything.
#
# Usage: bench/run.sh [--quick]   (--quick: 3 s runs and 3 kills, to try the script)
# Environment: TERN_DATA, TERN_KAFKA_PORT (the cluster script's), KILLS [10].
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cluster="$repo/deploy/local/cluster.sh"
seconds=10 warmup=2 kills="${KILLS:-10}" e2e_seconds=20 consume_records=500000
if [[ "${1:-}" == --quick ]]; then seconds=3 warmup=1 kills=3 e2e_seconds=5 consume_records=50000; fi
port="${TERN_KAFKA_PORT:-9092}"
brokers="127.0.0.1:$port,127.0.0.1:$((port + 1)),127.0.0.1:$((port + 2))"

need=()
command -v kcat >/dev/null 2>&1 || need+=(kcat)
dpkg -s liblz4-dev >/dev/null 2>&1 || need+=(liblz4-dev)
if ((${#need[@]})); then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "==> building the release tern-bench, tern and ternd" >&2
(cd "$repo" && for product in tern-bench tern ternd; do swift build -c release --product "$product" >&2; done)
bench="$repo/.build/release/tern-bench"
# Built just now: cluster.sh must not rebuild ternd in the middle of a kill (its freshness check
# looks at every source, also those ternd does not link).
export TERN_NO_BUILD=1
bash "$cluster" up >&2

revision="$(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- 2>/dev/null || echo -dirty)"
out="$here/results/$(date -u +%Y-%m-%d)-$revision"
mkdir -p "$out"
echo "==> results in $out" >&2
common=(--brokers "$brokers")

run() { # name, then tern-bench arguments
    local name="$1"
    shift
    echo "==> $name" >&2
    "$bench" "$@" "${common[@]}" --json "$out/$name.json" | tee "$out/$name.txt"
}

for size in 100 1024; do
    run "produce-${size}b-acks1" produce --record-bytes "$size" --acks 1 --duration "$seconds" --warmup "$warmup" \
        --html "$out/produce-${size}b-acks1.html"
    run "produce-${size}b-acksall" produce --record-bytes "$size" --acks all --duration "$seconds" --warmup "$warmup" \
        --html "$out/produce-${size}b-acksall.html"
done

echo "==> kcat (librdkafka) producing 100 B records, acks=all, idempotent, LZ4, linger 5 ms" >&2
kcat_records=$((seconds * 100000))
kcat_topic="tern-bench-kcat-$(date +%s)"
# Random letters and digits, as tern-bench's values (LZ4 cannot shrink them much).
python3 - "$kcat_records" >"$out/kcat-lines.txt" <<'PY'
import random, string, sys
random.seed(7)
alphabet = string.ascii_letters + string.digits
block = "".join(random.choices(alphabet, k=(4 << 20) + 100))
for i in range(int(sys.argv[1])):
    start = (i * 7919) % (4 << 20)
    print(block[start:start + 100])
PY
"$repo/.build/release/tern" topic create "$kcat_topic" -p 6 -r 3 --brokers "$brokers" >/dev/null
start="$(date +%s.%N)"
kcat -P -b "$brokers" -t "$kcat_topic" -X acks=all -X enable.idempotence=true -X compression.type=lz4 -X linger.ms=5 \
    <"$out/kcat-lines.txt"
end="$(date +%s.%N)"
rm -f "$out/kcat-lines.txt"
python3 - "$kcat_records" "$start" "$end" >"$out/kcat-produce-100b-acksall.json" <<'PY'
import json, sys
n, start, end = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(json.dumps({"tool": "kcat", "records": n, "seconds": end - start, "records_per_second": n / (end - start),
                  "settings": "acks=all enable.idempotence=true compression.type=lz4 linger.ms=5, 100 B values, 6 partitions"}))
PY

run consume-100b consume --records "$consume_records" --record-bytes 100 --acks all
run end-to-end-5000 consume --rate 5000 --duration "$e2e_seconds" --warmup "$warmup" --record-bytes 100 --acks all

failover_status=0
run failover failover --kills "$kills" --rate 2000 --acks all --settle 3 \
    --kill "bash $cluster kill {node}" --restart "bash $cluster start {node}" --html "$out/failover.html" \
    || failover_status=$?

python3 - "$out" "$revision" <<'PY' >"$out/summary.md"
import json, os, sys
out, revision = sys.argv[1], sys.argv[2]
def load(name):
    path = os.path.join(out, name + ".json")
    return json.load(open(path)) if os.path.exists(path) else None
first = load("produce-100b-acks1") or {}
machine = first.get("context", {}).get("machine", {})
print(f"# tern-bench results, revision {revision}\n")
print(f"Machine: {machine.get('cores')} cores, {machine.get('memory_bytes', 0) / 2**30:.0f} GiB, {machine.get('os')}; "
      "three ternd nodes on one machine (deploy/local/cluster.sh), replication factor 3, fsync on a majority.\n")
print("| run | records/s | MB/s | ack latency p50 / p99 / p99.9 / max (ms) |")
print("|---|---:|---:|---|")
for name in ["produce-100b-acks1", "produce-100b-acksall", "produce-1024b-acks1", "produce-1024b-acksall"]:
    r = load(name)
    if r:
        l = r["latency"]
        print(f"| {name} | {r['records_per_second']:,.0f} | {r['megabytes_per_second']:.1f} | "
              f"{l['p50_ms']:.1f} / {l['p99_ms']:.1f} / {l['p999_ms']:.1f} / {l['max_ms']:.1f} |")
k, t = load("kcat-produce-100b-acksall"), load("produce-100b-acksall")
if k and t:
    print(f"\nkcat (librdkafka) with the same settings: {k['records_per_second']:,.0f} records/s; "
          f"TernClient / librdkafka = {t['records_per_second'] / k['records_per_second']:.2f}.")
c = load("consume-100b")
if c:
    print(f"\nconsume: {c['consumed']:,} records of 100 B at {c['records_per_second']:,.0f} records/s ({c['megabytes_per_second']:.1f} MB/s).")
e = load("end-to-end-5000")
if e and e.get("end_to_end_latency"):
    l = e["end_to_end_latency"]
    print(f"\nend to end at 5,000 records/s: p50 {l['p50_ms']:.1f} ms, p99 {l['p99_ms']:.1f} ms, p99.9 {l['p999_ms']:.1f} ms, max {l['max_ms']:.1f} ms.")
f = load("failover")
if f:
    print(f"\nfailover: {len(f['kills'])} kills of the partition leader under 2,000 records/s (acks=all, idempotent): "
          f"acked {f['acked']:,}, lost {f['lost']}, duplicated {f['duplicated']}, out of order {f['out_of_order']} "
          f"({'passed' if f['passed'] else 'FAILED'}).\n")
    print("| kill | node | unavailable ms (kill to first ack) | gap ms (last ack to first ack) | max ack latency ms |")
    print("|---:|---:|---:|---:|---:|")
    for i, kill in enumerate(f["kills"], 1):
        u = kill.get("unavailable_ms"); g = kill.get("gap_ms")
        print(f"| {i} | {kill['node']} | {u:.0f} | {g:.0f} | {kill['max_ack_latency_ms']:.0f} |" if u is not None and g is not None
              else f"| {i} | {kill['node']} | - | - | {kill['max_ack_latency_ms']:.0f} |")
    us = sorted(k["unavailable_ms"] for k in f["kills"] if k.get("unavailable_ms") is not None)
    if us:
        print(f"\nunavailable: median {us[len(us) // 2]:.0f} ms, max {us[-1]:.0f} ms.")
print("\nReports: produce-*.html, failover.html; raw results: *.json.")
PY
cat "$out/summary.md"
exit "$failover_status"
