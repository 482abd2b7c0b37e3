#!/usr/bin/env python3
"""confluent-kafka AdminClient against one ternd: topics, partitions, configs, cluster.

Checks, each with the error code Kafka gives:
  * create_topics: validate_only (nothing created), a plain topic, broker defaults (-1/-1),
    invalid names -> TOPIC_EXCEPTION, duplicate -> TOPIC_ALREADY_EXISTS, 0 partitions ->
    INVALID_PARTITIONS, replication factor 3 (and 0) on one node -> INVALID_REPLICATION_FACTOR,
    cleanup.policy=compact / unknown config / bad value -> INVALID_CONFIG
  * list_topics and describe_topics show the topics, partitions and leaders
  * create_partitions: grow 1 -> 4 (new partitions get leaders and accept writes), validate_only,
    shrink or same count -> INVALID_PARTITIONS, unknown topic -> UNKNOWN_TOPIC_OR_PARTITION
  * describe_configs: Kafka names and defaults; a config set at creation is non-default
  * incremental_alter_configs: SET shows in describe; DELETE restores the default; invalid
    values -> INVALID_CONFIG; validate_only changes nothing
  * describe_cluster: one node (this broker), controller, cluster id == metadata's
  * delete_topics: the topic leaves the metadata; unknown -> UNKNOWN_TOPIC_OR_PARTITION; the
    name can be created again
Exits non-zero with a message on the first failed check.
"""
import time

from interop_common import (argument_parser, check, confluent_versions, fail, missing_module, unique_name,
                            wait_for_leaders)

try:
    import confluent_kafka
    from confluent_kafka import KafkaError, KafkaException, Producer
    from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource,
                                       NewPartitions, NewTopic, ResourceType)
except ImportError as error:  # pragma: no cover - environment problem, reported clearly
    missing_module("confluent_kafka", error, "install with: python3 -m pip install confluent-kafka")

TIMEOUTS = {"request_timeout": 30}
DEFAULT_RETENTION_MS = "604800000"


def source_of(entry):
    """A ConfigEntry's source as a ConfigSource (confluent-kafka hands out an int or the enum)."""
    return ConfigSource(getattr(entry.source, "value", entry.source))


def error_of(future):
    """The KafkaError a future failed with, or None if it succeeded."""
    try:
        future.result(timeout=60)
    except KafkaException as error:
        return error.args[0]
    return None


def expect_ok(future, what):
    error = error_of(future)
    check(error is None, f"{what}: failed with {error}")


def expect_error(future, code, what):
    error = error_of(future)
    check(error is not None, f"{what}: succeeded, expected {KafkaError(code).name()}")
    check(error.code() == code, f"{what}: got {error.name()} ({error.code()}) '{error.str()}', "
          f"expected {KafkaError(code).name()} ({code})")
    return error


def create(admin, topics, validate_only=False):
    return admin.create_topics(topics, validate_only=validate_only, operation_timeout=30, **TIMEOUTS)


def topic_metadata(admin, name):
    return admin.list_topics(timeout=10).topics.get(name)


def wait_partitions(admin, name, count):
    ready, topic = wait_for_leaders(admin, name, count, seconds=30, partition_errors=True)
    check(ready, f"topic {name} never showed {count} partitions with leaders: "
          f"{topic and {p: (m.leader, m.error) for p, m in topic.partitions.items()}}")
    return topic


def wait_gone(admin, name):
    deadline = time.monotonic() + 30
    while topic_metadata(admin, name) is not None:
        check(time.monotonic() < deadline, f"topic {name} still listed 30 s after delete_topics")
        time.sleep(0.05)


def describe_topic_configs(admin, name):
    resource = ConfigResource(ResourceType.TOPIC, name)
    futures = admin.describe_configs([resource], **TIMEOUTS)
    try:
        return futures[resource].result(timeout=60)
    except KafkaException as error:
        fail(f"describe_configs({name}): {error.args[0]}")


