#!/usr/bin/env python3
"""One client follows a partition leader change without a restart (kcat, confluent-kafka, kafka-python).

A single long-running process per client: one producer instance (for kcat: one `kcat -P`
process fed through its stdin) sends one record every --interval-ms (50) with acks=all to
--topic partition --partition, and appends one line per acknowledgement to --acks-file
(`OFFSET VALUE`; for kcat, whose delivery reports name no value, `OFFSET -`), flushed at once.
kcat gets each value padded to a 1024-byte line (`VALUE|ppp...`): see KCAT_LINE_BYTES.
The caller (ClusterTests) waits for some lines, kills the partition's leader, waits until a new
leader is known, and then creates --after-file. Once this script has seen --after-acks (20)
acknowledgements of records *sent after* the file appeared (counted as: successful reports so
far minus records sent before the file, so reports of older records never count), it stops
sending, lets the producer deliver what is outstanding, and reads the partition back with the
same client library (kcat -C for kcat): every acknowledged offset must hold one of this run's
values (for confluent-kafka and kafka-python: exactly the value acknowledged there), no value at
two acknowledged offsets, and at least --after-acks of them sent after the file. Exits 0 then.
Exits 1 on any delivery failure (the client gave up instead of following the new leader), on a
failed check, or when --seconds (240) pass first.

Values: `<client>-<run id>-<seq 6 digits>`, so several clients can share a partition.

Usage: cluster_follow_leader.py --client kcat|confluent|kafka-python --bootstrap H:P[,H:P...]
           --topic T [--partition 0] --acks-file F --after-file A [--after-acks 20]
           [--interval-ms 50] [--seconds 240]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid

from interop_common import high_watermark, missing_module, read_partition

MESSAGE_TIMEOUT_MS = 60000
REQUEST_TIMEOUT_MS = 10000


def fail(message):
    print(f"FAIL: cluster_follow_leader: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


class Tally:
    """Delivery reports from any thread; the acknowledgement file is written under the lock."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.file = open(path, "a")
        self.acks = []  # (offset, value or None)
        self.failures = []

    def acked(self, offset, value):
        with self.lock:
            self.acks.append((offset, value))
            self.file.write(f"{offset} {value if value is not None else '-'}\n")
            self.file.flush()

    def failed(self, what):
        with self.lock:
            self.failures.append(what)

    def counts(self):
        with self.lock:
            return len(self.acks), len(self.failures)

    def snapshot(self):
        with self.lock:
            return list(self.acks), list(self.failures)


# Producers: send(value), serve(seconds) (lets reports arrive), drain(seconds), close().

class ConfluentProducer:
    def __init__(self, args, tally):
        from confluent_kafka import Producer
        self.tally = tally
        self.topic, self.partition = args.topic, args.partition
        self.producer = Producer({
            "bootstrap.servers": args.bootstrap, "acks": "all", "compression.type": "lz4",
            "enable.idempotence": False, "linger.ms": 5, "message.timeout.ms": MESSAGE_TIMEOUT_MS,
            "request.timeout.ms": REQUEST_TIMEOUT_MS, "retries": 2147483647, "retry.backoff.ms": 100,
            "topic.metadata.refresh.interval.ms": 5000,
        })

    def report(self, err, msg):
        if err is not None:
            self.tally.failed(f"{msg.value().decode()}: {err.name()} {err.str()}")
        else:
            self.tally.acked(msg.offset(), msg.value().decode())

    def send(self, value):
        self.producer.produce(self.topic, value=value.encode(), partition=self.partition, on_delivery=self.report)
        self.producer.poll(0)

    def serve(self, seconds):
        self.producer.poll(seconds)

    def drain(self, seconds):
        return self.producer.flush(seconds)

    def close(self):
        pass


class KafkaPythonProducer:
    def __init__(self, args, tally):
        from kafka import KafkaProducer
        self.tally = tally
        self.topic, self.partition = args.topic, args.partition
        self.producer = KafkaProducer(
            bootstrap_servers=args.bootstrap.split(","), acks="all", compression_type="lz4",
            enable_idempotence=False, linger_ms=5, request_timeout_ms=REQUEST_TIMEOUT_MS,
            delivery_timeout_ms=MESSAGE_TIMEOUT_MS, retry_backoff_ms=100, metadata_max_age_ms=5000,
            client_id="tern-cluster-follow-kafka-python")

    def send(self, value):
        future = self.producer.send(self.topic, value=value.encode(), partition=self.partition)
        future.add_callback(lambda metadata: self.tally.acked(metadata.offset, value))
        future.add_errback(lambda error: self.tally.failed(f"{value}: {error!r}"))

    def serve(self, seconds):
        time.sleep(seconds)  # the client's own I/O thread sends and reports meanwhile

    def drain(self, seconds):
        try:
            self.producer.flush(timeout=seconds)
        except Exception as error:  # noqa: BLE001 - KafkaTimeoutError: reported, the checks decide
            print(f"cluster_follow_leader: kafka-python flush: {error!r}", flush=True)
        return 0

    def close(self):
        self.producer.close(timeout=10)


