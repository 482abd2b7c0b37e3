#!/usr/bin/env python3
"""Cluster producer and verifier (confluent-kafka): nothing acknowledged is lost.

produce: sends unique sequential values (`PREFIX-SEQ10-filler`, no spaces) to --topic with
  acks=all, lz4, idempotence off, retries without limit, message.timeout.ms --message-timeout-ms
  (60000), and writes every *acknowledged* record (successful delivery report) to --acks-file as
  `PARTITION OFFSET VALUE` lines, and every failed delivery to `<acks-file>.errors` as
  `VALUE ERROR_NAME error text` lines; both files are flushed after each batch of delivery
  callbacks (each poll). With --create the topic is created first (--partitions,
  --replication-factor). --rate limits the send rate (records/s; 0: as fast as the queue
  allows); at most --max-outstanding records wait for their delivery report at a time.
  Runs until --count records are sent and reported (exit 0 if all were acknowledged, 1 if any
  failed: a one-shot probe), or until SIGTERM: then it stops sending, waits up to 30 s for the
  outstanding reports, and exits 0.
verify: reads every partition of --topic from the beginning (assign, no consumer group: nothing
  is committed) up to the high watermark each had when the read began, and checks every line of
  --acks-file: the acknowledged value is stored at its acknowledged (partition, offset); no two
  acknowledgements claim one offset; the consumer hands out each partition's offsets in
  increasing order. Values stored more than once (a retry after a lost answer: idempotence is
  off) are counted and printed, not failed. Prints one JSON line
  {"acknowledged":..,"found":..,"duplicates":..,"missing":..,"misplaced":..,...} and exits 1 if
  anything acknowledged is missing or misplaced (or fewer than --min-acks lines), else 0.
  A last line without a newline (the producer killed mid-write) is ignored.

Usage:
  cluster_produce.py produce --bootstrap H:P[,H:P...] --topic T --acks-file F [--create
      [--partitions 1] [--replication-factor 3]] [--count N] [--rate R] [--prefix P]
      [--message-timeout-ms 60000] [--request-timeout-ms 10000] [--value-size 64]
  cluster_produce.py verify --bootstrap H:P[,H:P...] --topic T --acks-file F [--min-acks N]
"""

import argparse
import collections
import json
import signal
import sys
import time
import uuid

from interop_common import ensure_topic, high_watermark, missing_module, producer_config, read_partition

FILLER = "abcdefghijklmnopqrstuvwxyz0123456789"


