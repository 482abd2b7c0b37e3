#!/usr/bin/env python3
"""Consumer-group administration through confluent-kafka's AdminClient, kafka-python's and aiokafka's.

Creates --topic (3 partitions, replication factor 3) with --records (30) keyed records per
partition; a confluent-kafka and a kafka-python member (group_common.py) join --group, consume
everything and commit it. With the group Stable:
  * list_consumer_groups lists it Stable (not simple); with states={STABLE} it is listed, with
    states={EMPTY} it is not (ListGroups v4+ StatesFilter);
  * describe_consumer_groups: Stable, assignor "range", the two members by client id with a host
    and exactly the partitions each member's callbacks report, a coordinator that is a broker;
  * list_consumer_group_offsets (all, and for named partitions) = what the members committed;
  * delete_consumer_groups fails with NON_EMPTY_GROUP; alter_consumer_group_offsets fails with
    UNKNOWN_MEMBER_ID (an admin commit is accepted only while the group is Empty) and changes
    nothing;
  * kafka-python KafkaAdminClient: list_consumer_groups has (group, "consumer");
    describe_consumer_groups (DescribeGroups v3 with authorized operations) says Stable,
    consumer, range, the two members and their assignments; list_consumer_group_offsets equal;
    FindCoordinator names the same coordinator; aiokafka's find_coordinator,
    list_consumer_groups and list_consumer_group_offsets agree;
  * offsets of a group that does not exist: negative (no offset) for every partition asked.
The members close (LeaveGroup): the group must become Empty with no members and keep its offsets.
Then:
  * alter_consumer_group_offsets on the Empty group moves partition 0 back to a middle record;
    a new member starts exactly there (nothing else: the other partitions stay at their ends);
  * OffsetDelete (raw request, v0) of partition 2 while that member is subscribed: the partition
    answers GROUP_SUBSCRIBED_TO_TOPIC and keeps its offset; once the member closed, OffsetDelete
    of partition 1 succeeds and its offset is gone; OffsetDelete for an unknown group answers
    GROUP_ID_NOT_FOUND;
  * a "simple" group made only of an admin commit is listed Empty and simple, and kafka-python's
    delete_consumer_groups deletes it (no error);
  * delete_consumer_groups of the Empty group succeeds; it is no longer listed, describing it
    gives Dead (or GROUP_ID_NOT_FOUND), it has no offsets, and deleting it again answers
    GROUP_ID_NOT_FOUND.
Prints one JSON line and "OK: group_admin"; exits 1 on a failed check, 2 if a library is missing.

Usage: group_admin.py --bootstrap H:P[,H:P...] [--topic T] [--group G] [--records 30]
           [--replication-factor 3]
"""
import argparse
import asyncio
import json
import socket
import struct
import time
import uuid

import group_common as gc
from interop_common import check, fail

PROGRAM = "group_admin"
PARTITIONS = 3

NO_ERROR = 0
UNKNOWN_MEMBER_ID = 25
NOT_COORDINATOR = 16
COORDINATOR_NOT_AVAILABLE = 15
COORDINATOR_LOAD_IN_PROGRESS = 14
NON_EMPTY_GROUP = 68
GROUP_ID_NOT_FOUND = 69
GROUP_SUBSCRIBED_TO_TOPIC = 86


def log(message):
    gc.log(PROGRAM, message)


def error_code(exception):
    from confluent_kafka import KafkaError, KafkaException
    if isinstance(exception, KafkaException) and exception.args and isinstance(exception.args[0], KafkaError):
        return exception.args[0].code()
    return None


def listing(admin, group, **options):
    result = admin.list_consumer_groups(request_timeout=15, **options).result(timeout=20)
    return next((g for g in result.valid if g.group_id == group), None), result.errors


# Raw OffsetDelete v0 (none of the three Python clients has OffsetDelete).

def _string(text):
    data = text.encode()
    return struct.pack(">h", len(data)) + data


