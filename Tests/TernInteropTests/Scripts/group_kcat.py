#!/usr/bin/env python3
"""kcat's high-level (balanced) consumer, `kcat -G`, in a consumer group.

Creates --topic (--partitions 3, replication factor 3) and fills it with --records (50) keyed
records per partition (confluent-kafka, acks=all), then:
  * `kcat -L -J`: --brokers (3) brokers, node ids 1..N, and the topic with its partitions, each
    led by a listed broker (whether `__consumer_offsets` is listed is reported, not checked);
  * `kcat -G GROUP -c ALL -J -X auto.offset.reset=earliest TOPIC`: exits 0 after every record,
    each handed out exactly once with its key and value at its acknowledged offset; kcat commits
    on close (auto-commit, the final commit of rd_kafka_consumer_close), so
    list_consumer_group_offsets must then show every partition committed one past its last
    record;
  * after --records more per partition, the same command with -c of the new count must hand out
    exactly the new records (it resumes at the committed offsets: nothing older) and commit them;
  * `kcat -G GROUP -e TOPIC` (exits once every assigned partition is at its end) hands out nothing.
Every kcat run has --kcat-seconds (120) to finish. Prints one JSON line and "OK: group_kcat";
exits 1 on a failed check, 2 if confluent-kafka is missing.

Usage: group_kcat.py --bootstrap H:P[,H:P...] [--topic T] [--group G] [--partitions 3]
           [--replication-factor 3] [--records 50] [--brokers 3] [--kcat-seconds 120]
"""
import argparse
import json
import shutil
import subprocess
import time
import uuid

import group_common as gc
from interop_common import check, fail

PROGRAM = "group_kcat"


def log(message):
    gc.log(PROGRAM, message)


