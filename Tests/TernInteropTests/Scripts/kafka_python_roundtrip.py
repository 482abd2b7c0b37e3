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
import time

from interop_common import (DATA_PARTITIONS, PARTITIONS, Received, base_timestamp, check, check_beginning_and_end,
                            check_consumed, check_times_found, check_times_past_the_end, fail, indexes_of,
                            missing_module, past_the_end, require_module, roundtrip_arguments, roundtrip_record,
                            times_queries, unique_name)

try:
    import kafka
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic
except ImportError as error:  # pragma: no cover - environment problem, reported clearly
    missing_module("kafka (kafka-python)", error, "install with: python3 -m pip install kafka-python==2.3.3 lz4")
require_module("lz4", "install with: python3 -m pip install lz4")  # kafka-python's LZ4 codec needs it


def record(index, base_ts):
    return roundtrip_record(index, base_ts, "y", 89)


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
    received = Received(count)
    while received.wants_more():
        received.add(consumer.poll(timeout_ms=1000))
    print(f"consumed {count} records in {received.seconds():.2f} s")
    check_consumed(received.by_partition, count, base_ts, record, headers_of=list)

    beginning = consumer.beginning_offsets(partitions)
    end = consumer.end_offsets(partitions)
    check_beginning_and_end(partitions, beginning, end, count)

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

    queries, expected = times_queries(topic, count, base_ts, record, TopicPartition)
    check_times_found(queries, expected, consumer.offsets_for_times(queries))
    found = consumer.offsets_for_times({tp: past_the_end(base_ts, count) for tp in queries})
    check_times_past_the_end(expected, found)
    consumer.close()


def main():
    args = roundtrip_arguments(
        __doc__, max_in_flight_help="producer max_in_flight_requests_per_connection (default: the client's, 5)")
    print(f"kafka-python {kafka.__version__}")
    topic = unique_name("kafka-python-roundtrip")
    create_topic(args.bootstrap, topic)
    print(f"created topic {topic} with {PARTITIONS} partitions")
    base_ts = base_timestamp()
    produce(args.bootstrap, topic, args.count, base_ts, args.max_in_flight)
    consume(args.bootstrap, topic, args.count, base_ts)
    describe_topic(args.bootstrap, topic)
    print("OK: kafka_python_roundtrip")


if __name__ == "__main__":
    main()
