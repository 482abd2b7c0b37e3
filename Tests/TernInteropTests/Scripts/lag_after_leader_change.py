#!/usr/bin/env python3
"""Lag 0 behind a trailing leader-change marker, with every client.

After a broker restart each partition's log ends with the new leader's LEADER_CHANGE control
batch: the high watermark is one past the last data record. A consumer that reads to the end
must step over the marker (as over a transaction marker) and report position == high
watermark, i.e. lag 0; a client that stopped at the last data record would show lag 1 forever.

For --topic (already holding data, with the marker at the end of every partition: the caller
restarted the broker without producing since) this checks, with confluent-kafka, kafka-python,
aiokafka and kcat, that a consumer assigned to every partition from the beginning ends at the
high watermark, and that the high watermark is above the last data record's offset + 1 (the
marker really is there). Exits 0 and prints "OK: lag_after_leader_change", else 1 with what
differed.

Usage: lag_after_leader_change.py --bootstrap H:P --topic T --partitions N
"""

import asyncio
import json
import subprocess
import time

from interop_common import argument_parser, fail

DEADLINE_S = 120


def confluent(bootstrap, topic, partitions):
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "lag-check", "enable.auto.commit": False,
                         "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    last, at_end = {}, set()
    deadline = time.monotonic() + DEADLINE_S
    while len(at_end) < partitions and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is None:
            continue
        if message.error():
            if message.error().code() == -191:  # _PARTITION_EOF
                at_end.add(message.partition())
                continue
            fail(f"confluent-kafka: {message.error()}")
        last[message.partition()] = message.offset()
    result = {}
    for p in range(partitions):
        position = consumer.position([TopicPartition(topic, p)])[0].offset
        _, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        result[p] = (position, high, last.get(p, -1))
    consumer.close()
    return result


def kafka_python(bootstrap, topic, partitions):
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest")
    parts = [TopicPartition(topic, p) for p in range(partitions)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    ends = consumer.end_offsets(parts)
    last = {}
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline and any(consumer.position(tp) < ends[tp] for tp in parts):
        for tp, records in consumer.poll(timeout_ms=500).items():
            for record in records:
                last[tp.partition] = record.offset
    result = {tp.partition: (consumer.position(tp), ends[tp], last.get(tp.partition, -1)) for tp in parts}
    consumer.close()
    return result


def aiokafka_check(bootstrap, topic, partitions):
    from aiokafka import AIOKafkaConsumer, TopicPartition

    async def run():
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                    auto_offset_reset="earliest")
        await consumer.start()
        try:
            parts = [TopicPartition(topic, p) for p in range(partitions)]
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            ends = await consumer.end_offsets(parts)
            last = {}
            deadline = time.monotonic() + DEADLINE_S
            while time.monotonic() < deadline:
                positions = [await consumer.position(tp) for tp in parts]
                if all(position >= ends[tp] for position, tp in zip(positions, parts)):
                    break
                batches = await consumer.getmany(timeout_ms=500)
                for tp, records in batches.items():
                    for record in records:
                        last[tp.partition] = record.offset
            return {tp.partition: (await consumer.position(tp), ends[tp], last.get(tp.partition, -1)) for tp in parts}
        finally:
            await consumer.stop()

    return asyncio.run(run())


def kcat(bootstrap, topic, partitions):
    result = {}
    for p in range(partitions):
        out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-p", str(p), "-o", "beginning", "-e",
                              "-J"], capture_output=True, text=True, timeout=DEADLINE_S)
        if out.returncode != 0:
            fail(f"kcat partition {p}: {out.stderr.strip()[-500:]}")
        offsets = [json.loads(line)["offset"] for line in out.stdout.splitlines() if line.startswith("{")]
        # kcat's "Reached end of partition ... at offset N" names its position there.
        reached = [line for line in out.stderr.splitlines() if "Reached end" in line]
        if not reached:
            fail(f"kcat partition {p} never reached the end: {out.stderr.strip()[-500:]}")
        position = int(reached[-1].split("at offset")[1].split(":")[0].strip())
        query = subprocess.run(["kcat", "-Q", "-b", bootstrap, "-t", f"{topic}:{p}:-1"], capture_output=True, text=True,
                               timeout=60)
        high = int(query.stdout.split("offset")[1].strip())
        result[p] = (position, high, offsets[-1] if offsets else -1)
    return result


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--partitions", type=int, required=True)
    args = parser.parse_args()
    for name, check in (("confluent-kafka", confluent), ("kafka-python", kafka_python), ("aiokafka", aiokafka_check),
                        ("kcat", kcat)):
        result = check(args.bootstrap, args.topic, args.partitions)
        for partition, (position, high, last) in sorted(result.items()):
            if last < 0:
                fail(f"{name} partition {partition}: no data record read")
            if high <= last + 1:
                fail(f"{name} partition {partition}: high watermark {high} right after the last record {last}: "
                     "no trailing leader-change marker to step over")
            if position != high:
                fail(f"{name} partition {partition}: position {position}, high watermark {high} (lag {high - position}) "
                     f"after reading to the end; last record at {last}")
        print(f"{name}: lag 0 on every partition behind the trailing marker: "
              + ", ".join(f"p{p} last {v[2]} hw {v[1]}" for p, v in sorted(result.items())))
    print("OK: lag_after_leader_change")


if __name__ == "__main__":
    main()
