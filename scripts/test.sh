#!/usr/bin/env bash
# Runs every test suite of Tern. Installs what is missing first (Debian packages and the PyPI
# packages the interop tests use), so it works on a fresh machine. This is the README's test
# command, and .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# --- system packages -------------------------------------------------------------------------
# liblz4-dev + pkg-config: the CLZ4 system-library target; lz4: the LZ4 frame interop test;
# kcat (Debian's librdkafka): the kcat interop test; chromium: the bench report rendering test.
need_apt=()
dpkg -s liblz4-dev >/dev/null 2>&1 || need_apt+=(liblz4-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v lz4 >/dev/null 2>&1 || need_apt+=(lz4)
command -v kcat >/dev/null 2>&1 || need_apt+=(kcat)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)  # the bench report's rendering test
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-pip)
if ((${#need_apt[@]})); then
    log "installing ${need_apt[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# --- Python packages for cross-checks -----------------------------------------------------------
# kafka-python's record code is the independent implementation RecordBatch is checked against;
# its LZ4 codec needs the `lz4` module. confluent-kafka (bundled librdkafka) and aiokafka are the
# other clients the interop tests run against ternd; aiokafka's LZ4 codec is `cramjam`'s.
if ! python3 -c 'import kafka, lz4' >/dev/null 2>&1; then
    log "installing kafka-python and lz4"
    python3 -m pip install -q 'kafka-python==2.3.3' lz4 \
        || python3 -m pip install -q --break-system-packages 'kafka-python==2.3.3' lz4
fi
need_pip=()
python3 -c 'import confluent_kafka' >/dev/null 2>&1 || need_pip+=('confluent-kafka==2.16.1')
python3 -c 'import aiokafka' >/dev/null 2>&1 || need_pip+=('aiokafka==0.14.0')
python3 -c 'import cramjam' >/dev/null 2>&1 || need_pip+=(cramjam)
if ((${#need_pip[@]})); then
    log "installing ${need_pip[*]}"
    python3 -m pip install -q "${need_pip[@]}" \
        || python3 -m pip install -q --break-system-packages "${need_pip[@]}"
fi

# --- generated code is up to date ----------------------------------------------------------------
log "checking Sources/TernWire/Generated against Definitions/"
bash scripts/check_generated.sh

# --- build with warnings as errors, then every suite -----------------------------------------------
export TERN_WARNINGS_AS_ERRORS=1
log "building (warnings are errors)"
swift build --build-tests
# Two phases. The in-process suites run in parallel; then the suites that start `ternd`
# processes (TernInteropTests: three-node clusters, kill -9, chaos producers) run one at a time.
# Together on two cores the clusters starved the in-process brokers' timers (long polls and
# elections past their generous deadlines); apart, each phase has the machine to itself.
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
log "running every in-process suite (parallel)"
swift test --skip-build --skip TernInteropTests 2>&1 | tee "$results"
log "running the interop suites against ternd processes (one at a time)"
swift test --skip-build --filter TernInteropTests --no-parallel 2>&1 | tee -a "$results"
# Swift Testing ends each run with "Test run with N tests in M suites passed after …" (and
# exits non-zero on a failure, which `set -o pipefail` turns into this script's failure). Close
# with one plain line that counts what ran.
total=0
for count in $(grep -Eo 'Test run with [0-9]+ tests' "$results" | grep -Eo '[0-9]+'); do
    total=$((total + count))
done
runs="$(grep -c 'Test run with' "$results" || true)"
if [ "$total" -eq 0 ] || [ "$runs" -lt 2 ]; then
    echo "no tests ran (or a phase did not finish)" >&2
    exit 1
fi
echo "tests: $total passed, 0 failed"
