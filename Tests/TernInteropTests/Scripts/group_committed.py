#!/usr/bin/env python3
"""A group's committed offsets are what an earlier script left (e.g. after a node restarted).

Reads --expect-file ({"topic": T, "group": G, "offsets": {"0": N, ...}}, as
group_coordinator_failover.py --final-offsets-file writes it), then asks list_consumer_group_offsets
(confluent-kafka AdminClient) for those partitions, retrying errors (a coordinator that is
loading or moving) for up to --seconds (120). The first answer must equal the expected offsets
exactly (nothing consumes the group meanwhile). The coordinator describe_consumer_groups names
is reported. Prints one JSON line
{"group":..,"coordinator":..,"offsets":{..}} and "OK: group_committed"; exits 1 otherwise.

Usage: group_committed.py --bootstrap H:P[,H:P...] --expect-file F [--seconds 120]
"""
import argparse
import json

import group_common as gc
from interop_common import check

PROGRAM = "group_committed"


def main():
    gc.start_script()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--expect-file", required=True)
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args()
    gc.require_clients([])
    with open(args.expect_file) as handle:
        expected = json.load(handle)
    group, topic = expected["group"], expected["topic"]
    want = {int(p): o for p, o in expected["offsets"].items()}
    admin = gc.admin_client(args.bootstrap)
    got = gc.wait_for(f"list_consumer_group_offsets of {group}", args.seconds,
                      lambda: gc.committed_offsets(admin, group, topic, sorted(want)))
    check(got == want, f"{PROGRAM}: {group} has committed {got}, expected {want}")
    description = gc.wait_for(f"describe_consumer_groups of {group}", args.seconds,
                              lambda: gc.describe_group(admin, group))
    coordinator = description.coordinator.id if description.coordinator is not None else None
    gc.log(PROGRAM, f"{group}: committed {got} as expected; {gc.description_text(description)}")
    print(json.dumps({"group": group, "coordinator": coordinator, "offsets": {str(p): o for p, o in got.items()}},
                     separators=(",", ":"), sort_keys=True), flush=True)
    print("OK: group_committed", flush=True)


if __name__ == "__main__":
    main()
