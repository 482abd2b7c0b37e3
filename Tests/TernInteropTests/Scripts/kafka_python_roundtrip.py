#!/usr/bin/env python3
"""kafka-python 2.3.3 against one ternd: produce, consume back, offsets, lag.

Creates a 4-partition topic (partitions 0-2 get data, partition 3 stays empty: only the
LEADER_CHANGE control batch at offset 0), produces N records with keys, headers and explicit
timestamps (acks='all', LZ4, no idempotence), and checks:
  * every send future succeeded, offsets per partition are 1, 2, 3, ... (0 is the control batch)
  * a KafkaConsumer(group_id=None) with assign() reads everything back identical and in order
  * beginning_offsets 0, end_offsets = last offset + 1
  * offsets_for_times: a timestamp between two records gives the first record with ts >= query;
    a timestamp past the end gives None
  * after reading to the end: position == end offset (lag 0), also on the empty partition
  * KafkaAdminClient.describe_topics (Metadata v8 asking for authorized operations) works
Exits non-zero with a message on the first failed check.
"""
import argparse
import sys
import time
import uuid

try:
    import kafka
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic
except ImportError as error:  # pragma: no cover - environment problem, reported clearly
    print(f"FAIL: python module kafka (kafka-python) missing ({error}); "
          "install with: python3 -m pip install kafka-python==2.3.3 lz4", file=sys.stderr)
    sys.exit(2)
try:
    import lz4  # noqa: F401 - kafka-python's LZ4 codec needs it
except ImportError as error:  # pragma: no cover
    print(f"FAIL: python module lz4 missing ({error}); install with: python3 -m pip install lz4",
          file=sys.stderr)
    sys.exit(2)

DATA_PARTITIONS = 3
PARTITIONS = DATA_PARTITIONS + 1
# Record i has timestamp base + i ms (3 ms apart within a partition, so a query 1 ms after a
# record falls strictly between two records). base is 1 s after the topic was created: later
# than the partitions' LEADER_CHANGE control batches, as live data is.
TIMESTAMP_STEP_MS = 1


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def record(index, base_ts):
    partition = index % DATA_PARTITIONS
    key = f"key-{index}".encode()
    value = (f"value-{index}-" + "y" * (index % 89)).encode()
    headers = [("h1", b"v1"), ("seq", str(index).encode())]
    return partition, key, value, headers, base_ts + index * TIMESTAMP_STEP_MS


def indexes_of(partition, count):
    return list(range(partition, count, DATA_PARTITIONS)) if partition < DATA_PARTITIONS else []


def create_topic(bootstrap, name):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="tern-interop-kafka-python")
    try:
        admin.create_topics([NewTopic(name, num_partitions=PARTITIONS, replication_factor=1)], timeout_ms=30000)
    except Exception as error:  # noqa: BLE001
        fail(f"create_topics({name}) failed: {error!r}")
    admin.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, client_id="tern-interop-kafka-python")
    deadline = time.monotonic() + 30
    while consumer.partitions_for_topic(name) != set(range(PARTITIONS)):
        check(time.monotonic() < deadline, f"topic {name} not in metadata with {PARTITIONS} partitions within 30 s: "
              f"{consumer.partitions_for_topic(name)}")
        consumer._client.cluster.request_update()
        consumer.poll(timeout_ms=50)
    consumer.close()