def check_topics(admin, prefix, default_partitions):
    plain = f"{prefix}-plain"
    # validate_only creates nothing.
    futures = create(admin, [NewTopic(plain, num_partitions=2, replication_factor=1)], validate_only=True)
    expect_ok(futures[plain], "create_topics validate_only")
    check(topic_metadata(admin, plain) is None, "validate_only create_topics created the topic")
    print("create_topics validate_only: OK, nothing created")

    futures = create(admin, [NewTopic(plain, num_partitions=2, replication_factor=1)])
    expect_ok(futures[plain], f"create_topics({plain})")
    wait_partitions(admin, plain, 2)
    print(f"create_topics {plain}: 2 partitions, leaders elected")

    defaults = f"{prefix}-defaults"
    futures = create(admin, [NewTopic(defaults, num_partitions=-1, replication_factor=-1)])
    expect_ok(futures[defaults], "create_topics with broker defaults (-1, -1)")
    topic = wait_partitions(admin, defaults, default_partitions)
    replicas = {len(p.replicas) for p in topic.partitions.values()}
    check(replicas == {1}, f"default replication factor gave replica counts {replicas}, expected 1")
    print(f"create_topics num_partitions=-1, replication_factor=-1: {default_partitions} partitions, 1 replica")

    futures = create(admin, [NewTopic(plain, num_partitions=1, replication_factor=1)])
    expect_error(futures[plain], KafkaError.TOPIC_ALREADY_EXISTS, "duplicate create_topics")
    futures = create(admin, [NewTopic(plain, num_partitions=1, replication_factor=1)], validate_only=True)
    expect_error(futures[plain], KafkaError.TOPIC_ALREADY_EXISTS, "duplicate create_topics validate_only")
    print("duplicate -> TOPIC_ALREADY_EXISTS (also validate_only)")

    for bad in ("bad topic!", "..", "a" * 250, "slash/name"):
        futures = create(admin, [NewTopic(bad, num_partitions=1, replication_factor=1)])
        expect_error(futures[bad], KafkaError.TOPIC_EXCEPTION, f"create_topics invalid name {bad[:20]!r}")
    print("invalid names ('bad topic!', '..', 250 chars, 'slash/name') -> TOPIC_EXCEPTION (INVALID_TOPIC_EXCEPTION)")

    name = f"{prefix}-zero"
    futures = create(admin, [NewTopic(name, num_partitions=0, replication_factor=1)])
    expect_error(futures[name], KafkaError.INVALID_PARTITIONS, "create_topics 0 partitions")
    print("0 partitions -> INVALID_PARTITIONS")

    for factor in (3, 0):
        name = f"{prefix}-rf{factor}"
        futures = create(admin, [NewTopic(name, num_partitions=1, replication_factor=factor)])
        expect_error(futures[name], KafkaError.INVALID_REPLICATION_FACTOR,
                     f"create_topics replication factor {factor} on one node")
        check(topic_metadata(admin, name) is None, f"failed create_topics (rf {factor}) left topic {name}")
    print("replication factor 3 and 0 on one node -> INVALID_REPLICATION_FACTOR")

    for config in ({"cleanup.policy": "compact"}, {"no.such.config": "1"}, {"retention.ms": "soon"}):
        name = f"{prefix}-cfg"
        futures = create(admin, [NewTopic(name, num_partitions=1, replication_factor=1, config=config)])
        expect_error(futures[name], KafkaError.INVALID_CONFIG, f"create_topics config {config}")
        check(topic_metadata(admin, name) is None, f"failed create_topics ({config}) left topic {name}")
    print("cleanup.policy=compact, unknown config, retention.ms=soon -> INVALID_CONFIG")

    # Several topics in one request: per-topic results.
    good, dup = f"{prefix}-batch", plain
    futures = create(admin, [NewTopic(good, num_partitions=1, replication_factor=1),
                             NewTopic(dup, num_partitions=1, replication_factor=1)])
    expect_ok(futures[good], "batched create_topics (good one)")
    expect_error(futures[dup], KafkaError.TOPIC_ALREADY_EXISTS, "batched create_topics (duplicate)")
    print("one request with a good and a duplicate topic: per-topic results")

    listed = admin.list_topics(timeout=10).topics
    for expected in (plain, defaults, good):
        check(expected in listed, f"list_topics lacks {expected}: {sorted(listed)}")
    check(all(not t.startswith(f"{prefix}-rf") and not t.startswith(f"{prefix}-cfg") for t in listed),
          f"failed creations left topics: {sorted(listed)}")

    if hasattr(admin, "describe_topics"):
        from confluent_kafka import TopicCollection
        futures = admin.describe_topics(TopicCollection([plain]), **TIMEOUTS)
        try:
            description = futures[plain].result(timeout=60)
        except KafkaException as error:
            fail(f"describe_topics({plain}): {error.args[0]}")
        check(description.name == plain and len(description.partitions) == 2,
              f"describe_topics: {description.name} with {len(description.partitions)} partitions")
        check(all(p.leader is not None and p.leader.id >= 0 for p in description.partitions),
              f"describe_topics: partitions without leader: {description.partitions}")
        futures = admin.describe_topics(TopicCollection([f"{prefix}-missing"]), **TIMEOUTS)
        expect_error(futures[f"{prefix}-missing"], KafkaError.UNKNOWN_TOPIC_OR_PART, "describe_topics unknown topic")
        print(f"describe_topics: {plain} has 2 partitions with leaders (topic id {description.topic_id}); "
              "unknown topic -> UNKNOWN_TOPIC_OR_PARTITION")
    return plain


