#!/usr/bin/env bash
# The cluster benchmark (figures, never a test): against the three-node cluster of
# deploy/local/cluster.sh (started here if it is not up), with acks=all and replication factor 3:
#   1. throughput: kcat (librdkafka, C) producing 300,000 × 1 KiB and 1,500,000 × 100 B lines
#      from a file into topics of 1 and 3 partitions, and confluent-kafka (produce_bench.py)
#      for 1 KiB and 100 B;
#   2. failover: failover_bench.py, 10 kill -9 of the partition leader under 2,000 records/s,
#      time to the first acknowledgement of a record sent after the kill, nothing lost.
# Prints one line per figure. Builds nothing unless the cluster script has to.
#
# Usage: bench/cluster/run_cluster_bench.sh
# Environment: TERN_DATA, TERN_KAFKA_PORT (the cluster script's), KILLS [10], RATE [2000].
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cluster="$repo/deploy/local/cluster.sh"
port="${TERN_KAFKA_PORT:-9092}"
bootstrap="127.0.0.1:$port,127.0.0.1:$((port + 1)),127.0.0.1:$((port + 2))"
work="$(mktemp -d "${TMPDIR:-/tmp}/tern-cluster-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

command -v kcat >/dev/null 2>&1 || { echo "run_cluster_bench: kcat missing (apt-get install kcat)" >&2; exit 2; }
python3 -c "import confluent_kafka" 2>/dev/null || {
    echo "run_cluster_bench: confluent-kafka missing (python3 -m pip install confluent-kafka)" >&2
    exit 2
}
bash "$cluster" status >"$work/status.txt" 2>&1 || true
if grep -qE '^[123] +(down|paused)' "$work/status.txt" || ! grep -qE '^1 +up' "$work/status.txt"; then
    bash "$cluster" up >/dev/null
fi

python3 - "$work" <<'PY'
import random, string, sys
work = sys.argv[1]
random.seed(7)
for name, size, count in (("rec1k", 1024, 300_000), ("rec100", 100, 1_500_000)):
    with open(f"{work}/{name}.txt", "w") as out:
        for _ in range(count):
            out.write("".join(random.choices(string.ascii_letters + string.digits, k=size - 1)) + "\n")
PY

python3 - "$bootstrap" <<'PY'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
for name, partitions in (("bench-p1", 1), ("bench-p3", 3)):
    try:
        admin.create_topics([NewTopic(name, partitions, 3)])[name].result(timeout=60)
    except Exception as error:  # an existing topic from an earlier run is fine
        if "already exists" not in str(error) and "TOPIC_ALREADY_EXISTS" not in str(error):
            raise
PY

for file in rec1k rec100; do
    for topic in bench-p1 bench-p3; do
        lines="$(wc -l <"$work/$file.txt")"
        bytes="$(stat -c %s "$work/$file.txt")"
        start="$(date +%s.%N)"
        kcat -P -b "$bootstrap" -t "$topic" -z lz4 -X acks=all -X linger.ms=5 <"$work/$file.txt"
        end="$(date +%s.%N)"
        python3 -c "d=$end-$start; print(f'kcat {\"1 KiB\" if \"$file\"==\"rec1k\" else \"100 B\"} $topic: {$lines/d:,.0f} records/s, {$bytes/d/1e6:.1f} MB/s')"
    done
done
for size in 1024 100; do
    count=$([ "$size" = 1024 ] && echo 300000 || echo 1000000)
    python3 "$repo/bench/broker/produce_bench.py" --bootstrap "$bootstrap" --topic bench-p3 --size "$size" \
        --count "$count" | python3 -c "
import json, sys
r = json.loads([l for l in sys.stdin if l.startswith('RESULT ')][-1][7:])
print(f\"confluent-kafka {r['size']} B bench-p3: {r['records_per_s']:,.0f} records/s, {r['mb_per_s']:.1f} MB/s\")"
done
python3 "$here/failover_bench.py" --cluster "$cluster" --kills "${KILLS:-10}" --rate "${RATE:-2000}" 2>/dev/null \
    | grep -E '^kill|^\||^RESULT'
