#!/usr/bin/env python3
"""confluent-kafka (librdkafka) against one ternd: produce, consume back, offsets, lag.

Creates a 4-partition topic (partitions 0-2 get data, partition 3 stays empty: only the
LEADER_CHANGE control batch at offset 0), produces N records with keys, headers and explicit
timestamps (acks=all, LZ4, no idempotence), and checks:
  * every delivery report succeeded, offsets per partition are 1, 2, 3, ... (0 is the control batch)
  * a Consumer with assign() reads everything back identical and in order per partition
  * get_watermark_offsets: low 0, high = last offset + 1
  * offsets_for_times: a timestamp between two records gives the first record with ts >= query;
    a timestamp past the end gives -1
  * AdminClient.list_offsets: earliest, latest, max timestamp
  * after reading to the end: position == high watermark (lag 0), also on the empty partition
  * records timestamped before their topic existed: timestamp lookups and max timestamp name
    those records, not the partition's control batch
Exits non-zero with a message on the first failed check.
"""
import time

from interop_common import (DATA_PARTITIONS, LIBRDKAFKA_MAX_IN_FLIGHT_HELP, base_timestamp, check, confluent_versions,
                            create_topic_error, fail, missing_module, past_the_end, producer_config,
                            roundtrip_arguments, roundtrip_record, unique_name, wait_for_leaders)

try:
    from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, OffsetSpec
except ImportError as error:  # pragma: no cover - environment problem, reported clearly
    missing_module("confluent_kafka", error, "install with: python3 -m pip install confluent-kafka")

EMPTY_PARTITION = 3


def create_topic(admin, name, partitions):
    error = create_topic_error(admin, name, partitions, operation_timeout=30, request_timeout=30)
    if error is not None:
        fail(f"create_topics({name}, {partitions}) failed: {error!r}")
    ready, _ = wait_for_leaders(admin, name, partitions, seconds=30)
    check(ready, f"topic {name} did not show {partitions} partitions with leaders within 30 s")


def record(index, base_ts):
    return roundtrip_record(index, base_ts, "x", 97, extra_headers=[("empty", b"")])


