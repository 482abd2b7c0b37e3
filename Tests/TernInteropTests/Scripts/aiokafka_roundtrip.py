#!/usr/bin/env python3
"""aiokafka against one ternd: produce, consume back, offsets, lag.

Creates a 4-partition topic (partitions 0-2 get data, partition 3 stays empty: only the
LEADER_CHANGE control batch at offset 0) with aiokafka's admin client, produces N records with
keys, headers and explicit timestamps (acks='all', LZ4, no idempotence), and checks:
  * every send succeeded, offsets per partition are 1, 2, 3, ... (0 is the control batch)
  * an AIOKafkaConsumer(group_id=None) with assign() reads everything back identical and in order
  * beginning_offsets 0, end_offsets = last offset + 1, highwater == end offset
  * offsets_for_times: a timestamp between two records gives the first record with ts >= query;
    a timestamp past the end gives None
  * after reading to the end: position == end offset (lag 0), also on the empty partition
Exits non-zero with a message on the first failed check.
"""
import argparse
import asyncio
import sys
import time
import uuid

try:
    import aiokafka
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
except ImportError as error:  # pragma: no cover - environment problem, reported clearly
    print(f"FAIL: python module aiokafka missing ({error}); install with: python3 -m pip install aiokafka cramjam",
          file=sys.stderr)
    sys.exit(2)
try:
    import cramjam  # noqa: F401 - aiokafka's LZ4 codec (aiokafka[lz4]) is cramjam's
except ImportError as error:  # pragma: no cover
    print(f"FAIL: python module cramjam missing ({error}); aiokafka needs it for LZ4: "
          "python3 -m pip install cramjam", file=sys.stderr)
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
    value = (f"value-{index}-" + "z" * (index % 83)).encode()
    headers = [("h1", b"v1"), ("seq", str(index).encode())]
    return partition, key, value, headers, base_ts + index * TIMESTAMP_STEP_MS


def indexes_of(partition, count):
    return list(range(partition, count, DATA_PARTITIONS)) if partition < DATA_PARTITIONS else []


def topic_error_codes(response):
    errors = getattr(response, "topic_errors", None)
    if errors is None:
        errors = getattr(response, "topics", [])
    return [(entry[0], entry[1]) for entry in errors]


async def create_topic(bootstrap, name):
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="tern-interop-aiokafka")
    await admin.start()
    try:
        response = await admin.create_topics([NewTopic(name, num_partitions=PARTITIONS, replication_factor=1)],
                                             timeout_ms=30000)
        codes = topic_error_codes(response)
        check(codes == [(name, 0)], f"create_topics({name}) answered {codes} ({response})")
        deadline = time.monotonic() + 30
        while True:
            metadata = await admin.describe_topics([name])
            partitions = metadata[0].get("partitions", []) if metadata else []
            if metadata and metadata[0].get("error_code") == 0 and len(partitions) == PARTITIONS and all(
                    p.get("leader", p.get("leader_id", -1)) >= 0 for p in partitions):
                break
            check(time.monotonic() < deadline, f"topic {name} not ready within 30 s: {metadata}")
            await asyncio.sleep(0.05)
    finally:
        await admin.close()


async def produce(bootstrap, topic, count, base_ts):
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type="lz4",
                                enable_idempotence=False, linger_ms=5, max_batch_size=64 * 1024,
                                request_timeout_ms=60000)
    await producer.start()
    try:
        started = time.monotonic()
        futures = []
        for index in range(count):
            partition, key, value, headers, ts = record(index, base_ts)
            futures.append(await producer.send(topic, value=value, key=key, partition=partition,
                                               timestamp_ms=ts, headers=headers))
        await producer.flush()
        results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), timeout=120)
        elapsed = time.monotonic() - started
    finally:
        await producer.stop()
    failures = [(i, r) for i, r in enumerate(results) if isinstance(r, BaseException)]
    check(not failures, f"{len(failures)} sends failed, first: {failures[:3]}")
    print(f"produced {count} records in {elapsed:.2f} s ({count / elapsed:.0f} msg/s), every send succeeded")
    offsets = {}
    for metadata in results:
        offsets.setdefault(metadata.partition, []).append(metadata.offset)
    for partition in range(DATA_PARTITIONS):
        n = len(indexes_of(partition, count))
        got = offsets.get(partition, [])
        check(got == list(range(1, n + 1)), f"partition {partition}: send offsets are not 1..{n} in order "
              f"(first ones {got[:5]}, {len(got)} in all)")
    print("send offsets: 1..n per partition in send order (offset 0 = control batch)")


