"""Self-test of the definition validator: every `scripts/testdata/wiregen/*.def` other than
`valid.def` must be rejected with the message named on its `# expect:` line, and `valid.def`
(every construct of the DSL) must generate Swift without error.

Run: python3 scripts/wiregen/selftest.py   (exit status 1 on the first mismatch)."""

from __future__ import annotations

import os
import re
import sys

sys.dont_write_bytecode = True  # keep scripts/ free of __pycache__

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from wiregen import emit_arbitrary, emit_codec  # noqa: E402
from wiregen.model import DefinitionError  # noqa: E402
from wiregen.parser import parse_file  # noqa: E402
from wiregen.validate import build_apis  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "testdata", "wiregen")


def check(path: str) -> str | None:
    """Returns a failure description, or None if the file behaves as expected."""
    with open(path, encoding="utf-8") as handle:
        first = handle.readline()
    expected = re.match(r"^# expect: (.*)$", first.strip())
    try:
        api = build_apis(path, 900, "Demo", parse_file(path))
        emit_codec.emit_api(api)
        emit_arbitrary.emit_api(api)
    except DefinitionError as error:
        if expected and expected.group(1) in str(error):
            return None
        return f"{path}: unexpected error {error}"
    return f"{path}: accepted, expected '{expected.group(1)}'" if expected else None


def main() -> int:
    names = sorted(n for n in os.listdir(DATA) if n.endswith(".def"))
    failures = [f for f in (check(os.path.join(DATA, n)) for n in names) if f]
    for failure in failures:
        print(f"selftest: {failure}", file=sys.stderr)
    print(f"selftest: {len(names) - len(failures)}/{len(names)} definition checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