def value_of(prefix, seq, size):
    head = f"{prefix}-{seq:010d}"
    if len(head) + 1 >= size:
        return head
    body = FILLER * (size // len(FILLER) + 1)
    return head + "-" + body[: size - len(head) - 1]


class Recorder:
    """Delivery reports, buffered in the callback and written (and flushed) by `flush`."""

    def __init__(self, path):
        self.acks = open(path, "a")
        self.errors = open(path + ".errors", "a")
        self.pending_acks = []
        self.pending_errors = []
        self.acked = 0
        self.failed = 0
        self.error_names = collections.Counter()

    def delivered(self, err, msg):
        value = msg.value().decode()
        if err is not None:
            self.failed += 1
            self.error_names[err.name()] += 1
            self.pending_errors.append(f"{value} {err.name()} {err.str()}\n")
        else:
            self.acked += 1
            self.pending_acks.append(f"{msg.partition()} {msg.offset()} {value}\n")

    def reported(self):
        return self.acked + self.failed

    def flush(self):
        if self.pending_acks:
            self.acks.write("".join(self.pending_acks))
            self.acks.flush()
            self.pending_acks = []
        if self.pending_errors:
            self.errors.write("".join(self.pending_errors))
            self.errors.flush()
            self.pending_errors = []

    def close(self):
        self.flush()
        self.acks.close()
        self.errors.close()


def produce(args):
    try:
        from confluent_kafka import Producer
    except ImportError as error:
        missing_module("confluent_kafka", error, "install with: python3 -m pip install confluent-kafka")

    if args.create:
        ensure_topic(args.bootstrap, args.topic, args.partitions, "cluster_produce",
                     replication_factor=args.replication_factor)
    stopping = {"signal": False}

    def on_sigterm(_signum, _frame):
        stopping["signal"] = True

    signal.signal(signal.SIGTERM, on_sigterm)
    # Foundation's Process starts children with SIGTERM blocked; unblock it (before librdkafka
    # starts its threads, which inherit the mask) or the signal is never delivered.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    producer = Producer(producer_config(args.bootstrap, {
        "message.timeout.ms": args.message_timeout_ms,
        "request.timeout.ms": min(args.request_timeout_ms, args.message_timeout_ms),
        "retries": 2147483647,
        "retry.backoff.ms": 100,
        "queue.buffering.max.messages": 200000,
        "socket.timeout.ms": 10000,
        "topic.metadata.refresh.interval.ms": 5000,
    }))
    recorder = Recorder(args.acks_file)
    prefix = args.prefix or uuid.uuid4().hex[:8]
    seq = args.start
    sent = 0
    interval = 1.0 / args.rate if args.rate > 0 else 0.0
    next_due = time.monotonic()
    last_report = time.monotonic()
    print(f"produce: topic {args.topic}, prefix {prefix}, rate {args.rate or 'unlimited'}/s, "
          f"count {args.count if args.count is not None else 'until SIGTERM'}", flush=True)
    while not stopping["signal"] and (args.count is None or sent < args.count):
        now = time.monotonic()
        if sent - recorder.reported() >= args.max_outstanding:
            producer.poll(0.05)
        elif interval and now < next_due:
            producer.poll(min(next_due - now, 0.05))
        else:
            try:
                producer.produce(args.topic, value=value_of(prefix, seq, args.value_size).encode(),
                                 on_delivery=recorder.delivered)
                seq += 1
                sent += 1
                if interval:
                    # At most a second's worth of catching up after a stall.
                    next_due = max(next_due + interval, now - 1.0)
            except BufferError:
                producer.poll(0.05)
            producer.poll(0)
        recorder.flush()
        if now - last_report >= 5:
            print(f"produce: sent {sent}, acknowledged {recorder.acked}, failed {recorder.failed} "
                  f"{dict(recorder.error_names)}", flush=True)
            last_report = now
    # Drain: after SIGTERM up to 30 s, otherwise (--count) until every report came (bounded by
    # the message timeout plus a margin).
    drain_seconds = 30.0 if stopping["signal"] else args.message_timeout_ms / 1000.0 + 30.0
    deadline = time.monotonic() + drain_seconds
    while len(producer) > 0 and time.monotonic() < deadline:
        producer.poll(0.1)
        recorder.flush()
    outstanding = len(producer)
    recorder.close()
    why = "SIGTERM" if stopping["signal"] else f"--count {args.count}"
    print(f"produce: done ({why}): sent {sent}, acknowledged {recorder.acked}, failed {recorder.failed} "
          f"{dict(recorder.error_names)}, {outstanding} without a report", flush=True)
    if stopping["signal"]:
        sys.exit(0)
    if recorder.failed or recorder.acked != sent:
        print(f"produce: not every record was acknowledged: errors {dict(recorder.error_names)}", file=sys.stderr,
              flush=True)
        sys.exit(1)


def read_acks(path):
    """The complete lines of the acknowledgement file as (partition, offset, value)."""
    with open(path, "rb") as handle:
        data = handle.read()
    lines = data.split(b"\n")
    partial = lines.pop()  # b"" when the file ends with a newline
    acks = []
    for number, line in enumerate(lines, 1):
        fields = line.split(b" ")
        if len(fields) != 3:
            raise SystemExit(f"verify: line {number} of {path} is malformed: {line!r}")
        acks.append((int(fields[0]), int(fields[1]), fields[2]))
    return acks, partial


