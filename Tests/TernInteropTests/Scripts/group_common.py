"""What the consumer-group interop scripts (group_*.py) share.

* `Member`s: one consumer-group member per client library (`confluent` = confluent-kafka,
  `kafka-python`, `aiokafka`), each on its own daemon thread (aiokafka with its own event loop),
  subscribed to one topic with the range assignor (the one assignor all three have:
  confluent `partition.assignment.strategy=range`, kafka-python and aiokafka their
  `RangePartitionAssignor`), `auto.offset.reset=earliest`, auto-commit off. A member commits what
  it processed (offset of the last record handed out + 1 per partition) synchronously, at most
  every `commit_interval` seconds, when its partitions are revoked (the pending offsets of the
  revoked partitions first) and before it closes (close sends LeaveGroup). It tracks its
  assignment from the rebalance callbacks.
* a `Ledger` shared by the members of one script: every record handed out and every commit that
  succeeded, in the order they happened, and the check that successful commits never go
  backwards per partition.
* confluent-kafka admin helpers (committed offsets, group descriptions), topic creation retried
  through elections, a producer of keyed records to chosen partitions, a reader of whole
  partitions (assign, no group), and `wait_for` (polling with a deadline; the last problem goes
  into the failure message).

Every script calls `start_script()` first: SIGTERM gets a handler (exit 143) and is unblocked
(Foundation's Process starts children with SIGTERM blocked; the client libraries' threads inherit
the mask of the thread that starts them, so this must come before any client is created).
"""
import asyncio
import signal
import sys
import threading
import time
import traceback
import uuid

from interop_common import check, fail, missing_module, producer_config, wait_for_leaders

CLIENTS = ("confluent", "kafka-python", "aiokafka")

# Group timings of every member: a dead member is noticed within 10 s, a rebalance within a
# heartbeat (1 s); a rebalance waits at most 120 s for a member to rejoin.
SESSION_TIMEOUT_MS = 10000
HEARTBEAT_INTERVAL_MS = 1000
MAX_POLL_INTERVAL_MS = 120000


# Script setup.

def start_script():
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])


def require_clients(names):
    """Imports what each client in `names` needs (exit status 2 with the install command if missing)."""
    try:
        import confluent_kafka  # noqa: F401 - the admin helpers and the producer always need it
    except ImportError as error:
        missing_module("confluent_kafka", error, "install with: python3 -m pip install confluent-kafka")
    if "kafka-python" in names:
        try:
            import kafka  # noqa: F401
        except ImportError as error:
            missing_module("kafka (kafka-python)", error, "install with: python3 -m pip install kafka-python==2.3.3")
    if "aiokafka" in names:
        try:
            import aiokafka  # noqa: F401
        except ImportError as error:
            missing_module("aiokafka", error, "install with: python3 -m pip install aiokafka")


