#!/usr/bin/env python3
"""Produce benchmark against a running broker (a benchmark, not a test: it never fails on a
figure). confluent-kafka producer: acks=all, lz4, linger.ms=5, batch.size ~1 MiB, a large local
queue, idempotence off (ternd has no idempotence yet).

Throughput mode (default): first sends --warmup records (default 10% of --count, at most 20,000)
and waits for all of them (connection setup, metadata, first segments), then sends --count
records of --size bytes as fast as the producer takes them and reports records/s and MB/s of
payload (10^6 bytes of record values per second) from the first measured send to the last
delivery report.

Latency mode (--rate R): sends R records/s on a fixed schedule for --duration seconds and
reports p50/p99/p99.9/max of send -> delivery report (time.perf_counter), excluding the first
--warmup-seconds. The schedule is open-loop: a late send is sent at once and timed from its
actual send, and the achieved rate is reported. linger.ms=5 is part of every figure.

Values are random bytes (lz4 cannot shrink them; the broker sees the full payload). The last
line of output is `RESULT {json}` for scripts (run_broker_bench.sh builds its table from it).

Usage:
  produce_bench.py --bootstrap H:P --topic T [--create --partitions N] --size 1024 --count 200000
  produce_bench.py --bootstrap H:P --topic T --size 1024 --rate 5000 --duration 20
"""

import argparse
import json
import math
import os
import sys
import time

# Topic creation and the producer's base settings come from the interop scripts' helper module
# (one copy for the crash test and this bench); the bench runs from a checkout, like them.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "TernInteropTests",
                                "Scripts"))
from interop_common import ensure_topic, producer_config  # noqa: E402 - needs the path above


def make_producer(bootstrap, extra):
    from confluent_kafka import Producer

    config = producer_config(
        bootstrap,
        {
            "batch.size": 1_000_000,
            "queue.buffering.max.messages": 2_000_000,
            "queue.buffering.max.kbytes": 2_097_151,
            "message.timeout.ms": 300_000,
        },
    )
    config.update(extra)
    return Producer(config)


def value_pool(size, n=1024):
    return [os.urandom(size) for _ in range(n)]


