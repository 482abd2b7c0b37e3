"""What the interop scripts in this folder (and bench/broker/produce_bench.py) share.

Argument parsing, failure reporting, topic creation with confluent-kafka's AdminClient, the
test records of the round-trip scripts, and the checks the kafka-python and aiokafka round
trips make alike. Nothing here imports a Kafka client when this module is imported: each script
reports its own missing modules (with `missing_module`), and the confluent-kafka helpers import
it when they are called.

The scripts are run as `python3 Tests/TernInteropTests/Scripts/<name>.py ...`; Python puts the
script's folder first on sys.path, so `import interop_common` finds this file.
"""
import argparse
import importlib
import sys
import time
import uuid

# The round-trip topics: partitions 0-2 get data, partition 3 stays empty (only the
# LEADER_CHANGE control batch at offset 0).
DATA_PARTITIONS = 3
PARTITIONS = DATA_PARTITIONS + 1
# Record i has timestamp base + i ms (3 ms apart within a partition, so a query 1 ms after a
# record falls strictly between two records). base is 1 s after the topic was created: later
# than the partitions' LEADER_CHANGE control batches, as live data is.
TIMESTAMP_STEP_MS = 1

LIBRDKAFKA_MAX_IN_FLIGHT_HELP = "producer max.in.flight.requests.per.connection (default: librdkafka's, 1000000)"


# Failure reporting: the first failed check ends the script with status 1.

def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def missing_module(what, error, how):
    """Reports a Python module the script cannot run without (an environment problem, status 2)."""
    print(f"FAIL: python module {what} missing ({error}); {how}", file=sys.stderr)
    sys.exit(2)


def require_module(name, how):
    """Imports module `name` only to make sure it is there (a codec a client loads later)."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        missing_module(name, error, how)


# Arguments.

def argument_parser(doc):
    """A parser described by the first line of `doc`, with the required --bootstrap."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    return parser


def roundtrip_arguments(doc, count=20000, count_help=None, max_in_flight_help=None):
    """--bootstrap, --count and, when `max_in_flight_help` is given, --max-in-flight (default None)."""
    parser = argument_parser(doc)
    parser.add_argument("--count", type=int, default=count, help=count_help)
    if max_in_flight_help is not None:
        parser.add_argument("--max-in-flight", type=int, default=None, help=max_in_flight_help)
    return parser.parse_args()


def unique_name(prefix, digits=10):
    return f"{prefix}-{uuid.uuid4().hex[:digits]}"


# Test records of the round trips.

def base_timestamp():
    """The first record's timestamp: 1 s from now (see TIMESTAMP_STEP_MS)."""
    return int(time.time() * 1000) + 1000


def roundtrip_record(index, base_ts, filler, period, extra_headers=()):
    """Record `index`: (partition, key, value, headers, timestamp); each client fills its values
    with its own letter (`filler`, repeated index % `period` times)."""
    partition = index % DATA_PARTITIONS
    key = f"key-{index}".encode()
    value = (f"value-{index}-" + filler * (index % period)).encode()
    headers = [("h1", b"v1"), ("seq", str(index).encode())] + list(extra_headers)
    return partition, key, value, headers, base_ts + index * TIMESTAMP_STEP_MS


def indexes_of(partition, count):
    """The indexes of the records that go to `partition` (none to the empty one)."""
    return list(range(partition, count, DATA_PARTITIONS)) if partition < DATA_PARTITIONS else []


def past_the_end(base_ts, count):
    """A timestamp later than every record's."""
    return base_ts + count * TIMESTAMP_STEP_MS + 1_000_000


# Checks the kafka-python and aiokafka round trips make alike (their ConsumerRecords, offset
# lookups and TopicPartitions look the same).