async def consume(bootstrap, topic, count, base_ts):
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest", client_id="tern-interop-aiokafka")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        received = {p: [] for p in range(PARTITIONS)}
        started = time.monotonic()
        deadline = started + 180
        while sum(len(v) for v in received.values()) < count:
            check(time.monotonic() < deadline,
                  f"consume timed out: {sum(len(v) for v in received.values())} of {count} records")
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for tp, records in batches.items():
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
                check([(k, bytes(v)) for k, v in rec.headers] == headers,
                      f"{where}: headers {rec.headers}, expected {headers}")
                check(rec.timestamp == ts and rec.timestamp_type == 0,
                      f"{where}: timestamp {rec.timestamp} type {rec.timestamp_type}, expected CreateTime {ts}")
        print("every record identical (key, value, headers, timestamp) and in order per partition; "
              "empty partition returned no records")

        beginning = await consumer.beginning_offsets(partitions)
        end = await consumer.end_offsets(partitions)
        for tp in partitions:
            n = len(indexes_of(tp.partition, count))
            check(beginning[tp] == 0, f"partition {tp.partition}: beginning offset {beginning[tp]}, expected 0")
            check(end[tp] == n + 1, f"partition {tp.partition}: end offset {end[tp]}, expected {n + 1}")
        print(f"beginning_offsets all 0; end_offsets { {tp.partition: o for tp, o in end.items()} }")

        # Lag 0: poll (bounded) until every position reaches its end offset; the empty partition's
        # position must move past the control batch at offset 0.
        deadline = time.monotonic() + 30
        while True:
            positions = {tp.partition: await consumer.position(tp) for tp in partitions}
            highwater = {tp.partition: consumer.highwater(tp) for tp in partitions}
            if all(positions[tp.partition] == end[tp] and highwater[tp.partition] == end[tp] for tp in partitions):
                break
            if time.monotonic() > deadline:
                fail(f"positions {positions} / highwater {highwater} never reached end offsets "
                     f"{ {tp.partition: o for tp, o in end.items()} } (lag should be 0 after reading to the end)")
            extra = await consumer.getmany(timeout_ms=200)
            check(not extra, f"unexpected records after the end: {extra}")
        print(f"positions == highwater == end offsets (lag 0): {positions}")

        queries = {}
        expected = {}
        for partition in range(DATA_PARTITIONS):
            indexes = indexes_of(partition, count)
            middle = len(indexes) // 2
            tp = TopicPartition(topic, partition)
            queries[tp] = record(indexes[middle - 1], base_ts)[4] + 1
            expected[tp] = (middle + 1, record(indexes[middle], base_ts)[4])
        found = await consumer.offsets_for_times(queries)
        for tp, query_ts in queries.items():
            answer = found.get(tp)
            check(answer is not None and (answer.offset, answer.timestamp) == expected[tp],
                  f"offsets_for_times partition {tp.partition} ts {query_ts}: {answer}, expected "
                  f"offset/timestamp {expected[tp]}")
        past = base_ts + count * TIMESTAMP_STEP_MS + 1_000_000
        found = await consumer.offsets_for_times({tp: past for tp in queries})
        check(all(v is None for v in found.values()), f"offsets_for_times past the end: {found}, expected None")
        print(f"offsets_for_times: { {tp.partition: v for tp, v in expected.items()} } (offset, ts) right; "
              "past the end -> None")
    finally:
        await consumer.stop()


async def run(bootstrap, count):
    topic = f"aiokafka-roundtrip-{uuid.uuid4().hex[:10]}"
    await create_topic(bootstrap, topic)
    print(f"created topic {topic} with {PARTITIONS} partitions")
    base_ts = int(time.time() * 1000) + 1000
    await produce(bootstrap, topic, count, base_ts)
    await consume(bootstrap, topic, count, base_ts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--count", type=int, default=20000)
    args = parser.parse_args()
    print(f"aiokafka {aiokafka.__version__}")
    asyncio.run(run(args.bootstrap, args.count))
    print("OK: aiokafka_roundtrip")


if __name__ == "__main__":
    main()
