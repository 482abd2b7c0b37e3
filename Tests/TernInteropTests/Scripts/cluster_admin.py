#!/usr/bin/env python3
"""Topic creation against a ternd cluster (confluent-kafka AdminClient), retried through elections.

create: creates --topic with --partitions and --replication-factor through any broker of
  --bootstrap, retrying every error but a definite one (INVALID_PARTITIONS, INVALID_CONFIG,
  TOPIC_EXCEPTION: an invalid name) until --timeout seconds pass: right after a controller
  leader died the request may time out or be refused until a new one is elected.
  TOPIC_ALREADY_EXISTS after an earlier attempt counts as success (that attempt may have gone
  through although its answer was lost); on the first attempt it fails unless --exists-ok.
  Then waits (within the same deadline) until the metadata shows every partition with a leader,
  and prints the partitions' leaders and replicas. Exits 0, or 1 with the last error.

Usage: cluster_admin.py create --bootstrap H:P[,H:P...] --topic T --partitions P
           --replication-factor R [--timeout 60] [--exists-ok]
"""
import argparse
import sys
import time

from interop_common import missing_module

try:
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError as error:  # pragma: no cover - environment problem, reported clearly
    missing_module("confluent_kafka", error, "install with: python3 -m pip install confluent-kafka")

DEFINITE = {KafkaError.INVALID_PARTITIONS, KafkaError.INVALID_CONFIG, KafkaError.TOPIC_EXCEPTION}


def fail(message):
    print(f"FAIL: cluster_admin: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def create_once(admin, args, seconds):
    """None when created, else the KafkaError (or exception) it failed with."""
    topic = NewTopic(args.topic, num_partitions=args.partitions, replication_factor=args.replication_factor)
    timeout = max(1.0, min(30.0, seconds))
    try:
        admin.create_topics([topic], operation_timeout=timeout, request_timeout=timeout)[args.topic].result(
            timeout=timeout + 5)
    except KafkaException as error:
        return error.args[0]
    except Exception as error:  # noqa: BLE001 - a future timeout: retried
        return error
    return None


def wait_for_leaders(admin, args, deadline):
    last = None
    while True:
        try:
            metadata = admin.list_topics(topic=args.topic, timeout=10).topics.get(args.topic)
            last = metadata
            if metadata is not None and metadata.error is None and len(metadata.partitions) == args.partitions and all(
                    p.leader >= 0 for p in metadata.partitions.values()):
                return metadata
        except Exception as error:  # noqa: BLE001 - retried until the deadline
            last = error
        if time.monotonic() > deadline:
            fail(f"{args.topic}: not every partition has a leader in time; last metadata: "
                 f"{describe(last) if not isinstance(last, Exception) else last}")
        time.sleep(0.2)


def describe(metadata):
    if metadata is None:
        return "topic not listed"
    return {p: {"leader": m.leader, "replicas": list(m.replicas), "isrs": list(m.isrs), "error": str(m.error)}
            for p, m in sorted(metadata.partitions.items())}


def create(args):
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    started = time.monotonic()
    deadline = started + args.timeout
    attempt = 0
    while True:
        attempt += 1
        error = create_once(admin, args, deadline - time.monotonic())
        if error is None:
            print(f"cluster_admin: created {args.topic} ({args.partitions} partitions, replication factor "
                  f"{args.replication_factor}) on attempt {attempt} after {time.monotonic() - started:.1f} s", flush=True)
            break
        code = error.code() if isinstance(error, KafkaError) else None
        name = error.name() if isinstance(error, KafkaError) else type(error).__name__
        if code == KafkaError.TOPIC_ALREADY_EXISTS and (attempt > 1 or args.exists_ok):
            print(f"cluster_admin: {args.topic} exists (attempt {attempt}): an earlier attempt created it", flush=True)
            break
        if code == KafkaError.TOPIC_ALREADY_EXISTS or code in DEFINITE:
            fail(f"create {args.topic}: {name}: {error}")
        print(f"cluster_admin: attempt {attempt} to create {args.topic}: {name}: {error}; retrying", flush=True)
        if time.monotonic() > deadline:
            fail(f"create {args.topic}: still failing after {args.timeout} s ({attempt} attempts): {name}: {error}")
        time.sleep(0.5)
    metadata = wait_for_leaders(admin, args, deadline)
    print(f"cluster_admin: {args.topic} partitions {describe(metadata)}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["create"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--partitions", type=int, required=True)
    parser.add_argument("--replication-factor", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds for creation and leaders")
    parser.add_argument("--exists-ok", action="store_true", help="an existing topic is no error")
    args = parser.parse_args()
    create(args)


if __name__ == "__main__":
    main()
