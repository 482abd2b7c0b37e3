#!/usr/bin/env python3
"""Idempotent produce over a raw socket: byte-for-byte replays across a leader kill and a full
cluster restart, Kafka's sequence and epoch checks, and cluster-unique producer ids.

Steps (PROTOCOL.md §1.5):
 1. Creates --topic (3 partitions, replication factor 3). InitProducerId v0, v1, v2, v3, v4
    (no producer id) asked of every broker of --bootstrap: every answer epoch 0, every id
    distinct. P = the first id, Q = the last (allocated, never used).
 2. Produce v8, acks=-1, one uncompressed batch (P, epoch 0, sequence 0, 5 records) to
    partition 0's leader -> base offset O. The identical request bytes again on the same
    connection and on a new one -> O, no error, the high watermark unchanged.
 3. Writes W/kill-request.json ({"leader", "offset", "highWatermark"}) and waits for W/killed
    (the test killed -9 the leader and wrote the node id). The same bytes to the new leader
    (Metadata; retriable errors and refused connections retried) -> O.
 4. Writes W/restart-request.json and waits for W/restarted (the test restarted the killed node,
    then stopped all three with SIGTERM and started them again). The same bytes -> O.
    InitProducerId (v1 and v4) of every broker: every new id greater than every id before.
 5. Sequence 5 (epoch 0) -> appended at a new offset; sequence 20 when 10 is expected ->
    OUT_OF_ORDER_SEQUENCE_NUMBER (45); InitProducerId v3 naming (P, 0) -> (P, 1); epoch 1
    sequence 3 -> OUT_OF_ORDER_SEQUENCE_NUMBER; epoch 1 sequence 0 -> appended (and its replay
    -> the same offset); epoch 0 -> INVALID_PRODUCER_EPOCH (47); Q with sequence 17 (no state
    for Q in this partition) -> appended.
 6. Writes W/crash-request.json and waits for W/crashed (the test killed -9 every node and
    started them again). The epoch 1 sequence 0 batch and Q's batch again -> their offsets; epoch
    0 -> INVALID_PRODUCER_EPOCH; epoch 1 sequence 6 when 5 is expected -> OUT_OF_ORDER; epoch 1
    sequence 5 -> appended.
 7. Reads partition 0 from offset 0 to the high watermark: every appended record exactly once
    at the offset its answer gave; nothing of a refused batch.

Answers are recorded, not failed on: the script prints one JSON line with what every step got
and the test checks it (so one run shows every difference). It exits 1 only when a step cannot
be carried out (no answer within its deadline), 2 when a Python module is missing.

Usage: idem_replay.py --bootstrap H:P,H:P,H:P --topic T --work W [--seconds 600]
"""
import argparse
import json
import time
import uuid

from bad_input import Closed, Failure, encode_batch, read_all
from group_common import create_topic, log, require_clients, start_script
from idem_common import (RETRIABLE_PRODUCE, addresses, connect, high_watermark_of, init_producer_id, metadata_leader,
                         produce_answer, produce_frame, wait_for_file, write_json)

PROGRAM = "idem_replay"