class Received:
    """The records a consumer hands out (kafka-python's poll and aiokafka's getmany answers), by
    partition, until `count` have come; a failed check after 180 s."""

    def __init__(self, count):
        self.count = count
        self.by_partition = {p: [] for p in range(PARTITIONS)}
        self.started = time.monotonic()
        self.deadline = self.started + 180

    def total(self):
        return sum(len(v) for v in self.by_partition.values())

    def wants_more(self):
        if self.total() >= self.count:
            return False
        check(time.monotonic() < self.deadline, f"consume timed out: {self.total()} of {self.count} records")
        return True

    def add(self, batches):
        for tp, records in batches.items():
            self.by_partition[tp.partition].extend(records)

    def seconds(self):
        return time.monotonic() - self.started


def check_consumed(received, count, base_ts, record_of, headers_of):
    """Every partition's records (`received[partition]`, ConsumerRecords) identical to what was
    produced (`record_of(index, base_ts)`), in order, at offsets 1, 2, 3, ...; `headers_of` turns a
    record's headers into a list of (str, bytes)."""
    for partition in range(PARTITIONS):
        indexes = indexes_of(partition, count)
        got = received[partition]
        check(len(got) == len(indexes), f"partition {partition}: {len(got)} records, expected {len(indexes)}")
        for position, (index, rec) in enumerate(zip(indexes, got)):
            _, key, value, headers, ts = record_of(index, base_ts)
            where = f"partition {partition} record #{position} (offset {rec.offset})"
            check(rec.offset == position + 1, f"{where}: offset {rec.offset}, expected {position + 1}")
            check(rec.key == key, f"{where}: key {rec.key!r}, expected {key!r}")
            check(rec.value == value, f"{where}: value {rec.value[:40]!r}, expected {value[:40]!r}")
            check(headers_of(rec.headers) == headers, f"{where}: headers {rec.headers}, expected {headers}")
            check(rec.timestamp == ts and rec.timestamp_type == 0,
                  f"{where}: timestamp {rec.timestamp} type {rec.timestamp_type}, expected CreateTime {ts}")
    print("every record identical (key, value, headers, timestamp) and in order per partition; "
          "empty partition returned no records")


def check_beginning_and_end(partitions, beginning, end, count):
    """beginning_offsets all 0, end_offsets one past the last record (offset 0 = control batch)."""
    for tp in partitions:
        n = len(indexes_of(tp.partition, count))
        check(beginning[tp] == 0, f"partition {tp.partition}: beginning offset {beginning[tp]}, expected 0")
        check(end[tp] == n + 1, f"partition {tp.partition}: end offset {end[tp]}, expected {n + 1}")
    print(f"beginning_offsets all 0; end_offsets { {tp.partition: o for tp, o in end.items()} }")


def times_queries(topic, count, base_ts, record_of, topic_partition):
    """offsets_for_times queries 1 ms after the record before the middle one of each data
    partition, and the (offset, timestamp) each must find: the middle record's."""
    queries = {}
    expected = {}
    for partition in range(DATA_PARTITIONS):
        indexes = indexes_of(partition, count)
        middle = len(indexes) // 2
        tp = topic_partition(topic, partition)
        queries[tp] = record_of(indexes[middle - 1], base_ts)[4] + 1
        expected[tp] = (middle + 1, record_of(indexes[middle], base_ts)[4])
    return queries, expected


def check_times_found(queries, expected, found):
    for tp, query_ts in queries.items():
        answer = found.get(tp)
        check(answer is not None and (answer.offset, answer.timestamp) == expected[tp],
              f"offsets_for_times partition {tp.partition} ts {query_ts}: {answer}, expected "
              f"offset/timestamp {expected[tp]}")


def check_times_past_the_end(expected, found):
    """Past the end, offsets_for_times finds nothing (None) on every partition."""
    check(all(v is None for v in found.values()), f"offsets_for_times past the end: {found}, expected None")
    print(f"offsets_for_times: { {tp.partition: v for tp, v in expected.items()} } (offset, ts) right; "
          "past the end -> None")


# confluent-kafka (imported when called).

def confluent_versions():
    import confluent_kafka
    return f"confluent-kafka {confluent_kafka.version()}, librdkafka {confluent_kafka.libversion()[0]}"