def produce(bootstrap, topic, count, base_ts, max_in_flight):
    config = producer_config(bootstrap, {"message.timeout.ms": 120000})
    if max_in_flight is not None:
        config["max.in.flight.requests.per.connection"] = max_in_flight
    producer = Producer(config)
    reports = []
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append((err, msg.partition(), msg.key()))
        else:
            reports.append((msg.partition(), msg.offset(), msg.key()))

    started = time.monotonic()
    for index in range(count):
        partition, key, value, headers, ts = record(index, base_ts)
        while True:
            try:
                producer.produce(topic, value=value, key=key, partition=partition, headers=headers,
                                 timestamp=ts, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    remaining = producer.flush(120)
    elapsed = time.monotonic() - started
    check(remaining == 0, f"{remaining} messages still undelivered after flush(120)")
    check(not errors, f"{len(errors)} delivery reports failed, first: {errors[:3]}")
    check(len(reports) == count, f"{len(reports)} delivery reports for {count} messages")
    print(f"produced {count} records to {DATA_PARTITIONS} partitions in {elapsed:.2f} s "
          f"({count / elapsed:.0f} msg/s), all delivery reports OK")
    offsets = {}
    for partition, offset, key in reports:
        offsets.setdefault(partition, {})[key] = offset
    for partition in range(DATA_PARTITIONS):
        keys = [record(i, base_ts)[1] for i in range(partition, count, DATA_PARTITIONS)]
        got = [offsets.get(partition, {}).get(k) for k in keys]
        expected = list(range(1, len(keys) + 1))
        wrong = [(e, g) for e, g in zip(expected, got) if e != g]
        check(got == expected, f"partition {partition}: delivery offsets are not 1..{len(keys)} in produce order "
              f"(one connection; {len(wrong)} differ; first (expected, got): {wrong[:8]}; duplicates: "
              f"{len(got) - len(set(got))})")
    print("delivery report offsets: 1..n per partition in produce order (offset 0 = control batch)")


def consume(bootstrap, topic, count, base_ts):
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": unique_name("tern-interop-unused", 8),
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": True,
    })
    partitions = [TopicPartition(topic, p, -2) for p in range(DATA_PARTITIONS + 1)]  # -2: beginning
    consumer.assign(partitions)
    received = {p: [] for p in range(DATA_PARTITIONS + 1)}
    eof = set()
    deadline = time.monotonic() + 180
    started = time.monotonic()
    while len(eof) < DATA_PARTITIONS + 1 or sum(len(v) for v in received.values()) < count:
        check(time.monotonic() < deadline, f"consume timed out: {sum(len(v) for v in received.values())}"
              f" of {count} records, EOF on {sorted(eof)}")
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                expected_here = len(range(msg.partition(), count, DATA_PARTITIONS)) \
                    if msg.partition() < DATA_PARTITIONS else 0
                if len(received[msg.partition()]) >= expected_here:
                    eof.add(msg.partition())
                continue
            fail(f"consumer error: {msg.error()}")
        received[msg.partition()].append(msg)
    elapsed = time.monotonic() - started
    print(f"consumed {count} records in {elapsed:.2f} s; EOF on all {DATA_PARTITIONS + 1} partitions")

    for partition in range(DATA_PARTITIONS):
        indexes = list(range(partition, count, DATA_PARTITIONS))
        msgs = received[partition]
        check(len(msgs) == len(indexes), f"partition {partition}: {len(msgs)} records, expected {len(indexes)}")
        for position, (index, msg) in enumerate(zip(indexes, msgs)):
            _, key, value, headers, ts = record(index, base_ts)
            where = f"partition {partition} record #{position} (offset {msg.offset()})"
            check(msg.offset() == position + 1, f"{where}: offset {msg.offset()}, expected {position + 1}")
            check(msg.key() == key, f"{where}: key {msg.key()!r}, expected {key!r}")
            check(msg.value() == value, f"{where}: value {msg.value()[:40]!r}, expected {value[:40]!r}")
            check(msg.headers() == headers, f"{where}: headers {msg.headers()}, expected {headers}")
            ts_type, ts_value = msg.timestamp()
            check(ts_value == ts, f"{where}: timestamp {ts_type}/{ts_value}, expected CreateTime {ts}")
    check(not received[EMPTY_PARTITION], f"empty partition returned {len(received[EMPTY_PARTITION])} records")
    print("every record identical (key, value, headers, timestamp) and in order per partition; "
          "empty partition returned no records (control batch skipped)")

    # Lag 0 at the end: position == high watermark, on every partition.
    positions = consumer.position([TopicPartition(topic, p) for p in range(DATA_PARTITIONS + 1)])
    for tp in positions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, tp.partition), timeout=10, cached=False)
        expected_high = len(range(tp.partition, count, DATA_PARTITIONS)) + 1 if tp.partition < DATA_PARTITIONS else 1
        check(low == 0, f"partition {tp.partition}: low watermark {low}, expected 0")
        check(high == expected_high, f"partition {tp.partition}: high watermark {high}, expected {expected_high}")
        check(tp.offset == high, f"partition {tp.partition}: position {tp.offset} != high watermark {high} "
              f"(lag {high - tp.offset}) after reading to the end")
    print(f"positions == high watermarks (lag 0): "
          f"{ {tp.partition: tp.offset for tp in positions} }; low watermarks 0")

    # offsets_for_times: between two records, and past the end.
    queries = []
    for partition in range(DATA_PARTITIONS):
        indexes = list(range(partition, count, DATA_PARTITIONS))
        middle = len(indexes) // 2
        target_ts = record(indexes[middle], base_ts)[4]
        # 1 ms after the previous record of this partition: the first record with ts >= query is `middle`.
        query_ts = record(indexes[middle - 1], base_ts)[4] + 1
        check(query_ts <= target_ts, "test bug: query timestamp past target")
        queries.append((partition, query_ts, middle + 1))
    found = {tp.partition: tp for tp in
             consumer.offsets_for_times([TopicPartition(topic, p, ts) for p, ts, _ in queries], timeout=20)}
    for partition, query_ts, expected_offset in queries:
        tp = found.get(partition)
        check(tp is not None and tp.error is None, f"offsets_for_times partition {partition}: {tp}")
        check(tp.offset == expected_offset, f"offsets_for_times partition {partition} ts {query_ts}: offset "
              f"{tp.offset}, expected {expected_offset} (first record with ts >= query)")
    past = past_the_end(base_ts, count)
    found = consumer.offsets_for_times([TopicPartition(topic, p, past) for p in range(DATA_PARTITIONS)], timeout=20)
    for tp in found:
        check(tp.error is None and tp.offset == -1, f"offsets_for_times past the end, partition "
              f"{tp.partition}: offset {tp.offset} error {tp.error}, expected -1")
    print(f"offsets_for_times: {[(p, q, o) for p, q, o in queries]} (partition, ts, offset) right; "
          "past the end -> -1")
    consumer.close()