def check_partitions(admin, bootstrap, prefix):
    name = f"{prefix}-grow"
    expect_ok(create(admin, [NewTopic(name, num_partitions=1, replication_factor=1)])[name], f"create {name}")
    wait_partitions(admin, name, 1)

    futures = admin.create_partitions([NewPartitions(name, 4)], validate_only=True, operation_timeout=30, **TIMEOUTS)
    expect_ok(futures[name], "create_partitions validate_only")
    check(len(topic_metadata(admin, name).partitions) == 1, "validate_only create_partitions added partitions")

    futures = admin.create_partitions([NewPartitions(name, 4)], operation_timeout=30, **TIMEOUTS)
    expect_ok(futures[name], "create_partitions 1 -> 4")
    wait_partitions(admin, name, 4)
    print("create_partitions: validate_only changes nothing; 1 -> 4 gives 4 partitions with leaders")

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": False,
                         "topic.metadata.refresh.interval.ms": 1000})
    reports = []
    for partition in range(4):
        producer.produce(name, value=f"p{partition}".encode(), partition=partition,
                         on_delivery=lambda err, msg: reports.append((err, msg.partition(), msg.offset())))
    check(producer.flush(60) == 0, "produce to the grown topic did not finish within 60 s")
    check(all(err is None for err, _, _ in reports) and len(reports) == 4, f"produce to grown topic: {reports}")
    check(sorted((p, o) for _, p, o in reports) == [(p, 1) for p in range(4)],
          f"first record of each partition should be at offset 1 (0 = control batch): {reports}")
    print("every partition of the grown topic accepts a write at offset 1")

    for count in (2, 4):
        futures = admin.create_partitions([NewPartitions(name, count)], operation_timeout=30, **TIMEOUTS)
        expect_error(futures[name], KafkaError.INVALID_PARTITIONS, f"create_partitions 4 -> {count}")
    missing = f"{prefix}-missing"
    futures = admin.create_partitions([NewPartitions(missing, 3)], operation_timeout=30, **TIMEOUTS)
    expect_error(futures[missing], KafkaError.UNKNOWN_TOPIC_OR_PART, "create_partitions unknown topic")
    check(len(topic_metadata(admin, name).partitions) == 4, "failed create_partitions changed the count")
    print("create_partitions 4 -> 2 and 4 -> 4 -> INVALID_PARTITIONS; unknown topic -> UNKNOWN_TOPIC_OR_PARTITION")