class Run:
    def __init__(self, args):
        self.args = args
        self.topic = args.topic
        self.work = args.work
        self.deadline = time.monotonic() + args.seconds
        self.tag = uuid.uuid4().hex[:6]
        self.correlation = 1000
        self.summary = {"topic": self.topic}
        self.appended = {}  # value -> expected offset
        self.refused = set()  # values of refused batches

    def left(self, cap):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise SystemExit(f"{PROGRAM}: the overall deadline ({self.args.seconds} s) passed")
        return min(cap, left)

    # Requests.

    def batch(self, name, producer_id, epoch, sequence, count=5):
        values = [f"{self.tag}-{name}-{i}".encode() for i in range(count)]
        return values, encode_batch(values, producer=(producer_id, epoch, sequence))

    def frame(self, batch):
        self.correlation += 1
        return produce_frame(self.topic, 0, batch, self.correlation)

    def send(self, frame, what, exclude=()):
        """Sends `frame` to partition 0's leader until an answer other than a retriable error
        comes (refused connections and timeouts retried too); returns (answer, leader id,
        retried errors)."""
        seconds = self.left(180)
        deadline = time.monotonic() + seconds
        retried = []
        while True:
            found = metadata_leader(self.args.bootstrap, self.topic, 0, exclude=exclude)
            if found is not None:
                leader, address = found
                conn = None
                try:
                    conn = connect(address, timeout=35.0)
                    answer = produce_answer(conn, frame, f"{what} on node {leader}")
                    if answer["error"] not in RETRIABLE_PRODUCE:
                        if retried:
                            log(PROGRAM, f"{what}: retried {len(retried)} times: {retried[:10]}")
                        return answer, leader, retried
                    retried.append(f"node {leader}: error {answer['error']} {answer.get('error_message')}")
                except (OSError, Closed, Failure) as problem:
                    retried.append(f"node {leader}: {type(problem).__name__}: {problem}")
                finally:
                    if conn is not None:
                        conn.close()
            else:
                retried.append("no leader in the metadata")
            if time.monotonic() > deadline:
                raise SystemExit(f"{PROGRAM}: {what}: no answer but retriable errors for {seconds:g} s: "
                                 f"{retried[-10:]}")
            time.sleep(0.2)

    def leader_address(self, exclude=()):
        seconds = self.left(120)
        deadline = time.monotonic() + seconds
        while True:
            found = metadata_leader(self.args.bootstrap, self.topic, 0, exclude=exclude)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise SystemExit(f"{PROGRAM}: no leader of {self.topic}-0 in the metadata for {seconds:g} s")
            time.sleep(0.2)

    def high_watermark(self):
        seconds = self.left(60)
        deadline = time.monotonic() + seconds
        while True:
            _, address = self.leader_address()
            try:
                return high_watermark_of(address, self.topic, 0)
            except (OSError, Closed, Failure) as problem:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{PROGRAM}: no high watermark of {self.topic}-0 for {seconds:g} s: {problem}")
            time.sleep(0.2)

    def ids(self, versions, label):
        """[{"broker", "version", "id", "epoch"}] of InitProducerId without an id, each version of
        `versions` asked of every broker."""
        out = []
        for index, address in enumerate(addresses(self.args.bootstrap)):
            for version in versions:
                pid, epoch = init_producer_id(address, version, self.left(120), PROGRAM)
                out.append({"broker": f"{address[0]}:{address[1]}", "version": version, "id": pid, "epoch": epoch})
        log(PROGRAM, f"InitProducerId {label}: {[(e['version'], e['id'], e['epoch']) for e in out]}")
        return out

    def step(self, name, values, answer, leader, retried, expect_error=0):
        entry = {"error": answer["error"], "offset": answer["base_offset"], "leader": leader,
                 "message": answer.get("error_message"), "retried": len(retried)}
        self.summary[name] = entry
        log(PROGRAM, f"{name}: {entry}")
        if answer["error"] == 0 and expect_error == 0:
            for i, value in enumerate(values):
                self.appended.setdefault(value, answer["base_offset"] + i)
        elif answer["error"] != 0:
            self.refused.update(v for v in values if v not in self.appended)
        return entry

    # The run.

    def run(self):
        args = self.args
        create_topic(args.bootstrap, self.topic, 3, 3, self.left(120), PROGRAM)

        # 1. Ids.
        before = self.ids([0, 1, 2, 3, 4], "before the restart")
        self.summary["idsBefore"] = before
        producer = before[0]["id"]
        fresh = before[-1]["id"]
        self.summary["producerId"] = producer
        self.summary["freshProducerId"] = fresh

        # 2. The first batch and its replays on one leader.
        first_values, first_batch = self.batch("e0-s0", producer, 0, 0)
        first = self.frame(first_batch)
        answer, leader, retried = self.send(first, "epoch 0 sequence 0")
        self.step("first", first_values, answer, leader, retried)
        if answer["error"] != 0:
            raise SystemExit(f"{PROGRAM}: the first idempotent batch was refused: {answer}")
        offset = answer["base_offset"]
        _, address = self.leader_address()
        high_before = self.high_watermark()
        conn = connect(address, timeout=35.0)
        try:
            same = produce_answer(conn, first, "replay on the same connection")
            again = produce_answer(conn, first, "second replay on the same connection")
        finally:
            conn.close()
        new_conn = connect(address, timeout=35.0)
        try:
            other = produce_answer(new_conn, first, "replay on a new connection")
        finally:
            new_conn.close()
        high_after = self.high_watermark()
        self.summary["replaySameLeader"] = [
            {"error": a["error"], "offset": a["base_offset"], "message": a.get("error_message")}
            for a in (same, again, other)]
        self.summary["highWatermarkBeforeReplay"] = high_before
        self.summary["highWatermarkAfterReplay"] = high_after
        log(PROGRAM, f"first batch at {offset} on node {leader}; replays {self.summary['replaySameLeader']}; "
                     f"high watermark {high_before} -> {high_after}")

        # 3. Kill -9 of the leader (by the test), replay on the new one.
        write_json(f"{self.work}/kill-request.json", {"leader": leader, "offset": offset, "highWatermark": high_after})
        killed = int(wait_for_file(f"{self.work}/killed", self.left(300), "the test's kill of the leader").strip())
        self.summary["killed"] = killed
        answer, new_leader, retried = self.send(first, "replay after the kill", exclude=(killed,))
        self.summary["replayAfterKill"] = {"error": answer["error"], "offset": answer["base_offset"],
                                           "leader": new_leader, "message": answer.get("error_message"),
                                           "retried": len(retried), "retriedErrors": retried[:10]}
        log(PROGRAM, f"replay after the kill of node {killed}: {self.summary['replayAfterKill']}")

        # 4. Full restart (by the test), replay, ids.
        write_json(f"{self.work}/restart-request.json", {"killed": killed})
        wait_for_file(f"{self.work}/restarted", self.left(420), "the test's full restart")
        answer, leader, retried = self.send(first, "replay after the full restart")
        self.summary["replayAfterRestart"] = {"error": answer["error"], "offset": answer["base_offset"],
                                              "leader": leader, "message": answer.get("error_message"),
                                              "retried": len(retried), "retriedErrors": retried[:10]}
        log(PROGRAM, f"replay after the full restart: {self.summary['replayAfterRestart']}")
        self.summary["idsAfter"] = self.ids([1, 4], "after the restart")

        # 5. Sequence and epoch checks.
        values, batch = self.batch("e0-s5", producer, 0, 5)
        self.step("epoch0Seq5", values, *self.send(self.frame(batch), "epoch 0 sequence 5"))
        values, batch = self.batch("e0-s20", producer, 0, 20)
        self.step("epoch0Seq20", values, *self.send(self.frame(batch), "epoch 0 sequence 20 (10 expected)"),
                  expect_error=45)
        bumped = init_producer_id(addresses(args.bootstrap)[0], 3, self.left(120), PROGRAM, producer_id=producer,
                                  producer_epoch=0)
        self.summary["bumped"] = {"id": bumped[0], "epoch": bumped[1]}
        log(PROGRAM, f"InitProducerId v3 naming ({producer}, 0): {bumped}")
        bumped_id, bumped_epoch = bumped
        values, batch = self.batch("e1-s3", bumped_id, bumped_epoch, 3)
        self.step("epoch1Seq3", values, *self.send(self.frame(batch), "epoch 1 sequence 3"), expect_error=45)
        values, batch = self.batch("e1-s0", bumped_id, bumped_epoch, 0)
        epoch1 = self.frame(batch)
        self.step("epoch1Seq0", values, *self.send(epoch1, "epoch 1 sequence 0"))
        answer, leader, retried = self.send(epoch1, "replay of epoch 1 sequence 0")
        self.summary["epoch1Seq0Replay"] = {"error": answer["error"], "offset": answer["base_offset"], "leader": leader,
                                            "message": answer.get("error_message")}
        log(PROGRAM, f"replay of epoch 1 sequence 0: {self.summary['epoch1Seq0Replay']}")
        values, batch = self.batch("e0-s10", producer, 0, 10)
        self.step("epoch0AfterBump", values, *self.send(self.frame(batch), "epoch 0 after the bump"), expect_error=47)
        values, batch = self.batch("fresh-s17", fresh, 0, 17)
        fresh_frame = self.frame(batch)
        self.step("freshSeq17", values, *self.send(fresh_frame, f"producer {fresh} sequence 17"))

        # 6. Kill -9 of every node (by the test), both nodes started again: the producer state
        # comes back from the snapshots and the log after them.
        write_json(f"{self.work}/crash-request.json", {"producer": producer})
        wait_for_file(f"{self.work}/crashed", self.left(420), "the test's crash and restart of every node")
        for name, frame in (("replayAfterCrash", epoch1), ("freshReplayAfterCrash", fresh_frame)):
            answer, leader, retried = self.send(frame, name)
            self.summary[name] = {"error": answer["error"], "offset": answer["base_offset"], "leader": leader,
                                  "message": answer.get("error_message"), "retried": len(retried),
                                  "retriedErrors": retried[:10]}
            log(PROGRAM, f"{name}: {self.summary[name]}")
        values, batch = self.batch("e0-s10-crash", producer, 0, 10)
        self.step("epoch0AfterCrash", values, *self.send(self.frame(batch), "epoch 0 after the crash"),
                  expect_error=47)
        values, batch = self.batch("e1-s6-crash", bumped_id, bumped_epoch, 6)
        self.step("epoch1Seq6AfterCrash", values, *self.send(self.frame(batch), "epoch 1 sequence 6 (5 expected)"),
                  expect_error=45)
        values, batch = self.batch("e1-s5-crash", bumped_id, bumped_epoch, 5)
        self.step("epoch1Seq5AfterCrash", values, *self.send(self.frame(batch), "epoch 1 sequence 5 after the crash"))

        # 7. The log.
        self.summary["log"] = self.check_log()
        print(json.dumps(self.summary, separators=(",", ":")), flush=True)

    def check_log(self):
        seconds = self.left(120)
        deadline = time.monotonic() + seconds
        while True:
            _, address = self.leader_address()
            conn = None
            try:
                conn = connect(address, timeout=30.0)
                records, high = read_all(conn, self.topic, 0, "reading partition 0")
                break
            except (OSError, Closed, Failure) as problem:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{PROGRAM}: cannot read {self.topic}-0 for {seconds:g} s: {problem}")
            finally:
                if conn is not None:
                    conn.close()
            time.sleep(0.2)
        stored = {}
        for record_offset, _, value in records:
            stored.setdefault(value, []).append(record_offset)
        ours = [v for v in stored if v.startswith(self.tag.encode())]
        duplicates = [f"{v.decode()} at {stored[v]}" for v in ours if len(stored[v]) > 1]
        missing = [f"{v.decode()} (expected at {o})" for v, o in self.appended.items() if v not in stored]
        misplaced = [f"{v.decode()} at {stored[v]}, answered {o}" for v, o in self.appended.items()
                     if v in stored and stored[v] != [o]]
        refused_stored = [f"{v.decode()} at {stored[v]}" for v in self.refused if v in stored]
        unexpected = [f"{v.decode()} at {stored[v]}" for v in ours if v not in self.appended and v not in self.refused]
        result = {"highWatermark": high, "records": len(records), "ours": len(ours), "expected": len(self.appended),
                  "duplicates": duplicates, "missing": missing, "misplaced": misplaced,
                  "refusedStored": refused_stored, "unexpected": unexpected}
        log(PROGRAM, f"partition 0: {result}")
        return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--work", required=True, help="folder of the files shared with the test")
    parser.add_argument("--seconds", type=float, default=600)
    args = parser.parse_args()
    start_script()
    require_clients([])
    Run(args).run()


if __name__ == "__main__":
    main()