def coordinator_address(args, admin, group):
    """(node id, host, port) of `group`'s coordinator: kafka-python's FindCoordinator (it answers
    for any group, also one that does not exist) and the broker's address from the metadata."""
    from kafka.admin import KafkaAdminClient

    kafka_admin = KafkaAdminClient(bootstrap_servers=args.bootstrap.split(","), client_id="tern-group-admin-find")
    try:
        node = kafka_admin._find_coordinator_ids([group])[group]
    finally:
        kafka_admin.close()
    broker = admin.list_topics(timeout=15).brokers.get(node)
    check(broker is not None, f"{PROGRAM}: FindCoordinator({group}) names node {node}, not in the metadata")
    return node, broker.host, broker.port


def offset_delete(args, admin, group, topic, partitions, seconds=60):
    """OffsetDelete v0 of `partitions` of `topic` for `group`, sent to the group's coordinator
    (retried on the coordinator errors). Returns (top-level error, {partition: error})."""
    deadline = time.monotonic() + seconds
    while True:
        node, host, port = coordinator_address(args, admin, group)
        correlation = 4747
        header = struct.pack(">hhi", 47, 0, correlation) + _string("tern-group-admin")
        body = _string(group) + struct.pack(">i", 1) + _string(topic) + struct.pack(">i", len(partitions))
        body += b"".join(struct.pack(">i", p) for p in partitions)
        with socket.create_connection((host, port), timeout=30) as sock:
            sock.sendall(struct.pack(">i", len(header) + len(body)) + header + body)
            data = b""
            while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
                chunk = sock.recv(65536)
                check(chunk, f"{PROGRAM}: OffsetDelete v0 to node {node} ({host}:{port}): the connection "
                             f"closed before the answer (is OffsetDelete, key 47, advertised?)")
                data += chunk
        check(struct.unpack(">i", data[4:8])[0] == correlation, f"{PROGRAM}: OffsetDelete: wrong correlation id")
        position = 8
        top, _throttle, topics = struct.unpack(">hii", data[position:position + 10])
        position += 10
        answers = {}
        for _ in range(topics):
            (length,) = struct.unpack(">h", data[position:position + 2])
            position += 2 + length
            (count,) = struct.unpack(">i", data[position:position + 4])
            position += 4
            for _ in range(count):
                partition, code = struct.unpack(">ih", data[position:position + 6])
                position += 6
                answers[partition] = code
        if top in (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS) and \
                time.monotonic() < deadline:
            time.sleep(0.2)
            continue
        return top, answers


def check_no_offsets(admin, group, topic, partitions, what):
    """OffsetFetch of named partitions for a group without offsets: every offset negative (Kafka
    answers -1 per partition, no error); GROUP_ID_NOT_FOUND is accepted too."""
    try:
        offsets = gc.committed_offsets(admin, group, topic, partitions)
    except Exception as error:  # noqa: BLE001
        check(error_code(error) == GROUP_ID_NOT_FOUND or "GROUP_ID_NOT_FOUND" in str(error),
              f"{PROGRAM}: offsets of {what} {group}: {error!r}")
        return
    check(all(o < 0 for o in offsets.values()), f"{PROGRAM}: {what} {group} has offsets {offsets}")


def check_broker_view(admin, args, members, brokers):
    from confluent_kafka import ConsumerGroupState

    def attempt():
        for member in members:
            member.check_healthy(PROGRAM)
        description = gc.describe_group(admin, args.group)
        expected = {m.client_id: m.assignment() for m in members}
        seen = {}
        for m in description.members:
            seen.setdefault(m.client_id, set()).update(
                tp.partition for tp in m.assignment.topic_partitions if tp.topic == args.topic)
        if description.state != ConsumerGroupState.STABLE or seen != expected:
            raise RuntimeError(f"{gc.description_text(description)}; the members hold {expected}")
        return description

    description = gc.wait_for("describe_consumer_groups: Stable with the members' assignments", 60, attempt)
    check(description.partition_assignor == "range", f"{PROGRAM}: assignor {description.partition_assignor!r}")
    check(not description.is_simple_consumer_group, f"{PROGRAM}: the group is described as simple")
    check(description.coordinator is not None and description.coordinator.id in brokers,
          f"{PROGRAM}: coordinator {description.coordinator and description.coordinator.id} is not a broker "
          f"({sorted(brokers)})")
    check(all(m.host for m in description.members), f"{PROGRAM}: a member without a host: "
                                                    f"{gc.description_text(description)}")
    log(f"describe_consumer_groups: {gc.description_text(description)}")
    return description.coordinator.id


