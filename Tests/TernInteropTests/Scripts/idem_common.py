"""What the idempotent-producer interop scripts (idem_*.py) share.

* Raw protocol (on top of bad_input.py's framing, batch encoder and decoders): InitProducerId
  v0-v4 encoded by hand (v2+ flexible: compact strings, tagged fields, request header v2,
  response header v1), Produce v8 frames kept as bytes so a request can be replayed byte for
  byte, Metadata v1 leader lookup, the high watermark from Fetch v4.
* Producer bookkeeping for the client scripts: every record's value names its producer, its
  partition and the producer's own counter for that partition
  (`NAME:PARTITION:COUNTER9:filler`); a `Ledger` keeps what was acknowledged (at which offset)
  and what failed; `check_log` reads the final log and counts duplicates, acknowledged records
  missing (gaps), acknowledged records at another offset than reported, and order violations
  (a producer's counters not strictly increasing within a partition).
* Coordination with the Swift test through files: `write_json` (atomic: temporary file, then
  rename) and `wait_for_file` (polling with a deadline).

Every script calls group_common.start_script() first (SIGTERM handler, SIGTERM unblocked).
"""
import json
import os
import struct
import threading
import time

from bad_input import (Closed, Conn, Failure, fetch_v4, i16, i32, i64, metadata_v1, nstring, parse_produce_response,
                       produce_body, uvarint)
from group_common import log

API_PRODUCE = 0
API_INIT_PRODUCER_ID = 22

# Kafka error codes the scripts name.
NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3
LEADER_NOT_AVAILABLE = 5
NOT_LEADER_OR_FOLLOWER = 6
REQUEST_TIMED_OUT = 7
NOT_ENOUGH_REPLICAS = 19
NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20
COORDINATOR_LOAD_IN_PROGRESS = 14
COORDINATOR_NOT_AVAILABLE = 15
NOT_COORDINATOR = 16
OUT_OF_ORDER_SEQUENCE_NUMBER = 45
DUPLICATE_SEQUENCE_NUMBER = 46
INVALID_PRODUCER_EPOCH = 47
KAFKA_STORAGE_ERROR = 56
FENCED_LEADER_EPOCH = 74
UNKNOWN_LEADER_EPOCH = 75

# Produce errors a leader change or a node coming up may cause (retried by clients).
RETRIABLE_PRODUCE = {UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT,
                     NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, KAFKA_STORAGE_ERROR, FENCED_LEADER_EPOCH,
                     UNKNOWN_LEADER_EPOCH}
# InitProducerId errors retried (no controller leader yet, a block being allocated).
RETRIABLE_INIT = {COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR, REQUEST_TIMED_OUT}

PRODUCE_VERSION = 8


# ---------------------------------------------------------------------------------------------
# Files shared with the Swift test.

def write_json(path, value):
    """Writes `value` as one JSON line to `path` atomically (temporary file, then rename)."""
    temporary = f"{path}.tmp-{os.getpid()}-{threading.get_ident()}"
    with open(temporary, "w") as handle:
        handle.write(json.dumps(value, separators=(",", ":")) + "\n")
    os.replace(temporary, path)


def wait_for_file(path, seconds, what, alive=None):
    """The text of `path` once it exists (polling every 50 ms); SystemExit after `seconds`.
    `alive()`, when given, is called on every round (a background check that may raise)."""
    deadline = time.monotonic() + seconds
    while True:
        if alive is not None:
            alive()
        if os.path.exists(path):
            with open(path) as handle:
                return handle.read()
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {seconds:g} s waiting for {what} ({path})")
        time.sleep(0.05)


def addresses(bootstrap):
    """[(host, port)] of a `H:P,H:P` list."""
    out = []
    for item in bootstrap.split(","):
        host, _, port = item.strip().rpartition(":")
        out.append((host, int(port)))
    return out


# ---------------------------------------------------------------------------------------------
# Raw connections.

class RawConn(Conn):
    """bad_input's connection with this suite's client id."""

    def header(self, api_key, version, correlation, client_id="tern-idem-raw", flexible=False):
        return super().header(api_key, version, correlation, client_id=client_id, flexible=flexible)


def connect(address, timeout=30.0, name=None):
    host, port = address
    return RawConn(host, port, timeout, name or f"{host}:{port}")


def compact_nstring(text):
    if text is None:
        return uvarint(0)
    data = text.encode()
    return uvarint(len(data) + 1) + data


def init_producer_id_body(version, producer_id=-1, producer_epoch=-1, transactional_id=None, timeout_ms=60000):
    """InitProducerId v0-v4 request body."""
    if version <= 1:
        return nstring(transactional_id) + i32(timeout_ms)
    body = compact_nstring(transactional_id) + i32(timeout_ms)
    if version >= 3:
        body += i64(producer_id) + i16(producer_epoch)
    return body + uvarint(0)