def client_list(text):
    """`confluent,kafka-python` -> ["confluent", "kafka-python"] (argparse type)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in CLIENTS:
            raise ValueError(f"unknown client {name!r} (known: {', '.join(CLIENTS)})")
    return names


def versions():
    import confluent_kafka
    parts = [f"confluent-kafka {confluent_kafka.version()} (librdkafka {confluent_kafka.libversion()[0]})"]
    try:
        import kafka
        parts.append(f"kafka-python {kafka.__version__}")
    except ImportError:
        pass
    try:
        import aiokafka
        parts.append(f"aiokafka {aiokafka.__version__}")
    except ImportError:
        pass
    return ", ".join(parts)


def log(program, message):
    print(f"{program}: {message}", flush=True)


def wait_for(what, seconds, attempt, interval=0.2):
    """Calls `attempt()` every `interval` s until it returns something other than None, which is
    returned, or `seconds` pass: then the script fails naming `what` and the last error. An
    Exception raised by `attempt` counts as "not yet" (a failed check, SystemExit, does not)."""
    deadline = time.monotonic() + seconds
    last = None
    while True:
        try:
            value = attempt()
            if value is not None:
                return value
        except Exception as error:  # noqa: BLE001 - retried until the deadline, then reported
            last = f"{type(error).__name__}: {error}"
        if time.monotonic() >= deadline:
            fail(f"timed out after {seconds:g} s waiting for {what}" + (f"; last error: {last}" if last else ""))
        time.sleep(interval)


# The ledger.

class Ledger:
    """Records handed out and successful commits of every member of one script (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.consumed = []  # (member, partition, offset, value)
        self.commits = []  # (started, finished, member, {partition: offset})
        self.commit_failures = []  # (time, member, {partition: offset}, text)
        self.max_commit = {}  # partition -> highest offset a successful commit carried
        self.backwards = []  # descriptions of successful commits below an earlier successful one

    def record(self, member, partition, offset, value):
        with self.lock:
            self.consumed.append((member, partition, offset, value))

    def committed(self, member, offsets, started, finished):
        with self.lock:
            self.commits.append((started, finished, member, dict(offsets)))
            for partition, offset in offsets.items():
                previous = self.max_commit.get(partition)
                if previous is not None and offset < previous:
                    self.backwards.append(f"partition {partition}: {member} committed {offset} after a successful "
                                          f"commit of {previous}")
                else:
                    self.max_commit[partition] = offset

    def commit_failed(self, member, offsets, text):
        with self.lock:
            self.commit_failures.append((time.monotonic(), member, dict(offsets), text))

    def max_commits(self):
        with self.lock:
            return dict(self.max_commit)

    def consumed_snapshot(self):
        with self.lock:
            return list(self.consumed)

    def commits_snapshot(self):
        with self.lock:
            return list(self.commits)

    def failures_snapshot(self):
        with self.lock:
            return list(self.commit_failures)

    def backwards_snapshot(self):
        with self.lock:
            return list(self.backwards)


def delivery_check(acked, consumed):
    """Every acknowledged record ((partition, offset) -> value) handed out at least once with
    that value. Returns (skipped, wrong, redeliveries, distinct): acknowledged records never handed
    out, (partition, offset)s handed out with another value, extra copies handed out."""
    seen = {}
    copies = 0
    wrong = []
    for _, partition, offset, value in consumed:
        where = (partition, offset)
        if where in seen:
            copies += 1
            if seen[where] != value:
                wrong.append(f"partition {partition} offset {offset}: handed out as {seen[where]!r} and {value!r}")
        else:
            seen[where] = value
    skipped = []
    for where, value in sorted(acked.items()):
        got = seen.get(where)
        if got is None:
            skipped.append(f"partition {where[0]} offset {where[1]} ({value!r})")
        elif got != value:
            wrong.append(f"partition {where[0]} offset {where[1]}: acknowledged {value!r}, handed out {got!r}")
    return skipped, wrong, copies, len(seen)


# Members.

class Member:
    """One consumer-group member on its own thread; see the module docstring."""

    client = None

    def __init__(self, bootstrap, topic, group, ledger, label=None, commit_interval=0.2, client_id=None):
        self.bootstrap = bootstrap
        self.topic = topic
        self.group = group
        self.ledger = ledger
        self.name = label or self.client
        self.client_id = client_id or f"tern-{self.client}-{uuid.uuid4().hex[:6]}"
        self.commit_interval = commit_interval
        self.lock = threading.Lock()
        self._assignment = set()
        self.assignments = 0  # assignments received (rebalances this member took part in)
        self.received = []  # (partition, offset, value)
        self.first = {}  # partition -> first offset this instance was handed
        self.pending = {}  # partition -> next offset to commit
        self.last_commit = 0.0
        self.commits = 0
        self.commit_failures = []  # texts
        self.notes = []  # non-fatal client errors, for the report
        self.fatal = None
        self.stop_event = threading.Event()
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._main, name=f"member-{self.name}", daemon=True)

    # Control (any thread).

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stop_event.set()

    def wait_closed(self, seconds):
        return self.closed.wait(seconds)

    def assignment(self):
        with self.lock:
            return set(self._assignment)

    def received_snapshot(self):
        with self.lock:
            return list(self.received)

    def first_offsets(self):
        with self.lock:
            return dict(self.first)

    def pending_snapshot(self):
        with self.lock:
            return dict(self.pending)

    def alive(self):
        return not self.closed.is_set()

    def summary(self):
        with self.lock:
            return {"client": self.client, "clientId": self.client_id, "assignment": sorted(self._assignment),
                    "assignments": self.assignments, "received": len(self.received), "commits": self.commits,
                    "commitFailures": len(self.commit_failures), "fatal": self.fatal}

    def check_healthy(self, program):
        """Fails the script if the member's thread ended with an error."""
        if self.fatal is not None:
            fail(f"{program}: member {self.name} ({self.client_id}) failed: {self.fatal}")

    # The thread.

    def _main(self):
        try:
            self._run()
        except BaseException as error:  # noqa: BLE001 - reported through check_healthy
            self.fatal = f"{type(error).__name__}: {error}\n{traceback.format_exc()[-3000:]}"
        finally:
            self.closed.set()

    def _run(self):
        raise NotImplementedError

    # Callbacks and bookkeeping (the member's thread).

    def _note(self, text):
        with self.lock:
            self.notes = (self.notes + [text])[-20:]

    def _on_assigned(self, partitions):
        with self.lock:
            self._assignment |= set(partitions)
            self.assignments += 1

    def _forget(self, partitions):
        with self.lock:
            self._assignment -= set(partitions)
            for partition in partitions:
                self.pending.pop(partition, None)

    def _on_revoked(self, partitions):
        self._maybe_commit(force=True, only=set(partitions))
        self._forget(partitions)

    async def _aon_revoked(self, partitions):
        await self._amaybe_commit(force=True, only=set(partitions))
        self._forget(partitions)

    def _on_lost(self, partitions):
        # Not ours any more: nothing is committed for them.
        self._forget(partitions)

    def _on_record(self, partition, offset, value):
        with self.lock:
            if partition not in self._assignment:
                self.notes = (self.notes + [f"record of unassigned partition {partition} at {offset}"])[-20:]
            self.received.append((partition, offset, value))
            self.first.setdefault(partition, offset)
            self.pending[partition] = offset + 1
        self.ledger.record(self.name, partition, offset, value)

    def _take_commit(self, force, only):
        with self.lock:
            if not self.pending:
                return None
            now = time.monotonic()
            if not force and now - self.last_commit < self.commit_interval:
                return None
            for partition in [p for p in self.pending if p not in self._assignment]:
                del self.pending[partition]
            offsets = {p: o for p, o in self.pending.items() if only is None or p in only}
            if not offsets:
                return None
            self.last_commit = now
            return offsets

    def _commit_succeeded(self, offsets, started):
        finished = time.monotonic()
        with self.lock:
            for partition, offset in offsets.items():
                if self.pending.get(partition) == offset:
                    del self.pending[partition]
            self.commits += 1
        self.ledger.committed(self.name, offsets, started, finished)

    def _commit_failed(self, offsets, error):
        text = f"{type(error).__name__}: {error}"
        with self.lock:
            self.commit_failures = (self.commit_failures + [text])[-20:]
        self.ledger.commit_failed(self.name, offsets, text)

    def _maybe_commit(self, force=False, only=None):
        offsets = self._take_commit(force, only)
        if not offsets:
            return
        started = time.monotonic()
        try:
            self._commit(offsets)
        except Exception as error:  # noqa: BLE001 - a failed commit is recorded, not fatal
            self._commit_failed(offsets, error)
            return
        self._commit_succeeded(offsets, started)

    async def _amaybe_commit(self, force=False, only=None):
        offsets = self._take_commit(force, only)
        if not offsets:
            return
        started = time.monotonic()
        try:
            await self._acommit(offsets)
        except Exception as error:  # noqa: BLE001 - a failed commit is recorded, not fatal
            self._commit_failed(offsets, error)
            return
        self._commit_succeeded(offsets, started)

    def _commit(self, offsets):
        raise NotImplementedError

    async def _acommit(self, offsets):
        raise NotImplementedError


