#!/usr/bin/env bash
# A three-node Tern cluster on 127.0.0.1, for development and failure experiments. The README's
# first command. Nodes run in the background (their own session, so they outlive this script
# and a Ctrl-C); every command below acts on them through the PID files, never by process name.
#
# Usage: deploy/local/cluster.sh COMMAND
#   up [-- ARGS]      build the release ternd if needed, install missing system packages, start
#                     nodes 1, 2, 3, wait until the controller and every partition have a leader,
#                     print the bootstrap servers. ARGS go to every ternd and are saved for
#                     `start` (`up` without `--` reuses the saved ones; `up --` clears them).
#   down              SIGTERM every node (SIGKILL after 30 s); the data stays
#   clean             down, then remove the data directory
#   status            nodes, controller, partition leaders, under-replicated partitions
#   kill N            SIGKILL node N            stop N     SIGTERM node N and wait for it
#   start N [-- ARGS] start node N (ARGS for this start only; default: the saved ones), wait
#                     for its ready line
#   pause N           SIGSTOP node N            resume N   SIGCONT node N
#
# Ports (port_of below is the one place that computes them), K = TERN_KAFKA_PORT (default 9092),
# node N = 1, 2, 3, i = N - 1:
#   Kafka  K + i          9092  9093  9094
#   RPC    K + 100 + i    9192  9193  9194   (the --seeds list: 1@127.0.0.1:9192,...)
#   admin  K + 552 + i    9644  9645  9646   (HTTP: /v1/cluster, /v1/status/ready, /metrics)
#
# Data ($TERN_DATA, default <repository>/.tern/local):
#   node-N/data/      the node's --data-dir
#   node-N/ternd.log  stderr (appended across starts; each start begins with a "cluster.sh:" line)
#   node-N/ternd.out  stdout of the latest start (holds the "ternd ready ..." line)
#   node-N/ternd.pid  PID of the running node
#   ternd.args        the extra ternd arguments of the last `up -- ...`, one per line
#
# Environment (defaults in brackets): TERN_DATA [<repository>/.tern/local], TERN_KAFKA_PORT [9092],
#   TERN_WAIT_SECONDS [120] (deadline of `up` and `start`), TERND_PATH (a ternd to run instead of
#   <repository>/.build/release/ternd; never built by this script), TERN_NO_BUILD=1 (run the
#   existing release binary even if the sources are newer). Other TERN_* variables (for example
#   TERN_LOG_LEVEL=debug) reach every ternd as configuration.
#
# Output: progress and errors on stderr; `up` prints exactly two lines on stdout:
#   bootstrap servers: 127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094
#   export TERN_BOOTSTRAP=127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094
# Exit codes: 0 done, 1 failure (nothing to act on, a timeout, a build error), 2 bad usage.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
ME="cluster.sh"
NODES=(1 2 3)

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf '%s: %s\n' "$ME" "$*" >&2; }
die() { warn "$*"; exit 1; }

usage() {
    cat <<'EOF'
usage: deploy/local/cluster.sh COMMAND
  up [-- ARGS]        start nodes 1-3 (building ternd if needed); ARGS go to every ternd
  down                stop every node (SIGTERM, SIGKILL after 30 s); keep the data
  clean               down, then remove the data directory
  status              nodes, controller, partition leaders, under-replicated partitions
  kill N | stop N     SIGKILL | SIGTERM node N (1, 2 or 3)
  start N [-- ARGS]   start node N (default ARGS: those of the last `up -- ...`)
  pause N | resume N  SIGSTOP | SIGCONT node N
environment: TERN_DATA, TERN_KAFKA_PORT, TERN_WAIT_SECONDS, TERND_PATH, TERN_NO_BUILD=1
EOF
}

# usage_error: a missing or unknown command (the whole usage); arg_error: a bad argument or
# setting of a known command (one line). Both exit 2.
usage_error() {
    warn "$*"
    usage >&2
    exit 2
}
arg_error() {
    warn "$* (usage: $ME help)"
    exit 2
}