def init_producer_id_once(conn, version, producer_id=-1, producer_epoch=-1):
    """(error, producer id, epoch) of one InitProducerId on `conn`."""
    flexible = version >= 2
    correlation = conn.send_request(API_INIT_PRODUCER_ID, version,
                                    init_producer_id_body(version, producer_id, producer_epoch), flexible=flexible)
    r = conn.read_response(correlation, f"InitProducerId v{version} on {conn.name}", flexible_response=flexible)
    r.i32()  # throttle
    error = r.i16()
    pid = r.i64()
    epoch = r.i16()
    if flexible:
        for _ in range(r.uvarint()):
            r.uvarint()
            r.take(r.uvarint())
    if r.remaining():
        raise Failure(f"InitProducerId v{version} on {conn.name}: {r.remaining()} bytes after the response")
    return error, pid, epoch


def init_producer_id(address, version, seconds, program, producer_id=-1, producer_epoch=-1):
    """(producer id, epoch) from the broker at `address`, retrying connection failures and
    retriable errors for `seconds`; SystemExit on any other error."""
    deadline = time.monotonic() + seconds
    last = None
    while True:
        conn = None
        try:
            conn = connect(address, timeout=min(30.0, max(1.0, deadline - time.monotonic())))
            error, pid, epoch = init_producer_id_once(conn, version, producer_id, producer_epoch)
            if error == NONE:
                return pid, epoch
            if error not in RETRIABLE_INIT:
                raise SystemExit(f"{program}: InitProducerId v{version} (producer {producer_id}, epoch "
                                 f"{producer_epoch}) on {address[0]}:{address[1]}: error {error} (pid {pid}, epoch "
                                 f"{epoch})")
            last = f"error {error}"
        except (OSError, Closed, Failure) as problem:
            last = f"{type(problem).__name__}: {problem}"
        finally:
            if conn is not None:
                conn.close()
        if time.monotonic() > deadline:
            raise SystemExit(f"{program}: InitProducerId v{version} on {address[0]}:{address[1]} failed for "
                             f"{seconds:g} s; last: {last}")
        time.sleep(0.2)


def produce_frame(topic, partition, batch, correlation, acks=-1, timeout_ms=30000, version=PRODUCE_VERSION,
                  client_id="tern-idem-raw"):
    """The complete bytes (size prefix included) of a Produce request with one batch."""
    header = i16(API_PRODUCE) + i16(version) + i32(correlation) + nstring(client_id)
    payload = header + produce_body(topic, partition, batch, acks=acks, timeout_ms=timeout_ms)
    return i32(len(payload)) + payload


def produce_answer(conn, frame, what, version=PRODUCE_VERSION):
    """Sends `frame` as is and returns the single partition answer (dict with error,
    base_offset, error_message, ...)."""
    correlation = struct.unpack(">i", frame[8:12])[0]
    conn.send_raw(frame)
    r = conn.read_response(correlation, what)
    parts = parse_produce_response(r, version)
    if len(parts) != 1:
        raise Failure(f"{what}: {len(parts)} partitions in the answer")
    return parts[0]


def metadata_leader(bootstrap, topic, partition, timeout=10.0, exclude=()):
    """(leader id, (host, port)) of `topic`-`partition` per Metadata v1 from the first broker of
    `bootstrap` that answers with a leader not in `exclude`, or None."""
    for address in addresses(bootstrap):
        conn = None
        try:
            conn = connect(address, timeout=timeout)
            brokers, _, topics = metadata_v1(conn, [topic], f"Metadata on {address[0]}:{address[1]}")
            entry = topics.get(topic)
            if entry is None or entry["error"] != 0:
                continue
            for p in entry["partitions"] or []:
                if p["index"] == partition and p["error"] == 0 and p["leader"] >= 0 and p["leader"] not in exclude:
                    for broker_id, host, port, _ in brokers or []:
                        if broker_id == p["leader"]:
                            return broker_id, (host, port)
        except (OSError, Closed, Failure):
            continue
        finally:
            if conn is not None:
                conn.close()
    return None


def high_watermark_of(address, topic, partition, timeout=10.0):
    """The high watermark `address` reports for `topic`-`partition` (Fetch v4 at offset 0,
    nothing wanted back but the watermark)."""
    conn = connect(address, timeout=timeout)
    try:
        answer = fetch_v4(conn, topic, partition, 0, f"Fetch on {address[0]}:{address[1]}", max_wait_ms=0,
                          partition_max_bytes=1)
    finally:
        conn.close()
    if answer["error"] != 0:
        raise Failure(f"Fetch of {topic}-{partition} on {address[0]}:{address[1]}: error {answer['error']}")
    return answer["hw"]


# ---------------------------------------------------------------------------------------------
# Records of the client scripts.

FILLER = "abcdefghijklmnopqrstuvwxyz0123456789"


