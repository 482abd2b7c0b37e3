#!/usr/bin/env python3
"""`__consumer_offsets` holds Kafka-shaped records: what Kafka's tools and readers expect.

Creates --topic (2 partitions, replication factor 3) with 5 records per partition. A kafka-python
consumer (client id tern-raw-..., range assignor, session timeout 10 s, max poll interval 120 s)
joins --group, reads everything and commits twice per partition with metadata: the third record's
offset with metadata "tern-raw-first" and leader epoch -1, then one past the last record with
"tern-raw-second" and the leader epoch of that record; kafka-python's admin
list_consumer_group_offsets must return the second commit (offset, metadata, and the leader epoch
when the answer carries one). The consumer closes (LeaveGroup), the group is deleted
(delete_consumer_groups). Then every partition of `__consumer_offsets` is read from the beginning
(confluent-kafka, assign) and every record decoded by Kafka's schemas (PROTOCOL.md §3.3):
  key   int16 version; 0/1: OffsetCommitKey {group, topic, partition int32}; 2: GroupMetadataKey
        {group}; anything else fails;
  value OffsetCommitValue v0-v4 {offset int64, leaderEpoch int32 (v3+), metadata, commitTimestamp
        int64, expireTimestamp int64 (v1)}, GroupMetadataValue v0-v4 {protocolType, generation,
        protocol?, leader?, currentStateTimestamp (v2+), members [memberId, groupInstanceId? (v3+),
        clientId, clientHost, rebalanceTimeout (v1+), sessionTimeout, subscription, assignment]};
        v4 is flexible (compact strings, tagged fields); a null value is a tombstone.
Every record must decode with no byte left over. For the group:
  * all its records are in one partition P, whose leader (Metadata) is the coordinator
    describe_consumer_groups names;
  * per partition of --topic: exactly the two commits in order (offsets, metadata, leader epochs;
    commit timestamps within this run, not decreasing), as OffsetCommitValue v3 (what Kafka writes
    without an explicit expiry), then a tombstone;
  * a group record naming the member (client id, memberId = leader, protocol type "consumer",
    protocol "range", generation >= 1, session timeout 10000, rebalance timeout 120000, the
    subscription naming --topic, the assignment holding both partitions), then a record of the
    Empty group (no members, generation not lower), and last a tombstone;
  * `kcat -C -t __consumer_offsets -p P -o beginning -e` reads the same offsets.
Kafka's own partition for the group (abs(javaHash(group)) % partitions) is reported; with
--require-kafka-hash it must be P. Prints one JSON line and "OK: group_offsets_raw".

Usage: group_offsets_raw.py --bootstrap H:P[,H:P...] [--topic T] [--group G]
           [--replication-factor 3] [--require-kafka-hash]
"""
import argparse
import json
import shutil
import subprocess
import time
import uuid

import group_common as gc
from interop_common import check, fail

PROGRAM = "group_offsets_raw"
PARTITIONS = 2
RECORDS = 5
SESSION_TIMEOUT_MS = 10000
MAX_POLL_INTERVAL_MS = 120000


def log(message):
    gc.log(PROGRAM, message)


class DecodeError(Exception):
    pass


class Reader:
    def __init__(self, data):
        self.data = data
        self.position = 0

    def take(self, count):
        if count < 0 or self.position + count > len(self.data):
            raise DecodeError(f"needs {count} bytes at {self.position} of {len(self.data)}")
        chunk = self.data[self.position:self.position + count]
        self.position += count
        return chunk

    def int16(self):
        return int.from_bytes(self.take(2), "big", signed=True)

    def int32(self):
        return int.from_bytes(self.take(4), "big", signed=True)

    def int64(self):
        return int.from_bytes(self.take(8), "big", signed=True)

    def uvarint(self):
        shift = 0
        value = 0
        while True:
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 28:
                raise DecodeError("varint too long")

    def string(self, flexible=False, nullable=False):
        length = self.uvarint() - 1 if flexible else self.int16()
        if length == -1:
            if not nullable:
                raise DecodeError("null in a non-nullable string")
            return None
        try:
            return self.take(length).decode("utf-8")
        except UnicodeDecodeError as error:
            raise DecodeError(f"string is not UTF-8: {error}") from error

    def bytes_(self, flexible=False):
        length = self.uvarint() - 1 if flexible else self.int32()
        if length == -1:
            return None
        return self.take(length)

    def array_length(self, flexible=False):
        length = self.uvarint() - 1 if flexible else self.int32()
        if length < 0:
            raise DecodeError("null array")
        return length

    def tagged_fields(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())

    def finish(self, what):
        if self.position != len(self.data):
            raise DecodeError(f"{what}: {len(self.data) - self.position} bytes left over")


