#!/usr/bin/env python3
"""A consumer group keeps consuming and committing while its coordinator's node is killed (kill -9).

Creates --topic (--partitions 6, replication factor 3). A producer thread (confluent-kafka,
acks=all, retries without limit) sends --rate (100) records/s round-robin over the partitions,
values `<run>-<seq 10 digits>`, and keeps every acknowledged (partition, offset, value). One member
per client of --consumers (default confluent,kafka-python,aiokafka; group_common.py: range
assignor, synchronous commits of what was processed every 0.2 s) joins --group.

Once every member holds a share, every member has committed 3 times and 200 records are
acknowledged, the script learns the coordinator (AdminClient describe_consumer_groups, which runs
FindCoordinator; kafka-python's FindCoordinator must name the same node) and the
`__consumer_offsets` partition holding the group's records (the one whose keys contain the group
id), and writes {"coordinator": N, "offsetsPartition": P, "offsetsPartitions": COUNT, ...} to
--coordinator-file (atomically: written aside, then renamed). The caller (GroupTests) kills that
node's process with SIGKILL and then creates --after-file holding the killed node's id.

The script goes on until --after-acks (200) records sent after the after-file appeared are
acknowledged, stops producing (waiting for the outstanding reports), and waits until the group's
successful commits reach one past the last acknowledged offset of every partition (those commits
happen after the kill, so on the new coordinator). Then DescribeGroups must show the group Stable
with every member and a coordinator other than the killed node; the members close.

Checks (exit 1 on any):
  * successful commits, in the order the clients saw them complete, never go backwards per
    partition;
  * a sampler thread fetches the committed offsets (list_consumer_group_offsets) every 0.5 s
    throughout: each answer is >= every commit that had succeeded before the request was sent,
    and never below an earlier answer (errors while the coordinator moves are counted, not failed);
  * at the end the fetched committed offsets are >= the last successful commit and <= one past the
    last record handed out, per partition;
  * every acknowledged record was handed out at least once, with its value (a skip fails);
    re-deliveries are counted and reported, not failed.
Prints one JSON line {"coordinatorBefore":..,"killed":..,"coordinatorAfter":..,"skipped":0,...},
writes the final committed offsets to --final-offsets-file if given ({"topic","group","offsets"}),
and "OK: group_coordinator_failover". Exits 1 when --seconds (400) pass first.

Usage: group_coordinator_failover.py --bootstrap H:P[,H:P...] --coordinator-file F --after-file A
           [--topic T] [--group G] [--partitions 6] [--replication-factor 3]
           [--consumers confluent,kafka-python,aiokafka] [--rate 100] [--after-acks 200]
           [--seconds 400] [--final-offsets-file O]
"""
import argparse
import json
import os
import threading
import time
import uuid

import group_common as gc
from interop_common import check, fail, producer_config

PROGRAM = "group_coordinator_failover"


def log(message):
    gc.log(PROGRAM, message)


class Feed:
    """The producer thread: one record every 1/rate s, round-robin over the partitions."""

    def __init__(self, bootstrap, topic, partitions, rate):
        from confluent_kafka import Producer

        self.topic = topic
        self.partitions = partitions
        self.interval = 1.0 / rate
        self.run_id = uuid.uuid4().hex[:8]
        self.producer = Producer(producer_config(bootstrap, {
            "message.timeout.ms": 120000, "request.timeout.ms": 10000, "retries": 2147483647,
            "retry.backoff.ms": 100, "socket.timeout.ms": 10000, "topic.metadata.refresh.interval.ms": 5000,
        }))
        self.lock = threading.Lock()
        self.acked = {}  # (partition, offset) -> value
        self.acked_seqs = []
        self.failures = []
        self.sent = 0
        self.unreported = None
        self.stop_event = threading.Event()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, name="feed", daemon=True)

    def start(self):
        self.thread.start()

    def _report(self, err, msg):
        value = msg.value()
        seq = int(value.decode().rsplit("-", 1)[1])
        with self.lock:
            if err is not None:
                self.failures.append(f"{value.decode()}: {err.name()} {err.str()}")
            else:
                self.acked[(msg.partition(), msg.offset())] = value
                self.acked_seqs.append(seq)

    def _run(self):
        next_due = time.monotonic()
        try:
            while not self.stop_event.is_set():
                now = time.monotonic()
                if now >= next_due:
                    seq = self.sent
                    try:
                        self.producer.produce(self.topic, key=f"k{seq}".encode(),
                                              value=f"{self.run_id}-{seq:010d}".encode(),
                                              partition=seq % self.partitions, on_delivery=self._report)
                        self.sent += 1
                        next_due = max(next_due + self.interval, now - 1.0)
                    except BufferError:
                        pass
                self.producer.poll(max(0.0, min(next_due - time.monotonic(), 0.05)))
            self.unreported = self.producer.flush(60)
        finally:
            self.done.set()

    def stop(self, seconds):
        self.stop_event.set()
        check(self.done.wait(seconds), f"{PROGRAM}: the producer did not finish within {seconds} s")

    def counts(self):
        with self.lock:
            return len(self.acked), len(self.failures)

    def acked_from(self, seq):
        with self.lock:
            return sum(1 for s in self.acked_seqs if s >= seq)

    def snapshot(self):
        with self.lock:
            return dict(self.acked), list(self.failures)