def throughput(args, producer):
    """Sends the warm-up records and waits for all of them (connections, metadata, the broker's
    first segments), then times --count records from the first send to the last delivery."""
    pool = value_pool(args.size)
    warmup = args.warmup if args.warmup is not None else min(args.count // 10, 20_000)
    state = {"delivered": 0, "errors": 0, "first_error": None, "last": None}

    def delivered(err, msg):
        if err is not None:
            state["errors"] += 1
            state["first_error"] = state["first_error"] or str(err)
            return
        state["delivered"] += 1
        state["last"] = time.perf_counter()

    def send(n):
        sent = 0
        while sent < n:
            try:
                producer.produce(args.topic, pool[sent % len(pool)], on_delivery=delivered)
                sent += 1
            except BufferError:
                producer.poll(0.01)
                continue
            producer.poll(0)
        return producer.flush(300)

    if send(warmup) or state["errors"]:
        raise SystemExit(f"produce_bench: warm-up failed: {state['errors']} errors (first: {state['first_error']})")
    state.update(delivered=0, last=None)
    started = time.perf_counter()
    remaining = send(args.count)
    finished = time.perf_counter()
    if remaining or state["errors"]:
        print(
            f"produce_bench: {remaining} undelivered, {state['errors']} failed (first: {state['first_error']})",
            file=sys.stderr,
        )
    if not state["delivered"]:
        raise SystemExit("produce_bench: nothing delivered")
    elapsed = state["last"] - started
    result = {
        "mode": "throughput",
        "topic": args.topic,
        "size": args.size,
        "count": args.count,
        "warmup": warmup,
        "delivered": state["delivered"],
        "errors": state["errors"] + remaining,
        "records_per_s": state["delivered"] / elapsed,
        "mb_per_s": state["delivered"] * args.size / elapsed / 1e6,
        "measured_s": elapsed,
        "total_s": finished - started,
    }
    print(
        f"{args.topic}: {state['delivered']} records of {args.size} B in {elapsed:.2f} s (after {warmup} warm-up "
        f"records): {result['records_per_s']:,.0f} records/s, {result['mb_per_s']:.1f} MB/s, {result['errors']} errors"
    )
    if elapsed < 5:
        print(f"produce_bench: measured only {elapsed:.2f} s; raise --count for a steadier figure", file=sys.stderr)
    return result


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    # Nearest rank: the smallest value with at least p% of the values at or below it.
    index = min(len(sorted_values) - 1, max(0, math.ceil(p * len(sorted_values) / 100.0 - 1e-9) - 1))
    return sorted_values[index]


def latency(args, producer):
    pool = value_pool(args.size)
    latencies = []
    state = {"errors": 0, "first_error": None}
    interval = 1.0 / args.rate
    started = time.perf_counter()
    measure_from = started + args.warmup_seconds
    end = started + args.warmup_seconds + args.duration
    sent = 0
    late = 0

    def make_callback(sent_at):
        def delivered(err, msg):
            if err is not None:
                state["errors"] += 1
                state["first_error"] = state["first_error"] or str(err)
                return
            if sent_at >= measure_from:
                latencies.append(time.perf_counter() - sent_at)

        return delivered

    while True:
        due = started + sent * interval
        if due >= end:
            break
        now = time.perf_counter()
        if now < due:
            producer.poll(0)
            remaining = due - time.perf_counter()
            if remaining > 0.0002:
                time.sleep(min(remaining - 0.0001, 0.001))
            continue
        if now - due > 0.005:
            late += 1
        sent_at = time.perf_counter()
        try:
            producer.produce(args.topic, pool[sent % len(pool)], on_delivery=make_callback(sent_at))
        except BufferError:
            producer.poll(0.001)
            continue
        sent += 1
        producer.poll(0)
    undelivered = producer.flush(120)
    sending_s = time.perf_counter() - started
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    measured_sends = len(ms)
    result = {
        "mode": "latency",
        "topic": args.topic,
        "size": args.size,
        "rate": args.rate,
        "duration_s": args.duration,
        "warmup_s": args.warmup_seconds,
        "sent": sent,
        "measured": measured_sends,
        "achieved_rate": sent / (end - started),
        "late_sends": late,
        "errors": state["errors"] + undelivered,
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "p999_ms": percentile(ms, 99.9),
        "max_ms": ms[-1] if ms else float("nan"),
        "total_s": sending_s,
    }
    print(
        f"{args.topic}: {args.rate}/s x {args.size} B for {args.duration} s (+{args.warmup_seconds} s warm-up), "
        f"{measured_sends} measured: p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms, "
        f"p99.9 {result['p999_ms']:.2f} ms, max {result['max_ms']:.2f} ms "
        f"(achieved {result['achieved_rate']:,.0f}/s, {late} sends >5 ms late, {result['errors']} errors)"
    )
    if state["errors"] or undelivered:
        print(f"produce_bench: {state['errors']} failed, {undelivered} undelivered (first: {state['first_error']})",
              file=sys.stderr)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--create", action="store_true", help="create the topic first")
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--size", type=int, default=1024, help="record value bytes (e.g. 1024 or 100)")
    parser.add_argument("--count", type=int, default=200_000, help="throughput mode: records to send")
    parser.add_argument("--warmup", type=int, default=None, help="throughput mode: records sent and delivered before timing (default 10%% of --count, <= 20000)")
    parser.add_argument("--rate", type=float, default=None, help="latency mode: records per second")
    parser.add_argument("--duration", type=float, default=20.0, help="latency mode: measured seconds")
    parser.add_argument("--warmup-seconds", type=float, default=3.0, help="latency mode: seconds excluded first")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="extra producer config")
    args = parser.parse_args()
    extra = dict(item.split("=", 1) for item in args.set)
    if args.create:
        ensure_topic(args.bootstrap, args.topic, args.partitions, "produce_bench")
    producer = make_producer(args.bootstrap, extra)
    result = latency(args, producer) if args.rate else throughput(args, producer)
    result["partitions"] = args.partitions
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