class ConfluentMember(Member):
    client = "confluent"

    def _run(self):
        from confluent_kafka import Consumer, TopicPartition

        self._topic_partition = TopicPartition
        self.consumer = Consumer({
            "bootstrap.servers": self.bootstrap,
            "group.id": self.group,
            "client.id": self.client_id,
            "partition.assignment.strategy": "range",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": SESSION_TIMEOUT_MS,
            "heartbeat.interval.ms": HEARTBEAT_INTERVAL_MS,
            "max.poll.interval.ms": MAX_POLL_INTERVAL_MS,
            "topic.metadata.refresh.interval.ms": 5000,
        })
        self.consumer.subscribe(
            [self.topic],
            on_assign=lambda _c, parts: self._on_assigned([p.partition for p in parts if p.topic == self.topic]),
            on_revoke=lambda _c, parts: self._on_revoked([p.partition for p in parts if p.topic == self.topic]),
            on_lost=lambda _c, parts: self._on_lost([p.partition for p in parts if p.topic == self.topic]))
        try:
            while not self.stop_event.is_set():
                for message in self.consumer.consume(num_messages=500, timeout=0.2):
                    error = message.error()
                    if error is not None:
                        if error.fatal():
                            raise RuntimeError(f"fatal consumer error: {error}")
                        self._note(f"consumer error: {error}")
                        continue
                    self._on_record(message.partition(), message.offset(), message.value())
                self._maybe_commit()
            self._maybe_commit(force=True)
        finally:
            self.consumer.close()

    def _commit(self, offsets):
        parts = [self._topic_partition(self.topic, p, o) for p, o in sorted(offsets.items())]
        result = self.consumer.commit(offsets=parts, asynchronous=False)
        bad = [f"partition {tp.partition}: {tp.error}" for tp in (result or []) if tp.error is not None]
        if bad:
            raise RuntimeError("commit answered " + ", ".join(bad))


