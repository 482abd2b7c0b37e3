#!/usr/bin/env bash
# Fails (exit 1) if the committed generated code differs from what the definitions produce now,
# or if the generator's own validation self-test fails. Run from anywhere; the test command of
# the repository calls it so a definition and its Swift code can never drift apart.
#
#   scripts/check_generated.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

python3 "$root/scripts/wiregen/selftest.py"

python3 "$root/scripts/generate_messages.py" \
    --definitions "$root/Definitions" \
    --output "$scratch/Sources" \
    --test-output "$scratch/Tests"

# Determinism: a second run must give byte-identical output.
python3 "$root/scripts/generate_messages.py" \
    --definitions "$root/Definitions" \
    --output "$scratch/Sources2" \
    --test-output "$scratch/Tests2"
if ! diff -r "$scratch/Sources" "$scratch/Sources2" >/dev/null || ! diff -r "$scratch/Tests" "$scratch/Tests2" >/dev/null; then
    echo "check_generated: the generator is not deterministic (two runs differ)" >&2
    exit 1
fi

status=0
if ! diff -r -u "$root/Sources/TernWire/Generated" "$scratch/Sources"; then
    status=1
fi
if ! diff -r -u "$root/Tests/TernWireTests/Generated" "$scratch/Tests"; then
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "check_generated: Sources/TernWire/Generated or Tests/TernWireTests/Generated is out of date;" >&2
    echo "run scripts/generate_messages.py and commit the result" >&2
    exit 1
fi
echo "check_generated: generated code is up to date"
