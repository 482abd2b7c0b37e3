#!/usr/bin/env python3
"""librdkafka idempotent producers under chaos: every acknowledged record exactly once, in order.

Creates --topic (--partitions, replication factor 3), then runs --producers confluent-kafka
producers in this process (`enable.idempotence=true`, `acks=all`,
`max.in.flight.requests.per.connection=5`, LZ4, linger 5 ms, message timeout 300 s, request
timeout 10 s). Record i goes to producer i % N (`idem-0`, `idem-1`, ...) and partition
(i // N) % partitions (explicit partition, key `NAME-PARTITION`); its value is
`NAME:PARTITION:COUNTER9:filler` with the producer's own counter for that partition. Sends at
--rate records/s in total (at most --max-outstanding without a delivery report) and writes
--progress-file (JSON: sent, acknowledged, failed, errors, fatal) every 200 ms, until
--done-file exists (the test writes it once its kills and pauses are over) and --min-acks
records are acknowledged. Then it flushes, reads every partition from offset 0 to the high
watermark and checks the log against the delivery reports (idem_common.check_log): duplicates,
acknowledged records missing (gaps), acknowledged records elsewhere than their reported offset,
and a producer's counters not strictly increasing within a partition (order violations).
Failed deliveries are counted (they may or may not be in the log); librdkafka's statistics
(request retries, epoch bumps) are reported. Prints one JSON summary
line; exit 0 once that line is printed (the test judges the counts), 1 if the run could not be
completed (deadline, a producer's fatal error), 2 if a module is missing.

Usage: idem_librdkafka_chaos.py --bootstrap H:P,... --topic T --progress-file F --done-file D
    [--partitions 3] [--producers 2] [--min-acks 100000] [--rate 4000] [--seconds 480]
"""
import argparse
import json
import os
import sys
import time

from group_common import create_topic, log, read_partitions, require_clients, start_script
from idem_common import Ledger, Progress, check_log, parse_value, value_of
from interop_common import confluent_versions, producer_config