DELIVERED = re.compile(r"Message delivered to partition (-?\d+) \(offset (-?\d+)\)")


# kcat 1.7.1 reads its input in 1024-byte chunks (a shorter line waits for more input), and
# serves delivery reports only when it produces the next line: so every line is exactly 1024
# bytes (the value, "|", padding, newline), and a report comes one interval after its send.
KCAT_LINE_BYTES = 1024


class KcatProducer:
    """`kcat -P` reading values from its stdin, one per line; its delivery reports (verbosity 3:
    `-v -v`) come on stderr, read by a thread."""

    def __init__(self, args, tally):
        if shutil.which("kcat") is None:
            fail("kcat not found on PATH; install with: apt-get install -y kcat")
        self.tally = tally
        command = [
            "kcat", "-P", "-b", args.bootstrap, "-t", args.topic, "-p", str(args.partition), "-z", "lz4",
            "-X", "acks=all", "-X", "enable.idempotence=false", "-X", "linger.ms=5",
            "-X", f"message.timeout.ms={MESSAGE_TIMEOUT_MS}", "-X", f"request.timeout.ms={REQUEST_TIMEOUT_MS}",
            "-X", "retries=2147483647", "-X", "retry.backoff.ms=100", "-v", "-v",
        ]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
        self.stderr_tail = []
        self.reader = threading.Thread(target=self.read_reports, daemon=True)
        self.reader.start()

    def read_reports(self):
        for raw in self.process.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            match = DELIVERED.search(line)
            if match:
                self.tally.acked(int(match.group(2)), None)
            elif "Delivery failed" in line:
                self.tally.failed(line)
            else:
                self.stderr_tail = (self.stderr_tail + [line])[-50:]

    def send(self, value):
        if self.process.poll() is not None:
            fail(f"kcat -P exited ({self.process.returncode}) while producing; stderr: {self.stderr_tail}")
        line = (value + "|").encode()
        line += b"p" * (KCAT_LINE_BYTES - 1 - len(line)) + b"\n"
        self.process.stdin.write(line)
        self.process.stdin.flush()

    def serve(self, seconds):
        time.sleep(seconds)  # kcat runs by itself

    def drain(self, seconds):
        """Closes kcat's stdin: it delivers what is outstanding and exits."""
        self.process.stdin.close()
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            fail(f"kcat -P did not finish within {seconds} s after its input ended; stderr: {self.stderr_tail}")
        self.reader.join(timeout=10)
        if self.process.returncode != 0:
            print(f"cluster_follow_leader: kcat -P exited {self.process.returncode}; stderr tail: "
                  f"{self.stderr_tail[-10:]}", flush=True)
        return 0

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# Read-back with the same client library: {offset: value}.

def read_confluent(args, deadline):
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "cluster-follow-leader-read",
                         "enable.auto.commit": False, "enable.auto.offset.store": False,
                         "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    seconds = max(1.0, deadline - time.monotonic())
    try:
        high = high_watermark(consumer, TopicPartition(args.topic, args.partition), "confluent-kafka read-back",
                              seconds=seconds)
        records, problem = read_partition(consumer, args.topic, args.partition, high,
                                          max(1.0, deadline - time.monotonic()), "confluent-kafka read-back")
    finally:
        consumer.close()
    if problem:
        fail(f"confluent-kafka read-back: {problem}")
    return {offset: value.decode(errors="replace") for offset, value in records}