def check_configs(admin, prefix, plain):
    configs = describe_topic_configs(admin, plain)
    for expected in ("cleanup.policy", "retention.ms", "retention.bytes", "segment.bytes", "max.message.bytes"):
        check(expected in configs, f"describe_configs lacks {expected}: {sorted(configs)}")
    entry = configs["retention.ms"]
    check(entry.value == DEFAULT_RETENTION_MS and entry.is_default,
          f"default retention.ms: value {entry.value} is_default {entry.is_default} source {source_of(entry).name}")
    check(configs["cleanup.policy"].value == "delete", f"cleanup.policy {configs['cleanup.policy'].value}")
    print(f"describe_configs {plain}: {len(configs)} entries, retention.ms={entry.value} (default, "
          f"source {source_of(entry).name}), cleanup.policy=delete")

    custom = f"{prefix}-custom"
    futures = create(admin, [NewTopic(custom, num_partitions=1, replication_factor=1,
                                      config={"retention.ms": "3600000", "segment.bytes": "2097152"})])
    expect_ok(futures[custom], "create_topics with configs")
    wait_partitions(admin, custom, 1)
    configs = describe_topic_configs(admin, custom)
    for key, value in (("retention.ms", "3600000"), ("segment.bytes", "2097152")):
        entry = configs[key]
        check(entry.value == value and not entry.is_default and source_of(entry) == ConfigSource.DYNAMIC_TOPIC_CONFIG,
              f"{key} set at creation: value {entry.value} is_default {entry.is_default} source {entry.source}")
    check(configs["retention.bytes"].is_default, "retention.bytes should stay default")
    print("configs set at creation: retention.ms=3600000, segment.bytes=2097152 non-default "
          "(DYNAMIC_TOPIC_CONFIG); others default")

    resource = ConfigResource(ResourceType.TOPIC, plain, incremental_configs=[
        ConfigEntry("retention.ms", "7200000", incremental_operation=AlterConfigOpType.SET)])
    futures = admin.incremental_alter_configs([resource], validate_only=True, **TIMEOUTS)
    expect_ok(futures[resource], "incremental_alter_configs validate_only")
    check(describe_topic_configs(admin, plain)["retention.ms"].value == DEFAULT_RETENTION_MS,
          "validate_only incremental_alter_configs changed retention.ms")

    futures = admin.incremental_alter_configs([resource], **TIMEOUTS)
    expect_ok(futures[resource], "incremental_alter_configs SET retention.ms")
    entry = describe_topic_configs(admin, plain)["retention.ms"]
    check(entry.value == "7200000" and not entry.is_default,
          f"after SET: retention.ms {entry.value} is_default {entry.is_default}")
    print("incremental_alter_configs: validate_only changes nothing; SET retention.ms=7200000 shows non-default")

    for bad in (ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.SET),
                ConfigEntry("retention.ms", "soon", incremental_operation=AlterConfigOpType.SET),
                ConfigEntry("no.such.config", "1", incremental_operation=AlterConfigOpType.SET)):
        resource_bad = ConfigResource(ResourceType.TOPIC, plain, incremental_configs=[bad])
        futures = admin.incremental_alter_configs([resource_bad], **TIMEOUTS)
        expect_error(futures[resource_bad], KafkaError.INVALID_CONFIG, f"incremental_alter_configs {bad.name}={bad.value}")
    check(describe_topic_configs(admin, plain)["retention.ms"].value == "7200000",
          "a refused incremental_alter_configs changed retention.ms")
    print("incremental_alter_configs cleanup.policy=compact, retention.ms=soon, unknown name -> INVALID_CONFIG")

    resource = ConfigResource(ResourceType.TOPIC, plain, incremental_configs=[
        ConfigEntry("retention.ms", None, incremental_operation=AlterConfigOpType.DELETE)])
    futures = admin.incremental_alter_configs([resource], **TIMEOUTS)
    expect_ok(futures[resource], "incremental_alter_configs DELETE retention.ms")
    entry = describe_topic_configs(admin, plain)["retention.ms"]
    check(entry.value == DEFAULT_RETENTION_MS and entry.is_default,
          f"after DELETE: retention.ms {entry.value} is_default {entry.is_default}")
    print(f"incremental_alter_configs DELETE retention.ms: back to default {DEFAULT_RETENTION_MS}")

    missing = ConfigResource(ResourceType.TOPIC, f"{prefix}-missing")
    futures = admin.describe_configs([missing], **TIMEOUTS)
    expect_error(futures[missing], KafkaError.UNKNOWN_TOPIC_OR_PART, "describe_configs unknown topic")
    print("describe_configs unknown topic -> UNKNOWN_TOPIC_OR_PARTITION")