def describe_topic(bootstrap, name):
    """KafkaAdminClient.describe_topics (Metadata v8 asking for authorized operations)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="tern-interop-kafka-python")
    try:
        topics = admin.describe_topics([name])
    except Exception as error:  # noqa: BLE001
        fail(f"KafkaAdminClient.describe_topics([{name}]) failed: {error!r} (it sends Metadata v8 with "
             "include_cluster/topic_authorized_operations=true; a broker must then return real operation "
             "bitfields, not -2147483648)")
    finally:
        admin.close()
    check(len(topics) == 1 and topics[0]["error_code"] == 0 and len(topics[0]["partitions"]) == PARTITIONS,
          f"describe_topics: {topics}")
    leaders = [p.get("leader", p.get("leader_id", -1)) for p in topics[0]["partitions"]]
    check(all(leader >= 0 for leader in leaders), f"describe_topics: partitions without leader: {topics}")
    print(f"describe_topics: {PARTITIONS} partitions, leaders {leaders}, "
          f"authorized operations {sorted(topics[0].get('authorized_operations', []))}")


def produce(bootstrap, topic, count, base_ts, max_in_flight):
    options = {} if max_in_flight is None else {"max_in_flight_requests_per_connection": max_in_flight}
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type="lz4",
                             enable_idempotence=False, linger_ms=5, batch_size=64 * 1024,
                             request_timeout_ms=60000, delivery_timeout_ms=120000, **options)
    started = time.monotonic()
    futures = []
    for index in range(count):
        partition, key, value, headers, ts = record(index, base_ts)
        futures.append((index, producer.send(topic, value=value, key=key, headers=headers,
                                             partition=partition, timestamp_ms=ts)))
    producer.flush(timeout=120)
    elapsed = time.monotonic() - started
    offsets = {}
    for index, future in futures:
        try:
            metadata = future.get(timeout=1)
        except Exception as error:  # noqa: BLE001
            fail(f"send of record {index} failed: {error!r}")
        offsets.setdefault(metadata.partition, []).append(metadata.offset)
    producer.close(timeout=30)
    print(f"produced {count} records in {elapsed:.2f} s ({count / elapsed:.0f} msg/s), every send succeeded")
    for partition in range(DATA_PARTITIONS):
        n = len(indexes_of(partition, count))
        got = offsets.get(partition, [])
        wrong = [(i, o) for i, o in enumerate(got, start=1) if i != o]
        check(got == list(range(1, n + 1)), f"partition {partition}: send offsets are not 1..{n} in send order "
              f"({len(got)} in all; first mismatches (expected, got): {wrong[:8]}; duplicates: "
              f"{len(got) - len(set(got))})")
    print("send offsets: 1..n per partition in send order (offset 0 = control batch)")


def consume(bootstrap, topic, count, base_ts):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", client_id="tern-interop-kafka-python",
                             max_poll_records=5000)
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    received = {p: [] for p in range(PARTITIONS)}
    started = time.monotonic()
    deadline = started + 180
    while sum(len(v) for v in received.values()) < count:
        check(time.monotonic() < deadline,
              f"consume timed out: {sum(len(v) for v in received.values())} of {count} records")
        for tp, records in consumer.poll(timeout_ms=1000).items():
            received[tp.partition].extend(records)
    elapsed = time.monotonic() - started
    print(f"consumed {count} records in {elapsed:.2f} s")
    for partition in range(PARTITIONS):
        indexes = indexes_of(partition, count)
        got = received[partition]
        check(len(got) == len(indexes), f"partition {partition}: {len(got)} records, expected {len(indexes)}")
        for position, (index, rec) in enumerate(zip(indexes, got)):
            _, key, value, headers, ts = record(index, base_ts)
            where = f"partition {partition} record #{position} (offset {rec.offset})"
            check(rec.offset == position + 1, f"{where}: offset {rec.offset}, expected {position + 1}")
            check(rec.key == key, f"{where}: key {rec.key!r}, expected {key!r}")
            check(rec.value == value, f"{where}: value {rec.value[:40]!r}, expected {value[:40]!r}")
            check(list(rec.headers) == headers, f"{where}: headers {rec.headers}, expected {headers}")
            check(rec.timestamp == ts and rec.timestamp_type == 0,
                  f"{where}: timestamp {rec.timestamp} type {rec.timestamp_type}, expected CreateTime {ts}")
    print("every record identical (key, value, headers, timestamp) and in order per partition; "
          "empty partition returned no records")

    beginning = consumer.beginning_offsets(partitions)
    end = consumer.end_offsets(partitions)
    for tp in partitions:
        n = len(indexes_of(tp.partition, count))
        check(beginning[tp] == 0, f"partition {tp.partition}: beginning offset {beginning[tp]}, expected 0")
        check(end[tp] == n + 1, f"partition {tp.partition}: end offset {end[tp]}, expected {n + 1}")
    print(f"beginning_offsets all 0; end_offsets { {tp.partition: o for tp, o in end.items()} }")

    # Lag 0: keep polling (bounded) until every position reaches its end offset; the empty
    # partition's position must move past the control batch at offset 0.
    deadline = time.monotonic() + 30
    while True:
        positions = {tp.partition: consumer.position(tp) for tp in partitions}
        if all(positions[tp.partition] == end[tp] for tp in partitions):
            break
        if time.monotonic() > deadline:
            fail(f"positions {positions} never reached end offsets "
                 f"{ {tp.partition: o for tp, o in end.items()} } (lag should be 0 after reading to the end)")
        extra = consumer.poll(timeout_ms=200)
        check(not extra, f"unexpected records after the end: {extra}")
    print(f"positions == end offsets (lag 0): {positions}")

    queries = {}
    expected = {}
    for partition in range(DATA_PARTITIONS):
        indexes = indexes_of(partition, count)
        middle = len(indexes) // 2
        tp = TopicPartition(topic, partition)
        queries[tp] = record(indexes[middle - 1], base_ts)[4] + 1
        expected[tp] = (middle + 1, record(indexes[middle], base_ts)[4])
    found = consumer.offsets_for_times(queries)
    for tp, query_ts in queries.items():
        answer = found.get(tp)
        check(answer is not None and (answer.offset, answer.timestamp) == expected[tp],
              f"offsets_for_times partition {tp.partition} ts {query_ts}: {answer}, expected "
              f"offset/timestamp {expected[tp]}")
    past = base_ts + count * TIMESTAMP_STEP_MS + 1_000_000
    found = consumer.offsets_for_times({tp: past for tp in queries})
    check(all(v is None for v in found.values()), f"offsets_for_times past the end: {found}, expected None")
    print(f"offsets_for_times: { {tp.partition: v for tp, v in expected.items()} } (offset, ts) right; "
          "past the end -> None")
    consumer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--max-in-flight", type=int, default=None,
                        help="producer max_in_flight_requests_per_connection (default: the client's, 5)")
    args = parser.parse_args()
    print(f"kafka-python {kafka.__version__}")
    topic = f"kafka-python-roundtrip-{uuid.uuid4().hex[:10]}"
    create_topic(args.bootstrap, topic)
    print(f"created topic {topic} with {PARTITIONS} partitions")
    base_ts = int(time.time() * 1000) + 1000
    produce(args.bootstrap, topic, args.count, base_ts, args.max_in_flight)
    consume(args.bootstrap, topic, args.count, base_ts)
    describe_topic(args.bootstrap, topic)
    print("OK: kafka_python_roundtrip")


if __name__ == "__main__":
    main()
