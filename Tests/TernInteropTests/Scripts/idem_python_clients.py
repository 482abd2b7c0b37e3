#!/usr/bin/env python3
"""kafka-python and aiokafka idempotent producers across a leader kill: exactly once, in order.

Creates --topic (--partitions, replication factor 3), then runs two producers at once, each on
its own thread: `kafka.KafkaProducer(enable_idempotence=True, acks='all', compression_type='lz4')`
(`kafka-python`) and `aiokafka.AIOKafkaProducer(enable_idempotence=True)` (`aiokafka`, its own
event loop, uncompressed). Each sends --count records at --rate records/s, round-robin over the
partitions (explicit partition), with values `NAME:PARTITION:COUNTER9:filler`; after half of them
it waits for --after-file (the test writes it once it killed a partition leader and a new one is
known), so at least half are produced after the kill. --progress-file (JSON: sent,
acknowledged, failed, perProducer) is rewritten every 200 ms. When both are done (every
delivery reported), every partition is read from offset 0 to the high watermark and checked
against the reports as idem_librdkafka_chaos.py does (idem_common.check_log). Prints one JSON
summary line; exit 0 once it is printed, 1 if the run could not be completed, 2 if a module is
missing.

Usage: idem_python_clients.py --bootstrap H:P,... --topic T --progress-file F --after-file A
    [--partitions 3] [--count 5000] [--rate 300] [--seconds 420]
"""
import argparse
import asyncio
import json
import sys
import threading
import time
import traceback

from group_common import create_topic, log, read_partitions, require_clients, start_script
from idem_common import Ledger, Progress, check_log, value_of, wait_for_file

PROGRAM = "idem_python_clients"


class Sender:
    """One producer's thread: --count records, paced, half of them after the after-file."""

    def __init__(self, name, args, ledger, deadline):
        self.name = name
        self.args = args
        self.ledger = ledger
        self.deadline = deadline
        self.error = None
        self.notes = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._main, name=name, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def records(self):
        """(partition, counter, value) of each record in send order."""
        counters = {}
        for index in range(self.args.count):
            partition = index % self.args.partitions
            counter = counters.get(partition, 0)
            counters[partition] = counter + 1
            yield index, partition, counter, value_of(self.name, partition, counter)

    def pace(self, index, started):
        """Seconds to wait before record `index` (--rate), and the after-file gate at half."""
        if index == self.args.count // 2:
            wait_for_file(self.args.after_file, max(1.0, self.deadline - time.monotonic()),
                          f"{self.name}: the after-file")
            log(PROGRAM, f"{self.name}: after-file seen at record {index}")
        return max(0.0, started + index / self.args.rate - time.monotonic()) if self.args.rate > 0 else 0.0

    def _main(self):
        try:
            self._run()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            self.error = f"{type(error).__name__}: {error}\n{traceback.format_exc()[-3000:]}"
        finally:
            self.done.set()

    def _run(self):
        raise NotImplementedError


class KafkaPythonSender(Sender):
    def _run(self):
        from kafka import KafkaProducer

        producer = KafkaProducer(bootstrap_servers=self.args.bootstrap.split(","), client_id=self.name,
                                 enable_idempotence=True, acks="all", compression_type="lz4", linger_ms=5,
                                 request_timeout_ms=10000, delivery_timeout_ms=300000, metadata_max_age_ms=5000,
                                 max_in_flight_requests_per_connection=1)
        try:
            started = time.monotonic()
            for index, partition, counter, value in self.records():
                wait = self.pace(index, started)
                if wait:
                    time.sleep(wait)
                key = (self.name, partition, counter)
                future = producer.send(self.args.topic, value=value, key=self.name.encode(), partition=partition)
                self.ledger.sending()
                future.add_callback(lambda metadata, key=key: self.ledger.ack(key, metadata.offset))
                future.add_errback(lambda error, key=key: self.ledger.fail(key, type(error).__name__))
            producer.flush(timeout=max(10.0, self.deadline - time.monotonic()))
        finally:
            producer.close(timeout=30)


