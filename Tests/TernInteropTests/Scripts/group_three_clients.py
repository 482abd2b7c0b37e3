#!/usr/bin/env python3
"""confluent-kafka, kafka-python and aiokafka as members of one consumer group.

Creates --topic with --partitions (6) partitions, replication factor --replication-factor (3),
and fills each with --records (40) keyed records (acks=all). Then, with the members of
group_common.py (range assignor, manual synchronous commits of what was processed):
  1. one member of each client joins --group: each must get a non-empty share, the shares
     disjoint and together every partition (within 120 s); DescribeGroups (AdminClient) must
     show the group Stable with the assignor "range" and, per member (by client id), the
     partitions that member's rebalance callbacks report. --records more per partition are
     produced: every one must be handed out by the owner of its partition only, and the group's
     commits must reach the end of every partition with the split unchanged.
  2. --leaver (kafka-python) closes (LeaveGroup): the other two must take over every partition
     (disjoint, both non-empty), the broker's view must match again, and a third batch must be
     consumed (by the new owners only) and committed to the end.
  3. the two close; list_consumer_group_offsets must show every partition committed at its end.
  4. for each of --resume-clients in turn: a batch is produced, then a new instance of that
     client joins the (Empty) group alone: it must get every partition and the first record it
     is handed on each must be the batch's first (the committed offset, or the first record
     after it: only a control batch may sit between), nothing older, every record of the batch
     exactly once; it commits and closes, and the committed offsets are the new ends.
Throughout: every acknowledged record handed out at least once (a skip fails), successful
commits never go backwards per partition; re-deliveries are counted, not failed. Prints one
JSON line {"split3":...,"split2":...,"resumes":[...],...} and "OK: group_three_clients"; exits
1 on a failed check, 2 if a client library is missing.

Usage: group_three_clients.py --bootstrap H:P[,H:P...] [--topic T] [--group G] [--partitions 6]
           [--replication-factor 3] [--records 40] [--leaver kafka-python]
           [--resume-clients confluent,kafka-python,aiokafka] [--phase-seconds 120]
"""
import argparse
import json
import time
import uuid

import group_common as gc
from interop_common import check, fail

PROGRAM = "group_three_clients"


def log(message):
    gc.log(PROGRAM, message)


def healthy(members):
    for member in members:
        member.check_healthy(PROGRAM)


def wait_split(members, partitions, seconds, what):
    def attempt():
        healthy(members)
        return gc.assignment_split(members, partitions)

    split = gc.wait_for(f"{what} (now {gc.describe_split(members)})", seconds, attempt)
    log(f"{what}: {split}")
    return split


def wait_broker_view(admin, group, topic, members, seconds):
    """DescribeGroups: Stable, assignor range, and per member client id the partitions it holds."""
    def attempt():
        healthy(members)
        description = gc.describe_group(admin, group)
        expected = {m.client_id: m.assignment() for m in members}
        seen = {}
        for m in description.members:
            seen.setdefault(m.client_id, set()).update(
                tp.partition for tp in m.assignment.topic_partitions if tp.topic == topic)
        from confluent_kafka import ConsumerGroupState
        if description.state != ConsumerGroupState.STABLE or seen != expected:
            raise RuntimeError(f"DescribeGroups: {gc.description_text(description)}; the members hold {expected}")
        check(description.partition_assignor == "range",
              f"{PROGRAM}: DescribeGroups names the assignor {description.partition_assignor!r}, expected 'range'")
        return description

    description = gc.wait_for("DescribeGroups to show the members' own assignments, Stable", seconds, attempt)
    log(f"DescribeGroups: {gc.description_text(description)}")


def wait_committed(ledger, members, ends, seconds, what):
    def attempt():
        healthy(members)
        done = ledger.max_commits()
        return done if all(done.get(p, -1) >= end for p, end in ends.items()) else None

    gc.wait_for(f"commits reaching {ends} ({what}; committed so far {ledger.max_commits()})", seconds, attempt)