def list_offsets(bootstrap, topic, count, base_ts):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for name, spec in (("earliest", OffsetSpec.earliest()), ("latest", OffsetSpec.latest()),
                       ("max_timestamp", OffsetSpec.max_timestamp())):
        request = {TopicPartition(topic, p): spec for p in range(DATA_PARTITIONS)}
        futures = admin.list_offsets(request, request_timeout=20)
        for tp, future in futures.items():
            try:
                info = future.result(timeout=30)
            except Exception as error:  # noqa: BLE001
                fail(f"list_offsets {name} partition {tp.partition}: {error!r}")
            n = len(range(tp.partition, count, DATA_PARTITIONS))
            last_index = tp.partition + (n - 1) * DATA_PARTITIONS
            if name == "earliest":
                check(info.offset == 0, f"list_offsets earliest partition {tp.partition}: {info.offset}, expected 0")
            elif name == "latest":
                check(info.offset == n + 1,
                      f"list_offsets latest partition {tp.partition}: {info.offset}, expected {n + 1}")
            else:
                last_ts = record(last_index, base_ts)[4]
                check(info.offset == n and info.timestamp == last_ts,
                      f"list_offsets max_timestamp partition {tp.partition}: offset {info.offset} ts "
                      f"{info.timestamp}, expected offset {n} ts {last_ts}")
        print(f"AdminClient.list_offsets {name}: right on {DATA_PARTITIONS} partitions")


def check_backdated(bootstrap, admin, topic):
    """Records older than their topic (replayed or mirrored data, producers with slow clocks): the
    partition's LEADER_CHANGE control batch at offset 0 carries the creation time, yet it is no
    record, so it must not answer timestamp lookups (Kafka's partitions have no such batch)."""
    create_topic(admin, topic, 1)
    old = int(time.time() * 1000) - 3_600_000
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": False,
                         "linger.ms": 50})
    reports = []
    for index in range(5):
        producer.produce(topic, value=f"old-{index}".encode(), partition=0, timestamp=old + index * 1000,
                         on_delivery=lambda err, msg: reports.append((err, msg.offset())))
    check(producer.flush(60) == 0 and len(reports) == 5 and all(err is None for err, _ in reports),
          f"backdated produce: {reports}")
    check(sorted(o for _, o in reports) == [1, 2, 3, 4, 5], f"backdated produce offsets: {reports}")
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "tern-interop-unused", "enable.auto.commit": False})
    problems = []
    for query, expected in ((old - 3_600_000, 1), (old + 1500, 3), (old + 4000, 5)):
        found = consumer.offsets_for_times([TopicPartition(topic, 0, query)], timeout=20)[0]
        if found.error is not None or found.offset != expected:
            problems.append(f"offsets_for_times(record 0 ts {query - old:+d} ms) -> offset {found.offset} "
                            f"(error {found.error}), expected {expected}")
    consumer.close()
    info = admin.list_offsets({TopicPartition(topic, 0): OffsetSpec.max_timestamp()},
                              request_timeout=20)[TopicPartition(topic, 0)].result(timeout=30)
    if (info.offset, info.timestamp) != (5, old + 4000):
        problems.append(f"list_offsets max_timestamp -> offset {info.offset} ts {info.timestamp}, expected offset 5 "
                        f"ts {old + 4000} (the newest record)")
    check(not problems, "records timestamped 1 h before their topic was created: "
          + "; ".join(problems) + " -- offset 0 is the LEADER_CHANGE control batch (stamped at creation), which "
          "timestamp lookups must skip like any control batch")
    print("backdated records (1 h older than the topic): offsets_for_times and max_timestamp skip the control batch")


def main():
    args = roundtrip_arguments(__doc__, max_in_flight_help=LIBRDKAFKA_MAX_IN_FLIGHT_HELP)
    print(confluent_versions())
    topic = unique_name("confluent-roundtrip")
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    create_topic(admin, topic, DATA_PARTITIONS + 1)
    print(f"created topic {topic} with {DATA_PARTITIONS + 1} partitions")
    base_ts = base_timestamp()
    produce(args.bootstrap, topic, args.count, base_ts, args.max_in_flight)
    consume(args.bootstrap, topic, args.count, base_ts)
    list_offsets(args.bootstrap, topic, args.count, base_ts)
    check_backdated(args.bootstrap, admin, f"{topic}-backdated")
    print("OK: confluent_roundtrip")


if __name__ == "__main__":
    main()