def producer_config(bootstrap, extra=None):
    """confluent-kafka producer settings of the scripts: acks=all, LZ4, no idempotence (ternd has
    none yet), linger.ms=5; then `extra`."""
    config = {
        "bootstrap.servers": bootstrap,
        "acks": "all",
        "compression.type": "lz4",
        "enable.idempotence": False,
        "linger.ms": 5,
    }
    config.update(extra or {})
    return config


def create_topic_error(admin, name, partitions, replication_factor=1, **timeouts):
    """Creates `name` (replication factor 1 unless given) with an AdminClient and waits up to
    60 s for the answer; returns the exception it failed with, or None. `timeouts` go to
    create_topics."""
    from confluent_kafka.admin import NewTopic

    try:
        admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=replication_factor)],
                            **timeouts)[name].result(timeout=60)
    except Exception as error:  # noqa: BLE001 - the caller reports it
        return error
    return None


def wait_for_leaders(admin, name, partitions, seconds, interval=0.05, partition_errors=False):
    """Polls the metadata until `name` has `partitions` partitions, each with a leader (and, with
    `partition_errors`, no partition error), for up to `seconds`. Returns (ready, the last
    TopicMetadata seen or None)."""
    deadline = time.monotonic() + seconds
    while True:
        topic = admin.list_topics(topic=name, timeout=10).topics.get(name)
        if topic is not None and topic.error is None and len(topic.partitions) == partitions and all(
                p.leader >= 0 and (p.error is None or not partition_errors) for p in topic.partitions.values()):
            return True, topic
        if time.monotonic() >= deadline:
            return False, topic
        time.sleep(interval)


def ensure_topic(bootstrap, topic, partitions, program, replication_factor=1):
    """Creates `topic` (replication factor 1 unless given) unless it exists (a re-run) and waits
    up to 60 s for every partition's leader; otherwise exits (status 1) with a message that
    starts with `program`."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    error = create_topic_error(admin, topic, partitions, replication_factor=replication_factor, request_timeout=30)
    if error is not None and "TOPIC_ALREADY_EXISTS" not in str(error) and "already exists" not in str(error):
        raise SystemExit(f"{program}: cannot create {topic}: {error}")
    ready, _ = wait_for_leaders(admin, topic, partitions, seconds=60, interval=0.1)
    if not ready:
        raise SystemExit(f"{program}: {topic} has no leaders after 60 s")


def high_watermark(consumer, tp, program, seconds=60):
    """The high watermark of `tp` (confluent-kafka), retried for `seconds`; else exits naming `program`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return consumer.get_watermark_offsets(tp, timeout=10)[1]
        except Exception as error:  # noqa: BLE001 - e.g. no leader yet right after a restart
            if time.monotonic() > deadline:
                raise SystemExit(f"{program}: no high watermark for partition {tp.partition}: {error}")
            time.sleep(0.2)


def read_partition(consumer, topic, partition, high, timeout, program):
    """[(offset, value)] of `partition` from the beginning up to `high` (confluent-kafka, assign,
    no group), plus a problem or None; informational consumer errors are printed after `program`."""
    from confluent_kafka import OFFSET_BEGINNING, KafkaError, TopicPartition

    records = []
    if high <= 0:
        return records, None
    consumer.assign([TopicPartition(topic, partition, OFFSET_BEGINNING)])
    deadline = time.monotonic() + timeout
    problem = None
    try:
        while True:
            if time.monotonic() > deadline:
                last = records[-1][0] if records else None
                problem = f"did not reach the high watermark {high} in {timeout} s (last offset read {last})"
                break
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    # The position past the end; control batches (LEADER_CHANGE) at the end of
                    # the log are stepped over, so this reaches the high watermark.
                    if message.offset() >= high:
                        break
                    continue
                if not message.error().fatal():
                    # Informational (a connection to a node that restarted, ...): the consumer
                    # goes on by itself; the deadline bounds the wait.
                    print(f"{program}: partition {partition}: consumer reports {message.error()}", flush=True)
                    continue
                problem = f"consumer error {message.error()}"
                break
            records.append((message.offset(), message.value()))
            if message.offset() >= high - 1:
                break
    finally:
        consumer.unassign()
    return records, problem
