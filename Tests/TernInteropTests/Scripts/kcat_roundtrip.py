#!/usr/bin/env python3
"""kcat (Debian's librdkafka) against one ternd: 100,000 LZ4 messages with keys and headers.

Creates a 3-partition topic (confluent-kafka AdminClient), then with the `kcat` binary:
  * `kcat -L -J`: the topic has 3 partitions led by a known broker
  * `kcat -P -p N -K: -z lz4 -X acks=all -H ...` per partition, reading key:value lines
    (100,000 messages in all); no delivery failure, no "compression not supported" fallback
  * `kcat -C -p N -o beginning -e -J` per partition: every message back, identical (key,
    value, headers), in produce order, at offsets 1, 2, 3, ... (offset 0 is the control batch)
  * `kcat -Q -t T:P:TS`: the offset for a timestamp is the first message with ts >= TS
  * `kcat -C -o -2 -e`: reading the last two messages from the end works
Then DescribeLogDirs (kafka-python admin) shows the partitions much smaller than the raw
bytes, i.e. the batches really are compressed.
Exits non-zero with a message on the first failed check.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

from interop_common import (LIBRDKAFKA_MAX_IN_FLIGHT_HELP, check, create_topic_error, fail, missing_module,
                            roundtrip_arguments, unique_name)

try:
    from confluent_kafka.admin import AdminClient
except ImportError as error:  # pragma: no cover - environment problem, reported clearly
    missing_module("confluent_kafka", error, "install with: python3 -m pip install confluent-kafka")

PARTITIONS = 3
HEADERS = [("h1", "v1"), ("trace", "abc-123")]


def kcat(args, timeout, stdin=None):
    started = time.monotonic()
    try:
        result = subprocess.run(["kcat"] + args, stdin=stdin, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        fail(f"kcat {' '.join(args)} did not finish within {timeout} s; stderr: "
             f"{(error.stderr or b'')[-3000:].decode(errors='replace')}")
    elapsed = time.monotonic() - started
    stderr = result.stderr.decode(errors="replace")
    if result.returncode != 0:
        fail(f"kcat {' '.join(args)} exited {result.returncode}; stderr:\n{stderr[-4000:]}")
    return result.stdout, stderr, elapsed


def describe_log_dirs(bootstrap, topic):
    """Partition sizes of `topic` from DescribeLogDirs v1 (raw request: kafka-python's admin only
    speaks v0, which Kafka 4 and Tern no longer serve). Response v1 has v0's layout."""
    import socket
    import struct
    try:
        from kafka.protocol.admin import DescribeLogDirsResponse
    except ImportError:
        fail("python module kafka (kafka-python) missing; install with: python3 -m pip install kafka-python==2.3.3")
    client_id = b"tern-interop-kcat"
    correlation_id = 35
    header = struct.pack(">hhih", 35, 1, correlation_id, len(client_id)) + client_id
    body = struct.pack(">i", -1)  # topics: null = every topic
    host, port = bootstrap.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(struct.pack(">i", len(header) + len(body)) + header + body)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
            chunk = sock.recv(65536)
            check(chunk, "DescribeLogDirs v1: connection closed before the whole response")
            data += chunk
    size = struct.unpack(">i", data[:4])[0]
    check(struct.unpack(">i", data[4:8])[0] == correlation_id, "DescribeLogDirs v1: wrong correlation id")
    response = DescribeLogDirsResponse[0].decode(data[8:4 + size])
    sizes = {}
    for error_code, _, topics in response.log_dirs:
        check(error_code == 0, f"DescribeLogDirs v1: log dir error {error_code}")
        for name, partitions in topics:
            if name == topic:
                for index, partition_size, _, _ in partitions:
                    sizes[index] = partition_size
    return sizes


def message(partition, index):
    key = f"k{partition}-{index}"
    value = f"value-{partition}-{index}-" + "abcdefgh" * (index % 16) + "|end"
    return key, value


