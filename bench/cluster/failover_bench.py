#!/usr/bin/env python3
"""Failover benchmark (a benchmark, not a test: it never fails on a figure, only on lost data).

Against a running three-node cluster (deploy/local/cluster.sh up), with a confluent-kafka
producer writing acks=all to one partition of an RF=3 topic at a steady rate, it repeats
`--kills` times: find the partition leader from /v1/cluster, kill -9 it (by the PID in the
cluster's PID file), measure the time from the kill to the first acknowledgement of a record
*sent after the kill* (only the new leader can acknowledge it; counting any acknowledgement
that arrives after the kill would count old answers the client had not yet handed over, and
records sent before the kill and retried are answered no later than these, so the figure is
an upper bound by at most the client's send interval), then restart the node
with `cluster.sh start N`, and wait until all three replicas are in sync and the balancer has
moved leadership back (so every kill hits a settled cluster).

At the end a consumer reads the partition from the beginning and checks that every
acknowledged value is there at its acknowledged offset (exit 1 if not). Prints a table and a
final `RESULT {json}` line.

Usage: failover_bench.py --cluster deploy/local/cluster.sh [--kills 10] [--rate 2000]
Environment: the cluster script's TERN_DATA / TERN_KAFKA_PORT, passed through.
"""

import argparse
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request


def admin_ports(kafka_port):
    # deploy/local/cluster.sh: admin ports are Kafka port + 552 + i.
    return [kafka_port + 552 + i for i in range(3)]