# --- configuration ----------------------------------------------------------------------------
KAFKA_BASE="${TERN_KAFKA_PORT:-9092}"
WAIT_SECONDS="${TERN_WAIT_SECONDS:-120}"
DATA="${TERN_DATA-$REPO/.tern/local}"
TERND="${TERND_PATH:-$REPO/.build/release/ternd}"

# (No leading zeros: bash arithmetic would read them as octal.)
if [[ ! "$KAFKA_BASE" =~ ^[1-9][0-9]{0,4}$ ]] || ((KAFKA_BASE + 554 > 65535)); then
    arg_error "TERN_KAFKA_PORT must be a port from 1 to 64981 (it and the 554 above it are used), got '$KAFKA_BASE'"
fi
if [[ ! "$WAIT_SECONDS" =~ ^[1-9][0-9]{0,5}$ ]]; then
    arg_error "TERN_WAIT_SECONDS must be a whole number of seconds >= 1, got '$WAIT_SECONDS'"
fi
[[ -n "$DATA" ]] || arg_error "TERN_DATA is set but empty"
# Absolute, so ternd's --data-dir and the PID check below do not depend on the working directory.
DATA="$(realpath -m -- "$DATA")"
ARGS_FILE="$DATA/ternd.args"

# --- ports and paths ----------------------------------------------------------------------------
# port_of KIND N: the port scheme of the header, in one place.
port_of() {
    local i=$(($2 - 1))
    case "$1" in
        kafka) echo $((KAFKA_BASE + i)) ;;
        rpc) echo $((KAFKA_BASE + 100 + i)) ;;
        admin) echo $((KAFKA_BASE + 552 + i)) ;;
        *) die "internal: unknown port kind $1" ;;
    esac
}

seeds() {
    local n list=()
    for n in "${NODES[@]}"; do list+=("$n@127.0.0.1:$(port_of rpc "$n")"); done
    (IFS=,; echo "${list[*]}")
}

bootstrap() {
    local n list=()
    for n in "${NODES[@]}"; do list+=("127.0.0.1:$(port_of kafka "$n")"); done
    (IFS=,; echo "${list[*]}")
}

node_dir() { echo "$DATA/node-$1"; }
pid_file() { echo "$DATA/node-$1/ternd.pid"; }
out_file() { echo "$DATA/node-$1/ternd.out"; }
log_file() { echo "$DATA/node-$1/ternd.log"; }

check_node_arg() {
    [[ "${1:-}" =~ ^[123]$ ]] || arg_error "node must be 1, 2 or 3, got '${1:-}'"
}

# --- processes ------------------------------------------------------------------------------------
# proc_state PID: the state letter of /proc/PID/stat (R, S, D, T, Z, ...), nothing if no process.
# The command name in parentheses may contain spaces, so the state is the first field after ')'.
proc_state() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
    stat="${stat##*) }"
    echo "${stat%% *}"
}

