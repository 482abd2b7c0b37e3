#!/usr/bin/env python3
"""Cross-check Tern's RecordBatch v2 codec against kafka-python's independent implementation.

Driven by RecordBatchCrossCheckTests.swift. Two modes, both deterministic:

  decode  Reads hex-encoded batches (one per line) from stdin, decodes each with kafka-python's
          DefaultRecordBatch (checking its CRC) and prints the fields as a JSON list, so the
          Swift test can compare them with what Tern encoded.
  build   Builds a fixed set of batches with kafka-python's DefaultRecordBatchBuilder (with and
          without LZ4, headers, null keys and values) and prints a JSON list of
          {"name", "hex", "expected"}, where "expected" is derived from the builder's *inputs*
          (not from kafka-python's decoder), for Tern to decode and compare.

Bytes (keys, values, header values) are hex strings in JSON; null stays null.
"""
import json
import sys

from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder


def hex_or_none(data):
    return None if data is None else bytes(data).hex()


def describe_batch(batch):
    """All header fields and records of a kafka-python DefaultRecordBatch."""
    fields = {
        "base_offset": batch.base_offset,
        "partition_leader_epoch": batch.leader_epoch,
        "magic": batch.magic,
        "crc": batch.crc,
        "crc_valid": batch.validate_crc(),
        "attributes": batch.attributes,
        "compression_type": batch.compression_type,
        "is_transactional": batch.is_transactional,
        "is_control_batch": batch.is_control_batch,
        "last_offset_delta": batch.last_offset_delta,
        "first_timestamp": batch.first_timestamp,
        "max_timestamp": batch.max_timestamp,
        "producer_id": batch.producer_id,
        "producer_epoch": batch.producer_epoch,
        "base_sequence": batch.base_sequence,
        "records_count": batch.records_count,
    }
    records = []
    for record in batch:
        records.append({
            "offset": record.offset,
            "timestamp": record.timestamp,
            "key": hex_or_none(record.key),
            "value": hex_or_none(record.value),
            "headers": [[key, hex_or_none(value)] for key, value in record.headers],
        })
    fields["records"] = records
    return fields


def decode_mode():
    out = []
    for line in sys.stdin:
        line = line.strip()
        if line:
            out.append(describe_batch(DefaultRecordBatch(bytearray.fromhex(line))))
    json.dump(out, sys.stdout)


# (name, compression, transactional, producer_id, producer_epoch, base_sequence, records)
# where each record is (offset_delta, timestamp, key, value, headers).
BASE_TS = 1_700_000_000_000


def json_like(index):
    """Compressible JSON-ish text, so kafka-python keeps LZ4 (it drops codecs that do not help)."""
    return ('{"id":%d,"name":"customer-%d","status":"active","tags":["a","b","c"],'
            '"note":"the quick brown fox jumps over the lazy dog"}' % (index, index % 7)).encode()


def cases():
    mixed = [
        (0, BASE_TS, b"key-0", b"value-0", [("h1", b"v1"), ("h2", None)]),
        (1, BASE_TS + 5, None, b"value-without-key", []),
        (2, BASE_TS + 3, b"tombstone-key", None, [("trace-id", b"\x00\x01\x02")]),
        (3, BASE_TS + 9, b"", b"", [("empty", b""), ("caf\u00e9", b"\xff")]),
    ]
    many = [(i, BASE_TS + i, ("k%d" % i).encode(), json_like(i), [("n", str(i).encode())]) for i in range(60)]
    return [
        ("plain-mixed", 0, False, -1, -1, -1, mixed),
        ("lz4-mixed", 3, False, -1, -1, -1, mixed + [(4, BASE_TS + 1, b"pad", json_like(1) * 4, [])]),
        ("lz4-many", 3, False, -1, -1, -1, many),
        ("idempotent-plain", 0, False, 4242, 3, 17, many[:5]),
        ("transactional-lz4", 3, True, 77, 1, 0, many[:20]),
        ("null-everything", 0, False, -1, -1, -1, [(0, BASE_TS, None, None, [])]),
    ]


def build_mode():
    out = []
    for name, codec, transactional, pid, epoch, seq, records in cases():
        builder = DefaultRecordBatchBuilder(
            magic=2, compression_type=codec, is_transactional=transactional,
            producer_id=pid, producer_epoch=epoch, base_sequence=seq, batch_size=1 << 20)
        for delta, ts, key, value, headers in records:
            builder.append(delta, timestamp=ts, key=key, value=value, headers=headers)
        data = bytes(builder.build())
        expected = {
            "compression_type": codec,
            "is_transactional": transactional,
            "producer_id": pid,
            "producer_epoch": epoch,
            "base_sequence": seq,
            "first_timestamp": records[0][1],
            "max_timestamp": max(r[1] for r in records),
            "last_offset_delta": len(records) - 1,
            "records": [{
                "offset": delta,
                "timestamp": ts,
                "key": hex_or_none(key),
                "value": hex_or_none(value),
                "headers": [[k, hex_or_none(v)] for k, v in headers],
            } for delta, ts, key, value, headers in records],
        }
        out.append({"name": name, "hex": data.hex(), "expected": expected})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "decode":
        decode_mode()
    elif mode == "build":
        build_mode()
    else:
        sys.exit("usage: kafka_crosscheck.py decode|build")