def partitions_of(consumer, topic, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            metadata = consumer.list_topics(topic=topic, timeout=10).topics.get(topic)
            if metadata is not None and metadata.error is None and metadata.partitions:
                return sorted(metadata.partitions)
            problem = metadata.error if metadata is not None else "topic not in the metadata"
        except Exception as error:  # noqa: BLE001 - retried until the deadline
            problem = error
        if time.monotonic() > deadline:
            raise SystemExit(f"verify: no metadata for {topic}: {problem}")
        time.sleep(0.2)


def verify(args):
    try:
        from confluent_kafka import Consumer, TopicPartition
    except ImportError as error:
        missing_module("confluent_kafka", error, "install with: python3 -m pip install confluent-kafka")

    acks, partial = read_acks(args.acks_file)
    if partial:
        print(f"verify: ignoring a partial last line {partial[:80]!r}", flush=True)
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": "cluster-produce-verify",  # required by confluent-kafka; nothing is committed
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "earliest",
        "fetch.max.bytes": 8 * 1024 * 1024,
    })
    problems = []
    stored = {}  # (partition, offset) -> value
    copies = collections.Counter()  # value -> how many times stored
    watermarks = {}
    try:
        for partition in partitions_of(consumer, args.topic):
            high = high_watermark(consumer, TopicPartition(args.topic, partition), "verify")
            watermarks[partition] = high
            records, problem = read_partition(consumer, args.topic, partition, high, args.timeout, "verify")
            if problem:
                problems.append(f"partition {partition}: {problem}")
            previous = -1
            for offset, value in records:
                if offset <= previous:
                    problems.append(f"partition {partition}: offset {offset} handed out after {previous}")
                previous = offset
                stored[(partition, offset)] = value
                copies[value] += 1
    finally:
        consumer.close()

    claimed = {}
    missing = 0
    misplaced = 0
    found = 0
    stored_values = set(copies)
    for partition, offset, value in acks:
        where = (partition, offset)
        if where in claimed and claimed[where] != value:
            misplaced += 1
            problems.append(f"partition {partition} offset {offset}: acknowledged twice, for {claimed[where][:40]!r} "
                            f"and {value[:40]!r}")
            continue
        claimed[where] = value
        got = stored.get(where)
        if got == value:
            found += 1
        elif value in stored_values:
            misplaced += 1
            problems.append(f"partition {partition} offset {offset}: acknowledged {value[:40]!r} is stored elsewhere; "
                            f"the offset holds {got[:40] if got is not None else None!r}")
        else:
            missing += 1
            problems.append(f"partition {partition} offset {offset}: acknowledged {value[:40]!r} is missing "
                            f"(high watermark {watermarks.get(partition)}; the offset holds "
                            f"{got[:40] if got is not None else None!r})")
    duplicates = sum(count - 1 for count in copies.values() if count > 1)
    acknowledged_values = {value for _, _, value in acks}
    summary = {
        "acknowledged": len(acks),
        "found": found,
        "duplicates": duplicates,
        "missing": missing,
        "misplaced": misplaced,
        "records": len(stored),
        "unacknowledged": sum(1 for value in stored_values if value not in acknowledged_values),
        "highWatermarks": {str(p): h for p, h in sorted(watermarks.items())},
    }
    print(json.dumps(summary, separators=(",", ":")), flush=True)
    if duplicates:
        sample = [value[:40].decode(errors="replace") for value, count in copies.items() if count > 1][:5]
        print(f"verify: {duplicates} duplicate copies (allowed: idempotence is off), e.g. {sample}", flush=True)
    if len(acks) < args.min_acks:
        problems.append(f"only {len(acks)} acknowledged records in {args.acks_file}, expected >= {args.min_acks}")
    if problems:
        print(f"verify: {len(problems)} problems; the first ones:", flush=True)
        for problem in problems[:30]:
            print(f"  {problem}", flush=True)
        sys.exit(1)
    print("verify: OK", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["produce", "verify"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--acks-file", required=True)
    parser.add_argument("--create", action="store_true", help="produce: create the topic first")
    parser.add_argument("--partitions", type=int, default=1, help="produce --create: partitions")
    parser.add_argument("--replication-factor", type=int, default=3, help="produce --create: replication factor")
    parser.add_argument("--count", type=int, default=None, help="produce: send this many, then exit")
    parser.add_argument("--rate", type=float, default=0.0, help="produce: records per second (0: unlimited)")
    parser.add_argument("--max-outstanding", type=int, default=20000,
                        help="produce: records without a delivery report at most")
    parser.add_argument("--start", type=int, default=0, help="produce: first sequence number")
    parser.add_argument("--prefix", default=None, help="produce: value prefix (default: random, unique per run)")
    parser.add_argument("--value-size", type=int, default=64, help="produce: value bytes")
    parser.add_argument("--message-timeout-ms", type=int, default=60000)
    parser.add_argument("--request-timeout-ms", type=int, default=10000)
    parser.add_argument("--min-acks", type=int, default=1, help="verify: fail with fewer acknowledged records")
    parser.add_argument("--timeout", type=float, default=180.0, help="verify: seconds per partition")
    args = parser.parse_args()
    if args.mode == "produce":
        produce(args)
    else:
        verify(args)


if __name__ == "__main__":
    main()