def value_of(name, partition, counter, size=64):
    head = f"{name}:{partition}:{counter:09d}:"
    if len(head) >= size:
        return head.encode()
    body = FILLER * (size // len(FILLER) + 1)
    return (head + body[: size - len(head)]).encode()


def parse_value(value):
    """(name, partition, counter) of a value made by `value_of`, or None."""
    try:
        name, partition, counter, _ = value.decode().split(":", 3)
        return name, int(partition), int(counter)
    except (AttributeError, UnicodeDecodeError, ValueError):
        return None


class Ledger:
    """Per record (name, partition, counter): its acknowledged offset, or its failure
    (thread-safe: delivery callbacks may come from client threads)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.acked = {}  # (name, partition, counter) -> offset (-1 when the client gave none)
        self.failed = {}  # (name, partition, counter) -> error text
        self.twice = []  # records reported more than once
        self.errors = {}  # error name -> count

    def sending(self, count=1):
        with self.lock:
            self.sent += count

    def ack(self, key, offset):
        with self.lock:
            if key in self.acked or key in self.failed:
                self.twice.append(f"{key}: reported again (ack at {offset})")
                return
            self.acked[key] = offset

    def fail(self, key, name):
        with self.lock:
            if key in self.acked or key in self.failed:
                self.twice.append(f"{key}: reported again (failure {name})")
                return
            self.failed[key] = name
            self.errors[name] = self.errors.get(name, 0) + 1

    def counts(self):
        with self.lock:
            return {"sent": self.sent, "acknowledged": len(self.acked), "failed": len(self.failed),
                    "errors": dict(self.errors)}

    def acknowledged_by(self, name):
        with self.lock:
            return sum(1 for key in self.acked if key[0] == name)

    def snapshot(self):
        with self.lock:
            return dict(self.acked), dict(self.failed), list(self.twice), self.sent


def check_log(records, ledger, program, sample=10):
    """Checks the log (`records`: {partition: [(offset, key, value)]} in offset order) against
    `ledger`; returns the summary (counts and a few examples of each problem)."""
    acked, failed, twice, sent = ledger.snapshot()
    stored = {}  # (name, partition, counter) -> [offsets]
    foreign = []  # values not made by value_of, or in the wrong partition
    order = []
    last_counter = {}  # (partition, name) -> (counter, offset)
    for partition in sorted(records):
        for offset, _, value in records[partition]:
            parsed = parse_value(value)
            if parsed is None or parsed[1] != partition:
                foreign.append(f"partition {partition} offset {offset}: {value[:40]!r}")
                continue
            name, _, counter = parsed
            stored.setdefault(parsed, []).append(offset)
            previous = last_counter.get((partition, name))
            if previous is not None and counter <= previous[0]:
                order.append(f"partition {partition}: {name} counter {counter} at offset {offset} after counter "
                             f"{previous[0]} at offset {previous[1]}")
            last_counter[(partition, name)] = (counter, offset)
    duplicates = [f"{key}: at offsets {offsets}" for key, offsets in stored.items() if len(offsets) > 1]
    gaps = [f"{key}: acknowledged at offset {offset}, not in the log" for key, offset in acked.items()
            if key not in stored]
    misplaced = [f"{key}: acknowledged at offset {offset}, stored at {stored[key]}" for key, offset in acked.items()
                 if key in stored and offset >= 0 and offset not in stored[key]]
    failed_stored = sum(1 for key in failed if key in stored)
    unreported = sum(1 for key in stored if key not in acked and key not in failed)
    summary = {
        "sent": sent,
        "acknowledged": len(acked),
        "failed": len(failed),
        "failedInLog": failed_stored,
        "records": sum(len(v) for v in records.values()),
        "distinct": len(stored),
        "duplicates": sum(len(offsets) - 1 for offsets in stored.values() if len(offsets) > 1),
        "gaps": len(gaps),
        "misplaced": len(misplaced),
        "orderViolations": len(order),
        "foreign": len(foreign),
        "unreported": unreported,
        "reportedTwice": len(twice),
        "perPartition": {str(p): len(v) for p, v in sorted(records.items())},
        "examples": {"duplicates": duplicates[:sample], "gaps": gaps[:sample], "misplaced": misplaced[:sample],
                     "order": order[:sample], "foreign": foreign[:sample], "reportedTwice": twice[:sample]},
    }
    for kind in ("duplicates", "gaps", "misplaced", "order", "foreign", "reportedTwice"):
        for example in summary["examples"][kind][:3]:
            log(program, f"{kind}: {example}")
    return summary


class Progress:
    """Writes the ledger's counts (plus `extra()`) to a JSON file at most every `interval` s."""

    def __init__(self, path, ledger, interval=0.2, extra=None):
        self.path = path
        self.ledger = ledger
        self.interval = interval
        self.extra = extra
        self.last = 0.0

    def maybe_write(self, force=False):
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        value = self.ledger.counts()
        if self.extra is not None:
            value.update(self.extra())
        write_json(self.path, value)