def kafka_python_checks(args, members, expected, coordinator):
    from kafka import TopicPartition
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap.split(","), client_id="tern-group-admin-kp")
    try:
        groups = admin.list_consumer_groups()
        check((args.group, "consumer") in [tuple(g) for g in groups],
              f"{PROGRAM}: kafka-python list_consumer_groups: {groups}")
        try:
            described = admin.describe_consumer_groups([args.group])
        except ValueError as error:
            fail(f"{PROGRAM}: kafka-python describe_consumer_groups failed: {error!r} (it sends DescribeGroups v3 "
                 "with include_authorized_operations=true and decodes the bitfield: a broker must answer real "
                 "operation bits, as Kafka does, not -2147483648)")
        check(len(described) == 1, f"{PROGRAM}: kafka-python describe_consumer_groups: {described}")
        info = described[0]
        check(info.error_code == 0 and info.state == "Stable" and info.protocol_type == "consumer"
              and info.protocol == "range", f"{PROGRAM}: kafka-python describe_consumer_groups: {info}")
        seen = {}
        for member in info.members:
            owned = set()
            for topic, parts in member.member_assignment.assignment:
                if topic == args.topic:
                    owned |= set(parts)
            seen[member.client_id] = owned
        want = {m.client_id: m.assignment() for m in members}
        check(seen == want, f"{PROGRAM}: kafka-python describe_consumer_groups: assignments {seen}, the members hold "
                            f"{want}")
        offsets = admin.list_consumer_group_offsets(args.group)
        got = {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == args.topic}
        check(got == expected, f"{PROGRAM}: kafka-python list_consumer_group_offsets: {got}, expected {expected}")
        named = admin.list_consumer_group_offsets(args.group, partitions=[TopicPartition(args.topic, p)
                                                                          for p in range(PARTITIONS)])
        got = {tp.partition: meta.offset for tp, meta in named.items()}
        check(got == expected, f"{PROGRAM}: kafka-python list_consumer_group_offsets(partitions): {got}")
        found = admin._find_coordinator_ids([args.group])[args.group]
        check(found == coordinator, f"{PROGRAM}: kafka-python FindCoordinator names node {found}, librdkafka's "
                                    f"{coordinator}")
        log(f"kafka-python: list, describe (Stable, range, authorized operations "
            f"{sorted(info.authorized_operations or [])}), offsets and FindCoordinator agree")
    finally:
        admin.close()


def aiokafka_checks(args, expected, coordinator):
    from aiokafka.admin import AIOKafkaAdminClient

    async def run():
        admin = AIOKafkaAdminClient(bootstrap_servers=args.bootstrap, client_id="tern-group-admin-aio")
        await admin.start()
        try:
            found = await admin.find_coordinator(args.group)
            check(found == coordinator, f"{PROGRAM}: aiokafka find_coordinator: {found}, expected {coordinator}")
            groups = await admin.list_consumer_groups()
            check(args.group in [g[0] for g in groups], f"{PROGRAM}: aiokafka list_consumer_groups: {groups}")
            offsets = await admin.list_consumer_group_offsets(args.group)
            got = {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == args.topic}
            check(got == expected, f"{PROGRAM}: aiokafka list_consumer_group_offsets: {got}, expected {expected}")
        finally:
            await admin.close()

    asyncio.run(run())
    log("aiokafka: find_coordinator, list_consumer_groups, list_consumer_group_offsets agree")


def alter(admin, group, topic, offsets):
    """alter_consumer_group_offsets; returns (exception error code or None, {partition: error code})."""
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

    request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p, o) for p, o in sorted(offsets.items())])
    try:
        result = admin.alter_consumer_group_offsets([request], request_timeout=15)[group].result(timeout=20)
    except Exception as error:  # noqa: BLE001 - the caller checks the code
        code = error_code(error)
        check(code is not None, f"{PROGRAM}: alter_consumer_group_offsets({group}) failed: {error!r}")
        return code, {}
    return None, {tp.partition: (tp.error.code() if tp.error is not None else NO_ERROR)
                  for tp in result.topic_partitions}