# pid_alive PID: a process that is not a zombie (a SIGKILLed node stays a zombie until reaped).
pid_alive() {
    local state
    state="$(proc_state "$1")"
    [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# is_node_process PID N: PID runs a ternd (argv[0], or argv[1] for an interpreter running a
# script, is named ternd or like $TERND) with node N's --data-dir. Guards against a recycled PID.
is_node_process() {
    local pid="$1" data args=() i name want named=0
    data="$(node_dir "$2")/data"
    mapfile -d '' -t args 2>/dev/null <"/proc/$pid/cmdline" || return 1
    ((${#args[@]} >= 2)) || return 1
    want="$(basename -- "$TERND")"
    for i in 0 1; do
        name="$(basename -- "${args[$i]}")"
        [[ "$name" == ternd || "$name" == "$want" ]] && named=1
    done
    ((named)) || return 1
    for ((i = 0; i < ${#args[@]}; i++)); do
        [[ "${args[$i]}" == --data-dir && "${args[$((i + 1))]:-}" == "$data" ]] && return 0
        [[ "${args[$i]}" == "--data-dir=$data" ]] && return 0
    done
    return 1
}

# node_pid N: the PID of running node N, or nothing. A PID file whose process is gone (or is
# something else now) is stale and is removed.
node_pid() {
    local file pid
    file="$(pid_file "$1")"
    [[ -f "$file" ]] || return 0
    pid="$(cat "$file" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && pid_alive "$pid" && is_node_process "$pid" "$1"; then
        echo "$pid"
    else
        rm -f "$file"
    fi
}

# node_state N: up, paused (SIGSTOPped: state T) or down.
node_state() {
    local pid
    pid="$(node_pid "$1")"
    if [[ -z "$pid" ]]; then
        echo down
    elif [[ "$(proc_state "$pid")" == T ]]; then
        echo paused
    else
        echo up
    fi
}

# running_pid N: node N's PID, or exit 1 with a clear message.
running_pid() {
    local pid
    pid="$(node_pid "$1")"
    [[ -n "$pid" ]] || die "node $1 is not running (no live ternd in $(pid_file "$1"))"
    echo "$pid"
}

# wait_gone PID: until a SIGKILLed process is gone (at most 10 s: a process in uninterruptible
# sleep dies when its I/O returns).
wait_gone() {
    local deadline=$((SECONDS + 10))
    while pid_alive "$1" && ((SECONDS < deadline)); do sleep 0.05; done
    ! pid_alive "$1" || warn "pid $1 is still there 10 s after SIGKILL"
}

# terminate N...: SIGTERM each running node (and SIGCONT, so a paused node sees it), wait up to
# 30 s for each, then SIGKILL.
terminate() {
    local n i pid pids=() nodes=() deadline
    for n in "$@"; do
        pid="$(node_pid "$n")"
        [[ -n "$pid" ]] || continue
        log "stopping node $n (pid $pid, SIGTERM)"
        kill -TERM "$pid" 2>/dev/null || true
        kill -CONT "$pid" 2>/dev/null || true
        pids+=("$pid")
        nodes+=("$n")
    done
    for i in "${!pids[@]}"; do
        pid="${pids[$i]}"
        n="${nodes[$i]}"
        deadline=$((SECONDS + 30))
        while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
        if pid_alive "$pid"; then
            warn "node $n (pid $pid) ignored SIGTERM for 30 s; SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone "$pid"
        fi
        rm -f "$(pid_file "$n")"
    done
}

# print_log_tails N...: the last 20 lines each node logged since its latest start (the log is
# appended across starts; every start begins with a "cluster.sh: " line).
print_log_tails() {
    local n file
    for n in "$@"; do
        file="$(log_file "$n")"
        echo "--- node $n: last 20 lines of $file ---" >&2
        if [[ -f "$file" ]]; then
            awk '/^cluster\.sh: / { n = 0 } { lines[n++] = $0 }
                 END { for (i = (n > 20 ? n - 20 : 0); i < n; i++) print lines[i] }' "$file" >&2
        else
            echo "(no log)" >&2
        fi
    done
}

# --- packages and the binary ----------------------------------------------------------------------
# ensure_packages PKG...: install with apt-get those that are missing (sudo only when not root).
ensure_packages() {
    local pkg missing=() sudo=""
    for pkg in "$@"; do
        case "$pkg" in
            liblz4-dev) dpkg -s liblz4-dev >/dev/null 2>&1 || missing+=(liblz4-dev) ;;
            *) command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg") ;;
        esac
    done
    ((${#missing[@]})) || return 0
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get: install them first"
    log "installing ${missing[*]}"
    [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ensure_binary: the release ternd, built when missing or older than Sources/ or Package.swift.
# A TERND_PATH binary is used as it is.
ensure_binary() {
    local reason=""
    if [[ -n "${TERND_PATH:-}" ]]; then
        [[ -x "$TERND" ]] || die "TERND_PATH=$TERND is not an executable file"
        return 0
    fi
    if [[ ! -x "$TERND" ]]; then
        reason="no $TERND"
    elif [[ "${TERN_NO_BUILD:-0}" != 1 ]]; then
        local newer
        newer="$(cd "$REPO" && find Sources Package.swift -newer "$TERND" -type f -print -quit)"
        [[ -z "$newer" ]] || reason="$newer is newer than the binary"
    fi
    [[ -n "$reason" ]] || return 0
    ensure_packages liblz4-dev pkg-config
    command -v swift >/dev/null 2>&1 || die "$reason, and no swift on PATH to build it"
    log "building ternd (release): $reason"
    (cd "$REPO" && swift build -c release --product ternd) >&2 || die "swift build failed"
    [[ -x "$TERND" ]] || die "swift build did not produce $TERND"
}

# --- starting and waiting -------------------------------------------------------------------------
# launch N ARGS...: start node N in the background, in its own session (setsid) with SIGHUP
# ignored (nohup), and write its PID file. The launcher shell writes its own PID, then execs
# into ternd, so the PID file holds ternd's PID whether or not setsid had to fork. This script's
# own TERN_* variables are removed from ternd's environment (ternd reads TERN_* as configuration).
launch() {
    local n="$1" dir pidfile pid session=() i
    shift
    dir="$(node_dir "$n")"
    pidfile="$(pid_file "$n")"
    mkdir -p "$dir/data"
    rm -f "$pidfile"
    : >"$(out_file "$n")"
    node_flags "$n"
    printf 'cluster.sh: %s starting node %s: %s %s\n' "$(date '+%Y-%m-%dT%H:%M:%S%z')" "$n" "$TERND" \
        "${FLAGS[*]} $*" >>"$(log_file "$n")"
    command -v setsid >/dev/null 2>&1 && session=(setsid)
    # shellcheck disable=SC2016 # $$, $1 and $@ belong to the launcher shell
    "${session[@]}" bash -c 'echo "$$" >"$1"; shift; exec nohup "$@"' cluster-launch "$pidfile" \
        env -u TERN_DATA -u TERN_KAFKA_PORT -u TERN_WAIT_SECONDS -u TERN_NO_BUILD -u TERN_BOOTSTRAP \
        "$TERND" "${FLAGS[@]}" "$@" \
        </dev/null >"$(out_file "$n")" 2>>"$(log_file "$n")" &
    # Wait (up to 5 s) for the PID file and for the exec into ternd.
    for ((i = 0; i < 50; i++)); do
        pid="$(cat "$pidfile" 2>/dev/null || true)"
        if [[ "$pid" =~ ^[0-9]+$ ]]; then
            pid_alive "$pid" || break
            is_node_process "$pid" "$n" && break
        fi
        sleep 0.1
    done
    if [[ ! "$pid" =~ ^[0-9]+$ ]] || ! pid_alive "$pid"; then
        print_log_tails "$n"
        die "node $n exited at once (see $(log_file "$n"))"
    fi
    log "node $n started (pid $pid): kafka 127.0.0.1:$(port_of kafka "$n"), admin 127.0.0.1:$(port_of admin "$n")"
}

# node_flags N: sets FLAGS to the flags every start of node N gets (the extra arguments follow).
node_flags() {
    FLAGS=(--node-id "$1" --data-dir "$(node_dir "$1")/data"
        --listener "127.0.0.1:$(port_of kafka "$1")"
        --rpc-listener "127.0.0.1:$(port_of rpc "$1")"
        --admin-listener "127.0.0.1:$(port_of admin "$1")"
        --seeds "$(seeds)" --default-replication-factor 3)
}

# wait_ready DEADLINE N...: until each node has printed its ready line. A node that exits fails
# at once.
wait_ready() {
    local deadline="$1" n pending
    shift
    while :; do
        pending=()
        for n in "$@"; do
            grep -q '^ternd ready' "$(out_file "$n")" 2>/dev/null && continue
            if [[ -z "$(node_pid "$n")" ]]; then
                print_log_tails "$n"
                die "node $n exited before it was ready (see $(log_file "$n"); other nodes left running)"
            fi
            pending+=("$n")
        done
        ((${#pending[@]})) || return 0
        if ((SECONDS >= deadline)); then
            print_log_tails "$@"
            die "timed out after ${WAIT_SECONDS} s: no ready line from node(s) ${pending[*]} (nodes left running; \`$ME down\` stops them)"
        fi
        sleep 0.2
    done
}

# node_specs: "id,state,pid,kafka,admin" for every node, the input of cluster_py.
node_specs() {
    local n
    for n in "${NODES[@]}"; do
        echo "$n,$(node_state "$n"),$(node_pid "$n"),127.0.0.1:$(port_of kafka "$n"),127.0.0.1:$(port_of admin "$n")"
    done
}

# cluster_py MODE SPEC...: reads /v1/cluster of the nodes (stdlib only, no proxy).
#   check: exit 0 when every node answers with a controller leader and a leader for every
#          partition; otherwise print the first thing missing and exit 1.
#   status: print the status report.
cluster_py() {
    python3 - "$@" <<'PY'
import json
import signal
import sys
import urllib.request

signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `status | head` ends quietly

mode = sys.argv[1]
nodes = []
for spec in sys.argv[2:]:
    nid, state, pid, kafka, admin = spec.split(",")
    nodes.append({"id": int(nid), "state": state, "pid": pid, "kafka": kafka, "admin": admin})

opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: never a proxy


def fetch(node, timeout):
    try:
        with opener.open(f"http://{node['admin']}/v1/cluster", timeout=timeout) as response:
            return json.load(response), None
    except Exception as error:  # refused, timeout, HTTP error, bad JSON
        return None, str(error)


def ids(values):
    return ",".join(str(v) for v in values) if values is not None else "?"


if mode == "check":
    for node in nodes:
        view, error = fetch(node, 1.0)
        if view is None:
            print(f"node {node['id']}: /v1/cluster does not answer ({error})")
            sys.exit(1)
        if (view.get("controller") or {}).get("leader") is None:
            print(f"node {node['id']}: no controller leader yet")
            sys.exit(1)
        leaderless = [f"{p.get('topic')}-{p.get('partition')}" for p in view.get("partitions") or []
                      if p.get("leader") is None]
        if leaderless:
            print(f"node {node['id']}: {len(leaderless)} partition(s) without a leader: {' '.join(leaderless[:5])}")
            sys.exit(1)
    sys.exit(0)

# --- status ---
views = {}
for node in nodes:
    node["note"] = ""
    if node["state"] == "up":
        view, error = fetch(node, 2.0)
        if view is None:
            node["note"] = "admin not answering"
        else:
            views[node["id"]] = view

cluster_ids = sorted({str(v.get("cluster")) for v in views.values()})
print(f"cluster: {', '.join(cluster_ids) if cluster_ids else 'unknown'}")
print(f"{'node':<5} {'state':<7} {'pid':<8} {'kafka':<16} {'admin':<16} controller (as this node sees it)")
for node in nodes:
    view = views.get(node["id"])
    if view is not None:
        c = view.get("controller") or {}
        seen = f"leader {c.get('leader') if c.get('leader') is not None else 'none'}, epoch {c.get('epoch')}"
    else:
        seen = node["note"] or "-"
    print(f"{node['id']:<5} {node['state']:<7} {node['pid'] or '-':<8} {node['kafka']:<16} {node['admin']:<16} {seen}")

if not views:
    print("controller: unknown (no node answers)")
    print("partitions: unknown (no node answers)")
    sys.exit(0)

# The controller as seen by the answering node with the highest controller epoch.
def epoch_of(record):
    epoch = (record or {}).get("epoch")
    return epoch if isinstance(epoch, int) else -1


best = max(views.items(), key=lambda item: epoch_of(item[1].get("controller")))
controller = best[1].get("controller") or {}
leader = controller.get("leader")
print(f"controller: leader {leader if leader is not None else 'none'}, epoch {controller.get('epoch')}, "
      f"voters {ids(controller.get('voters'))} (from node {best[0]})")

# Every partition any answering node knows. Its row comes from the node that is its leader (its
# local role says so: the only place with inSync), else from the freshest metadata (highest epoch).
entries = {}
for nid, view in views.items():
    for p in view.get("partitions") or []:
        number = p.get("partition")
        entries.setdefault((str(p.get("topic")), number if isinstance(number, int) else -1), {})[nid] = p

rows, under = [], []
for key in sorted(entries):
    seen = entries[key]
    claimants = [nid for nid, p in seen.items() if (p.get("local") or {}).get("role") == "leader"]
    if claimants:
        source = max(claimants, key=lambda nid: epoch_of(seen[nid]))
        p = seen[source]
        leader = source
        in_sync = (p.get("local") or {}).get("inSync")
        hw = (p.get("local") or {}).get("highWatermark")
    else:
        source = max(seen, key=lambda nid: epoch_of(seen[nid]))
        p = seen[source]
        leader = p.get("leader")
        in_sync, hw = None, None
    replicas = p.get("replicas") or []
    name = f"{key[0]}-{key[1]}"
    if leader is None:
        under.append(f"{name} (no leader)")
    elif not claimants:
        under.append(f"{name} (leader {leader}, in node {source}'s metadata, is not answering as leader)")
    elif in_sync is None:
        under.append(f"{name} (leader {leader} reports no inSync)")
    elif len(in_sync) < len(replicas):
        under.append(f"{name} (in sync {ids(in_sync)} of {ids(replicas)})")
    rows.append((key[0], str(key[1]), str(leader if leader is not None else "none"), str(p.get("epoch")),
                 ids(replicas), ids(in_sync), "-" if hw is None else str(hw), str(source)))

if rows:
    header = ("topic", "part", "leader", "epoch", "replicas", "inSync", "hw", "from")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    print("partitions:")
    for r in [header] + rows:
        print("  " + "  ".join(r[i].ljust(widths[i]) for i in range(len(header))).rstrip())
else:
    print("partitions: none")
print("under-replicated: " + ("none" if not under else str(len(under))))
for line in under:
    print(f"  {line}")
PY
}

# --- commands ---------------------------------------------------------------------------------------
cmd_up() {
    local extra=() n pid arg save=0
    if (($#)); then
        [[ "$1" == -- ]] || arg_error "up: unexpected argument '$1' (ternd arguments go after --)"
        shift
        extra=("$@")
        save=1
        for arg in "${extra[@]}"; do
            [[ "$arg" != *$'\n'* ]] || arg_error "up: a ternd argument contains a newline"
        done
    fi
    for n in "${NODES[@]}"; do
        pid="$(node_pid "$n")"
        [[ -z "$pid" ]] || die "node $n is already running (pid $pid); see \`$ME status\`, or \`$ME down\` first"
    done
    ensure_packages curl python3
    ensure_binary
    mkdir -p "$DATA"
    if ((save)); then
        if ((${#extra[@]})); then printf '%s\n' "${extra[@]}" >"$ARGS_FILE"; else : >"$ARGS_FILE"; fi
    elif [[ -f "$ARGS_FILE" ]]; then
        mapfile -t extra <"$ARGS_FILE"
    fi
    ((${#extra[@]} == 0)) || log "extra ternd arguments: ${extra[*]}"
    log "data: $DATA"

    local deadline=$((SECONDS + WAIT_SECONDS))
    for n in "${NODES[@]}"; do launch "$n" "${extra[@]}"; done
    wait_ready "$deadline" "${NODES[@]}"
    log "every node printed its ready line; waiting for the controller and partition leaders"

    local reason specs=()
    while :; do
        for n in "${NODES[@]}"; do
            [[ -n "$(node_pid "$n")" ]] && continue
            print_log_tails "$n"
            die "node $n exited (see $(log_file "$n"); other nodes left running)"
        done
        mapfile -t specs < <(node_specs)
        reason="$(cluster_py check "${specs[@]}")" && break
        if ((SECONDS >= deadline)); then
            print_log_tails "${NODES[@]}"
            die "timed out after ${WAIT_SECONDS} s: $reason (nodes left running; \`$ME down\` stops them)"
        fi
        sleep 0.2
    done
    log "cluster up: controller and every partition have a leader (\`$ME status\` for details)"
    echo "bootstrap servers: $(bootstrap)"
    echo "export TERN_BOOTSTRAP=$(bootstrap)"
}

cmd_down() {
    (($# == 0)) || arg_error "down takes no arguments"
    local n any=0
    for n in "${NODES[@]}"; do [[ -z "$(node_pid "$n")" ]] || any=1; done
    if ((any)); then
        terminate "${NODES[@]}"
        log "every node stopped; data kept in $DATA"
    else
        log "no node is running"
    fi
}

cmd_clean() {
    (($# == 0)) || arg_error "clean takes no arguments"
    cmd_down
    case "$DATA" in
        "" | / | "$REPO" | "${HOME:-/}") die "refusing to remove '$DATA' (TERN_DATA)" ;;
    esac
    if [[ -e "$DATA" ]]; then
        rm -rf -- "$DATA"
        log "removed $DATA"
    else
        log "nothing to remove ($DATA does not exist)"
    fi
}

cmd_status() {
    (($# == 0)) || arg_error "status takes no arguments"
    ensure_packages python3
    local specs=()
    mapfile -t specs < <(node_specs)
    if [[ -d "$DATA" ]]; then echo "data: $DATA"; else echo "data: $DATA (does not exist)"; fi
    cluster_py status "${specs[@]}"
}

cmd_start() {
    check_node_arg "${1:-}"
    local n="$1" extra=() pid
    shift
    if (($#)); then
        [[ "$1" == -- ]] || arg_error "start: unexpected argument '$1' (ternd arguments go after --)"
        shift
        extra=("$@")
    elif [[ -f "$ARGS_FILE" ]]; then
        mapfile -t extra <"$ARGS_FILE"
    fi
    pid="$(node_pid "$n")"
    [[ -z "$pid" ]] || die "node $n is already running (pid $pid)"
    ensure_packages curl python3
    ensure_binary
    local others=0 m
    for m in "${NODES[@]}"; do
        [[ "$m" == "$n" || "$(node_state "$m")" != up ]] || others=$((others + 1))
    done
    ((others >= 1)) || warn "no other node is up: node $n prints its ready line only once a controller quorum (2 of 3) exists"
    ((${#extra[@]} == 0)) || log "extra ternd arguments: ${extra[*]}"
    local deadline=$((SECONDS + WAIT_SECONDS))
    launch "$n" "${extra[@]}"
    wait_ready "$deadline" "$n"
    log "node $n ready (pid $(node_pid "$n")): $(grep -m1 '^ternd ready' "$(out_file "$n")")"
}

# signal_node SIGNAL WHAT N: send SIGNAL to running node N.
signal_node() {
    local signal="$1" what="$2" n="$3" pid
    pid="$(running_pid "$n")"
    kill "-$signal" "$pid"
    log "node $n (pid $pid): $what (SIG$signal)"
}

cmd_kill() {
    check_node_arg "${1:-}"
    (($# == 1)) || arg_error "kill takes one node"
    local pid
    pid="$(running_pid "$1")"
    kill -KILL "$pid"
    wait_gone "$pid"
    rm -f "$(pid_file "$1")"
    log "node $1 (pid $pid): killed (SIGKILL)"
}

cmd_stop() {
    check_node_arg "${1:-}"
    (($# == 1)) || arg_error "stop takes one node"
    running_pid "$1" >/dev/null
    terminate "$1"
    log "node $1 stopped"
}

cmd_pause() {
    check_node_arg "${1:-}"
    (($# == 1)) || arg_error "pause takes one node"
    signal_node STOP paused "$1"
}

cmd_resume() {
    check_node_arg "${1:-}"
    (($# == 1)) || arg_error "resume takes one node"
    signal_node CONT resumed "$1"
}

main() {
    (($#)) || usage_error "a command is needed"
    local command="$1"
    shift
    case "$command" in
        up) cmd_up "$@" ;;
        down) cmd_down "$@" ;;
        clean) cmd_clean "$@" ;;
        status) cmd_status "$@" ;;
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        kill) cmd_kill "$@" ;;
        pause) cmd_pause "$@" ;;
        resume) cmd_resume "$@" ;;
        help | -h | --help) usage ;;
        *) usage_error "unknown command '$command'" ;;
    esac
}

main "$@"