def cluster_status(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/cluster", timeout=1) as answer:
            return json.load(answer)
    except Exception:  # noqa: BLE001 - a node that is down answers nothing
        return None


def partition_view(ports, topic, partition):
    """(leader, epoch, in_sync) from the node that leads with the highest term, or None."""
    best = None
    for port in ports:
        status = cluster_status(port)
        if not status:
            continue
        for entry in status["partitions"]:
            if entry["topic"] != topic or entry["partition"] != partition:
                continue
            local = entry.get("local") or {}
            if local.get("role") == "leader":
                candidate = (status["node"], local.get("term", -1), local.get("inSync", []))
                if best is None or candidate[1] > best[1]:
                    best = candidate
    return best


def wait_settled(ports, topic, partition, preferred, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        view = partition_view(ports, topic, partition)
        if view and view[0] == preferred and len(view[2]) == 3:
            return True
        time.sleep(0.1)
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cluster", default=os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "local",
                                                          "cluster.sh"))
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--rate", type=int, default=2000, help="records/s produced during the run")
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--topic", default="failover-bench")
    parser.add_argument("--debug-log", help="write librdkafka's topic/metadata/broker debug log here")
    args = parser.parse_args()

    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    kafka_port = int(os.environ.get("TERN_KAFKA_PORT", "9092"))
    bootstrap = ",".join(f"127.0.0.1:{kafka_port + i}" for i in range(3))
    ports = admin_ports(kafka_port)
    data = os.environ.get("TERN_DATA", os.path.join(os.path.dirname(os.path.abspath(args.cluster)), "..", "..",
                                                     ".tern", "local"))
    admin = AdminClient({"bootstrap.servers": bootstrap})
    try:
        admin.create_topics([NewTopic(args.topic, 1, 3)])[args.topic].result(timeout=60)
    except Exception as error:  # noqa: BLE001
        if "already exists" not in str(error) and "TOPIC_ALREADY_EXISTS" not in str(error):
            raise SystemExit(f"failover_bench: cannot create {args.topic}: {error}")
    deadline = time.time() + 60
    while partition_view(ports, args.topic, 0) is None and time.time() < deadline:
        time.sleep(0.1)
    first = partition_view(ports, args.topic, 0)
    if first is None:
        raise SystemExit("failover_bench: the partition has no leader")
    # The preferred leader is the first replica; the balancer moves leadership back to it.
    replicas = next(
        entry["replicas"] for status in map(cluster_status, ports) if status
        for entry in status["partitions"] if entry["topic"] == args.topic and entry["partition"] == 0)
    preferred = replicas[0]

    settings = {
        "bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": False, "linger.ms": 0,
        "message.timeout.ms": 60000, "retry.backoff.ms": 10, "retry.backoff.max.ms": 50,
        "reconnect.backoff.ms": 10, "reconnect.backoff.max.ms": 100, "topic.metadata.refresh.interval.ms": 1000,
    }
    extra = {}
    if args.debug_log:
        logging.basicConfig(filename=args.debug_log, level=logging.DEBUG, format="%(created).3f %(message)s")
        settings["debug"] = "topic,metadata,broker,msg"
        extra["logger"] = logging.getLogger("rdkafka")
    producer = Producer(settings, **extra)
    lock = threading.Lock()
    acked = []  # (receive time, offset, value, send time)
    failed = []

    def delivery(sent_at):
        def delivered(error, message):
            now = time.perf_counter()
            with lock:
                if error is not None:
                    failed.append(str(error))
                else:
                    acked.append((now, message.offset(), message.value(), sent_at))
        return delivered

    stop = threading.Event()

    def produce_loop():
        sequence = 0
        interval = 1.0 / args.rate
        next_send = time.perf_counter()
        while not stop.is_set():
            value = f"{sequence:012d}".encode().ljust(args.size, b".")
            try:
                producer.produce(args.topic, value=value, partition=0, on_delivery=delivery(time.perf_counter()))
                sequence += 1
            except BufferError:
                pass
            producer.poll(0)
            next_send += interval
            pause = next_send - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        producer.flush(60)

    thread = threading.Thread(target=produce_loop)
    thread.start()
    gaps = []
    elections = []
    try:
        for kill in range(args.kills):
            if not wait_settled(ports, args.topic, 0, preferred):
                raise SystemExit("failover_bench: the cluster did not settle (leader back on the preferred replica)")
            time.sleep(1.0)  # steady load before the kill (a benchmark, not a test)
            leader, old_term, _ = partition_view(ports, args.topic, 0)
            survivors = [port for index, port in enumerate(ports) if index + 1 != leader]
            with open(os.path.join(data, f"node-{leader}", "ternd.pid")) as handle:
                pid = int(handle.read().strip())
            with lock:
                before = len(acked)
            killed_at = time.perf_counter()
            if args.debug_log:
                logging.getLogger("rdkafka").info("BENCH KILL node %s", leader)
            os.kill(pid, signal.SIGKILL)
            # When a survivor first reports itself leader of a later term (the broker's part).
            elected = None
            deadline = time.time() + 30
            while elected is None and time.time() < deadline:
                view = partition_view(survivors, args.topic, 0)
                if view and view[1] > old_term:
                    elected = time.perf_counter()
                else:
                    time.sleep(0.002)
            first_after = None
            deadline = time.time() + 30
            while first_after is None and time.time() < deadline:
                with lock:
                    for entry in acked[before:]:
                        if entry[3] > killed_at:
                            first_after = entry[0]
                            break
                time.sleep(0.001)
            gap = (first_after - killed_at) * 1000 if first_after else float("inf")
            election = (elected - killed_at) * 1000 if elected else float("inf")
            gaps.append(gap)
            elections.append(election)
            print(f"kill {kill + 1}: node {leader} -> new leader elected after {election:.0f} ms, "
                  f"first ack of a record sent after the kill after {gap:.0f} ms", flush=True)
            subprocess.run(["bash", args.cluster, "start", str(leader)], check=True, stdout=subprocess.DEVNULL)
    finally:
        stop.set()
        thread.join()

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "failover-bench-verify",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    low, high = consumer.get_watermark_offsets(TopicPartition(args.topic, 0), timeout=30)
    consumer.assign([TopicPartition(args.topic, 0, low)])
    stored = {}
    deadline = time.time() + 120
    while time.time() < deadline:
        message = consumer.poll(1.0)
        if message is None or message.error():
            if message is None and (not stored or max(stored) >= high - 1):
                break
            continue
        stored[message.offset()] = message.value()
        if message.offset() >= high - 1:
            break
    consumer.close()
    missing = [offset for (_, offset, value, _) in acked if stored.get(offset) != value]
    finite = [gap for gap in gaps if gap != float("inf")]
    result = {
        "kills": len(gaps), "median_ms": round(statistics.median(finite)) if finite else None,
        "max_ms": round(max(gaps)) if gaps else None,
        "election_median_ms": round(statistics.median(elections)) if elections else None,
        "election_max_ms": round(max(elections)) if elections else None,
        "acknowledged": len(acked), "failed_deliveries": len(failed),
        "missing": len(missing), "rate": args.rate, "size": args.size,
    }
    print("| kills | first ack median | max | election median | max | acknowledged | missing |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {result['kills']} | {result['median_ms']} ms | {result['max_ms']} ms | {result['election_median_ms']} ms "
          f"| {result['election_max_ms']} ms | {len(acked)} | {len(missing)} |")
    print("RESULT " + json.dumps(result))
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