class Sampler:
    """Fetches the group's committed offsets every 0.5 s and checks them against the commits that
    had succeeded before each request, and against the previous answer.

    It asks through kafka-python's admin client, not librdkafka's: librdkafka 2.16's admin
    coordinator requests, repeated with short timeouts while the coordinator's node dies, once
    aborted the process (`rd_kafka_enq_once_del_source_return: Assertion eonce->refcnt > 0`)."""

    def __init__(self, bootstrap, group, topic, partitions, ledger):
        from kafka.admin import KafkaAdminClient
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="tern-failover-sampler",
                                      request_timeout_ms=5000)
        self.group, self.topic, self.partitions, self.ledger = group, topic, partitions, ledger
        self.samples = 0
        self.errors = 0
        self.last_error = None
        self.violations = []
        self.previous = {}
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stop_event.set()
        self.thread.join(30)

    def _fetch(self):
        """{partition: offset} of the topic's committed offsets (OffsetFetch via FindCoordinator)."""
        from kafka import TopicPartition
        wanted = [TopicPartition(self.topic, p) for p in sorted(self.partitions)]
        answer = self.admin.list_consumer_group_offsets(self.group, partitions=wanted)
        return {tp.partition: meta.offset for tp, meta in answer.items() if tp.topic == self.topic and meta.offset >= 0}

    def _run(self):
        while not self.stop_event.wait(0.5):
            known = self.ledger.max_commits()
            try:
                answer = self._fetch()
            except Exception as error:  # noqa: BLE001 - e.g. NOT_COORDINATOR while the coordinator moves
                self.errors += 1
                self.last_error = f"{type(error).__name__}: {error}"
                continue
            self.samples += 1
            for partition in self.partitions:
                got = answer.get(partition)
                if partition in known and (got is None or got < known[partition]):
                    self.violations.append(f"partition {partition}: fetched {got} after a successful commit of "
                                           f"{known[partition]}")
                before = self.previous.get(partition)
                if before is not None and (got is None or got < before):
                    self.violations.append(f"partition {partition}: fetched {got} after an earlier answer {before}")
                if got is not None:
                    self.previous[partition] = max(got, before if before is not None else got)


def find_coordinator(args, admin, members):
    """The coordinator's node id as describe_consumer_groups (librdkafka) names it, once the group
    is Stable and kafka-python's FindCoordinator names the same node."""
    from confluent_kafka import ConsumerGroupState

    kafka_admin = None
    try:
        from kafka.admin import KafkaAdminClient
        kafka_admin = KafkaAdminClient(bootstrap_servers=args.bootstrap.split(","), client_id="tern-failover-admin")
    except ImportError:
        pass

    def attempt():
        for member in members:
            member.check_healthy(PROGRAM)
        description = gc.describe_group(admin, args.group)
        if description.state != ConsumerGroupState.STABLE or description.coordinator is None:
            raise RuntimeError(gc.description_text(description))
        node = description.coordinator.id
        if kafka_admin is not None:
            other = kafka_admin._find_coordinator_ids([args.group])[args.group]
            if other != node:
                raise RuntimeError(f"librdkafka's FindCoordinator names node {node}, kafka-python's {other}")
        return node

    try:
        return gc.wait_for("the group's coordinator (Stable, named alike by both clients)", 120, attempt)
    finally:
        if kafka_admin is not None:
            kafka_admin.close()


def write_atomically(path, payload):
    aside = path + ".tmp"
    with open(aside, "w") as handle:
        json.dump(payload, handle)
        handle.write("\n")
    os.replace(aside, path)