def wait_empty(admin, group):
    from confluent_kafka import ConsumerGroupState

    def attempt():
        description = gc.describe_group(admin, group)
        if description.state != ConsumerGroupState.EMPTY or description.members:
            raise RuntimeError(gc.description_text(description))
        found, _ = listing(admin, group)
        if found is None or found.state != ConsumerGroupState.EMPTY:
            raise RuntimeError(f"list_consumer_groups: {found and found.state}")
        return description

    return gc.wait_for(f"{group} to be Empty without members (describe and list)", 60, attempt)


def main():
    gc.start_script()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", default=f"group-admin-{uuid.uuid4().hex[:8]}")
    parser.add_argument("--group", default=f"tern-admin-{uuid.uuid4().hex[:8]}")
    parser.add_argument("--records", type=int, default=30)
    parser.add_argument("--replication-factor", type=int, default=3)
    args = parser.parse_args()
    gc.require_clients(gc.CLIENTS)
    from confluent_kafka import ConsumerGroupState

    log(gc.versions())
    partitions = list(range(PARTITIONS))
    gc.create_topic(args.bootstrap, args.topic, PARTITIONS, args.replication_factor, 120, PROGRAM)
    admin = gc.admin_client(args.bootstrap)
    brokers = set(admin.list_topics(timeout=15).brokers)
    batch = gc.produce_keyed(args.bootstrap, args.topic, partitions, args.records, "admin", PROGRAM)
    ends = gc.end_offsets([batch])
    ledger = gc.Ledger()
    members = [gc.new_member(c, args.bootstrap, args.topic, args.group, ledger) for c in ("confluent", "kafka-python")]
    for member in members:
        member.start()

    def settled():
        for member in members:
            member.check_healthy(PROGRAM)
        done = ledger.max_commits()
        if gc.assignment_split(members, partitions) and all(done.get(p, -1) >= ends[p] for p in partitions):
            return done
        return None

    gc.wait_for(f"both members sharing {args.topic} with everything committed (now {gc.describe_split(members)}, "
                f"commits {ledger.max_commits()})", 120, settled)
    expected = ledger.max_commits()
    check(expected == ends, f"{PROGRAM}: the members committed {expected}, expected {ends}")

    # The group while Stable.
    def listed_stable():
        found, errors = listing(admin, args.group)
        if found is None or found.state != ConsumerGroupState.STABLE:
            raise RuntimeError(f"listing {found!r}, errors {errors}")
        return found

    found = gc.wait_for(f"list_consumer_groups to list {args.group} Stable", 60, listed_stable)
    check(not found.is_simple_consumer_group, f"{PROGRAM}: list_consumer_groups calls {args.group} simple")
    found, _ = listing(admin, args.group, states={ConsumerGroupState.STABLE})
    check(found is not None, f"{PROGRAM}: list_consumer_groups(states={{STABLE}}) does not list {args.group}")
    found, _ = listing(admin, args.group, states={ConsumerGroupState.EMPTY})
    check(found is None, f"{PROGRAM}: list_consumer_groups(states={{EMPTY}}) lists the Stable {args.group}")
    log("list_consumer_groups: listed Stable; the states filter works")

    coordinator = check_broker_view(admin, args, members, brokers)
    got = gc.committed_offsets(admin, args.group, args.topic)
    check(got == expected, f"{PROGRAM}: list_consumer_group_offsets: {got}, the members committed {expected}")
    got = gc.committed_offsets(admin, args.group, args.topic, partitions)
    check(got == expected, f"{PROGRAM}: list_consumer_group_offsets(partitions): {got}, expected {expected}")
    log(f"list_consumer_group_offsets: {got}")

    try:
        admin.delete_consumer_groups([args.group], request_timeout=15)[args.group].result(timeout=20)
        fail(f"{PROGRAM}: delete_consumer_groups of the Stable {args.group} succeeded")
    except Exception as error:  # noqa: BLE001
        check(error_code(error) == NON_EMPTY_GROUP, f"{PROGRAM}: delete_consumer_groups of a Stable group: {error!r}, "
                                                    f"expected NON_EMPTY_GROUP")
    top, answers = alter(admin, args.group, args.topic, {0: 1})
    codes = {top} if top is not None else set(answers.values())
    check(codes == {UNKNOWN_MEMBER_ID}, f"{PROGRAM}: alter_consumer_group_offsets of a Stable group answered "
                                        f"{top} {answers}, expected UNKNOWN_MEMBER_ID (25)")
    got = gc.committed_offsets(admin, args.group, args.topic)
    check(got == expected, f"{PROGRAM}: after the refused alter the offsets are {got}, expected {expected}")
    log("delete_consumer_groups -> NON_EMPTY_GROUP, alter_consumer_group_offsets -> UNKNOWN_MEMBER_ID, "
        "offsets unchanged")

    kafka_python_checks(args, members, expected, coordinator)
    aiokafka_checks(args, expected, coordinator)

    unknown = f"tern-admin-nobody-{uuid.uuid4().hex[:8]}"
    check_no_offsets(admin, unknown, args.topic, partitions, "the unknown group")

    # Empty.
    gc.stop_members(members, 60, PROGRAM)
    wait_empty(admin, args.group)
    got = gc.committed_offsets(admin, args.group, args.topic)
    check(got == expected, f"{PROGRAM}: the Empty group's offsets are {got}, expected {expected}")
    log("members closed: Empty, no members, offsets kept")

    middle = batch[0][len(batch[0]) // 2][0]
    top, answers = alter(admin, args.group, args.topic, {0: middle})
    check(top is None and answers == {0: NO_ERROR}, f"{PROGRAM}: alter_consumer_group_offsets of the Empty group: "
                                                    f"{top} {answers}")
    got = gc.committed_offsets(admin, args.group, args.topic)
    want = {**expected, 0: middle}
    check(got == want, f"{PROGRAM}: after alter (partition 0 -> {middle}) the offsets are {got}, expected {want}")

    ledger2 = gc.Ledger()
    member = gc.new_member("confluent", args.bootstrap, args.topic, args.group, ledger2, label="after-alter").start()
    rest = [offset for offset, _, _ in batch[0] if offset >= middle]

    def reread():
        member.check_healthy(PROGRAM)
        received = member.received_snapshot()
        done = ledger2.max_commits()
        if len([r for r in received if r[0] == 0]) >= len(rest) and done.get(0, -1) >= ends[0]:
            return received
        return None

    received = gc.wait_for(f"the new member to re-read partition 0 from {middle} and commit", 120, reread)
    check(member.first_offsets().get(0) == middle, f"{PROGRAM}: after alter to {middle} the new member started "
                                                   f"partition 0 at {member.first_offsets().get(0)}")
    check([r[1] for r in received if r[0] == 0] == rest and all(r[0] == 0 for r in received),
          f"{PROGRAM}: after alter the new member got {[(r[0], r[1]) for r in received][:10]}..., expected partition "
          f"0 offsets {rest[:5]}... only")
    log(f"alter_consumer_group_offsets: the next member started partition 0 at {middle}")

    top, answers = offset_delete(args, admin, args.group, args.topic, [2])
    check(top == NO_ERROR and answers == {2: GROUP_SUBSCRIBED_TO_TOPIC},
          f"{PROGRAM}: OffsetDelete of a partition of a subscribed topic: {top} {answers}, expected partition error "
          f"GROUP_SUBSCRIBED_TO_TOPIC (86)")
    gc.stop_members([member], 60, PROGRAM)
    wait_empty(admin, args.group)
    top, answers = offset_delete(args, admin, args.group, args.topic, [1])
    check(top == NO_ERROR and answers == {1: NO_ERROR}, f"{PROGRAM}: OffsetDelete on the Empty group: {top} {answers}")
    got = gc.committed_offsets(admin, args.group, args.topic, partitions)
    check(got.get(0) == ends[0] and got.get(2) == ends[2] and got.get(1, -1) < 0,
          f"{PROGRAM}: after OffsetDelete of partition 1 the offsets are {got}, expected {ends[0]}, none, {ends[2]}")
    top, _ = offset_delete_unknown(admin, args)
    log("OffsetDelete: GROUP_SUBSCRIBED_TO_TOPIC while subscribed, deleted once Empty, GROUP_ID_NOT_FOUND for an "
        "unknown group")

    simple_group_checks(args, admin)

    admin.delete_consumer_groups([args.group], request_timeout=15)[args.group].result(timeout=20)
    found, _ = listing(admin, args.group)
    check(found is None, f"{PROGRAM}: the deleted {args.group} is still listed: {found!r}")
    try:
        description = gc.describe_group(admin, args.group)
        check(description.state == ConsumerGroupState.DEAD and not description.members,
              f"{PROGRAM}: the deleted group is described as {gc.description_text(description)}")
    except Exception as error:  # noqa: BLE001
        check(error_code(error) == GROUP_ID_NOT_FOUND, f"{PROGRAM}: describing the deleted group: {error!r}")
    check_no_offsets(admin, args.group, args.topic, partitions, "the deleted group")
    try:
        admin.delete_consumer_groups([args.group], request_timeout=15)[args.group].result(timeout=20)
        fail(f"{PROGRAM}: deleting {args.group} twice succeeded")
    except Exception as error:  # noqa: BLE001
        check(error_code(error) == GROUP_ID_NOT_FOUND, f"{PROGRAM}: deleting a deleted group: {error!r}, expected "
                                                       f"GROUP_ID_NOT_FOUND")
    log("delete_consumer_groups: deleted; not listed, Dead, no offsets; a second delete -> GROUP_ID_NOT_FOUND")

    print(json.dumps({"topic": args.topic, "group": args.group, "coordinator": coordinator,
                      "committed": {str(p): o for p, o in expected.items()}, "alteredTo": middle},
                     separators=(",", ":"), sort_keys=True), flush=True)
    print("OK: group_admin", flush=True)


def offset_delete_unknown(admin, args):
    """OffsetDelete for a group that never existed answers GROUP_ID_NOT_FOUND."""
    unknown = f"tern-admin-never-{uuid.uuid4().hex[:8]}"
    top, answers = offset_delete(args, admin, unknown, args.topic, [0])
    check(top == GROUP_ID_NOT_FOUND, f"{PROGRAM}: OffsetDelete for the unknown group {unknown}: {top} {answers}, "
                                     f"expected GROUP_ID_NOT_FOUND (69)")
    return top, answers


def simple_group_checks(args, admin):
    """A group that exists only through an admin commit: listed Empty and simple; kafka-python
    deletes it."""
    from confluent_kafka import ConsumerGroupState
    from kafka.admin import KafkaAdminClient

    simple = f"tern-admin-simple-{uuid.uuid4().hex[:8]}"
    top, answers = alter(admin, simple, args.topic, {0: 1})
    check(top is None and answers == {0: NO_ERROR}, f"{PROGRAM}: an admin commit for the new group {simple}: "
                                                    f"{top} {answers}")
    found, errors = listing(admin, simple)
    check(found is not None and found.state == ConsumerGroupState.EMPTY and found.is_simple_consumer_group,
          f"{PROGRAM}: the simple group {simple} is listed as {found!r} (errors {errors}), expected Empty "
          f"and simple")
    kafka_admin = KafkaAdminClient(bootstrap_servers=args.bootstrap.split(","), client_id="tern-group-admin-kp2")
    try:
        results = kafka_admin.delete_consumer_groups([simple])
    finally:
        kafka_admin.close()
    check(len(results) == 1 and results[0][0] == simple and results[0][1].errno == 0,
          f"{PROGRAM}: kafka-python delete_consumer_groups([{simple}]): {results}")
    found, _ = listing(admin, simple)
    check(found is None, f"{PROGRAM}: the deleted simple group {simple} is still listed")
    log(f"simple group {simple}: listed Empty and simple, deleted by kafka-python")


if __name__ == "__main__":
    main()