class KafkaPythonMember(Member):
    client = "kafka-python"

    def _run(self):
        from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
        from kafka.coordinator.assignors.range import RangePartitionAssignor
        from kafka.structs import OffsetAndMetadata

        member = self
        self._topic_partition = TopicPartition
        self._offset_and_metadata = OffsetAndMetadata

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                member._on_revoked(sorted(tp.partition for tp in revoked if tp.topic == member.topic))

            def on_partitions_assigned(self, assigned):
                member._on_assigned(sorted(tp.partition for tp in assigned if tp.topic == member.topic))

        self.consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap.split(","), group_id=self.group, client_id=self.client_id,
            enable_auto_commit=False, auto_offset_reset="earliest",
            partition_assignment_strategy=[RangePartitionAssignor], session_timeout_ms=SESSION_TIMEOUT_MS,
            heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS, max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
            metadata_max_age_ms=5000)
        self.consumer.subscribe(topics=[self.topic], listener=Listener())
        try:
            while not self.stop_event.is_set():
                batches = self.consumer.poll(timeout_ms=200, max_records=500)
                for tp, records in batches.items():
                    for record in records:
                        self._on_record(tp.partition, record.offset, record.value)
                self._maybe_commit()
            self._maybe_commit(force=True)
        finally:
            self.consumer.close(autocommit=False)

    def _commit(self, offsets):
        self.consumer.commit({self._topic_partition(self.topic, p): self._offset_and_metadata(o, "", -1)
                              for p, o in offsets.items()}, timeout_ms=30000)