def check_owners(ledger, batch, split, what):
    """Every record of `batch` handed out, and only by the member owning its partition in `split`."""
    owner = {p: name for name, owned in split.items() for p in owned}
    wanted = {(p, offset) for p, records in batch.items() for offset, _, _ in records}
    seen = set()
    for member, partition, offset, _ in ledger.consumed_snapshot():
        if (partition, offset) in wanted:
            check(member == owner[partition], f"{PROGRAM}: {what}: partition {partition} offset {offset} handed to "
                                              f"{member}, but {owner[partition]} owns the partition ({split})")
            seen.add((partition, offset))
    missing = sorted(wanted - seen)
    check(not missing, f"{PROGRAM}: {what}: {len(missing)} records never handed out, e.g. {missing[:5]}")


def fetch_committed(admin, group, topic, partitions, seconds):
    def attempt():
        return gc.committed_offsets(admin, group, topic, partitions)

    return gc.wait_for(f"list_consumer_group_offsets of {group}", seconds, attempt)


def resume_round(args, admin, ledger, client, partitions, ends_before):
    tag = f"resume-{client}"
    batch = gc.produce_keyed(args.bootstrap, args.topic, partitions, args.records, tag, PROGRAM)
    committed = fetch_committed(admin, args.group, args.topic, partitions, 60)
    check(committed == ends_before, f"{PROGRAM}: before the {client} restart the group has committed {committed}, "
                                    f"expected the ends {ends_before}")
    expected_first = {p: batch[p][0][0] for p in partitions}
    for p in partitions:
        check(expected_first[p] >= committed[p], f"{PROGRAM}: partition {p}: the new batch starts at "
                                                 f"{expected_first[p]}, below the committed {committed[p]}")
    member = gc.new_member(client, args.bootstrap, args.topic, args.group, ledger, label=f"resume-{client}")
    member.start()

    def attempt():
        member.check_healthy(PROGRAM)
        counts = {p: 0 for p in partitions}
        for partition, _, _ in member.received_snapshot():
            counts[partition] = counts.get(partition, 0) + 1
        return counts if all(counts[p] >= args.records for p in partitions) else None

    gc.wait_for(f"the restarted {client} member to be handed {args.records} records of every partition "
                f"(it holds {sorted(member.assignment())})", args.phase_seconds, attempt)
    check(member.assignment() == set(partitions),
          f"{PROGRAM}: the restarted {client} member, alone in the group, holds {sorted(member.assignment())}")
    gc.stop_members([member], 60, PROGRAM)
    first = member.first_offsets()
    check(first == expected_first,
          f"{PROGRAM}: the restarted {client} member started at {first}; the group had committed {committed} and "
          f"the first records at or after those are at {expected_first}")
    by_partition = {p: [] for p in partitions}
    for partition, offset, value in member.received_snapshot():
        by_partition[partition].append((offset, value))
    for p in partitions:
        want = [(offset, value) for offset, _, value in batch[p]]
        check(by_partition[p] == want,
              f"{PROGRAM}: the restarted {client} member got {len(by_partition[p])} records of partition {p} "
              f"(offsets {[o for o, _ in by_partition[p]][:8]}...), expected exactly the new batch (offsets "
              f"{[o for o, _ in want][:8]}...)")
    ends = gc.end_offsets([batch])
    after = fetch_committed(admin, args.group, args.topic, partitions, 60)
    check(after == ends, f"{PROGRAM}: after the {client} member closed the group has committed {after}, "
                         f"expected {ends}")
    log(f"restarted {client}: committed before {committed}, first offsets {first}, committed after {after}")
    return batch, ends, {"client": client, "committed": {str(p): committed[p] for p in partitions},
                         "first": {str(p): first[p] for p in partitions}, "records": args.records * len(partitions),
                         "commits": member.commits}