def main():
    gc.start_script()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--coordinator-file", required=True)
    parser.add_argument("--after-file", required=True)
    parser.add_argument("--topic", default=f"group-failover-{uuid.uuid4().hex[:8]}")
    parser.add_argument("--group", default=f"tern-failover-{uuid.uuid4().hex[:8]}")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--replication-factor", type=int, default=3)
    parser.add_argument("--consumers", type=gc.client_list, default=list(gc.CLIENTS))
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--after-acks", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=400.0)
    parser.add_argument("--final-offsets-file", default=None)
    args = parser.parse_args()
    check(args.partitions >= len(args.consumers), "--partitions must be at least the number of consumers")
    gc.require_clients(args.consumers)
    started = time.monotonic()
    deadline = started + args.seconds

    def remaining(cap=None):
        left = deadline - time.monotonic()
        if left <= 0:
            fail(f"{PROGRAM}: --seconds {args.seconds} passed")
        return min(left, cap) if cap is not None else left

    log(gc.versions())
    partitions = list(range(args.partitions))
    gc.create_topic(args.bootstrap, args.topic, args.partitions, args.replication_factor, remaining(120), PROGRAM)
    admin = gc.admin_client(args.bootstrap)
    ledger = gc.Ledger()
    feed = Feed(args.bootstrap, args.topic, args.partitions, args.rate)
    feed.start()
    members = [gc.new_member(client, args.bootstrap, args.topic, args.group, ledger) for client in args.consumers]
    for member in members:
        member.start()

    def healthy():
        for member in members:
            member.check_healthy(PROGRAM)
        _, failures = feed.counts()
        if feed.done.is_set() and not feed.stop_event.is_set():
            fail(f"{PROGRAM}: the producer thread ended early")
        return failures

    def settled():
        healthy()
        split = gc.assignment_split(members, partitions)
        acked, _ = feed.counts()
        if split is not None and acked >= 200 and all(m.commits >= 3 for m in members):
            return split
        return None

    split = gc.wait_for(f"every member holding a share and committing (now {gc.describe_split(members)})",
                        remaining(180), settled)
    log(f"group settled: {split}; {feed.counts()[0]} acknowledged, commits so far {ledger.max_commits()}")
    coordinator = find_coordinator(args, admin, members)
    offsets_partition, offsets_partitions = gc.group_offsets_partition(args.bootstrap, args.group, remaining(120),
                                                                       PROGRAM)
    sampler = Sampler(args.bootstrap, args.group, args.topic, partitions, ledger)
    sampler.start()
    acked_at_report = feed.counts()[0]
    write_atomically(args.coordinator_file, {
        "coordinator": coordinator, "offsetsPartition": offsets_partition, "offsetsPartitions": offsets_partitions,
        "kafkaHashPartition": gc.kafka_offsets_partition(args.group, offsets_partitions), "group": args.group,
        "topic": args.topic, "acknowledged": acked_at_report,
    })
    log(f"coordinator of {args.group}: node {coordinator} (leader of __consumer_offsets-{offsets_partition} of "
        f"{offsets_partitions}); reported in {args.coordinator_file}; waiting for {args.after_file}")

    # The caller kills the coordinator's node, then creates the after-file.
    last_report = time.monotonic()
    while not os.path.exists(args.after_file):
        healthy()
        if time.monotonic() > deadline:
            fail(f"{PROGRAM}: {args.after_file} never appeared within {args.seconds} s")
        if time.monotonic() - last_report > 10:
            log(f"waiting for {args.after_file}: {feed.counts()[0]} acknowledged, commits {ledger.max_commits()}")
            last_report = time.monotonic()
        time.sleep(0.05)
    killed_at = time.monotonic()
    sent_before = feed.sent
    with open(args.after_file) as handle:
        text = handle.read().strip()
    killed = int(text) if text.lstrip("-").isdigit() else None
    acked_at_kill = feed.counts()[0]
    log(f"after-file seen: node {killed} was killed; {sent_before} sent, {acked_at_kill} acknowledged")

    def enough_after():
        healthy()
        return True if feed.acked_from(sent_before) >= args.after_acks else None

    gc.wait_for(f"{args.after_acks} acknowledgements of records sent after the kill", remaining(), enough_after)
    feed.stop(remaining(90))
    acked, delivery_failures = feed.snapshot()
    targets = {p: 0 for p in partitions}
    for (partition, offset) in acked:
        targets[partition] = max(targets[partition], offset + 1)
    log(f"producer stopped: {feed.sent} sent, {len(acked)} acknowledged, {len(delivery_failures)} failed, "
        f"{feed.unreported} without a report; waiting for commits reaching {targets}")

    def caught_up():
        healthy()
        done = ledger.max_commits()
        return done if all(done.get(p, -1) >= targets[p] for p in partitions) else None

    gc.wait_for(f"commits reaching {targets} (now {ledger.max_commits()})", remaining(), caught_up)

    from confluent_kafka import ConsumerGroupState

    def stable_after():
        healthy()
        description = gc.describe_group(admin, args.group)
        if description.state != ConsumerGroupState.STABLE or len(description.members) != len(members):
            raise RuntimeError(gc.description_text(description))
        return description

    description = gc.wait_for("DescribeGroups to show the group Stable with every member after the failover",
                              remaining(120), stable_after)
    coordinator_after = description.coordinator.id if description.coordinator is not None else None
    log(f"after the failover: {gc.description_text(description)}")
    check(coordinator_after is not None and coordinator_after != killed,
          f"{PROGRAM}: after the kill of node {killed} DescribeGroups names coordinator {coordinator_after}")

    gc.stop_members(members, remaining(90), PROGRAM)
    last_commits = ledger.max_commits()
    last_handed = {}
    for _, partition, offset, _ in ledger.consumed_snapshot():
        last_handed[partition] = max(last_handed.get(partition, -1), offset)
    final = gc.wait_for("the committed offsets after the members closed", remaining(60),
                        lambda: gc.committed_offsets(admin, args.group, args.topic, partitions))
    sampler.stop()
    problems = []
    for partition in partitions:
        got = final.get(partition)
        if got is None or got < last_commits.get(partition, 0):
            problems.append(f"partition {partition}: fetched {got} at the end, below the last successful commit "
                            f"{last_commits.get(partition)}")
        if got is not None and got > last_handed.get(partition, -1) + 1:
            problems.append(f"partition {partition}: fetched {got} at the end, past the last record handed out "
                            f"({last_handed.get(partition)})")

    skipped, wrong, redeliveries, distinct = gc.delivery_check(acked, ledger.consumed_snapshot())
    backwards = ledger.backwards_snapshot()
    commits = ledger.commits_snapshot()
    after_kill = [c for c in commits if c[1] > killed_at]
    resume_seconds = round(min(c[1] for c in after_kill) - killed_at, 2) if after_kill else None
    failures = ledger.failures_snapshot()
    summary = {
        "topic": args.topic, "group": args.group, "consumers": args.consumers,
        "coordinatorBefore": coordinator, "offsetsPartition": offsets_partition, "killed": killed,
        "coordinatorAfter": coordinator_after, "sent": feed.sent, "acknowledged": len(acked),
        "acknowledgedAfterKill": feed.acked_from(sent_before), "deliveryFailures": len(delivery_failures),
        "consumed": len(ledger.consumed_snapshot()), "distinct": distinct, "redeliveries": redeliveries,
        "skipped": len(skipped), "wrong": len(wrong), "commits": len(commits), "commitsAfterKill": len(after_kill),
        "commitFailures": len(failures), "backwards": len(backwards), "samples": sampler.samples,
        "sampleErrors": sampler.errors, "sampleViolations": len(sampler.violations),
        "finalOffsets": {str(p): final.get(p) for p in partitions}, "resumeSeconds": resume_seconds,
        "members": [m.summary() for m in members], "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(summary, separators=(",", ":"), sort_keys=True), flush=True)
    if args.final_offsets_file:
        write_atomically(args.final_offsets_file, {"topic": args.topic, "group": args.group,
                                                   "offsets": {str(p): final.get(p) for p in partitions}})
    if failures:
        log(f"{len(failures)} commits failed (allowed while the coordinator moves), e.g. "
            f"{[f[3] for f in failures[:3]]}")
    if delivery_failures:
        log(f"{len(delivery_failures)} deliveries failed (not acknowledged, so not required), e.g. "
            f"{delivery_failures[:3]}")
    if sampler.last_error:
        log(f"{sampler.errors} offset fetches failed while sampling, the last: {sampler.last_error}")
    if redeliveries:
        log(f"{redeliveries} records handed out more than once (at-least-once: allowed)")
    problems += [f"never handed out: {s}" for s in skipped[:10]]
    problems += wrong[:10] + backwards[:10] + sampler.violations[:10]
    if skipped or wrong or backwards or sampler.violations or problems:
        fail(f"{PROGRAM}: {len(skipped)} acknowledged records skipped, {len(wrong)} with another value, "
             f"{len(backwards)} commits backwards, {len(sampler.violations)} fetched offsets behind: {problems[:20]}")
    print("OK: group_coordinator_failover", flush=True)


if __name__ == "__main__":
    main()
