#!/usr/bin/env python3
"""Crash-test producer and verifier (confluent-kafka).

produce: sends unique sequential values (acks=all, lz4, idempotence off) to --topic (created
  first with --create) and appends one line per *acknowledged* record (successful delivery
  report) to --acks-file, flushed line by line:  `SEQ PARTITION OFFSET`. Runs until killed or
  until --count records are acknowledged (then exits 0; non-zero if any delivery failed while
  the broker was up and --count was given).
verify: reads every partition named in --acks-file from the beginning (assign, no group) up to
  the high watermark and checks that every acknowledged value is present at its reported
  offset. A final line without a newline (the producer killed mid-write) is ignored. Exits 0
  when every acknowledged record is there, 1 with the first mismatches otherwise.

Value of sequence number N: `N` as 10 digits, ':' and a deterministic filler up to --value-size.

Usage:
  produce_until_killed.py produce --bootstrap H:P --topic T --acks-file F [--create]
      [--partitions 3] [--count N] [--value-size 100]
  produce_until_killed.py verify --bootstrap H:P --topic T --acks-file F [--value-size 100]
      [--min-acks N]
"""

import argparse
import sys
import time

from interop_common import ensure_topic, producer_config


def value_of(seq, size):
    head = f"{seq:010d}:".encode()
    if size <= len(head):
        return head
    filler = (f"{seq % 997:03d}" * (size // 3 + 1)).encode()
    return head + filler[: size - len(head)]


def produce(args):
    from confluent_kafka import Producer

    if args.create:
        ensure_topic(args.bootstrap, args.topic, args.partitions, "produce_until_killed")
    producer = Producer(
        producer_config(
            args.bootstrap,
            {
                "batch.size": 256 * 1024,
                "queue.buffering.max.messages": 100000,
                "message.timeout.ms": 600000,
                "socket.timeout.ms": 10000,
            },
        )
    )
    acks_file = open(args.acks_file, "a", buffering=1)  # line-buffered: one write per ack
    state = {"acked": 0, "failed": 0, "first_error": None}

    def delivered(err, msg):
        if err is not None:
            state["failed"] += 1
            if state["first_error"] is None:
                state["first_error"] = str(err)
            return
        seq = int(msg.value()[:10])
        acks_file.write(f"{seq} {msg.partition()} {msg.offset()}\n")
        state["acked"] += 1

    seq = args.start
    last_report = time.monotonic()
    while args.count is None or state["acked"] + state["failed"] < args.count:
        if args.count is None or seq < args.start + args.count:
            try:
                producer.produce(args.topic, value_of(seq, args.value_size), on_delivery=delivered)
                seq += 1
            except BufferError:
                producer.poll(0.05)
                continue
            producer.poll(0)
        else:
            producer.poll(0.1)
        now = time.monotonic()
        if now - last_report > 5:
            print(f"sent {seq - args.start}, acked {state['acked']}, failed {state['failed']}", flush=True)
            last_report = now
    producer.flush(60)
    acks_file.close()
    print(f"done: sent {seq - args.start}, acked {state['acked']}, failed {state['failed']}", flush=True)
    if state["failed"]:
        print(f"delivery failures: {state['failed']}, first: {state['first_error']}", file=sys.stderr)
        sys.exit(1)


def read_acks(path):
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    partial = lines.pop()  # b"" when the file ends with a newline
    acks = []
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if len(fields) != 3:
            raise SystemExit(f"verify: line {number} of {path} is malformed: {line!r}")
        acks.append(tuple(int(x) for x in fields))
    return acks, partial


def verify(args):
    from confluent_kafka import Consumer, KafkaError, TopicPartition

    acks, partial = read_acks(args.acks_file)
    if partial:
        print(f"verify: ignoring a partial last line {partial!r}", flush=True)
    if len(acks) < args.min_acks:
        print(f"verify: only {len(acks)} acknowledged records in {args.acks_file}, expected >= {args.min_acks}")
        sys.exit(1)
    by_partition = {}
    seqs = set()
    for seq, partition, offset in acks:
        if seq in seqs:
            print(f"verify: sequence {seq} acknowledged twice in {args.acks_file}")
            sys.exit(1)
        seqs.add(seq)
        by_partition.setdefault(partition, {})[offset] = seq
    consumer = Consumer(
        {
            "bootstrap.servers": args.bootstrap,
            "group.id": "produce-until-killed-verify",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "fetch.max.bytes": 8 * 1024 * 1024,
        }
    )
    problems = []
    present = 0
    extra = 0
    duplicates = 0
    try:
        for partition in sorted(by_partition):
            expected = by_partition[partition]
            tp = TopicPartition(args.topic, partition)
            high = None
            watermark_deadline = time.monotonic() + 60
            while high is None:
                try:
                    _, high = consumer.get_watermark_offsets(tp, timeout=10)
                except Exception as e:  # e.g. no leader yet right after a restart
                    if time.monotonic() > watermark_deadline:
                        raise SystemExit(f"verify: no high watermark for partition {partition}: {e}")
                    time.sleep(0.2)
            max_acked = max(expected)
            if high <= max_acked:
                problems.append(
                    f"partition {partition}: high watermark {high} but offset {max_acked} was acknowledged"
                )
            consumer.assign([TopicPartition(args.topic, partition, 0)])
            found = {}
            seen_values = set()
            deadline = time.monotonic() + args.timeout
            done = high <= 0
            while not done and time.monotonic() < deadline:
                m = consumer.poll(1.0)
                if m is None:
                    continue
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        done = m.offset() >= high
                        continue
                    problems.append(f"partition {partition}: consumer error {m.error()}")
                    break
                found[m.offset()] = m.value()
                if m.value() in seen_values:
                    duplicates += 1
                seen_values.add(m.value())
                # Done at the last record below the high watermark, or at the last acknowledged
                # offset when the log ends with control batches (a restart's LEADER_CHANGE).
                if m.offset() >= high - 1 or m.offset() >= max_acked:
                    done = True
            if not done:
                problems.append(f"partition {partition}: did not reach high watermark {high} in {args.timeout} s")
            for offset in sorted(expected):
                seq = expected[offset]
                want = value_of(seq, args.value_size)
                got = found.get(offset)
                if got == want:
                    present += 1
                elif got is None:
                    problems.append(f"partition {partition}: acknowledged seq {seq} at offset {offset} is missing")
                else:
                    problems.append(
                        f"partition {partition}: offset {offset} holds {got[:24]!r}, acknowledged seq {seq} ({want[:24]!r})"
                    )
            extra += len(found) - sum(1 for o in expected if o in found)
            consumer.unassign()
    finally:
        consumer.close()
    print(
        f"verify: {len(acks)} acknowledged, {present} present at their offsets, {extra} unacknowledged records "
        f"in the log, {duplicates} duplicate values, partitions {sorted(by_partition)}",
        flush=True,
    )
    if problems:
        print(f"verify: {len(problems)} problems; the first ones:", flush=True)
        for p in problems[:30]:
            print(f"  {p}", flush=True)
        sys.exit(1)
    print("verify: OK", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["produce", "verify"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--acks-file", required=True)
    parser.add_argument("--create", action="store_true", help="create the topic first (produce mode)")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--count", type=int, default=None, help="stop after this many deliveries (produce mode)")
    parser.add_argument("--start", type=int, default=0, help="first sequence number (produce mode)")
    parser.add_argument("--value-size", type=int, default=100)
    parser.add_argument("--min-acks", type=int, default=1, help="verify: fail with fewer acknowledged records")
    parser.add_argument("--timeout", type=float, default=120.0, help="verify: seconds per partition")
    args = parser.parse_args()
    if args.mode == "produce":
        produce(args)
    else:
        verify(args)


if __name__ == "__main__":
    main()