def read_kafka_python(args, deadline):
    from kafka import KafkaConsumer, TopicPartition
    consumer = KafkaConsumer(bootstrap_servers=args.bootstrap.split(","), group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", client_id="tern-cluster-follow-kafka-python-read")
    tp = TopicPartition(args.topic, args.partition)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    end = consumer.end_offsets([tp])[tp]
    stored = {}
    try:
        while consumer.position(tp) < end:
            if time.monotonic() > deadline:
                fail(f"kafka-python read-back did not reach the end offset {end} (position {consumer.position(tp)})")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    stored[record.offset] = record.value.decode(errors="replace")
    finally:
        consumer.close()
    return stored


def read_kcat(args, deadline):
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            fail("kcat -C read-back did not succeed in time")
        result = subprocess.run(["kcat", "-C", "-b", args.bootstrap, "-t", args.topic, "-p", str(args.partition),
                                 "-o", "beginning", "-e", "-J", "-q"], capture_output=True, timeout=remaining)
        if result.returncode == 0:
            break
        print(f"cluster_follow_leader: kcat -C exited {result.returncode}: "
              f"{result.stderr.decode(errors='replace')[-500:]}; retrying", flush=True)
        time.sleep(0.5)
    stored = {}
    for line in result.stdout.decode(errors="replace").splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            stored[record["offset"]] = (record.get("payload") or "").split("|", 1)[0]
    return stored


PRODUCERS = {"confluent": ConfluentProducer, "kafka-python": KafkaPythonProducer, "kcat": KcatProducer}
READERS = {"confluent": read_confluent, "kafka-python": read_kafka_python, "kcat": read_kcat}


def check(args, prefix, acks, stored, sent_before_file):
    """Every acknowledged offset holds one of this run's values (the acknowledged one when
    known), no value at two acknowledged offsets, >= --after-acks sent after the file."""
    problems = []
    seen = {}
    after = 0
    for offset, value in acks:
        got = stored.get(offset)
        if got is None or not got.startswith(prefix):
            problems.append(f"offset {offset}: acknowledged, holds {got!r}")
            continue
        if value is not None and got != value:
            problems.append(f"offset {offset}: acknowledged {value!r}, holds {got!r}")
            continue
        if got in seen and seen[got] != offset:
            problems.append(f"{got!r} acknowledged at offsets {seen[got]} and {offset}")
            continue
        seen[got] = offset
        if int(got.rsplit("-", 1)[1]) >= sent_before_file:
            after += 1
    if after < args.after_acks:
        problems.append(f"only {after} acknowledged records sent after the after-file, expected >= {args.after_acks}")
    return problems, after


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--client", choices=sorted(PRODUCERS), required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--partition", type=int, default=0)
    parser.add_argument("--acks-file", required=True)
    parser.add_argument("--after-file", required=True)
    parser.add_argument("--after-acks", type=int, default=20)
    parser.add_argument("--interval-ms", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=240.0)
    args = parser.parse_args()
    try:
        if args.client == "confluent":
            import confluent_kafka  # noqa: F401
        elif args.client == "kafka-python":
            import kafka  # noqa: F401
            import lz4  # noqa: F401 - kafka-python's LZ4 codec
    except ImportError as error:
        missing_module(args.client, error, "see scripts/test.sh for the install commands")

    # SIGTERM (the test's cleanup) ends the script through `finally`, which kills kcat.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])  # Foundation's Process blocks it
    started = time.monotonic()
    deadline = started + args.seconds
    prefix = f"{args.client}-{uuid.uuid4().hex[:8]}-"
    tally = Tally(args.acks_file)
    producer = PRODUCERS[args.client](args, tally)
    sent = 0
    sent_before_file = None
    interval = args.interval_ms / 1000.0
    next_due = time.monotonic()
    last_report = time.monotonic()
    print(f"cluster_follow_leader: {args.client} producing to {args.topic}-{args.partition} every "
          f"{args.interval_ms:g} ms, values {prefix}NNNNNN", flush=True)
    try:
        while True:
            now = time.monotonic()
            acked, failures = tally.counts()
            if failures:
                fail(f"{args.client}: delivery failed: {tally.snapshot()[1][:5]}")
            if sent_before_file is None and os.path.exists(args.after_file):
                sent_before_file = sent
                print(f"cluster_follow_leader: after-file seen at {now - started:.1f} s: {sent} sent, "
                      f"{acked} acknowledged", flush=True)
            if sent_before_file is not None and acked - sent_before_file >= args.after_acks:
                break
            if now > deadline:
                fail(f"{args.client}: timed out after {args.seconds} s: {sent} sent, {acked} acknowledged, "
                     f"after-file {'seen after ' + str(sent_before_file) + ' sends' if sent_before_file is not None else 'never seen'}")
            if now >= next_due:
                producer.send(f"{prefix}{sent:06d}")
                sent += 1
                next_due += interval
                if next_due < now - 1.0:
                    next_due = now
            if now - last_report >= 5:
                print(f"cluster_follow_leader: {args.client}: {sent} sent, {acked} acknowledged", flush=True)
                last_report = now
            producer.serve(max(0.0, min(next_due - time.monotonic(), 0.05)))
        producer.drain(max(1.0, min(90.0, deadline - time.monotonic())))
        acks, failures = tally.snapshot()
        if failures:
            fail(f"{args.client}: delivery failed: {failures[:5]}")
        stored = READERS[args.client](args, deadline + 60)
    finally:
        producer.close()
    problems, after = check(args, prefix, acks, stored, sent_before_file)
    if problems:
        fail(f"{args.client}: {len(problems)} problems: {problems[:10]}")
    print(f"OK: cluster_follow_leader {args.client}: {sent} sent, {len(acks)} acknowledged and read back at "
          f"their offsets ({after} sent after the leader change) in {time.monotonic() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