class AiokafkaMember(Member):
    client = "aiokafka"

    def _run(self):
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._amain())
        finally:
            loop.close()

    async def _amain(self):
        from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
        from aiokafka.coordinator.assignors.range import RangePartitionAssignor

        member = self
        self._topic_partition = TopicPartition

        class Listener(ConsumerRebalanceListener):
            async def on_partitions_revoked(self, revoked):
                await member._aon_revoked(sorted(tp.partition for tp in revoked if tp.topic == member.topic))

            async def on_partitions_assigned(self, assigned):
                member._on_assigned(sorted(tp.partition for tp in assigned if tp.topic == member.topic))

        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.group, client_id=self.client_id,
            enable_auto_commit=False, auto_offset_reset="earliest",
            partition_assignment_strategy=(RangePartitionAssignor,), session_timeout_ms=SESSION_TIMEOUT_MS,
            heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS, max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
            metadata_max_age_ms=5000)
        self.consumer.subscribe([self.topic], listener=Listener())
        try:
            await self.consumer.start()
            while not self.stop_event.is_set():
                batches = await self.consumer.getmany(timeout_ms=200, max_records=500)
                for tp, records in batches.items():
                    for record in records:
                        self._on_record(tp.partition, record.offset, record.value)
                await self._amaybe_commit()
            await self._amaybe_commit(force=True)
        finally:
            await self.consumer.stop()

    async def _acommit(self, offsets):
        # aiokafka retries a retriable failure without limit; 60 s bound it (the commit then counts
        # as failed: it may still have been applied, which the checks allow).
        await asyncio.wait_for(
            self.consumer.commit({self._topic_partition(self.topic, p): o for p, o in offsets.items()}), timeout=60)


MEMBER_CLASSES = {"confluent": ConfluentMember, "kafka-python": KafkaPythonMember, "aiokafka": AiokafkaMember}


def new_member(client, bootstrap, topic, group, ledger, **options):
    return MEMBER_CLASSES[client](bootstrap, topic, group, ledger, **options)


def stop_members(members, seconds, program):
    """Stops `members` (each commits what is pending and closes: LeaveGroup) and waits up to
    `seconds` for each thread to finish; fails the script if one does not or failed."""
    for member in members:
        member.stop()
    deadline = time.monotonic() + seconds
    for member in members:
        if not member.wait_closed(max(0.1, deadline - time.monotonic())):
            fail(f"{program}: member {member.name} did not close within {seconds} s: {member.summary()}")
        member.check_healthy(program)


def assignment_split(members, partitions):
    """{name: sorted partitions} when every member in `members` holds a non-empty assignment,
    the assignments are disjoint and together hold exactly `partitions`; else None."""
    split = {member.name: member.assignment() for member in members}
    if any(not owned for owned in split.values()):
        return None
    union = set()
    for owned in split.values():
        if union & owned:
            return None
        union |= owned
    if union != set(partitions):
        return None
    return {name: sorted(owned) for name, owned in split.items()}


def describe_split(members):
    return {member.name: sorted(member.assignment()) for member in members}


# Topics and records (confluent-kafka).

def create_topic(bootstrap, topic, partitions, replication_factor, seconds, program):
    """Creates `topic` through any broker of `bootstrap`, retrying every error for `seconds` (an
    election may be under way); TOPIC_ALREADY_EXISTS after an earlier attempt counts as success.
    Then waits (same deadline) for a leader of every partition."""
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + seconds
    attempt = 0
    while True:
        attempt += 1
        timeout = max(1.0, min(30.0, deadline - time.monotonic()))
        try:
            admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=replication_factor)],
                                operation_timeout=timeout, request_timeout=timeout)[topic].result(timeout=timeout + 5)
            break
        except KafkaException as error:
            code = error.args[0].code() if isinstance(error.args[0], KafkaError) else None
            if code == KafkaError.TOPIC_ALREADY_EXISTS and attempt > 1:
                break
            if code in (KafkaError.TOPIC_ALREADY_EXISTS, KafkaError.INVALID_PARTITIONS,
                        KafkaError.INVALID_REPLICATION_FACTOR):
                fail(f"{program}: create {topic}: {error}")
            problem = error
        except Exception as error:  # noqa: BLE001 - a future timeout: retried
            problem = error
        if time.monotonic() > deadline:
            fail(f"{program}: create {topic}: still failing after {seconds} s: {problem}")
        log(program, f"create {topic} attempt {attempt}: {problem}; retrying")
        time.sleep(0.5)
    ready, metadata = wait_for_leaders(admin, topic, partitions, max(1.0, deadline - time.monotonic()), interval=0.2)
    check(ready, f"{program}: {topic} has no leader for every partition within {seconds} s: "
                 f"{metadata.partitions if metadata is not None else 'not listed'}")
    log(program, f"created {topic}: {partitions} partitions, replication factor {replication_factor}, leaders "
                 f"{ {p: m.leader for p, m in sorted(metadata.partitions.items())} }")


