#!/usr/bin/env python3
"""The admin HTTP listener: readiness and Prometheus metrics that follow the data.

Creates a 2-partition topic, produces 10 records to partition 0 and 4 to partition 1 with
confluent-kafka (acks=all), then checks over HTTP: /v1/status/ready answers "ready";
/metrics parses as Prometheus text and shows tern_kafka_max_offset 11 and 5 for the two
partitions (each log starts with the LEADER_CHANGE batch at offset 0), tern_raft_leader_epoch
>= 1, tern_cluster_unavailable_partitions 0, tern_kafka_records_produced_total >= 14 and
Produce requests counted; an unknown path is 404 and a POST 405; after the topic is deleted its
series are gone. Prints "OK: admin_endpoint".

Usage: admin_endpoint.py --bootstrap H:P --admin H:P
"""

import re
import time
import urllib.error
import urllib.request

from interop_common import argument_parser, check, create_topic_error, fail, unique_name, wait_for_leaders


def get(admin, path, method="GET"):
    request = urllib.request.Request(f"http://{admin}{path}", method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def samples(text):
    """Prometheus text exposition -> {(name, frozenset(labels)): value}; fails on a bad line."""
    result = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (-?[0-9.eE+]+|NaN|[+-]Inf)', line)
        if not match:
            fail(f"not a Prometheus sample line: {line!r}")
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match.group(3) or ""))
        result[(match.group(1), labels)] = float(match.group(4))
    return result


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--admin", required=True)
    args = parser.parse_args()
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient

    status, body = get(args.admin, "/v1/status/ready")
    check(status == 200 and body.strip() == "ready", f"/v1/status/ready: {status} {body!r}")

    topic = unique_name("admin-endpoint")
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    error = create_topic_error(admin, topic, 2, request_timeout=30)
    check(error is None, f"create {topic}: {error}")
    ready, _ = wait_for_leaders(admin, topic, 2, 30)
    check(ready, f"{topic} has no leaders after 30 s")
    producer = Producer({"bootstrap.servers": args.bootstrap, "acks": "all", "enable.idempotence": False})
    failures = []
    for i in range(14):
        producer.produce(topic, f"value-{i}".encode(), partition=0 if i < 10 else 1,
                         on_delivery=lambda err, _msg: failures.append(err) if err else None)
    producer.flush(30)
    check(not failures, f"deliveries failed: {failures}")

    status, body = get(args.admin, "/metrics")
    check(status == 200, f"/metrics: {status}")
    metrics = samples(body)

    def value(name, **labels):
        key = (name, frozenset(labels.items()))
        check(key in metrics, f"/metrics lacks {name}{labels}")
        return metrics[key]

    check(value("tern_kafka_max_offset", topic=topic, partition="0") == 11, "high watermark of partition 0")
    check(value("tern_kafka_max_offset", topic=topic, partition="1") == 5, "high watermark of partition 1")
    check(value("tern_raft_leader_epoch", topic=topic, partition="0") >= 1, "leader epoch")
    check(value("tern_storage_log_size_bytes", topic=topic, partition="0") > 0, "log size")
    check(value("tern_cluster_unavailable_partitions") == 0, "unavailable partitions")
    check(value("tern_kafka_records_produced_total") >= 14, "records produced")
    check(value("tern_kafka_requests_total", api="Produce") >= 1, "Produce requests counted")
    print(f"/metrics: {len(metrics)} samples; partition 0 high watermark 11, partition 1 5")

    status, _ = get(args.admin, "/nope")
    check(status == 404, f"unknown path: {status}")
    status, _ = get(args.admin, "/metrics", method="POST")
    check(status == 405, f"POST /metrics: {status}")

    for future in admin.delete_topics([topic], operation_timeout=30).values():
        future.result(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        left = [key for key in samples(get(args.admin, "/metrics")[1]) if ("topic", topic) in key[1]]
        if not left:
            break
        time.sleep(0.2)
    check(not left, f"series of the deleted topic remain: {left}")
    print("OK: admin_endpoint")


if __name__ == "__main__":
    main()
