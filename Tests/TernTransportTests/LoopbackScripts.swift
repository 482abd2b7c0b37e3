// Python clients for the loopback tests, run with `python3 -c`. Each prints "OK" last and
// exits 0 on success; any failed check exits non-zero with a message on stderr.

/// A raw-socket client: ApiVersions v0 and v3 pipelined on connection A (v3 gets
/// UNSUPPORTED_VERSION when the server advertises less); connection B sends a
/// frame of seeded random bytes and must be closed by the server; connection C sends a negative
/// size prefix and must be closed; A must keep being served throughout.
/// argv: port, advertised ApiVersions max.
let rawSocketScript = #"""
import random, socket, struct, sys

port, api_max = int(sys.argv[1]), int(sys.argv[2])

def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.settimeout(20)
    return s

def frame(key, version, corr, body, flexible):
    header = struct.pack(">hhih", key, version, corr, 9) + b"tern-test"
    if flexible:
        header += b"\x00"
    payload = header + body
    return struct.pack(">i", len(payload)) + payload

def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            sys.exit("connection closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data

def read_frame(s):
    (size,) = struct.unpack(">i", recv_exact(s, 4))
    return recv_exact(s, size)

def uvarint(data, pos):
    shift = value = 0
    while True:
        byte = data[pos]; pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7

def check_v0(payload, corr):
    got_corr, error, count = struct.unpack(">ihi", payload[:10])
    assert got_corr == corr, (got_corr, corr)
    assert error == 0, error
    entries = [struct.unpack(">hhh", payload[10 + 6 * i:16 + 6 * i]) for i in range(count)]
    assert (18, 0, api_max) in entries, entries
    return entries

def check_v3(payload, corr):
    (got_corr,) = struct.unpack(">i", payload[:4])   # response header v0 even for v3
    assert got_corr == corr, (got_corr, corr)
    (error,) = struct.unpack(">h", payload[4:6])
    assert error == 0, error
    n, pos = uvarint(payload, 6)
    entries = []
    for _ in range(n - 1):
        entries.append(struct.unpack(">hhh", payload[pos:pos + 6])); pos += 6
        assert payload[pos] == 0; pos += 1          # empty tagged fields per entry
    assert (18, 0, api_max) in entries, entries
    return entries

def expect_closed(s, what):
    try:
        while True:
            if not s.recv(4096):
                return
    except ConnectionResetError:
        return
    except socket.timeout:
        sys.exit("server did not close the connection that sent " + what)

a = connect()
a.sendall(frame(18, 0, 100, b"", False) + frame(18, 3, 101, b"\x0atern-test\x041.0\x00", True))
v0 = check_v0(read_frame(a), 100)
if api_max >= 3:
    v3 = check_v3(read_frame(a), 101)
    assert v0 == v3, (v0, v3)
else:
    # v3 is above what is advertised: UNSUPPORTED_VERSION in the v0 layout, header v0.
    payload = read_frame(a)
    corr, error, count = struct.unpack(">ihi", payload[:10])
    assert (corr, error, count) == (101, 35, 1), (corr, error, count)
    assert struct.unpack(">hhh", payload[10:16]) == (18, 0, api_max)
    assert len(payload) == 16, len(payload)

rng = random.Random(20261128)
b = connect()
garbage = bytes(rng.getrandbits(8) for _ in range(512))
b.sendall(struct.pack(">i", len(garbage)) + garbage)
c = connect()
c.sendall(b"\xde\xad\xbe\xef" + bytes(rng.getrandbits(8) for _ in range(64)))
expect_closed(b, "a random frame")
expect_closed(c, "a negative size")

for corr in range(200, 210):
    a.sendall(frame(18, 0, corr, b"", False))
for corr in range(200, 210):
    check_v0(read_frame(a), corr)
a.close()
print("OK")
"""#

/// kafka-python's own connection: ApiVersions negotiation (v4 first, lower on
/// UNSUPPORTED_VERSION). argv: port, the ApiVersions max the server advertises.
let kafkaPythonScript = #"""
import socket, sys
from kafka.conn import BrokerConnection

port, api_max = int(sys.argv[1]), int(sys.argv[2])
conn = BrokerConnection("127.0.0.1", port, socket.AF_INET,
                        request_timeout_ms=20000, api_version_auto_timeout_ms=40000)
if not conn.connect_blocking(timeout=30):
    sys.exit("kafka-python could not connect")
versions = conn.get_api_versions()
assert versions.get(18) == (0, api_max), versions
assert versions.get(3) == (0, 12), versions
assert conn._api_versions_idx == api_max, conn._api_versions_idx
print("negotiated ApiVersions v%d, broker version %s" % (conn._api_versions_idx, conn._api_version))
conn.close()
print("OK")
"""#
