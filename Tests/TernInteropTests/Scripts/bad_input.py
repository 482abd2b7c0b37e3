#!/usr/bin/env python3
"""Hostile and malformed input against a running ternd, over raw sockets.

Every request is built by hand (struct-packed frames; PROTOCOL.md §1.1 for the header, §2 for
RecordBatch v2). The cases:

* framing: a frame truncated by EOF, sizes above --request-max-bytes, zero and negative sizes,
  ten connections of (seeded) random bytes, one connection that stays half-way through a frame
  for the whole run;
* headers and versions: versions outside the advertised range (closed), ApiVersions above its
  range (error 35 with a v0 body holding key 18, connection still usable), unknown and
  unadvertised API keys, garbage request headers, valid headers with garbage bodies (closed);
* streams: valid requests followed by a bad frame in one write (the valid ones are answered
  first, as Kafka does), a request dribbled one byte per packet, complete frames then a partial
  one and EOF, Produce acks=0 (no response; on a failed append Kafka closes the connection);
* Produce: invalid batches (bad CRC, wrong magic, negative record length, batchLength not
  matching, recordCount / lastOffsetDelta mismatches, gzip/snappy/zstd codec, oversized batch,
  two batches in one records field, ...), acks=2, unknown topic/partition, each answered with
  its partition error code on a connection that stays open, plus a frame of exactly the size
  limit that must be accepted.

Between cases a long-lived "good" connection does Metadata, Produce (acks=-1) and Fetch; at the
end every acknowledged record is read back at its offset (raw Fetch on a new connection, and with
confluent-kafka when it is installed, which must also reach end of partition), a Fetch at the
high watermark must carry an empty (not null) records field, and nothing from a rejected batch
is in the log.

"Closed" means recv returns b'' or ECONNRESET within --timeout seconds; every read has a timeout.
Exits 0 when everything matched, 1 with one precise line per mismatch otherwise.

Usage: bad_input.py --bootstrap 127.0.0.1:PORT [--request-max-bytes N] [--seed S] [--timeout T]
"""

import argparse
import errno
import random
import socket
import struct
import sys
import time

# ---------------------------------------------------------------------------------------------
# Encoding helpers


def i8(v):
    return struct.pack(">b", v)


def i16(v):
    return struct.pack(">h", v)


def i32(v):
    return struct.pack(">i", v)


def u32(v):
    return struct.pack(">I", v)


def i64(v):
    return struct.pack(">q", v)


def string(s):
    b = s.encode() if isinstance(s, str) else s
    return i16(len(b)) + b


def nstring(s):
    return i16(-1) if s is None else string(s)


def nbytes(b):
    return i32(-1) if b is None else i32(len(b)) + b