def decode_key(data):
    reader = Reader(data)
    version = reader.int16()
    if version in (0, 1):
        key = {"type": "offset", "version": version, "group": reader.string(), "topic": reader.string(),
               "partition": reader.int32()}
    elif version == 2:
        key = {"type": "group", "version": version, "group": reader.string()}
    else:
        raise DecodeError(f"unknown key version {version}")
    reader.finish("key")
    return key


def decode_offset_value(data):
    reader = Reader(data)
    version = reader.int16()
    if version not in range(0, 5):
        raise DecodeError(f"unknown OffsetCommitValue version {version}")
    flexible = version >= 4
    value = {"version": version, "offset": reader.int64(), "leaderEpoch": -1}
    if version >= 3:
        value["leaderEpoch"] = reader.int32()
    value["metadata"] = reader.string(flexible)
    value["commitTimestamp"] = reader.int64()
    if version == 1:
        value["expireTimestamp"] = reader.int64()
    if flexible:
        reader.tagged_fields()
    reader.finish(f"OffsetCommitValue v{version}")
    return value


def decode_group_value(data):
    reader = Reader(data)
    version = reader.int16()
    if version not in range(0, 5):
        raise DecodeError(f"unknown GroupMetadataValue version {version}")
    flexible = version >= 4
    value = {"version": version, "protocolType": reader.string(flexible), "generation": reader.int32(),
             "protocol": reader.string(flexible, nullable=True), "leader": reader.string(flexible, nullable=True),
             "currentStateTimestamp": reader.int64() if version >= 2 else None, "members": []}
    for _ in range(reader.array_length(flexible)):
        member = {"memberId": reader.string(flexible)}
        member["groupInstanceId"] = reader.string(flexible, nullable=True) if version >= 3 else None
        member["clientId"] = reader.string(flexible)
        member["clientHost"] = reader.string(flexible)
        member["rebalanceTimeout"] = reader.int32() if version >= 1 else None
        member["sessionTimeout"] = reader.int32()
        member["subscription"] = reader.bytes_(flexible)
        member["assignment"] = reader.bytes_(flexible)
        if flexible:
            reader.tagged_fields()
        value["members"].append(member)
    if flexible:
        reader.tagged_fields()
    reader.finish(f"GroupMetadataValue v{version}")
    return value


def subscription_topics(data):
    """The topics of a ConsumerProtocol subscription (every version starts with version, topics)."""
    reader = Reader(data or b"")
    reader.int16()
    return [reader.string() for _ in range(reader.array_length())]


def assignment_partitions(data):
    """{topic: partitions} of a ConsumerProtocol assignment."""
    reader = Reader(data or b"")
    reader.int16()
    result = {}
    for _ in range(reader.array_length()):
        topic = reader.string()
        result[topic] = sorted(reader.int32() for _ in range(reader.array_length()))
    return result


