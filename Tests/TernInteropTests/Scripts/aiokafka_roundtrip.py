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
import asyncio
import time

from interop_common import (DATA_PARTITIONS, PARTITIONS, Received, base_timestamp, check, check_beginning_and_end,
                            check_consumed, check_times_found, check_times_past_the_end, fail, indexes_of,
                            missing_module, past_the_end, require_module, roundtrip_arguments, roundtrip_record,
                            times_queries, unique_name)

try:
    import aiokafka
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
except ImportError as error:  # pragma: no cover - environment problem, reported clearly
    missing_module("aiokafka", error, "install with: python3 -m pip install aiokafka cramjam")
# aiokafka's LZ4 codec (aiokafka[lz4]) is cramjam's.
require_module("cramjam", "aiokafka needs it for LZ4: python3 -m pip install cramjam")


def record(index, base_ts):
    return roundtrip_record(index, base_ts, "z", 83)


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
        received = Received(count)
        while received.wants_more():
            received.add(await consumer.getmany(timeout_ms=1000, max_records=5000))
        print(f"consumed {count} records in {received.seconds():.2f} s")
        check_consumed(received.by_partition, count, base_ts, record,
                       headers_of=lambda headers: [(k, bytes(v)) for k, v in headers])

        beginning = await consumer.beginning_offsets(partitions)
        end = await consumer.end_offsets(partitions)
        check_beginning_and_end(partitions, beginning, end, count)

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

        queries, expected = times_queries(topic, count, base_ts, record, TopicPartition)
        check_times_found(queries, expected, await consumer.offsets_for_times(queries))
        found = await consumer.offsets_for_times({tp: past_the_end(base_ts, count) for tp in queries})
        check_times_past_the_end(expected, found)
    finally:
        await consumer.stop()


async def run(bootstrap, count):
    topic = unique_name("aiokafka-roundtrip")
    await create_topic(bootstrap, topic)
    print(f"created topic {topic} with {PARTITIONS} partitions")
    base_ts = base_timestamp()
    await produce(bootstrap, topic, count, base_ts)
    await consume(bootstrap, topic, count, base_ts)


def main():
    args = roundtrip_arguments(__doc__)
    print(f"aiokafka {aiokafka.__version__}")
    asyncio.run(run(args.bootstrap, args.count))
    print("OK: aiokafka_roundtrip")


if __name__ == "__main__":
    main()
