"""TernClient interop: reads what TernClient wrote, with confluent-kafka and kcat; writes records for TernClient to read.

  read  --bootstrap B --topic T --expect-file F : F is JSON [{"key", "value", "headers"}] in send
        order (value null for a null value); confluent-kafka and kcat each read T from the start
        and must see exactly those records (keys, values, null values, headers), LZ4 batches.
  write --bootstrap B --topic T --count N --keys K : confluent-kafka (partitioner murmur2_random,
        LZ4, idempotent) writes N records with keys key-(i % K), a header and every 10th value
        null; prints one JSON line {"records": [{"key", "value", "partition", "offset"}]}.
"""
import json
import signal
import subprocess
import sys

import interop_common as common

signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
PROGRAM = "client_interop"


def read_confluent(bootstrap, topic, count):
    from confluent_kafka import Consumer, TopicPartition  # noqa: F401
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": common.unique_name("tern-interop-read"),
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    seen = []
    import time
    deadline = time.monotonic() + 120
    while len(seen) < count and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is None:
            continue
        common.check(message.error() is None, f"{PROGRAM}: confluent-kafka: {message.error()}")
        headers = {k: (v.decode() if v is not None else None) for k, v in (message.headers() or [])}
        seen.append({"key": message.key().decode() if message.key() is not None else None,
                     "value": message.value().decode() if message.value() is not None else None,
                     "headers": headers, "partition": message.partition(), "offset": message.offset()})
    consumer.close()
    return seen


def read_kcat(bootstrap, topic, count):
    # JSON envelope per message; -e exits at the end of every partition.
    output = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-J", "-q",
                             "-c", str(count)], capture_output=True, text=True, timeout=120)
    common.check(output.returncode == 0, f"{PROGRAM}: kcat exited {output.returncode}: {output.stderr[-2000:]}")
    seen = []
    for line in output.stdout.splitlines():
        if not line.strip():
            continue
        message = json.loads(line)
        headers = message.get("headers") or []
        pairs = {headers[i]: headers[i + 1] for i in range(0, len(headers), 2)}
        seen.append({"key": message.get("key"), "value": message.get("payload"), "headers": pairs})
    return seen


def compare(name, seen, expected):
    def key_of(record):
        return (record["key"], record["value"])
    common.check(len(seen) == len(expected), f"{PROGRAM}: {name} read {len(seen)} records, {len(expected)} were written")
    got = sorted(seen, key=lambda r: json.dumps(key_of(r)))
    want = sorted(expected, key=lambda r: json.dumps(key_of(r)))
    for g, w in zip(got, want):
        common.check(g["key"] == w["key"] and g["value"] == w["value"] and g["headers"] == w["headers"],
                     f"{PROGRAM}: {name} read {g}, expected {w}")


def main():
    parser = common.argument_parser(__doc__)
    parser.add_argument("mode", choices=["read", "write"])
    parser.add_argument("--topic", required=True)
    parser.add_argument("--expect-file")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--keys", type=int, default=10)
    args = parser.parse_args()
    if args.mode == "read":
        with open(args.expect_file) as handle:
            expected = json.load(handle)
        confluent = read_confluent(args.bootstrap, args.topic, len(expected))
        compare("confluent-kafka", confluent, expected)
        kcat = read_kcat(args.bootstrap, args.topic, len(expected))
        compare("kcat", kcat, expected)
        print(json.dumps({"confluent": len(confluent), "kcat": len(kcat)}), flush=True)
        return
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": args.bootstrap, "partitioner": "murmur2_random", "acks": "all",
                         "enable.idempotence": True, "compression.type": "lz4", "linger.ms": 5})
    stored = {}

    def report(error, message):
        common.check(error is None, f"{PROGRAM}: delivery failed: {error}")
        stored[message.value().decode() if message.value() is not None else f"null-{message.key().decode()}-{message.offset()}"] = (
            message.key().decode(), message.partition(), message.offset())

    for index in range(args.count):
        key = f"key-{index % args.keys}"
        value = None if index % 10 == 9 else f"value-{index}"
        producer.produce(args.topic, key=key, value=value, headers=[("origin", b"confluent")], on_delivery=report)
    common.check(producer.flush(60) == 0, f"{PROGRAM}: records left unflushed")
    records = [{"key": k, "value": (None if v.startswith("null-") else v), "partition": p, "offset": o}
               for v, (k, p, o) in stored.items()]
    print(json.dumps({"records": records}), flush=True)


if __name__ == "__main__":
    main()