def main():
    args = roundtrip_arguments(__doc__, count=100000, count_help="messages in all",
                               max_in_flight_help=LIBRDKAFKA_MAX_IN_FLIGHT_HELP)
    if shutil.which("kcat") is None:
        fail("kcat not found on PATH; install with: apt-get install -y kcat")
    version = subprocess.run(["kcat", "-V"], capture_output=True, text=True).stdout
    print(" ".join(line.strip() for line in version.splitlines() if "librdkafka" in line or "kcat" in line.lower())[:200])
    common = ["-b", args.bootstrap, "-X", "enable.idempotence=false"]

    topic = unique_name("kcat-roundtrip")
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    error = create_topic_error(admin, topic, PARTITIONS, operation_timeout=30)
    if error is not None:
        fail(f"create_topics({topic}) failed: {error!r}")
    print(f"created topic {topic} with {PARTITIONS} partitions")

    # Metadata through kcat; poll with a deadline until every partition has a leader.
    deadline = time.monotonic() + 30
    while True:
        out, _, _ = kcat(common + ["-L", "-J", "-t", topic], timeout=60)
        meta = json.loads(out)
        topics = [t for t in meta.get("topics", []) if t.get("topic") == topic]
        brokers = {b["id"] for b in meta.get("brokers", [])}
        parts = topics[0].get("partitions", []) if topics else []
        if len(parts) == PARTITIONS and all(p.get("leader") in brokers for p in parts):
            break
        check(time.monotonic() < deadline, f"kcat -L never showed {PARTITIONS} partitions with leaders: {out[:2000]}")
        time.sleep(0.05)
    print(f"kcat -L: brokers {sorted(brokers)}, {len(parts)} partitions, leaders {[p['leader'] for p in parts]}")

    per_partition = [len(range(p, args.count, PARTITIONS)) for p in range(PARTITIONS)]
    raw_bytes = 0
    workdir = tempfile.mkdtemp(prefix="kcat-roundtrip-")
    header_args = []
    for name, value in HEADERS:
        header_args += ["-H", f"{name}={value}"]
    total_produce_time = 0.0
    in_flight = [] if args.max_in_flight is None else ["-X", f"max.in.flight.requests.per.connection={args.max_in_flight}"]
    for partition in range(PARTITIONS):
        path = os.path.join(workdir, f"p{partition}.txt")
        with open(path, "w") as handle:
            for index in range(per_partition[partition]):
                key, value = message(partition, index)
                raw_bytes += len(key) + len(value)
                handle.write(f"{key}:{value}\n")
        with open(path, "rb") as stdin:
            _, stderr, elapsed = kcat(common + ["-P", "-t", topic, "-p", str(partition), "-K:", "-z", "lz4",
                                                "-X", "acks=all", "-X", "linger.ms=10"] + header_args + in_flight,
                                      timeout=300, stdin=stdin)
        total_produce_time += elapsed
        lowered = stderr.lower()
        check("delivery failed" not in lowered and "error" not in lowered,
              f"kcat -P partition {partition} reported problems:\n{stderr[-4000:]}")
        check("not support" not in lowered and "disabling compression" not in lowered,
              f"kcat -P partition {partition}: librdkafka fell back from LZ4:\n{stderr[-4000:]}")
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"kcat -P: produced {args.count} messages ({per_partition} per partition, {raw_bytes} key+value bytes) "
          f"with LZ4, acks=all in {total_produce_time:.2f} s ({args.count / total_produce_time:.0f} msg/s)")

    # Consume every partition back and compare.
    total = 0
    consumed = {}
    total_consume_time = 0.0
    for partition in range(PARTITIONS):
        out, stderr, elapsed = kcat(common + ["-C", "-t", topic, "-p", str(partition), "-o", "beginning", "-e",
                                              "-J", "-q"], timeout=300)
        total_consume_time += elapsed
        lines = [line for line in out.decode().splitlines() if line.strip()]
        check(len(lines) == per_partition[partition],
              f"partition {partition}: kcat -C returned {len(lines)} messages, expected {per_partition[partition]}; "
              f"stderr: {stderr[-2000:]}")
        records = [json.loads(line) for line in lines]
        expected_headers = [item for pair in HEADERS for item in pair]
        expected = [message(partition, index) for index in range(per_partition[partition])]
        # First: every message is back, identical, exactly once; then: in produce order.
        wanted = dict(expected)
        seen = set()
        for position, rec in enumerate(records):
            where = f"partition {partition} message #{position} (offset {rec.get('offset')}, key {rec.get('key')!r})"
            check(rec.get("partition") == partition, f"{where}: partition {rec.get('partition')}")
            check(rec.get("offset") == position + 1, f"{where}: offset {rec.get('offset')}, expected {position + 1}")
            key = rec.get("key")
            check(key in wanted, f"{where}: key was never produced to this partition")
            check(key not in seen, f"{where}: key {key!r} read twice")
            seen.add(key)
            check(rec.get("payload") == wanted[key], f"{where}: payload {str(rec.get('payload'))[:60]!r}, "
                  f"expected {wanted[key][:60]!r}")
            check(rec.get("headers") == expected_headers,
                  f"{where}: headers {rec.get('headers')}, expected {expected_headers}")
            check(rec.get("tstype") == "create" and isinstance(rec.get("ts"), int) and rec["ts"] > 0,
                  f"{where}: timestamp {rec.get('tstype')} {rec.get('ts')}")
        displaced = [(position, rec["offset"], rec["key"], key) for position, (rec, (key, _)) in
                     enumerate(zip(records, expected)) if rec["key"] != key]
        check(not displaced, f"partition {partition}: all {len(records)} messages are back identical, but "
              f"{len(displaced)} are out of produce order (kcat -P sent them in file order on one connection); "
              f"first (offset, got key, expected key): {[(o, g, e) for _, o, g, e in displaced[:5]]}")
        consumed[partition] = records
        total += len(records)
    check(total == args.count, f"consumed {total} of {args.count}")
    print(f"kcat -C -J: {total} messages back in {total_consume_time:.2f} s, identical (key, value, headers), "
          "in order, offsets 1..n per partition")

    # Offsets by timestamp.
    for partition in range(PARTITIONS):
        records = consumed[partition]
        target = records[len(records) // 2]["ts"]
        expected = next(r["offset"] for r in records if r["ts"] >= target)
        out, _, _ = kcat(common + ["-Q", "-t", f"{topic}:{partition}:{target}"], timeout=60)
        text = out.decode()
        # Output: "<topic> [<partition>] offset <N>"
        fields = text.split()
        check("offset" in fields, f"kcat -Q output unexpected: {text!r}")
        got = int(fields[fields.index("offset") + 1])
        check(got == expected, f"kcat -Q partition {partition} ts {target}: offset {got}, expected {expected}")
    print("kcat -Q: offset for a timestamp is the first message with ts >= it, on every partition")

    # Relative offset from the end: -o -2 reads the last two messages.
    out, stderr, _ = kcat(common + ["-C", "-t", topic, "-p", "0", "-o", "-2", "-e", "-f", "%o %k\\n", "-q"], timeout=60)
    tail = out.decode().split()
    n0 = per_partition[0]
    expected_tail = [str(n0 - 1), message(0, n0 - 2)[0], str(n0), message(0, n0 - 1)[0]]
    check(tail == expected_tail, f"kcat -o -2 returned {tail}, expected {expected_tail}; stderr {stderr[-1000:]}")
    print(f"kcat -C -o -2: last two messages of partition 0 at offsets {n0 - 1}, {n0}")

    # The stored size shows compression took effect.
    sizes = describe_log_dirs(args.bootstrap, topic)
    check(sorted(sizes) == list(range(PARTITIONS)), f"DescribeLogDirs lists partitions {sorted(sizes)} of {topic}")
    stored = sum(sizes.values())
    check(stored < raw_bytes / 2, f"stored {stored} bytes for {raw_bytes} raw bytes: batches not LZ4-compressed?")
    print(f"DescribeLogDirs: {stored} bytes stored for {raw_bytes} raw key+value bytes "
          f"({stored / raw_bytes:.2%}): LZ4 in effect")
    print("OK: kcat_roundtrip")


if __name__ == "__main__":
    main()