PROGRAM = "idem_librdkafka_chaos"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--progress-file", required=True)
    parser.add_argument("--done-file", required=True)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--producers", type=int, default=2)
    parser.add_argument("--min-acks", type=int, default=100000)
    parser.add_argument("--rate", type=float, default=4000.0, help="records per second in total (0: unlimited)")
    parser.add_argument("--max-outstanding", type=int, default=40000)
    parser.add_argument("--value-size", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=480.0, help="overall deadline")
    args = parser.parse_args()
    start_script()
    require_clients([])
    from confluent_kafka import KafkaException, Producer

    started = time.monotonic()
    deadline = started + args.seconds
    log(PROGRAM, confluent_versions())
    create_topic(args.bootstrap, args.topic, args.partitions, 3, 120, PROGRAM)

    ledger = Ledger()
    fatal = []
    client_errors = {}

    def on_error(name):
        def report(error):
            text = f"{name}: {error.name()} {error.str()}"
            client_errors[error.name()] = client_errors.get(error.name(), 0) + 1
            if error.fatal():
                fatal.append(text)
                log(PROGRAM, f"FATAL {text}")
        return report

    stats = {}  # name -> {"requestRetries", "requestErrors", "producerId", "epoch", "epochBumps"}

    def on_stats(name):
        # librdkafka's statistics (every second): request retries and errors summed over the
        # brokers, and the idempotence state (an epoch bump means it recovered from an error by
        # resetting its sequences).
        def report(text):
            try:
                data = json.loads(text)
            except ValueError:
                return
            brokers = data.get("brokers", {}).values()
            eos = data.get("eos", {})
            stats[name] = {"requestRetries": sum(b.get("txretries", 0) for b in brokers),
                           "requestErrors": sum(b.get("txerrs", 0) for b in brokers),
                           "producerId": eos.get("producer_id"), "epoch": eos.get("producer_epoch"),
                           "epochBumps": eos.get("epoch_cnt")}
        return report

    def on_delivery(error, message):
        key = parse_value(message.value())
        if error is not None:
            ledger.fail(key, error.name())
        else:
            ledger.ack(key, message.offset())

    names = [f"idem-{n}" for n in range(args.producers)]
    producers = []
    for name in names:
        producers.append(Producer(producer_config(args.bootstrap, {
            "client.id": name,
            "enable.idempotence": True,
            "acks": "all",
            "max.in.flight.requests.per.connection": 5,
            "compression.type": "lz4",
            "linger.ms": 5,
            "message.timeout.ms": 300000,
            "request.timeout.ms": 10000,
            "queue.buffering.max.messages": 200000,
            "topic.metadata.refresh.interval.ms": 5000,
            "error_cb": on_error(name),
            "statistics.interval.ms": 1000,
            "stats_cb": on_stats(name),
        })))
    progress = Progress(args.progress_file, ledger,
                        extra=lambda: {"fatal": len(fatal), "seconds": round(time.monotonic() - started, 1)})
    counters = {(name, p): 0 for name in names for p in range(args.partitions)}
    interval = 1.0 / args.rate if args.rate > 0 else 0.0
    next_due = time.monotonic()
    index = 0
    last_log = time.monotonic()
    log(PROGRAM, f"producing to {args.topic} with {names} at {args.rate or 'unlimited'}/s until {args.done_file} "
                 f"exists and {args.min_acks} are acknowledged")
    while not fatal:
        counts = ledger.counts()
        done = os.path.exists(args.done_file)
        if done and counts["acknowledged"] >= args.min_acks:
            break
        now = time.monotonic()
        if now > deadline:
            progress.maybe_write(force=True)
            log(PROGRAM, f"deadline: {counts}, done file {'present' if done else 'absent'}")
            sys.exit(1)
        outstanding = counts["sent"] - counts["acknowledged"] - counts["failed"]
        if outstanding >= args.max_outstanding or (interval and now < next_due):
            for producer in producers:
                producer.poll(0.005)
        else:
            which = index % len(names)
            name = names[which]
            partition = (index // len(names)) % args.partitions
            counter = counters[(name, partition)]
            try:
                producers[which].produce(args.topic, key=f"{name}-{partition}".encode(),
                                         value=value_of(name, partition, counter, args.value_size),
                                         partition=partition, on_delivery=on_delivery)
            except BufferError:
                producers[which].poll(0.05)
                continue
            except KafkaException as error:
                fatal.append(f"{name}: produce raised {error}")
                break
            counters[(name, partition)] = counter + 1
            ledger.sending()
            index += 1
            if interval:
                next_due = max(next_due + interval, now - 1.0)
            producers[which].poll(0)
        progress.maybe_write()
        if now - last_log >= 5:
            log(PROGRAM, f"{ledger.counts()}, client errors {client_errors}")
            last_log = now

    produce_seconds = time.monotonic() - started
    for name, producer in zip(names, producers):
        left = producer.flush(max(10.0, min(330.0, deadline - time.monotonic())))
        if left:
            log(PROGRAM, f"{name}: {left} records without a delivery report after the flush")
    # One more round of statistics after the flush (they come every second).
    stats_until = time.monotonic() + 1.5
    while time.monotonic() < stats_until:
        for producer in producers:
            producer.poll(0.1)
    progress.maybe_write(force=True)
    counts = ledger.counts()
    log(PROGRAM, f"produced for {produce_seconds:.1f} s: {counts}; client errors {client_errors}; statistics {stats}")
    reading = time.monotonic()
    log(PROGRAM, f"reading {args.topic} (partitions 0-{args.partitions - 1}) back")
    records, highs = read_partitions(args.bootstrap, args.topic, list(range(args.partitions)),
                                     max(60.0, deadline - time.monotonic()), PROGRAM)
    log(PROGRAM, f"read {sum(len(v) for v in records.values())} records up to the high watermarks {highs} in "
                 f"{time.monotonic() - reading:.1f} s")
    summary = check_log(records, ledger, PROGRAM)
    summary.update({
        "producers": names,
        "perProducer": {name: ledger.acknowledged_by(name) for name in names},
        "highWatermarks": {str(p): h for p, h in sorted(highs.items())},
        "clientErrors": client_errors,
        "clientStats": stats,
        "fatal": fatal,
        "produceSeconds": round(produce_seconds, 1),
        "seconds": round(time.monotonic() - started, 1),
    })
    print(json.dumps(summary, separators=(",", ":")), flush=True)
    if fatal:
        sys.exit(1)


if __name__ == "__main__":
    main()