def produce_keyed(bootstrap, topic, partitions, per_partition, tag, program, seconds=120):
    """Sends `per_partition` records to each of `partitions` (explicit partition; key
    `TAG-pP-SEQ`, value `TAG-pP-SEQ-value`; acks=all) and waits for every delivery report.
    Returns {partition: [(offset, key, value)]} in offset order; fails the script if a delivery
    failed."""
    from confluent_kafka import Producer

    producer = Producer(producer_config(bootstrap, {"message.timeout.ms": seconds * 1000, "retries": 2147483647,
                                                    "retry.backoff.ms": 100}))
    acked = {p: [] for p in partitions}
    failed = []

    def report(err, msg):
        if err is not None:
            failed.append(f"{msg.key().decode()}: {err.name()} {err.str()}")
        else:
            acked[msg.partition()].append((msg.offset(), msg.key(), msg.value()))

    for seq in range(per_partition):
        for partition in partitions:
            key = f"{tag}-p{partition}-{seq:06d}"
            while True:
                try:
                    producer.produce(topic, key=key.encode(), value=f"{key}-value".encode(), partition=partition,
                                     on_delivery=report)
                    break
                except BufferError:
                    producer.poll(0.1)
            producer.poll(0)
    left = producer.flush(seconds + 30)
    check(left == 0 and not failed, f"{program}: producing {tag}: {left} without a report, {len(failed)} failed: "
                                    f"{failed[:5]}")
    for partition in partitions:
        acked[partition].sort()
        check(len(acked[partition]) == per_partition,
              f"{program}: producing {tag}: partition {partition} has {len(acked[partition])} reports")
    return acked


def acked_values(batches):
    """{(partition, offset): value} of produce_keyed answers (several batches)."""
    result = {}
    for batch in batches:
        for partition, records in batch.items():
            for offset, _, value in records:
                result[(partition, offset)] = value
    return result


def end_offsets(batches):
    """{partition: last acknowledged offset + 1} over produce_keyed answers."""
    ends = {}
    for batch in batches:
        for partition, records in batch.items():
            if records:
                ends[partition] = max(ends.get(partition, 0), records[-1][0] + 1)
    return ends