def uvarint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint(n):
    """Zigzag varint (RecordBatch v2 record fields)."""
    return uvarint((n << 1) ^ (n >> 63))


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    table = _CRC_TABLE
    for b in data:
        c = table[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


# ---------------------------------------------------------------------------------------------
# RecordBatch v2


def encode_record(offset_delta, timestamp_delta, key, value, headers=(), length_override=None):
    body = i8(0) + varint(timestamp_delta) + varint(offset_delta)
    body += varint(-1) if key is None else varint(len(key)) + key
    body += varint(-1) if value is None else varint(len(value)) + value
    body += varint(len(headers))
    for hk, hv in headers:
        body += varint(len(hk)) + hk
        body += varint(-1) if hv is None else varint(len(hv)) + hv
    length = len(body) if length_override is None else length_override
    return varint(length) + body


def encode_batch(
    values,
    base_timestamp=None,
    attributes=0,
    magic=2,
    record_count=None,
    last_offset_delta=None,
    records=None,
    batch_length_delta=0,
    batch_length=None,
    producer=(-1, -1, -1),
    max_timestamp=None,
    crc=None,
    offset_deltas=None,
):
    """A RecordBatch v2 of uncompressed records with `values` (keys null) unless `records`
    (raw region bytes) is given; every field can be overridden to build broken batches. The CRC
    is computed over the final bytes unless `crc` is given."""
    if base_timestamp is None:
        base_timestamp = int(time.time() * 1000)
    if records is None:
        deltas = offset_deltas if offset_deltas is not None else list(range(len(values)))
        records = b"".join(encode_record(d, 0, None, v) for d, v in zip(deltas, values))
    count = len(values) if record_count is None else record_count
    lod = (len(values) - 1) if last_offset_delta is None else last_offset_delta
    pid, epoch, seq = producer
    max_ts = base_timestamp if max_timestamp is None else max_timestamp
    after_crc = (
        i16(attributes) + i32(lod) + i64(base_timestamp) + i64(max_ts) + i64(pid) + i16(epoch) + i32(seq) + i32(count)
        + records
    )
    checksum = crc32c(after_crc) if crc is None else crc
    length = 4 + 1 + 4 + len(after_crc) + batch_length_delta if batch_length is None else batch_length
    return i64(0) + i32(length) + i32(-1) + i8(magic) + u32(checksum) + after_crc


def self_test_encoder():
    """The sarama 'uncompressed record' vector of PROTOCOL.md §2.4, byte for byte."""
    expected = bytes.fromhex(
        "0000000000000000" "00000046" "00000000" "02" "547961fd" "0000" "00000000" "000001588dcd5938"
        "0000000000000000" "0000000000000000" "0000" "00000000" "00000001"
        "28" "00" "0a" "00" "0801020304" "06050607" "02" "0608090a" "040b0c"
    )
    record = encode_record(0, 5, b"\x01\x02\x03\x04", b"\x05\x06\x07", [(b"\x08\x09\x0a", b"\x0b\x0c")])
    batch = bytearray(
        encode_batch([b"x"], base_timestamp=1479847795000, records=record, producer=(0, 0, 0), max_timestamp=0)
    )
    batch[12:16] = i32(0)  # the vector carries partitionLeaderEpoch 0 (not covered by the CRC)
    if bytes(batch) != expected:
        raise SystemExit("bad_input.py self-test: the batch encoder does not reproduce the PROTOCOL.md §2.4 vector")


class Reader:
    """Big-endian decoder over one response body; raises Failure on a short body."""

    def __init__(self, data, what):
        self.data = data
        self.pos = 0
        self.what = what

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise Failure(f"{self.what}: response too short (wanted {n} bytes at {self.pos} of {len(self.data)})")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def string(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode("utf-8", "replace")

    def nbytes(self):
        n = self.i32()
        return None if n < 0 else self.take(n)

    def array(self, element):
        n = self.i32()
        return None if n < 0 else [element() for _ in range(n)]

    def uvarint(self):
        shift = 0
        result = 0
        while True:
            b = self.take(1)[0]
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise Failure(f"{self.what}: varint too long")

    def varint(self):
        n = self.uvarint()
        return (n >> 1) ^ -(n & 1)

    def remaining(self):
        return len(self.data) - self.pos


def decode_batches(data, what):
    """(offset, key, value) of every data record in `data` (uncompressed batches), plus the
    offsets of control batches; a partial batch at the end is ignored (Fetch may cut one)."""
    records = []
    controls = []
    pos = 0
    while len(data) - pos >= 12:
        base_offset, batch_length = struct.unpack(">qi", data[pos : pos + 12])
        if batch_length < 49 or len(data) - pos - 12 < batch_length:
            break
        batch = data[pos : pos + 12 + batch_length]
        pos += 12 + batch_length
        r = Reader(batch, what)
        r.take(16)
        magic = r.i8()
        if magic != 2:
            raise Failure(f"{what}: batch at offset {base_offset} has magic {magic}")
        stored_crc = r.u32()
        if crc32c(batch[21:]) != stored_crc:
            raise Failure(f"{what}: batch at offset {base_offset} fails its CRC in a Fetch response")
        attributes = r.i16()
        r.i32()  # lastOffsetDelta
        r.take(8 + 8 + 8 + 2 + 4)
        count = r.i32()
        if attributes & 0x20:
            controls.append(base_offset)
            continue
        if attributes & 0x07:
            raise Failure(f"{what}: batch at offset {base_offset} is compressed (codec {attributes & 7}); not expected")
        for _ in range(count):
            r.varint()  # length
            r.i8()
            r.varint()  # timestamp delta
            delta = r.varint()
            kl = r.varint()
            key = None if kl < 0 else r.take(kl)
            vl = r.varint()
            value = None if vl < 0 else r.take(vl)
            for _ in range(r.varint()):
                hkl = r.varint()
                r.take(hkl)
                hvl = r.varint()
                if hvl >= 0:
                    r.take(hvl)
            records.append((base_offset + delta, key, value))
    return records, controls


# ---------------------------------------------------------------------------------------------
# Connections


class Failure(Exception):
    pass


class Closed(Exception):
    pass


API_PRODUCE, API_FETCH, API_METADATA, API_APIVERSIONS, API_CREATETOPICS = 0, 1, 3, 18, 19
SERVED_KEYS = {0, 1, 2, 3, 10, 18, 19, 20, 23, 32, 35, 37, 44, 60}


class Conn:
    def __init__(self, host, port, timeout, name):
        self.name = name
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(timeout)
        self.correlation = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send_raw(self, data):
        """Sends bytes; a connection the broker already closed raises Closed."""
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise Closed(str(e))
        except socket.timeout:
            raise Failure(f"{self.name}: send timed out after {self.timeout} s")

    def header(self, api_key, version, correlation, client_id="bad-input", flexible=False):
        h = i16(api_key) + i16(version) + i32(correlation) + nstring(client_id)
        return h + (b"\x00" if flexible else b"")

    def send_request(self, api_key, version, body, flexible=False):
        self.correlation += 1
        payload = self.header(api_key, version, self.correlation, flexible=flexible) + body
        self.send_raw(i32(len(payload)) + payload)
        return self.correlation

    def recv_exact(self, n, deadline):
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(f"{self.name}: no complete response within {self.timeout} s (have {len(buf)} of {n} bytes)")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(n - len(buf))
            except socket.timeout:
                continue
            except ConnectionResetError:
                raise Closed("connection reset")
            if not chunk:
                raise Closed(f"EOF after {len(buf)} of {n} bytes")
            buf += chunk
        return bytes(buf)

    def read_response(self, correlation, what, flexible_response=False):
        deadline = time.monotonic() + self.timeout
        size = struct.unpack(">i", self.recv_exact(4, deadline))[0]
        if size < 4 or size > 256 * 1024 * 1024:
            raise Failure(f"{what}: response frame size {size}")
        payload = self.recv_exact(size, deadline)
        got = struct.unpack(">i", payload[:4])[0]
        if got != correlation:
            raise Failure(f"{what}: response correlation id {got}, expected {correlation}")
        r = Reader(payload, what)
        r.take(4)
        if flexible_response:
            for _ in range(r.uvarint()):
                r.uvarint()
                r.take(r.uvarint())
        return r

    def roundtrip(self, api_key, version, body, what, flexible=False):
        c = self.send_request(api_key, version, body, flexible=flexible)
        return self.read_response(c, what)

    def expect_closed(self, what):
        """The broker must close (EOF or reset) within the timeout without sending anything."""
        deadline = time.monotonic() + self.timeout
        received = bytearray()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                extra = f" (it sent {len(received)} bytes: {bytes(received[:64]).hex()})" if received else ""
                raise Failure(f"{what}: connection still open after {self.timeout} s; expected close{extra}")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                chunk = b""
            except OSError as e:
                if e.errno in (errno.ECONNRESET, errno.EPIPE):
                    chunk = b""
                else:
                    raise
            if not chunk:
                if received:
                    raise Failure(
                        f"{what}: expected a close without a response, but the broker first sent "
                        f"{len(received)} bytes: {bytes(received[:64]).hex()}"
                    )
                return
            received += chunk

    def expect_open(self, what, seconds=0.3):
        """Nothing arrives and the connection is not closed during `seconds`."""
        self.sock.settimeout(seconds)
        try:
            chunk = self.sock.recv(1)
        except socket.timeout:
            return
        except ConnectionResetError:
            raise Failure(f"{what}: connection reset; expected it to stay open")
        finally:
            self.sock.settimeout(self.timeout)
        if not chunk:
            raise Failure(f"{what}: connection closed; expected it to stay open")
        raise Failure(f"{what}: unexpected byte {chunk.hex()} from the broker")


# ---------------------------------------------------------------------------------------------
# Requests and responses


def metadata_v1(conn, topics, what):
    body = i32(-1) if topics is None else i32(len(topics)) + b"".join(string(t) for t in topics)
    r = conn.roundtrip(API_METADATA, 1, body, what)
    brokers = r.array(lambda: (r.i32(), r.string(), r.i32(), r.string()))
    controller = r.i32()

    def partition():
        return {"error": r.i16(), "index": r.i32(), "leader": r.i32(), "replicas": r.array(r.i32), "isr": r.array(r.i32)}

    def topic():
        return {"error": r.i16(), "name": r.string(), "internal": r.i8(), "partitions": r.array(partition)}

    topics_out = r.array(topic)
    return brokers, controller, {t["name"]: t for t in topics_out}


def create_topic(conn, name, partitions, configs=None):
    configs = configs or {}
    body = i32(1) + string(name) + i32(partitions) + i16(1) + i32(0)
    body += i32(len(configs)) + b"".join(string(k) + nstring(v) for k, v in configs.items())
    body += i32(30000) + i8(0)
    r = conn.roundtrip(API_CREATETOPICS, 2, body, f"CreateTopics {name}")
    r.i32()  # throttle
    results = r.array(lambda: (r.string(), r.i16(), r.string()))
    if not results or results[0][1] != 0:
        raise Failure(f"CreateTopics {name}: {results}")


def produce_body(topic, partition, records, acks=-1, timeout_ms=15000):
    return (
        nstring(None) + i16(acks) + i32(timeout_ms) + i32(1) + string(topic) + i32(1) + i32(partition) + nbytes(records)
    )


def parse_produce_response(r, version):
    out = []
    for _ in range(r.i32()):
        name = r.string()
        for _ in range(r.i32()):
            p = {"topic": name, "index": r.i32(), "error": r.i16(), "base_offset": r.i64(), "log_append_time": r.i64()}
            if version >= 5:
                p["log_start_offset"] = r.i64()
            if version >= 8:
                p["record_errors"] = r.array(lambda: (r.i32(), r.string()))
                p["error_message"] = r.string()
            out.append(p)
    r.i32()  # throttle
    return out


def produce(conn, version, topic, partition, records, what, acks=-1):
    r = conn.roundtrip(API_PRODUCE, version, produce_body(topic, partition, records, acks), what)
    parts = parse_produce_response(r, version)
    if len(parts) != 1 or parts[0]["topic"] != topic or parts[0]["index"] != partition:
        raise Failure(f"{what}: response names {[(p['topic'], p['index']) for p in parts]}, expected [({topic}, {partition})]")
    return parts[0]


def fetch_v4(conn, topic, partition, offset, what, max_wait_ms=500, partition_max_bytes=4 * 1024 * 1024):
    body = i32(-1) + i32(max_wait_ms) + i32(1) + i32(16 * 1024 * 1024) + i8(0)
    body += i32(1) + string(topic) + i32(1) + i32(partition) + i64(offset) + i32(partition_max_bytes)
    r = conn.roundtrip(API_FETCH, 4, body, what)
    r.i32()
    parts = []
    for _ in range(r.i32()):
        r.string()
        for _ in range(r.i32()):
            p = {"index": r.i32(), "error": r.i16(), "hw": r.i64(), "lso": r.i64()}
            r.array(lambda: (r.i64(), r.i64()))
            records = r.nbytes()
            p["records_null"] = records is None
            p["records"] = records or b""
            parts.append(p)
    if len(parts) != 1:
        raise Failure(f"{what}: {len(parts)} partitions in the Fetch response, expected 1")
    return parts[0]


def read_all(conn, topic, partition, what):
    """Every data record of the partition from offset 0 up to the high watermark."""
    records = []
    offset = 0
    hw = None
    for _ in range(100000):
        p = fetch_v4(conn, topic, partition, offset, what)
        if p["error"] != 0:
            raise Failure(f"{what}: Fetch at offset {offset} returned error {p['error']}")
        hw = p["hw"]
        if offset >= hw:
            break
        got, controls = decode_batches(p["records"], what)
        last = max([o for o, _, _ in got] + controls + [offset - 1])
        if last < offset:
            raise Failure(f"{what}: Fetch at offset {offset} (high watermark {hw}) made no progress")
        records.extend(x for x in got if x[0] >= offset)
        offset = last + 1
    return records, hw


def api_versions_v0(conn, what):
    r = conn.roundtrip(API_APIVERSIONS, 0, b"", what)
    error = r.i16()
    keys = r.array(lambda: (r.i16(), r.i16(), r.i16()))
    return error, keys


# ---------------------------------------------------------------------------------------------
# The run


class Run:
    def __init__(self, args):
        host, port = args.bootstrap.rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.timeout = args.timeout
        self.limit = args.request_max_bytes
        self.rng = random.Random(args.seed)
        self.failures = []
        self.passed = 0
        suffix = f"{int(time.time() * 1000) % 10**9}-{self.rng.randrange(10**6)}"
        self.good_topic = f"bad-input-good-{suffix}"
        self.bad_topic = f"bad-input-target-{suffix}"
        self.small_topic = f"bad-input-small-{suffix}"
        self.small_limit = 4096
        self.good_acked = []  # (offset, value)
        self.bad_acked = []  # (offset, value) accepted on the bad topic (the boundary cases)
        self.bad_values = []  # values of every batch that must have been rejected
        self.bad_unconfirmed = set()  # values sent with acks=0: stored or not, never required
        self.good_round_number = 0

    def connect(self, name):
        return Conn(self.host, self.port, self.timeout, name)

    def fail(self, message):
        self.failures.append(message)
        print(f"FAIL {message}", flush=True)

    # The good connection -------------------------------------------------------------------

    def setup(self):
        self.good = self.connect("good connection")
        self.produce_conn = self.connect("produce-errors connection")
        create_topic(self.good, self.good_topic, 1)
        create_topic(self.good, self.bad_topic, 1)
        create_topic(self.good, self.small_topic, 1, {"max.message.bytes": str(self.small_limit)})
        for topic in (self.good_topic, self.bad_topic, self.small_topic):
            self.wait_for_leader(topic)

    def wait_for_leader(self, topic):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            _, _, topics = metadata_v1(self.good, [topic], f"Metadata {topic}")
            t = topics.get(topic)
            if t and t["error"] == 0 and t["partitions"] and all(p["leader"] >= 0 for p in t["partitions"]):
                return
            time.sleep(0.05)
        raise Failure(f"topic {topic} has no leader after 60 s")

    def good_round(self, after):
        """Metadata + Produce (acks=-1) + Fetch on the long-lived good connection."""
        self.good_round_number += 1
        n = self.good_round_number
        what = f"good connection after '{after}'"
        try:
            _, _, topics = metadata_v1(self.good, [self.good_topic], f"{what}: Metadata v1")
            t = topics.get(self.good_topic)
            if not t or t["error"] != 0 or not t["partitions"] or t["partitions"][0]["leader"] < 0:
                raise Failure(f"{what}: Metadata v1 for {self.good_topic}: {t}")
            values = [f"good-{n}-{i}".encode() for i in range(3)]
            version = 3 if n % 2 else 7
            p = produce(self.good, version, self.good_topic, 0, encode_batch(values), f"{what}: Produce v{version}")
            if p["error"] != 0:
                raise Failure(f"{what}: Produce v{version} acks=-1 returned error {p['error']}")
            base = p["base_offset"]
            acked = [(base + i, v) for i, v in enumerate(values)]
            self.good_acked.extend(acked)
            f = fetch_v4(self.good, self.good_topic, 0, base, f"{what}: Fetch v4")
            if f["error"] != 0:
                raise Failure(f"{what}: Fetch v4 at {base} returned error {f['error']}")
            got, _ = decode_batches(f["records"], what)
            have = {o: v for o, _, v in got}
            for offset, value in acked:
                if have.get(offset) != value:
                    raise Failure(f"{what}: Fetch at {base}: offset {offset} holds {have.get(offset)!r}, expected {value!r}")
        except Closed as e:
            raise Failure(f"{what}: the good connection was closed ({e}); is the broker still running?")

    # Case runners --------------------------------------------------------------------------

    def case(self, name, function):
        try:
            function(name)
            self.passed += 1
            print(f"ok   {name}", flush=True)
        except Failure as e:
            self.fail(str(e))
        except Closed as e:
            self.fail(f"{name}: connection closed unexpectedly ({e})")
        except OSError as e:
            self.fail(f"{name}: socket error {e!r}")
        self.good_round(name)

    def closed_after(self, name, data, shut_write=False):
        """Sends `data` on a new connection and expects the broker to close it."""
        conn = self.connect(name)
        try:
            try:
                conn.send_raw(data)
                if shut_write:
                    conn.sock.shutdown(socket.SHUT_WR)
            except Closed:
                return  # closed while we were still sending: fine
            conn.expect_closed(f"{name} (sent {len(data)} bytes: {data[:48].hex()}{'...' if len(data) > 48 else ''})")
        finally:
            conn.close()

    def frame(self, api_key, version, body, correlation=7, flexible=False, client_id="bad-input"):
        payload = i16(api_key) + i16(version) + i32(correlation) + nstring(client_id) + (b"\x00" if flexible else b"")
        payload += body
        return i32(len(payload)) + payload

    def produce_error(self, name, records, expected, version=3, topic=None, partition=0, acks=-1, rejected=True):
        """A Produce on the shared produce-errors connection must answer `expected` (a set) for the
        partition and keep the connection open."""
        topic = topic or self.bad_topic
        what = f"{name} (Produce v{version} acks={acks} to {topic}-{partition})"
        try:
            p = produce(self.produce_conn, version, topic, partition, records, what, acks=acks)
        except Closed as e:
            self.produce_conn.close()
            self.produce_conn = self.connect("produce-errors connection")
            head = records[:64].hex() if records else repr(records)
            raise Failure(
                f"{what}: the broker closed the connection ({e}) instead of answering error "
                f"{sorted(expected)}; records field starts {head}"
            )
        if p["error"] not in expected:
            raise Failure(
                f"{what}: partition error {p['error']} (base offset {p['base_offset']}), expected one of {sorted(expected)}"
            )
        if p["error"] == 0:
            return p
        if p["base_offset"] != -1:
            raise Failure(f"{what}: error {p['error']} with base_offset {p['base_offset']}, expected -1")
        # The connection stays usable after a partition-level error.
        error, _ = api_versions_v0(self.produce_conn, f"{what}: ApiVersions v0 afterwards")
        if error != 0:
            raise Failure(f"{what}: ApiVersions v0 afterwards returned error {error}")
        return p

    def bad_batch(self, tag, **overrides):
        """A broken batch whose values are remembered as never-to-be-stored."""
        values = [f"bad-{tag}-{i}".encode() for i in range(3)]
        self.bad_values.extend(values)
        return encode_batch(values, **overrides), values

    # The cases -----------------------------------------------------------------------------

    def run(self):
        self.setup()
        self.good_round("setup")

        # A connection parked half-way through a frame for the whole run: the broker must keep
        # serving everyone else (checked by every good round) and close it on EOF at the end.
        parked = self.connect("parked connection")
        parked_frame = self.frame(API_METADATA, 1, i32(-1))
        parked.send_raw(parked_frame[: len(parked_frame) - 2])

        self.framing_cases()
        self.header_and_version_cases()
        self.body_cases()
        self.stream_cases()
        self.produce_cases()

        def parked_case(name):
            parked.expect_open(f"{name}: before EOF")
            parked.sock.shutdown(socket.SHUT_WR)
            parked.expect_closed(f"{name}: after EOF")
            parked.close()

        self.case("parked half frame for the whole run, then EOF", parked_case)
        self.final_checks()

    def framing_cases(self):
        limit = self.limit
        valid = self.frame(API_METADATA, 1, i32(0))
        self.case("truncated frame then EOF", lambda n: self.closed_after(n, valid[:-3], shut_write=True))
        self.case(
            "truncated size prefix then EOF", lambda n: self.closed_after(n, b"\x00\x00", shut_write=True)
        )
        self.case(
            "size prefix only then EOF", lambda n: self.closed_after(n, i32(40), shut_write=True)
        )
        self.case(
            f"frame size {limit + 1} (limit + 1), prefix and 64 bytes",
            lambda n: self.closed_after(n, i32(limit + 1) + bytes(64)),
        )
        self.case("frame size 0x7fffffff", lambda n: self.closed_after(n, i32(0x7FFFFFFF) + bytes(16)))
        self.case("frame size 0", lambda n: self.closed_after(n, i32(0) + valid))
        self.case("frame size -1", lambda n: self.closed_after(n, i32(-1) + valid))
        self.case("frame size -2147483648", lambda n: self.closed_after(n, i32(-(2**31)) + valid))
        if limit <= 8 * 1024 * 1024:
            self.case(f"complete Produce frame of limit + 1 = {limit + 1} bytes", self.oversized_full_frame)
            self.case(f"Produce frame of exactly the limit ({limit} bytes) is accepted", self.exact_limit_frame)

        for i in range(10):
            self.case(f"random bytes connection {i}", lambda n, i=i: self.random_connection(n, i))

    def random_connection(self, name, i):
        rng = self.rng
        if i % 2 == 0:
            # A well-framed frame whose header and body are random (API key not a served one,
            # so the frame can never be a valid request by accident).
            while True:
                body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
                if len(body) < 2 or struct.unpack(">h", body[:2])[0] not in SERVED_KEYS:
                    break
            self.closed_after(name, i32(len(body)) + body)
        else:
            # A raw random stream, then EOF: whatever the size prefix says, it is closed.
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(8, 600)))
            if len(data) >= 6 and struct.unpack(">h", data[4:6])[0] in SERVED_KEYS:
                data = data[:4] + b"\x7f\x7f" + data[6:]
            self.closed_after(name, data, shut_write=True)

    def produce_frame_of_size(self, size, fill, correlation=1):
        """A Produce v3 frame to the bad topic whose payload is exactly `size` bytes: one record
        whose value (of `fill` bytes) is sized to fit. Returns (frame, value)."""
        value_size = size
        for _ in range(10):
            value = fill * value_size
            frame = self.frame(API_PRODUCE, 3, produce_body(self.bad_topic, 0, encode_batch([value])), correlation)
            got = struct.unpack(">i", frame[:4])[0]
            if got == size:
                return frame, value
            value_size -= got - size
        raise Failure(f"script bug: could not size a Produce frame to {size} bytes")

    def oversized_full_frame(self, name):
        frame, value = self.produce_frame_of_size(self.limit + 1, b"x")
        self.bad_values.append(value)
        self.closed_after(name, frame)

    def exact_limit_frame(self, name):
        frame, value = self.produce_frame_of_size(self.limit, b"L")
        conn = self.connect(name)
        try:
            conn.send_raw(frame)
            r = conn.read_response(1, name)
            p = parse_produce_response(r, 3)
            if len(p) != 1 or p[0]["error"] != 0:
                raise Failure(f"{name}: expected success, got {p}")
            self.bad_acked.append((p[0]["base_offset"], value))
        except Closed as e:
            raise Failure(f"{name}: the broker closed the connection ({e}); a frame of exactly the limit must be served")
        finally:
            conn.close()

    def header_and_version_cases(self):
        self.case("Metadata v99 closed", lambda n: self.closed_after(n, self.frame(API_METADATA, 99, i32(-1))))
        self.case("Metadata v-1 closed", lambda n: self.closed_after(n, self.frame(API_METADATA, -1, i32(-1))))
        self.case(
            "Produce v2 (advertised, not served) closed",
            lambda n: self.closed_after(n, self.frame(API_PRODUCE, 2, produce_body(self.bad_topic, 0, b""))),
        )
        self.case(
            "Produce v11 closed",
            lambda n: self.closed_after(n, self.frame(API_PRODUCE, 11, b"\x00" * 20, flexible=True)),
        )
        self.case("Fetch v3 closed", lambda n: self.closed_after(n, self.frame(API_FETCH, 3, b"\x00" * 40)))
        self.case("ApiVersions v99 answered with error 35", lambda n: self.api_versions_unsupported(n, 99))
        self.case("ApiVersions v5 answered with error 35", lambda n: self.api_versions_unsupported(n, 5))
        self.case("unknown API key 999 closed", lambda n: self.closed_after(n, self.frame(999, 0, b"")))
        self.case("unknown API key -1 closed", lambda n: self.closed_after(n, self.frame(-1, 0, b"")))
        self.case(
            # Transactions are not served: AddPartitionsToTxn is never advertised.
            "unadvertised API key 24 (AddPartitionsToTxn v0) closed",
            lambda n: self.closed_after(n, self.frame(24, 0, string("t") + i64(1) + i16(0) + i32(0))),
        )
        # Garbage headers: client_id longer than the frame, invalid negative length, a frame
        # shorter than the fixed header.
        self.case(
            "client_id length beyond the frame closed",
            lambda n: self.closed_after(n, i32(12) + i16(3) + i16(1) + i32(1) + i16(1000) + b"ab"),
        )
        self.case(
            "client_id length -7 closed",
            lambda n: self.closed_after(n, i32(14) + i16(3) + i16(1) + i32(1) + i16(-7) + i32(-1)),
        )
        self.case("frame shorter than a header closed", lambda n: self.closed_after(n, i32(3) + b"\x00\x03\x00"))
        self.case(
            "flexible header with a truncated tagged-field block closed",
            lambda n: self.closed_after(n, i32(12) + i16(3) + i16(9) + i32(1) + i16(-1) + b"\x05\x01"),
        )

    def api_versions_unsupported(self, name, version):
        conn = self.connect(name)
        try:
            # Above v3 the request header is v2 (flexible: a tagged-field block after client_id).
            c = conn.send_request(API_APIVERSIONS, version, b"\x00\x00\x00", flexible=True)
            r = conn.read_response(c, f"{name}: ApiVersions v{version}")
            error = r.i16()
            if error != 35:
                raise Failure(f"{name}: ApiVersions v{version} error {error}, expected 35 (UNSUPPORTED_VERSION)")
            keys = r.array(lambda: (r.i16(), r.i16(), r.i16()))
            if r.remaining() != 0:
                raise Failure(f"{name}: {r.remaining()} bytes after the v0 body (expected the v0 layout exactly)")
            entry = [k for k in (keys or []) if k[0] == API_APIVERSIONS]
            if not entry:
                raise Failure(f"{name}: the error 35 body lacks the ApiVersions (key 18) entry: {keys}")
            if entry[0][1] != 0 or entry[0][2] < 3:
                raise Failure(f"{name}: ApiVersions entry {entry[0]}, expected min 0 and max >= 3")
            # The client retries on the same connection (librdkafka, kafka-python do).
            error, keys = api_versions_v0(conn, f"{name}: ApiVersions v0 retry")
            if error != 0:
                raise Failure(f"{name}: ApiVersions v0 retry returned error {error}")
            have = {k for k, _, _ in keys or []}
            if not {API_PRODUCE, API_FETCH, API_METADATA, API_APIVERSIONS} <= have:
                raise Failure(f"{name}: ApiVersions v0 retry lists {sorted(have)}")
        except Closed as e:
            raise Failure(f"{name}: the broker closed the connection ({e})")
        finally:
            conn.close()

    def stream_cases(self):
        """Valid and invalid frames mixed on one connection, and odd packetisation."""

        def pipelined_then_garbage(name):
            # Two valid requests and a garbage frame in one write: both answered in order, then
            # the close.
            conn = self.connect(name)
            try:
                data = self.frame(API_METADATA, 1, i32(0), correlation=11)
                data += self.frame(API_APIVERSIONS, 0, b"", correlation=12)
                data += self.frame(999, 0, b"", correlation=13)
                conn.send_raw(data)
                r = conn.read_response(11, f"{name}: first (Metadata v1) response")
                r.array(lambda: (r.i32(), r.string(), r.i32(), r.string()))
                r = conn.read_response(12, f"{name}: second (ApiVersions v0) response")
                if r.i16() != 0:
                    raise Failure(f"{name}: ApiVersions v0 error")
                conn.expect_closed(f"{name}: after the garbage frame")
            except Closed as e:
                raise Failure(f"{name}: closed before both valid requests were answered ({e})")
            finally:
                conn.close()

        def dribbled(name):
            # A valid request sent one byte per packet.
            conn = self.connect(name)
            try:
                data = self.frame(API_METADATA, 1, i32(1) + string(self.good_topic), correlation=21)
                for i in range(len(data)):
                    conn.send_raw(data[i : i + 1])
                    time.sleep(0.002)
                _, _, topics = self.read_metadata_v1(conn, 21, name)
                if self.good_topic not in topics:
                    raise Failure(f"{name}: Metadata response lacks {self.good_topic}")
            except Closed as e:
                raise Failure(f"{name}: closed ({e})")
            finally:
                conn.close()

        def two_and_a_half_then_eof(name):
            # EOF (the client shut its write side) ends the connection, as in Kafka, whose
            # selector closes a channel on EOF and drops what it has not answered yet. What
            # must hold: whatever is answered is correct and in order, then the connection
            # closes, and the broker keeps serving (the good connection checks that).
            conn = self.connect(name)
            try:
                data = self.frame(API_APIVERSIONS, 0, b"", correlation=31)
                data += self.frame(API_APIVERSIONS, 0, b"", correlation=32)
                third = self.frame(API_APIVERSIONS, 0, b"", correlation=33)
                conn.send_raw(data + third[:7])
                conn.sock.shutdown(socket.SHUT_WR)
                for c in (31, 32):
                    try:
                        r = conn.read_response(c, f"{name}: response {c}")
                    except Closed:
                        return
                    if r.i16() != 0:
                        raise Failure(f"{name}: ApiVersions v0 error")
                conn.expect_closed(f"{name}: after the partial third frame and EOF")
            finally:
                conn.close()

        def acks_zero_valid(name):
            # acks=0: no response at all; the next request gets its own response.
            conn = self.connect(name)
            try:
                values = [b"acks0-valid"]
                conn.send_raw(self.frame(API_PRODUCE, 3, produce_body(self.bad_topic, 0, encode_batch(values), acks=0), 41))
                conn.send_raw(self.frame(API_APIVERSIONS, 0, b"", correlation=42))
                r = conn.read_response(42, f"{name}: the request after the acks=0 Produce")
                if r.i16() != 0:
                    raise Failure(f"{name}: ApiVersions v0 error")
                self.bad_unconfirmed.update(values)
            except Closed as e:
                raise Failure(f"{name}: closed ({e})")
            finally:
                conn.close()

        def acks_zero_invalid(name):
            # acks=0 with a corrupt batch: Kafka sends no response and closes the connection
            # (KafkaApis.handleProduceRequest: the only way an acks=0 client learns of an error).
            batch, _ = self.bad_batch("acks0-crc")
            b = bytearray(batch)
            b[17] ^= 0xFF
            conn = self.connect(name)
            try:
                conn.send_raw(self.frame(API_PRODUCE, 3, produce_body(self.bad_topic, 0, bytes(b), acks=0), 51))
                conn.expect_closed(f"{name} (Kafka closes an acks=0 connection whose Produce failed)")
            except Closed:
                pass
            finally:
                conn.close()

        self.case("two valid requests then a garbage frame in one write", pipelined_then_garbage)
        self.case("valid Metadata request sent one byte per packet", dribbled)
        self.case("two complete frames and a partial third, then EOF", two_and_a_half_then_eof)
        self.case("Produce acks=0 (valid): no response, next request answered", acks_zero_valid)
        self.case("Produce acks=0 with a bad CRC: no response, connection closed", acks_zero_invalid)

    def read_metadata_v1(self, conn, correlation, what):
        r = conn.read_response(correlation, what)
        brokers = r.array(lambda: (r.i32(), r.string(), r.i32(), r.string()))
        controller = r.i32()

        def partition():
            return {"error": r.i16(), "index": r.i32(), "leader": r.i32(), "replicas": r.array(r.i32), "isr": r.array(r.i32)}

        topics = r.array(lambda: {"error": r.i16(), "name": r.string(), "internal": r.i8(), "partitions": r.array(partition)})
        return brokers, controller, {t["name"]: t for t in topics or []}

    def body_cases(self):
        self.case(
            "Metadata v1 with topic count 2^31-1 and no topics closed",
            lambda n: self.closed_after(n, self.frame(API_METADATA, 1, i32(0x7FFFFFFF))),
        )
        self.case(
            "Metadata v1 with a truncated topic name closed",
            lambda n: self.closed_after(n, self.frame(API_METADATA, 1, i32(1) + i16(50) + b"abc")),
        )
        self.case(
            "Metadata v9 (flexible) with a compact array length beyond the body closed",
            lambda n: self.closed_after(n, self.frame(API_METADATA, 9, b"\x7f\x05", flexible=True)),
        )
        garbage = bytes(self.rng.randrange(256) for _ in range(50))
        self.case(
            "Produce v7 with a random body closed",
            lambda n: self.closed_after(n, self.frame(API_PRODUCE, 7, garbage)),
        )
        self.case(
            "Produce v3 with a records length beyond the frame closed",
            lambda n: self.closed_after(
                n, self.frame(API_PRODUCE, 3, nstring(None) + i16(-1) + i32(1000) + i32(1) + string(self.bad_topic)
                              + i32(1) + i32(0) + i32(5000) + bytes(100))
            ),
        )
        self.case(
            "Fetch v4 with a topics count of -5 closed",
            lambda n: self.closed_after(n, self.frame(API_FETCH, 4, i32(-1) + i32(100) + i32(1) + i32(1000) + i8(0) + i32(-5))),
        )
        self.case(
            "CreateTopics v2 with a truncated body closed",
            lambda n: self.closed_after(n, self.frame(API_CREATETOPICS, 2, i32(1) + string("t") + i32(1))),
        )

    def produce_cases(self):
        pe = self.produce_error

        def flip_crc(name):
            batch, _ = self.bad_batch("crc")
            b = bytearray(batch)
            b[17] ^= 0xFF
            pe(name, bytes(b), {2})

        def flip_payload(name):
            batch, _ = self.bad_batch("payload")
            b = bytearray(batch)
            b[-2] ^= 0x01
            pe(name, bytes(b), {2})

        def magic(m):
            def f(name):
                batch, _ = self.bad_batch(f"magic{m}", magic=m)
                pe(name, batch, {2, 87})

            return f

        def negative_record_length(name):
            values = [b"bad-neglen-0"]
            self.bad_values.extend(values)
            records = encode_record(0, 0, None, values[0], length_override=-5)
            pe(name, encode_batch(values, records=records), {2})

        def record_length_beyond_region(name):
            values = [b"bad-longlen-0"]
            self.bad_values.extend(values)
            records = encode_record(0, 0, None, values[0], length_override=500)
            pe(name, encode_batch(values, records=records), {2})

        def negative_value_length(name):
            # valueLength -7 inside a record whose own length is consistent.
            body = i8(0) + varint(0) + varint(0) + varint(-1) + varint(-7) + b"bad-negval" + varint(0)
            records = varint(len(body)) + body
            self.bad_values.append(b"bad-negval")
            pe(name, encode_batch([b"bad-negval"], records=records), {2})

        def batch_length(delta):
            def f(name):
                batch, _ = self.bad_batch(f"blen{delta}", batch_length_delta=delta)
                pe(name, batch, {2})

            return f

        def batch_length_negative(name):
            batch, _ = self.bad_batch("blenneg", batch_length=-5)
            pe(name, batch, {2})

        def batch_with_trailing_bytes(name):
            batch, _ = self.bad_batch("trailing")
            pe(name, batch + b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", {2, 87})

        def record_count(declared):
            def f(name):
                batch, _ = self.bad_batch(f"count{declared}", record_count=declared, last_offset_delta=declared - 1)
                pe(name, batch, {2, 87})

            return f

        def last_offset_delta(name):
            batch, _ = self.bad_batch("lod", last_offset_delta=7)
            pe(name, batch, {2, 87})

        def offset_deltas(name):
            batch, _ = self.bad_batch("deltas", offset_deltas=[0, 2, 1])
            pe(name, batch, {2, 87})

        def codec(c, expected):
            def f(name):
                batch, _ = self.bad_batch(f"codec{c}", attributes=c)
                pe(name, batch, expected)

            return f

        def lz4_not_a_frame(name):
            batch, _ = self.bad_batch("lz4junk", attributes=3)
            pe(name, batch, {2})

        def two_batches(name):
            first, _ = self.bad_batch("twobatches-a")
            second, _ = self.bad_batch("twobatches-b")
            pe(name, first + second, {87})

        def control_batch(name):
            batch, _ = self.bad_batch("control", attributes=0x20)
            pe(name, batch, {2, 87})

        def empty_batch(name):
            pe(name, encode_batch([], record_count=0, last_offset_delta=-1), {2, 87})

        def truncated_batch(name):
            batch, _ = self.bad_batch("short")
            pe(name, batch[:30], {2})

        def empty_records(name):
            pe(name, b"", {2, 87})

        def null_records(name):
            pe(name, None, {2, 87})

        def too_large_for_topic(name):
            value = b"T" * (self.small_limit + 100)
            self.bad_values.append(value)
            pe(name, encode_batch([value]), {10}, topic=self.small_topic)

        def too_large_default(name):
            value = b"D" * (1048588 + 10)
            self.bad_values.append(value)
            pe(name, encode_batch([value]), {10})

        def acks(a):
            def f(name):
                batch, _ = self.bad_batch(f"acks{a}")
                pe(name, batch, {21}, acks=a)

            return f

        def unknown_topic(name):
            batch, _ = self.bad_batch("unknowntopic")
            pe(name, batch, {3}, topic=f"no-such-topic-{self.rng.randrange(10**9)}")

        def unknown_partition(name):
            batch, _ = self.bad_batch("unknownpartition")
            pe(name, batch, {3}, partition=99)

        def valid_on_error_connection(name):
            values = [f"accepted-{i}".encode() for i in range(2)]
            p = pe(name, encode_batch(values), {0}, version=7)
            self.bad_acked.extend((p["base_offset"] + i, v) for i, v in enumerate(values))

        self.case("Produce: CRC flipped -> 2", flip_crc)
        self.case("Produce: payload byte flipped, CRC stale -> 2", flip_payload)
        self.case("Produce: magic 1 -> 2 or 87", magic(1))
        self.case("Produce: magic 0 -> 2 or 87", magic(0))
        self.case("Produce: magic 3 -> 2 or 87", magic(3))
        self.case("Produce: record length -5 -> 2", negative_record_length)
        self.case("Produce: record length beyond the region -> 2", record_length_beyond_region)
        self.case("Produce: value length -7 -> 2", negative_value_length)
        self.case("Produce: batchLength + 10 -> 2", batch_length(10))
        self.case("Produce: batchLength - 10 -> 2", batch_length(-10))
        self.case("Produce: batchLength -5 -> 2", batch_length_negative)
        self.case("Produce: 13 bytes after the batch -> 2 or 87", batch_with_trailing_bytes)
        self.case("Produce: recordCount 5 with 3 records -> 2 or 87", record_count(5))
        self.case("Produce: recordCount 2 with 3 records -> 2 or 87", record_count(2))
        self.case("Produce: lastOffsetDelta 7 with 3 records -> 2 or 87", last_offset_delta)
        self.case("Produce: offset deltas 0,2,1 -> 2 or 87", offset_deltas)
        self.case("Produce: gzip codec -> 76", codec(1, {76}))
        self.case("Produce: snappy codec -> 76", codec(2, {76}))
        self.case("Produce: zstd codec -> 76", codec(4, {76}))
        self.case("Produce: codec 7 (undefined) -> 2, 76 or 87", codec(7, {2, 76, 87}))
        self.case("Produce: lz4 codec over plain records -> 2", lz4_not_a_frame)
        self.case("Produce v3+: two batches in one records field -> 87 (Kafka: exactly one batch)", two_batches)
        self.case("Produce: control batch from a client -> 2 or 87", control_batch)
        self.case("Produce: empty batch -> 2 or 87", empty_batch)
        self.case("Produce: batch cut to 30 bytes -> 2", truncated_batch)
        self.case("Produce: empty records field -> 2 or 87", empty_records)
        self.case("Produce: null records field -> 2 or 87", null_records)
        self.case(f"Produce: batch above max.message.bytes={self.small_limit} -> 10", too_large_for_topic)
        if self.limit > 1048588 + 1024:
            self.case("Produce: batch above the default max.message.bytes 1048588 -> 10", too_large_default)
        self.case("Produce: acks=2 -> 21", acks(2))
        self.case("Produce: acks=-2 -> 21", acks(-2))
        self.case("Produce: unknown topic -> 3", unknown_topic)
        self.case("Produce: unknown partition 99 -> 3", unknown_partition)
        self.case("Produce: a valid batch on the same connection still succeeds", valid_on_error_connection)

    # Final checks --------------------------------------------------------------------------

    def final_checks(self):
        self.good.close()
        self.produce_conn.close()
        conn = self.connect("final read-back connection")
        try:
            records, hw = read_all(conn, self.good_topic, 0, f"read back {self.good_topic}")
            have = {o: v for o, _, v in records}
            missing = [(o, v) for o, v in self.good_acked if have.get(o) != v]
            for o, v in missing[:20]:
                self.fail(f"read back {self.good_topic}: acknowledged {v!r} at offset {o}, found {have.get(o)!r}")
            if len(records) != len(self.good_acked) and not missing:
                self.fail(f"read back {self.good_topic}: {len(records)} records, {len(self.good_acked)} acknowledged")
            print(f"read back {len(self.good_acked)} acknowledged good records (high watermark {hw})", flush=True)
            at_end = fetch_v4(conn, self.good_topic, 0, hw, f"Fetch v4 at the high watermark {hw}", max_wait_ms=10)
            if at_end["error"] != 0 or at_end["records_null"]:
                self.fail(
                    f"Fetch v4 {self.good_topic} [0] at the high watermark {hw}: error {at_end['error']}, records "
                    f"{'null (length -1)' if at_end['records_null'] else 'empty'}; Kafka answers error 0 with an "
                    "empty, non-null records field (librdkafka rejects null: 'invalid MessageSetSize -1')"
                )

            records, hw = read_all(conn, self.bad_topic, 0, f"read back {self.bad_topic}")
            have = {o: v for o, _, v in records}
            for o, v in self.bad_acked:
                if have.get(o) != v:
                    self.fail(f"read back {self.bad_topic}: accepted record at offset {o} missing or different")
            accepted = {v for _, v in self.bad_acked} | self.bad_unconfirmed
            rejected = set(self.bad_values)
            for o, _, v in records:
                if v in rejected or v not in accepted:
                    self.fail(
                        f"read back {self.bad_topic}: offset {o} holds {v[:40]!r}, which was never acknowledged "
                        f"(a rejected batch was stored)"
                    )
            records, _ = read_all(conn, self.small_topic, 0, f"read back {self.small_topic}")
            for o, _, v in records:
                self.fail(f"read back {self.small_topic}: offset {o} holds {v[:40]!r}; the topic must be empty")
        except (Failure, Closed) as e:
            self.fail(f"final read-back: {e}")
        finally:
            conn.close()
        self.confluent_read_back()

    def confluent_read_back(self):
        try:
            from confluent_kafka import Consumer, TopicPartition
        except ImportError:
            print("confluent-kafka not installed: skipping the librdkafka read-back", flush=True)
            return
        consumer = Consumer(
            {
                "bootstrap.servers": f"{self.host}:{self.port}",
                "group.id": "bad-input-unused",
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                "api.version.request.timeout.ms": 10000,
            }
        )
        try:
            consumer.assign([TopicPartition(self.good_topic, 0, 0)])
            found = {}
            last_acked = max(o for o, _ in self.good_acked)
            deadline = time.monotonic() + 60
            caught_up_at = None  # when the last acknowledged offset arrived
            eof = False
            while time.monotonic() < deadline:
                if caught_up_at is not None and time.monotonic() - caught_up_at > 15:
                    break
                m = consumer.poll(0.5)
                if m is None:
                    continue
                if m.error():
                    if m.error().code() == -191:  # _PARTITION_EOF
                        eof = True
                        if len(found) >= len(self.good_acked):
                            break
                        continue
                    self.fail(f"confluent-kafka read-back: {m.error()}")
                    return
                found[m.offset()] = m.value()
                if m.offset() >= last_acked and caught_up_at is None:
                    caught_up_at = time.monotonic()
            wrong = [(o, v) for o, v in self.good_acked if found.get(o) != v]
            for o, v in wrong[:20]:
                self.fail(f"confluent-kafka read-back: acknowledged {v!r} at offset {o}, got {found.get(o)!r}")
            if not wrong:
                print(f"confluent-kafka read back all {len(self.good_acked)} acknowledged good records", flush=True)
            if not eof:
                self.fail(
                    "confluent-kafka read-back: the consumer never reported end of partition (_PARTITION_EOF) "
                    f"for {self.good_topic} [0] within 15 s of reading its last record; librdkafka could not "
                    "parse the Fetch responses at the high watermark (see the PROTOERR lines above)"
                )
        finally:
            consumer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True, help="HOST:PORT of ternd's Kafka listener")
    parser.add_argument(
        "--request-max-bytes", type=int, default=100 * 1024 * 1024, help="the broker's --request-max-bytes"
    )
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds for every read")
    args = parser.parse_args()
    self_test_encoder()
    run = Run(args)
    try:
        run.run()
    except Failure as e:
        run.fail(f"aborted: {e}")
    except (Closed, OSError) as e:
        run.fail(f"aborted: {e!r}")
    print(f"{run.passed} cases passed, {len(run.failures)} failures", flush=True)
    if run.failures:
        print("FAILURES:", file=sys.stderr)
        for f in run.failures:
            print(f"  {f}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