def main():
    gc.start_script()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", default=f"group-three-{uuid.uuid4().hex[:8]}")
    parser.add_argument("--group", default=f"tern-three-{uuid.uuid4().hex[:8]}")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--replication-factor", type=int, default=3)
    parser.add_argument("--records", type=int, default=40, help="records per partition per batch")
    parser.add_argument("--leaver", choices=gc.CLIENTS, default="kafka-python")
    parser.add_argument("--resume-clients", type=gc.client_list, default=list(gc.CLIENTS))
    parser.add_argument("--phase-seconds", type=float, default=120.0)
    args = parser.parse_args()
    check(args.partitions >= 3, "--partitions must be at least 3 (one share per member)")
    gc.require_clients(gc.CLIENTS)
    started = time.monotonic()
    log(gc.versions())
    partitions = list(range(args.partitions))
    gc.create_topic(args.bootstrap, args.topic, args.partitions, args.replication_factor, 120, PROGRAM)
    admin = gc.admin_client(args.bootstrap)
    ledger = gc.Ledger()
    batches = [gc.produce_keyed(args.bootstrap, args.topic, partitions, args.records, "fill", PROGRAM)]
    log(f"filled {args.topic}: ends {gc.end_offsets(batches)}")

    # 1. Three clients, one group.
    members = [gc.new_member(client, args.bootstrap, args.topic, args.group, ledger) for client in gc.CLIENTS]
    for member in members:
        member.start()
    split3 = wait_split(members, partitions, args.phase_seconds, "three members sharing every partition")
    wait_broker_view(admin, args.group, args.topic, members, 60)
    batch = gc.produce_keyed(args.bootstrap, args.topic, partitions, args.records, "three", PROGRAM)
    batches.append(batch)
    wait_committed(ledger, members, gc.end_offsets(batches), args.phase_seconds, "three members")
    check(gc.assignment_split(members, partitions) == split3,
          f"{PROGRAM}: the split changed while three members consumed: {split3} -> {gc.describe_split(members)}")
    check_owners(ledger, batch, split3, "three members")

    # 2. One leaves; two take over.
    leaver = next(m for m in members if m.client == args.leaver)
    remaining = [m for m in members if m is not leaver]
    gc.stop_members([leaver], 60, PROGRAM)
    log(f"{leaver.name} closed (LeaveGroup) after {leaver.commits} commits")
    split2 = wait_split(remaining, partitions, args.phase_seconds, f"the two members left sharing every partition")
    wait_broker_view(admin, args.group, args.topic, remaining, 60)
    batch = gc.produce_keyed(args.bootstrap, args.topic, partitions, args.records, "two", PROGRAM)
    batches.append(batch)
    wait_committed(ledger, remaining, gc.end_offsets(batches), args.phase_seconds, "two members")
    check(gc.assignment_split(remaining, partitions) == split2,
          f"{PROGRAM}: the split changed while two members consumed: {split2} -> {gc.describe_split(remaining)}")
    check_owners(ledger, batch, split2, "two members")

    # 3. Everyone closes; the committed offsets are the ends.
    gc.stop_members(remaining, 60, PROGRAM)
    ends = gc.end_offsets(batches)
    committed = fetch_committed(admin, args.group, args.topic, partitions, 60)
    check(committed == ends, f"{PROGRAM}: with every member closed the group has committed {committed}, expected the "
                             f"ends {ends}")
    log(f"every member closed; committed {committed}")

    # 4. Restarted instances resume at the committed offsets.
    resumes = []
    for client in args.resume_clients:
        batch, ends, report = resume_round(args, admin, ledger, client, partitions, ends)
        batches.append(batch)
        resumes.append(report)

    skipped, wrong, redeliveries, distinct = gc.delivery_check(gc.acked_values(batches), ledger.consumed_snapshot())
    backwards = ledger.backwards_snapshot()
    failures = ledger.failures_snapshot()
    summary = {
        "topic": args.topic, "group": args.group, "partitions": args.partitions, "recordsPerBatch": args.records,
        "split3": split3, "leaver": leaver.name, "split2": split2, "resumes": resumes,
        "acknowledged": len(gc.acked_values(batches)), "consumed": len(ledger.consumed_snapshot()),
        "distinct": distinct, "redeliveries": redeliveries, "skipped": len(skipped), "wrong": len(wrong),
        "commits": len(ledger.commits_snapshot()), "commitFailures": len(failures), "backwards": len(backwards),
        "members": [m.summary() for m in members], "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(summary, separators=(",", ":"), sort_keys=True), flush=True)
    if failures:
        log(f"{len(failures)} commits failed (allowed around rebalances), e.g. {[f[3] for f in failures[:3]]}")
    if skipped or wrong or backwards:
        fail(f"{PROGRAM}: {len(skipped)} acknowledged records never handed out {skipped[:5]}, {len(wrong)} with "
             f"another value {wrong[:5]}, {len(backwards)} commits going backwards {backwards[:5]}")
    print("OK: group_three_clients", flush=True)


if __name__ == "__main__":
    main()