def read_partitions(bootstrap, topic, partitions, seconds, program):
    """{partition: [(offset, key, value)]} of `partitions` of `topic` from the beginning up to the
    high watermark each had when the read began (assign, no group: nothing is committed)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"tern-reader-{uuid.uuid4().hex[:8]}",
                         "enable.auto.commit": False, "enable.auto.offset.store": False,
                         "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    deadline = time.monotonic() + seconds
    try:
        highs = {}
        for partition in partitions:
            highs[partition] = wait_for(
                f"the high watermark of {topic}-{partition}", max(1.0, deadline - time.monotonic()),
                lambda p=partition: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1])
        records = {p: [] for p in partitions}
        open_partitions = {p for p in partitions if highs[p] > 0}
        if open_partitions:
            consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(open_partitions)])
        while open_partitions:
            if time.monotonic() > deadline:
                fail(f"{program}: reading {topic}: partitions {sorted(open_partitions)} did not reach their high "
                     f"watermarks {highs} within {seconds} s")
            message = consumer.poll(0.5)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    if message.offset() >= highs[message.partition()]:
                        open_partitions.discard(message.partition())
                    continue
                if error.fatal():
                    fail(f"{program}: reading {topic}: {error}")
                continue
            partition = message.partition()
            if partition in open_partitions:
                records[partition].append((message.offset(), message.key(), message.value()))
                if message.offset() >= highs[partition] - 1:
                    open_partitions.discard(partition)
        return records, highs
    finally:
        consumer.close()


# Groups through the confluent-kafka AdminClient.

def admin_client(bootstrap):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": bootstrap})


def committed_offsets(admin, group, topic, partitions=None, timeout=15):
    """{partition: offset} of `topic` from list_consumer_group_offsets (OffsetFetch through
    FindCoordinator); `partitions` None asks for every committed offset of the group. One try;
    raises on an error (partition errors included)."""
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

    wanted = None if partitions is None else [TopicPartition(topic, p) for p in sorted(partitions)]
    future = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group, wanted)],
                                               request_timeout=timeout)[group]
    result = future.result(timeout=timeout + 5)
    offsets = {}
    for tp in result.topic_partitions or []:
        if tp.error is not None:
            raise RuntimeError(f"list_consumer_group_offsets: partition {tp.topic}-{tp.partition}: {tp.error}")
        if tp.topic == topic:
            offsets[tp.partition] = tp.offset
    return offsets


def describe_group(admin, group, timeout=15):
    """The ConsumerGroupDescription of `group` (DescribeGroups through FindCoordinator); raises."""
    return admin.describe_consumer_groups([group], request_timeout=timeout)[group].result(timeout=timeout + 5)


def description_text(description):
    members = [{"clientId": m.client_id, "host": m.host,
                "assignment": sorted((tp.topic, tp.partition) for tp in m.assignment.topic_partitions)}
               for m in description.members]
    coordinator = description.coordinator.id if description.coordinator is not None else None
    return (f"state {description.state}, assignor {description.partition_assignor!r}, coordinator {coordinator}, "
            f"simple {description.is_simple_consumer_group}, members {members}")


def group_offsets_partition(bootstrap, group, seconds, program):
    """The `__consumer_offsets` partition that holds `group`'s records (its keys contain the group
    id's bytes; every record of one group belongs in one partition) and the partition count.
    Waits (polling) until one partition holds some; fails if several do."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + seconds

    def count():
        topic = admin.list_topics(topic="__consumer_offsets", timeout=10).topics.get("__consumer_offsets")
        if topic is None or topic.error is not None or not topic.partitions:
            raise RuntimeError(f"__consumer_offsets is not in the metadata: {topic.error if topic else 'absent'}")
        return len(topic.partitions)

    total = wait_for("__consumer_offsets in the metadata", seconds, count)
    needle = group.encode()
    while True:
        records, _ = read_partitions(bootstrap, "__consumer_offsets", list(range(total)),
                                     max(5.0, deadline - time.monotonic()), program)
        holding = sorted(p for p, entries in records.items() if any(key and needle in key for _, key, _ in entries))
        check(len(holding) <= 1, f"{program}: records of group {group} in several __consumer_offsets partitions: "
                                 f"{holding}")
        if holding:
            return holding[0], total
        if time.monotonic() > deadline:
            fail(f"{program}: no __consumer_offsets partition holds a record of group {group} after {seconds} s")
        time.sleep(0.5)


def java_string_hash(text):
    """Java's String.hashCode of `text` (UTF-16 code units), as a signed 32-bit int."""
    value = 0
    data = text.encode("utf-16-be")
    for index in range(0, len(data), 2):
        value = (31 * value + int.from_bytes(data[index:index + 2], "big")) & 0xFFFFFFFF
    return value - (1 << 32) if value >= (1 << 31) else value


def kafka_offsets_partition(group, partitions):
    """Kafka's partition for `group` (GroupMetadataManager.partitionFor):
    Utils.abs(groupId.hashCode()) % partitions, where Utils.abs maps Integer.MIN_VALUE to 0 and is
    Math.abs otherwise (not the `& 0x7fffffff` of Utils.toPositive, which the producer uses)."""
    value = java_string_hash(group)
    return (0 if value == -(1 << 31) else abs(value)) % partitions