class AiokafkaSender(Sender):
    def _run(self):
        asyncio.run(self._arun())

    async def _arun(self):
        from aiokafka import AIOKafkaProducer

        producer = AIOKafkaProducer(bootstrap_servers=self.args.bootstrap, client_id=self.name,
                                    enable_idempotence=True, linger_ms=5, metadata_max_age_ms=5000)
        await producer.start()
        pending = []
        try:
            started = time.monotonic()
            for index, partition, counter, value in self.records():
                wait = self.pace(index, started)
                if wait:
                    await asyncio.sleep(wait)
                key = (self.name, partition, counter)
                future = await producer.send(self.args.topic, value=value, key=self.name.encode(),
                                             partition=partition)
                self.ledger.sending()
                future.add_done_callback(lambda done, key=key: self._report(key, done))
                pending.append(future)
            await asyncio.wait_for(producer.flush(), timeout=max(10.0, self.deadline - time.monotonic()))
            await asyncio.gather(*pending, return_exceptions=True)
        finally:
            await producer.stop()

    def _report(self, key, done):
        if done.cancelled():
            self.ledger.fail(key, "cancelled")
        elif done.exception() is not None:
            self.ledger.fail(key, type(done.exception()).__name__)
        else:
            self.ledger.ack(key, done.result().offset)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--progress-file", required=True)
    parser.add_argument("--after-file", required=True)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--count", type=int, default=5000, help="records per producer")
    parser.add_argument("--rate", type=float, default=300.0, help="records per second per producer (0: unlimited)")
    parser.add_argument("--seconds", type=float, default=420.0, help="overall deadline")
    args = parser.parse_args()
    start_script()
    require_clients(["kafka-python", "aiokafka"])
    import aiokafka
    import kafka

    started = time.monotonic()
    deadline = started + args.seconds
    log(PROGRAM, f"kafka-python {kafka.__version__}, aiokafka {aiokafka.__version__}")
    create_topic(args.bootstrap, args.topic, args.partitions, 3, 120, PROGRAM)
    ledger = Ledger()
    senders = [KafkaPythonSender("kafka-python", args, ledger, deadline).start(),
               AiokafkaSender("aiokafka", args, ledger, deadline).start()]
    progress = Progress(args.progress_file, ledger, extra=lambda: {
        "perProducer": {s.name: ledger.acknowledged_by(s.name) for s in senders},
        "finished": [s.name for s in senders if s.done.is_set()]})
    last_log = time.monotonic()
    while not all(s.done.is_set() for s in senders):
        if time.monotonic() > deadline:
            progress.maybe_write(force=True)
            log(PROGRAM, f"deadline: {ledger.counts()}, finished {[s.name for s in senders if s.done.is_set()]}")
            sys.exit(1)
        progress.maybe_write()
        if time.monotonic() - last_log >= 5:
            log(PROGRAM, f"{ledger.counts()}, per producer "
                         f"{ {s.name: ledger.acknowledged_by(s.name) for s in senders} }")
            last_log = time.monotonic()
        time.sleep(0.05)
    progress.maybe_write(force=True)
    produce_seconds = time.monotonic() - started
    errors = {s.name: s.error for s in senders if s.error is not None}
    for name, error in errors.items():
        log(PROGRAM, f"{name} failed: {error}")
    log(PROGRAM, f"produced for {produce_seconds:.1f} s: {ledger.counts()}")
    reading = time.monotonic()
    log(PROGRAM, f"reading {args.topic} (partitions 0-{args.partitions - 1}) back")
    records, highs = read_partitions(args.bootstrap, args.topic, list(range(args.partitions)),
                                     max(60.0, deadline - time.monotonic()), PROGRAM)
    log(PROGRAM, f"read {sum(len(v) for v in records.values())} records up to the high watermarks {highs} in "
                 f"{time.monotonic() - reading:.1f} s")
    summary = check_log(records, ledger, PROGRAM)
    summary.update({
        "perProducer": {s.name: ledger.acknowledged_by(s.name) for s in senders},
        "producerErrors": errors,
        "highWatermarks": {str(p): h for p, h in sorted(highs.items())},
        "produceSeconds": round(produce_seconds, 1),
        "seconds": round(time.monotonic() - started, 1),
    })
    print(json.dumps(summary, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