def check_cluster(admin, bootstrap):
    metadata = admin.list_topics(timeout=10)
    host, port = bootstrap.rsplit(":", 1)
    brokers = {b.id: (b.host, b.port) for b in metadata.brokers.values()}
    check(len(brokers) == 1, f"metadata lists brokers {brokers}, expected one")
    broker_id, (broker_host, broker_port) = next(iter(brokers.items()))
    check((broker_host, broker_port) == (host, int(port)), f"broker advertises {broker_host}:{broker_port}, "
          f"expected {bootstrap}")
    check(metadata.controller_id == broker_id, f"controller {metadata.controller_id}, expected {broker_id}")
    check(bool(metadata.cluster_id), "metadata has no cluster id")
    print(f"metadata: broker {broker_id} at {broker_host}:{broker_port}, controller {metadata.controller_id}, "
          f"cluster {metadata.cluster_id}")
    if not hasattr(admin, "describe_cluster"):
        print(f"describe_cluster: not in confluent-kafka {confluent_kafka.version()}, skipped")
        return
    try:
        result = admin.describe_cluster(**TIMEOUTS).result(timeout=60)
    except KafkaException as error:
        fail(f"describe_cluster: {error.args[0]}")
    nodes = [(n.id, n.host, n.port) for n in result.nodes]
    check(nodes == [(broker_id, host, int(port))], f"describe_cluster nodes {nodes}")
    check(result.controller is not None and result.controller.id == broker_id,
          f"describe_cluster controller {result.controller}")
    check(result.cluster_id == metadata.cluster_id, f"describe_cluster id {result.cluster_id} != "
          f"metadata {metadata.cluster_id}")
    print(f"describe_cluster: nodes {nodes}, controller {result.controller.id}, cluster id matches metadata")


def check_delete(admin, prefix, plain):
    futures = admin.delete_topics([plain], operation_timeout=30, **TIMEOUTS)
    expect_ok(futures[plain], f"delete_topics({plain})")
    wait_gone(admin, plain)
    print(f"delete_topics {plain}: gone from metadata")
    resource = ConfigResource(ResourceType.TOPIC, plain)
    futures = admin.describe_configs([resource], **TIMEOUTS)
    expect_error(futures[resource], KafkaError.UNKNOWN_TOPIC_OR_PART, "describe_configs of a deleted topic")

    missing = f"{prefix}-never-created"
    futures = admin.delete_topics([missing], operation_timeout=30, **TIMEOUTS)
    expect_error(futures[missing], KafkaError.UNKNOWN_TOPIC_OR_PART, "delete_topics unknown topic")
    futures = admin.delete_topics([plain], operation_timeout=30, **TIMEOUTS)
    expect_error(futures[plain], KafkaError.UNKNOWN_TOPIC_OR_PART, "delete_topics twice")
    print("delete_topics unknown / already deleted -> UNKNOWN_TOPIC_OR_PARTITION")

    futures = create(admin, [NewTopic(plain, num_partitions=3, replication_factor=1)])
    expect_ok(futures[plain], f"re-create {plain} after delete")
    wait_partitions(admin, plain, 3)
    configs = describe_topic_configs(admin, plain)
    check(configs["retention.ms"].is_default, "re-created topic inherited old configs")
    print(f"re-created {plain} with 3 partitions after delete; configs default")


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--default-partitions", type=int, default=1,
                        help="the broker's --default-partitions (for num_partitions=-1)")
    args = parser.parse_args()
    print(confluent_versions())
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    prefix = unique_name("admin-ops", 8)
    plain = check_topics(admin, prefix, args.default_partitions)
    check_partitions(admin, args.bootstrap, prefix)
    check_configs(admin, prefix, plain)
    check_cluster(admin, args.bootstrap)
    check_delete(admin, prefix, plain)
    print("OK: admin_ops")


if __name__ == "__main__":
    main()