def kcat(args, seconds, retriable=False):
    """kcat's stdout and stderr; a failure ends the script, or with `retriable` raises (for wait_for)."""
    command = ["kcat"] + args
    try:
        result = subprocess.run(command, capture_output=True, timeout=seconds, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as error:
        fail(f"{PROGRAM}: `{' '.join(command)}` did not finish within {seconds} s; it printed "
             f"{len((error.stdout or b'').splitlines())} lines; stderr: "
             f"{(error.stderr or b'').decode(errors='replace')[-3000:]}")
    stderr = result.stderr.decode(errors="replace")
    if result.returncode != 0:
        message = f"`{' '.join(command)}` exited {result.returncode}; stderr:\n{stderr[-4000:]}"
        if retriable:
            raise RuntimeError(message)
        fail(f"{PROGRAM}: {message}")
    return result.stdout.decode(errors="replace"), stderr


def group_consume(args, extra):
    out, stderr = kcat(["-b", args.bootstrap, "-G", args.group, "-J", "-q", "-X", "auto.offset.reset=earliest",
                        "-X", "session.timeout.ms=10000", "-X", "heartbeat.interval.ms=1000"] + extra + [args.topic],
                       args.kcat_seconds)
    messages = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    if stderr.strip():
        log(f"kcat -G stderr: {stderr.strip()[-1000:]}")
    return messages


def check_exactly(messages, batch, what, topic):
    want = {}
    for partition, records in batch.items():
        for offset, key, value in records:
            want[(partition, offset)] = (key.decode(), value.decode())
    got = {}
    for message in messages:
        where = (message["partition"], message["offset"])
        check(message.get("topic") == topic, f"{PROGRAM}: {what}: a record of topic {message.get('topic')!r}")
        check(where not in got, f"{PROGRAM}: {what}: partition {where[0]} offset {where[1]} handed out twice")
        got[where] = (message.get("key"), message.get("payload"))
    extra = sorted(set(got) - set(want))
    missing = sorted(set(want) - set(got))
    check(not extra, f"{PROGRAM}: {what}: {len(extra)} records that are not the expected ones, e.g. {extra[:5]} "
                     f"(expected offsets per partition "
                     f"{ {p: (r[0][0], r[-1][0]) for p, r in batch.items()} })")
    check(not missing, f"{PROGRAM}: {what}: {len(missing)} records missing, e.g. {missing[:5]}")
    for where, pair in want.items():
        check(got[where] == pair, f"{PROGRAM}: {what}: partition {where[0]} offset {where[1]} holds {got[where]}, "
                                  f"expected {pair}")


def committed_now(admin, args, partitions):
    return gc.wait_for(f"list_consumer_group_offsets of {args.group}", 60,
                       lambda: gc.committed_offsets(admin, args.group, args.topic, partitions))


def main():
    gc.start_script()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", default=f"group-kcat-{uuid.uuid4().hex[:8]}")
    parser.add_argument("--group", default=f"tern-kcat-{uuid.uuid4().hex[:8]}")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--replication-factor", type=int, default=3)
    parser.add_argument("--records", type=int, default=50)
    parser.add_argument("--brokers", type=int, default=3)
    parser.add_argument("--kcat-seconds", type=float, default=120.0)
    args = parser.parse_args()
    gc.require_clients([])
    if shutil.which("kcat") is None:
        fail("kcat not found on PATH; install with: apt-get install -y kcat")
    version = subprocess.run(["kcat", "-V"], capture_output=True, text=True).stdout
    log(" ".join(line.strip() for line in version.splitlines() if "Version" in line)[:200])
    partitions = list(range(args.partitions))
    gc.create_topic(args.bootstrap, args.topic, args.partitions, args.replication_factor, 120, PROGRAM)
    admin = gc.admin_client(args.bootstrap)

    # Metadata through kcat.
    def listed():
        out, _ = kcat(["-b", args.bootstrap, "-L", "-J"], 60, retriable=True)
        metadata = json.loads(out)
        brokers = sorted(b["id"] for b in metadata.get("brokers", []))
        topics = {t.get("topic"): t for t in metadata.get("topics", [])}
        mine = topics.get(args.topic)
        if brokers != list(range(1, args.brokers + 1)) or mine is None:
            raise RuntimeError(f"kcat -L: brokers {brokers}, topics {sorted(topics)}")
        parts = mine.get("partitions", [])
        if sorted(p["partition"] for p in parts) != partitions or not all(p.get("leader") in brokers for p in parts):
            raise RuntimeError(f"kcat -L: {args.topic} partitions {parts}")
        return brokers, topics

    brokers, topics = gc.wait_for(f"kcat -L to list {args.brokers} brokers and {args.topic} with leaders", 60, listed)
    internal = topics.get("__consumer_offsets")
    log(f"kcat -L: brokers {brokers}, {len(topics)} topics; __consumer_offsets "
        f"{'listed with ' + str(len(internal.get('partitions', []))) + ' partitions' if internal else 'not listed'}")

    first = gc.produce_keyed(args.bootstrap, args.topic, partitions, args.records, "kcat-first", PROGRAM)
    count = args.records * args.partitions
    started = time.monotonic()
    messages = group_consume(args, ["-c", str(count)])
    check_exactly(messages, first, "first kcat -G run", args.topic)
    ends = gc.end_offsets([first])
    committed = committed_now(admin, args, partitions)
    check(committed == ends, f"{PROGRAM}: after the first kcat -G run the group has committed {committed}, expected "
                             f"{ends} (kcat commits on close)")
    log(f"first kcat -G: {len(messages)} records in {time.monotonic() - started:.1f} s; committed {committed}")

    second = gc.produce_keyed(args.bootstrap, args.topic, partitions, args.records, "kcat-second", PROGRAM)
    messages = group_consume(args, ["-c", str(count)])
    check_exactly(messages, second, "second kcat -G run (must resume at the committed offsets)", args.topic)
    ends = gc.end_offsets([first, second])
    committed_after = committed_now(admin, args, partitions)
    check(committed_after == ends, f"{PROGRAM}: after the second kcat -G run the group has committed "
                                   f"{committed_after}, expected {ends}")
    log(f"second kcat -G: resumed at {committed}, {len(messages)} records; committed {committed_after}")

    messages = group_consume(args, ["-e"])
    check(not messages, f"{PROGRAM}: kcat -G -e with everything committed handed out {len(messages)} records, e.g. "
                        f"{messages[:3]}")
    log("third kcat -G -e: nothing left, exited at the end of every partition")

    print(json.dumps({
        "topic": args.topic, "group": args.group, "brokers": brokers, "internalTopicListed": internal is not None,
        "first": {"records": count, "committed": {str(p): committed[p] for p in partitions}},
        "second": {"records": count, "committed": {str(p): committed_after[p] for p in partitions}},
        "third": {"records": 0},
    }, separators=(",", ":"), sort_keys=True), flush=True)
    print("OK: group_kcat", flush=True)


if __name__ == "__main__":
    main()
