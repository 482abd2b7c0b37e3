#!/usr/bin/env python3
"""The replicas of one partition hold byte-identical committed batches.

For each data directory: the segment files `<dir>/topics/<partition-dir>/*.log` in name order
(20-digit base offsets, so name order is offset order), each walked as Kafka RecordBatch v2
batches (baseOffset int64 at byte 0, batchLength int32 at byte 8: the next batch starts at
12 + batchLength; magic int8 at byte 16 must be 2; lastOffsetDelta int32 at byte 23). A segment's
walk ends at its end, or at a cut or zeroed tail (what a crash or a preallocated file leaves),
which is reported. The committed prefix is the bytes of the batches, in order, whose last offset
(baseOffset + lastOffsetDelta) is below --high-watermark, up to the first batch that is not.
Checks that the prefixes of all directories are non-empty and byte-identical, that batch base
offsets increase, and prints each prefix's batch count, last offset, length and sha256. Exits 0
when identical, 1 with where they first differ otherwise (2 for bad arguments).

Usage: compare_replicas.py DIR1 DIR2 DIR3 --partition-dir TOPIC-0 --high-watermark HW
"""
import argparse
import glob
import hashlib
import os
import struct
import sys

HEADER_MIN = 61  # RecordBatch v2 header bytes before the records


def fail(message):
    print(f"FAIL: compare_replicas: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def segment_batches(path):
    """[(base_offset, last_offset, bytes)] of the segment at `path`, and a note on its tail."""
    with open(path, "rb") as handle:
        data = handle.read()
    batches = []
    position = 0
    note = None
    while position < len(data):
        if len(data) - position < HEADER_MIN:
            note = f"{len(data) - position} trailing bytes at {position} (shorter than a batch header)"
            break
        base, length = struct.unpack_from(">qi", data, position)
        magic = data[position + 16]
        if length <= 0 and base == 0 and magic == 0:
            note = f"zeroed tail from byte {position}"
            break
        if magic != 2 or length < HEADER_MIN - 12:
            note = f"no RecordBatch v2 at byte {position} (magic {magic}, batchLength {length})"
            break
        end = position + 12 + length
        if end > len(data):
            note = f"a batch at byte {position} (base offset {base}) is cut: {len(data) - position} of {12 + length} bytes"
            break
        (last_delta,) = struct.unpack_from(">i", data, position + 23)
        batches.append((base, base + last_delta, data[position:end]))
        position = end
    return batches, note


def committed_prefix(directory, partition_dir, high_watermark):
    folder = os.path.join(directory, "topics", partition_dir)
    segments = sorted(glob.glob(os.path.join(folder, "*.log")))
    if not segments:
        fail(f"{folder}: no *.log segment files")
    chunks = []
    count = 0
    last = None
    previous_base = None
    for segment in segments:
        batches, note = segment_batches(segment)
        if note:
            print(f"compare_replicas: {segment}: {note}", flush=True)
        for base, last_offset, raw in batches:
            if previous_base is not None and base <= previous_base:
                fail(f"{segment}: batch base offset {base} after {previous_base}")
            previous_base = base
            if last_offset >= high_watermark:
                return b"".join(chunks), count, last
            chunks.append(raw)
            count += 1
            last = last_offset
    return b"".join(chunks), count, last


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directories", nargs="+", help="data directories of the replicas")
    parser.add_argument("--partition-dir", required=True, help="TOPIC-PARTITION, the folder under <dir>/topics")
    parser.add_argument("--high-watermark", type=int, required=True)
    args = parser.parse_args()
    if len(args.directories) < 2:
        parser.error("give at least two data directories")
    if args.high_watermark <= 0:
        parser.error("--high-watermark must be positive")
    prefixes = []
    for directory in args.directories:
        data, count, last = committed_prefix(directory, args.partition_dir, args.high_watermark)
        digest = hashlib.sha256(data).hexdigest()
        print(f"compare_replicas: {directory}: {count} batches below high watermark {args.high_watermark} "
              f"(last offset {last}), {len(data)} bytes, sha256 {digest}", flush=True)
        if not data:
            fail(f"{directory}: no committed batch below high watermark {args.high_watermark}")
        prefixes.append((directory, data, count, last))
    reference_directory, reference, _, reference_last = prefixes[0]
    for directory, data, count, last in prefixes[1:]:
        if data == reference:
            continue
        shorter = min(len(data), len(reference))
        first = next((i for i in range(shorter) if data[i] != reference[i]), shorter)
        fail(f"{directory} differs from {reference_directory}: lengths {len(data)} and {len(reference)}, last offsets "
             f"{last} and {reference_last}, first differing byte at {first}")
    print(f"OK: compare_replicas: {len(prefixes)} replicas of {args.partition_dir} identical up to high watermark "
          f"{args.high_watermark} ({len(reference)} bytes, last offset {reference_last})", flush=True)


if __name__ == "__main__":
    main()