def consume_and_commit(args, batch):
    """Reads everything with a kafka-python group member, commits twice, closes. Returns
    (client id, {partition: [first commit, second commit]} as (offset, metadata, leader epoch))."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.admin import KafkaAdminClient
    from kafka.coordinator.assignors.range import RangePartitionAssignor
    from kafka.structs import OffsetAndMetadata

    client_id = f"tern-raw-{uuid.uuid4().hex[:6]}"
    consumer = KafkaConsumer(
        bootstrap_servers=args.bootstrap.split(","), group_id=args.group, client_id=client_id,
        enable_auto_commit=False, auto_offset_reset="earliest", partition_assignment_strategy=[RangePartitionAssignor],
        session_timeout_ms=SESSION_TIMEOUT_MS, heartbeat_interval_ms=1000, max_poll_interval_ms=MAX_POLL_INTERVAL_MS)
    consumer.subscribe([args.topic])
    received = {p: [] for p in range(PARTITIONS)}
    deadline = time.monotonic() + 120
    try:
        while sum(len(v) for v in received.values()) < PARTITIONS * RECORDS:
            check(time.monotonic() < deadline, f"{PROGRAM}: the kafka-python member read "
                                               f"{ {p: len(v) for p, v in received.items()} } records in 120 s")
            for tp, records in consumer.poll(timeout_ms=200).items():
                received[tp.partition].extend(records)
        commits = {}
        for p in range(PARTITIONS):
            offsets = [r.offset for r in received[p]]
            check(offsets == [o for o, _, _ in batch[p]], f"{PROGRAM}: partition {p}: read offsets {offsets}")
            last = received[p][-1]
            epoch = last.leader_epoch if last.leader_epoch is not None else -1
            commits[p] = [(batch[p][2][0], "tern-raw-first", -1), (last.offset + 1, "tern-raw-second", epoch)]
        for index in range(2):
            consumer.commit({TopicPartition(args.topic, p): OffsetAndMetadata(*commits[p][index])
                             for p in range(PARTITIONS)}, timeout_ms=60000)
        admin = KafkaAdminClient(bootstrap_servers=args.bootstrap.split(","), client_id="tern-raw-admin")
        try:
            fetched = admin.list_consumer_group_offsets(args.group)
        finally:
            admin.close()
        for p in range(PARTITIONS):
            meta = fetched.get(TopicPartition(args.topic, p))
            offset, metadata, epoch = commits[p][1]
            check(meta is not None and meta.offset == offset and meta.metadata == metadata
                  and meta.leader_epoch in (-1, epoch),
                  f"{PROGRAM}: partition {p}: OffsetFetch answers {meta}, committed {commits[p][1]}")
        log(f"committed {commits}; OffsetFetch (kafka-python) returns the second commits")
    finally:
        consumer.close(autocommit=False)
    return client_id, commits


def coordinator_and_leader(admin, group, partition):
    def attempt():
        description = gc.describe_group(admin, group)
        coordinator = description.coordinator.id if description.coordinator is not None else None
        topic = admin.list_topics(topic="__consumer_offsets", timeout=10).topics["__consumer_offsets"]
        leader = topic.partitions[partition].leader
        if coordinator is None or coordinator != leader:
            raise RuntimeError(f"coordinator {coordinator}, leader of __consumer_offsets-{partition} {leader}")
        return coordinator

    return gc.wait_for(f"the coordinator of {group} to be the leader of __consumer_offsets-{partition}", 60, attempt)


def main():
    gc.start_script()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", default=f"group-raw-{uuid.uuid4().hex[:8]}")
    parser.add_argument("--group", default=f"tern-raw-{uuid.uuid4().hex[:8]}")
    parser.add_argument("--replication-factor", type=int, default=3)
    parser.add_argument("--require-kafka-hash", action="store_true")
    args = parser.parse_args()
    gc.require_clients(["kafka-python"])
    if shutil.which("kcat") is None:
        fail("kcat not found on PATH; install with: apt-get install -y kcat")
    started_ms = int(time.time() * 1000)
    log(gc.versions())
    gc.create_topic(args.bootstrap, args.topic, PARTITIONS, args.replication_factor, 120, PROGRAM)
    admin = gc.admin_client(args.bootstrap)
    batch = gc.produce_keyed(args.bootstrap, args.topic, list(range(PARTITIONS)), RECORDS, "raw", PROGRAM)
    client_id, commits = consume_and_commit(args, batch)

    partition, total = gc.group_offsets_partition(args.bootstrap, args.group, 60, PROGRAM)
    coordinator = coordinator_and_leader(admin, args.group, partition)
    kafka_partition = gc.kafka_offsets_partition(args.group, total)
    log(f"{args.group}: __consumer_offsets-{partition} of {total} (Kafka's hash gives {kafka_partition}), led by "
        f"the coordinator, node {coordinator}")
    if args.require_kafka_hash:
        check(partition == kafka_partition, f"{PROGRAM}: {args.group} is in __consumer_offsets-{partition}; Kafka "
                                            f"puts it in {kafka_partition} (abs(javaHash) % {total})")
    gc.wait_for(f"{args.group} to be Empty", 60, lambda: (
        True if str(gc.describe_group(admin, args.group).state).endswith("EMPTY") else None))
    admin.delete_consumer_groups([args.group], request_timeout=15)[args.group].result(timeout=20)
    ended_ms = int(time.time() * 1000)

    records, highs = gc.read_partitions(args.bootstrap, "__consumer_offsets", list(range(total)), 120, PROGRAM)
    problems = []
    mine = []  # (offset, key, value) of the group, in P
    key_versions, value_versions, group_versions = set(), set(), set()
    for p, entries in sorted(records.items()):
        for offset, raw_key, raw_value in entries:
            where = f"__consumer_offsets-{p} offset {offset}"
            try:
                check(raw_key is not None, f"{where}: no key")
                key = decode_key(raw_key)
                key_versions.add(key["version"])
                if raw_value is None:
                    value = None
                elif key["type"] == "offset":
                    value = decode_offset_value(raw_value)
                    value_versions.add(value["version"])
                else:
                    value = decode_group_value(raw_value)
                    group_versions.add(value["version"])
            except DecodeError as error:
                problems.append(f"{where}: not Kafka-shaped: {error} (key {raw_key!r:.120}, value {raw_value!r:.200})")
                continue
            if key["group"] == args.group:
                if p != partition:
                    problems.append(f"{where}: a record of {args.group}, which lives in partition {partition}")
                else:
                    mine.append((offset, key, value))
    check(not problems, f"{PROGRAM}: {len(problems)} problems: {problems[:10]}")

    for p in range(PARTITIONS):
        chain = [v for _, k, v in mine if k["type"] == "offset" and k["topic"] == args.topic and k["partition"] == p]
        check(len(chain) == 3 and chain[-1] is None and None not in chain[:2],
              f"{PROGRAM}: {args.topic}-{p}: the offset records are {chain}, expected two commits and a tombstone")
        for value, (offset, metadata, epoch) in zip(chain[:2], commits[p]):
            check((value["offset"], value["metadata"], value["leaderEpoch"]) == (offset, metadata, epoch),
                  f"{PROGRAM}: {args.topic}-{p}: stored {value}, committed {(offset, metadata, epoch)}")
            check(value["version"] == 3, f"{PROGRAM}: {args.topic}-{p}: OffsetCommitValue v{value['version']}; Kafka "
                                         f"writes v3 (v1 only with an explicit expire time)")
            check(started_ms - 60000 <= value["commitTimestamp"] <= ended_ms + 60000,
                  f"{PROGRAM}: {args.topic}-{p}: commit timestamp {value['commitTimestamp']} outside this run "
                  f"({started_ms}..{ended_ms})")
        check(chain[0]["commitTimestamp"] <= chain[1]["commitTimestamp"],
              f"{PROGRAM}: {args.topic}-{p}: the second commit's timestamp is earlier than the first's")

    groups = [v for _, k, v in mine if k["type"] == "group"]
    check(groups and groups[-1] is None, f"{PROGRAM}: the group's metadata records end with {groups[-1:]}, expected a "
                                         f"tombstone (the group was deleted)")
    with_member = None
    for index, value in enumerate(groups):
        if value is not None and any(m["clientId"] == client_id for m in value["members"]):
            with_member = index
    check(with_member is not None, f"{PROGRAM}: no group record names the member {client_id}: {groups}")
    stored = groups[with_member]
    member = next(m for m in stored["members"] if m["clientId"] == client_id)
    check(stored["protocolType"] == "consumer" and stored["protocol"] == "range" and stored["generation"] >= 1
          and stored["leader"] == member["memberId"],
          f"{PROGRAM}: the group record {dict(stored, members='...')} (member {member['memberId']})")
    check(member["sessionTimeout"] == SESSION_TIMEOUT_MS and member["rebalanceTimeout"] in (None, MAX_POLL_INTERVAL_MS),
          f"{PROGRAM}: the stored member's timeouts: session {member['sessionTimeout']}, rebalance "
          f"{member['rebalanceTimeout']}")
    try:
        topics = subscription_topics(member["subscription"])
        assigned = assignment_partitions(member["assignment"])
    except DecodeError as error:
        fail(f"{PROGRAM}: the stored member's subscription/assignment is not ConsumerProtocol: {error}")
    check(topics == [args.topic] and assigned.get(args.topic) == list(range(PARTITIONS)),
          f"{PROGRAM}: the stored member subscribes to {topics} and is assigned {assigned}")
    empties = [v for v in groups[with_member + 1:-1] if v is not None and not v["members"]]
    check(empties and all(v["generation"] >= stored["generation"] for v in empties),
          f"{PROGRAM}: after the member left, the group records are {groups[with_member + 1:]}, expected an Empty one "
          f"(no members) of generation >= {stored['generation']}")

    kcat = subprocess.run(["kcat", "-C", "-b", args.bootstrap, "-t", "__consumer_offsets", "-p", str(partition),
                           "-o", "beginning", "-e", "-q", "-f", "%o\\n"], capture_output=True, timeout=120)
    check(kcat.returncode == 0, f"{PROGRAM}: kcat -C -t __consumer_offsets exited {kcat.returncode}: "
                                f"{kcat.stderr.decode(errors='replace')[-2000:]}")
    kcat_offsets = [int(line) for line in kcat.stdout.decode().split() if line.strip().lstrip("-").isdigit()]
    ours = [offset for offset, _, _ in records[partition]]
    check(kcat_offsets[:len(ours)] == ours, f"{PROGRAM}: kcat reads offsets {kcat_offsets[:20]}... of "
                                            f"__consumer_offsets-{partition}, confluent-kafka {ours[:20]}...")

    print(json.dumps({
        "group": args.group, "offsetsPartition": partition, "offsetsPartitions": total, "coordinator": coordinator,
        "kafkaHashPartition": kafka_partition, "records": sum(len(v) for v in records.values()),
        "groupRecords": len(mine), "keyVersions": sorted(key_versions), "offsetValueVersions": sorted(value_versions),
        "groupValueVersions": sorted(group_versions), "highWatermarks": {str(p): h for p, h in highs.items() if h},
    }, separators=(",", ":"), sort_keys=True), flush=True)
    print("OK: group_offsets_raw", flush=True)


if __name__ == "__main__":
    main()
