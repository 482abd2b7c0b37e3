#!/usr/bin/env python3
"""Generate TernWire's Kafka message codecs from Definitions/*.def.

Usage:
    scripts/generate_messages.py [--definitions DIR] [--output DIR] [--test-output DIR]

Reads every `NN_Name.def` file (grammar: Definitions/README.md), validates it, and writes
  * one Swift file per API to the output directory (default Sources/TernWire/Generated),
  * ApiRegistry.swift listing every API key, its version range and first flexible version,
  * one test-support file per API (`arbitrary(version:using:)` builders) plus
    ArbitrarySupport.swift to the test output directory (default Tests/TernWireTests/Generated).

Output is deterministic: the same definitions always give byte-identical files. Errors name the
file and line and exit with status 1. Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

sys.dont_write_bytecode = True  # keep scripts/ free of __pycache__

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wiregen.model import DefinitionError  # noqa: E402
from wiregen.parser import parse_file  # noqa: E402
from wiregen.validate import build_apis  # noqa: E402
from wiregen import emit_codec, emit_arbitrary, emit_registry  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILE_NAME = re.compile(r"^(\d+)_([A-Za-z0-9]+)\.def$")


def write_if_changed(path: str, text: str) -> None:
    """Writes `text` to `path` (only when different, so build systems see no spurious change)."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            if handle.read() == text:
                return
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def sync_directory(directory: str, files: dict[str, str]) -> None:
    """Makes `directory` hold exactly the generated `files` (stale .swift files are removed)."""
    os.makedirs(directory, exist_ok=True)
    for name in sorted(os.listdir(directory)):
        if name.endswith(".swift") and name not in files:
            os.remove(os.path.join(directory, name))
    for name in sorted(files):
        write_if_changed(os.path.join(directory, name), files[name])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--definitions", default=os.path.join(ROOT, "Definitions"))
    parser.add_argument("--output", default=os.path.join(ROOT, "Sources", "TernWire", "Generated"))
    parser.add_argument("--test-output", default=os.path.join(ROOT, "Tests", "TernWireTests", "Generated"))
    args = parser.parse_args()

    names = sorted(n for n in os.listdir(args.definitions) if n.endswith(".def"))
    parsed = []
    errors: list[str] = []
    for name in names:
        match = FILE_NAME.match(name)
        path = os.path.join(args.definitions, name)
        if not match:
            errors.append(f"{path}: file name must be NN_Name.def")
            continue
        try:
            parsed.append((path, int(match.group(1)), match.group(2), parse_file(path)))
        except DefinitionError as error:
            errors.append(str(error))
    apis = []
    for path, key, name, definition in parsed:
        try:
            apis.append(build_apis(path, key, name, definition))
        except DefinitionError as error:
            errors.append(str(error))
    if errors:
        for error in errors:
            print(f"error: {error}", file=sys.stderr)
        return 1
    apis.sort(key=lambda api: api.key)
    sources = {f"{api.name}.swift": emit_codec.emit_api(api) for api in apis}
    sources["ApiRegistry.swift"] = emit_registry.emit_registry(apis)
    tests = {f"{api.name}+Arbitrary.swift": emit_arbitrary.emit_api(api) for api in apis}
    tests["ArbitrarySupport.swift"] = emit_arbitrary.emit_support(apis)
    sync_directory(args.output, sources)
    sync_directory(args.test_output, tests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
