#!/usr/bin/env bash
# Reproduces the SSE benchmark comparison on this machine in one run:
# SsePluginHost (a /bench mount; as tuned for the benchmark, and with the host's default
# settings), Nchan with 1 and with 2 nginx workers, and the plain ASP.NET Core hub in
# tests/Baseline.Hub, each measured by the load tool ssebench (tests/SsePluginHost.LoadTool) in
# these scenarios:
#
#   A     1,000 clients, 3,000 events of 100 bytes published as fast as the server takes them
#         (4 POSTs in flight)
#   B     10,000 clients, 20 events/s for 30 s (600 events)
#   C     19,500 idle streams: RSS per stream, and idle CPU over 30 s from 10 s after connecting
#   L20   1,000 clients, 20 events/s for 30 s (600 events of 100 bytes)
#   L200  1,000 clients, 200 events/s for 30 s (6,000 events of 100 bytes)
#         (L20 and L200: a rate every server keeps up with, so latency and CPU per delivery are
#         compared on the same work; not in the default SCENARIOS)
#
# Usage (from anywhere; as root, or with sudo available, when packages are missing):
#
#   bench/run.sh                                 # everything, 3 runs each
#   RUNS=1 SERVERS="ssehost baseline" SCENARIOS="A C" bench/run.sh
#   QUICK=1 bench/run.sh                         # tiny sizes: checks the script itself (~1 min)
#   SERVERS="ssehost ssehost-defaults" SCENARIOS="L20 L200" bench/run.sh
#   HOST_ROOT=/tmp/old bench/run.sh              # the host build of another checkout (a git worktree)
#
# Environment:
#   RUNS        runs of each scenario per server (default 3); the table shows their median
#   SERVERS     a subset of: ssehost ssehost-defaults ssehost-jwt nchan1 nchan2 baseline
#               (default "ssehost nchan1 nchan2 baseline")
#   SCENARIOS   a subset of: A B C L20 L200 (default "A B C")
#   QUICK=1     tiny sizes, to check the plumbing
#   A_CLIENTS A_EVENTS A_SIZE, B_CLIENTS B_RATE B_EVENTS B_SIZE, C_CLIENTS C_SECONDS C_WARMUP,
#   L_CLIENTS L_SIZE L20_EVENTS L200_EVENTS
#               the scenarios' sizes (defaults above; L20 and L200 share L_CLIENTS and L_SIZE,
#               their rates are 20 and 200 events/s)
#   PUBLISH_CONCURRENCY  POSTs in flight in A, B, L20 and L200 (default 4, ssebench's default)
#   WARMUP=0    skip the unrecorded warm-up run before each run of A, B, L20 and L200
#   WARMUP_CLIENTS WARMUP_EVENTS  its size (1,000 clients x 3,000 events as fast as they are taken;
#               QUICK: 20 x 200): long enough that a .NET server's JIT has compiled its hot paths
#               (with 100 x 2,000, the tiered compiler still took a fifth of the host's CPU in L20)
#               (default 1)
#   WARMUP_SETTLE  seconds of quiet between the warm-up and the measured run (default 10; QUICK: 1):
#               a .NET server's tiered compiler goes on compiling what the warm-up made hot after
#               the warm-up ends; without the pause it took up to 0.7 s of CPU a second in the first
#               seconds of the measured run of L200, on the same cores as the server and ssebench
#   PORT_BASE   the servers listen on 127.0.0.1:PORT_BASE+1 .. +5 (default 18180)
#   HOST_ROOT   the checkout whose Release host build (HOST_ROOT/host/bin/Release/net10.0) is
#               measured as ssehost and ssehost-defaults, and where the host is built (default:
#               this repository); ssebench and Baseline.Hub always come from this repository
#   SKIP_BUILD=1  use the Release builds already there
#   SYSCALLS=0  don't count the server's system calls (default 1): perf stat on the server's
#               processes (nginx: its workers) over every measured run of A, B, L20 and L200
#               (not the warm-up) into logs/<tag>.syscalls; skipped, with one log line, when
#               perf is missing or cannot read the syscall tracepoints. While counting, each of
#               the server's system calls costs it about 0.1 us more (see bench/README.md).
#               In C, the same counts with context switches, CPU migrations and task-clock over
#               the idle window (from 0.5 s after it starts to 0.5 s before it ends) into
#               logs/<tag>.idle-stat, for the summary's "syscalls/s" and "context switches/s".
#   PROFILE_IDLE=1  in C, also perf record -g -F 499 of the server over that idle window into
#               logs/<tag>.perf.data, reported by DSO and symbol (logs/<tag>.perf.txt; with call
#               chains in <tag>.perf-callers.txt) and by thread name (<tag>.perf-comm.txt); the
#               .NET servers of C then run with DOTNET_PerfMapEnabled=1 and
#               DOTNET_EnableWriteXorExecute=0 so that JIT-compiled code has names (their
#               /tmp/perf-<pid>.map and jit-<pid>.dump are removed after the report).
#               Default 0: the profiler's sampling costs the server a little CPU.
#
# Each run gets a freshly started server (so that no run inherits another's connections, heap
# or caches), started in the foreground on its own loopback port, waited for, measured with
# ssebench --server-pid, and stopped by its PID. bench/measure.py samples the server's whole
# process tree and the machine's CPU meanwhile (ssebench reads one process; nginx works in its
# worker processes) and writes the tables. Every process this script starts is stopped by
# its PID on exit, on error and on Ctrl+C. All traffic stays on 127.0.0.0/8; every ssebench run
# is bounded by --max-seconds.
#
# Results: bench/results/<date>/<server>-<scenario>-<run>.json (ssebench --json), the servers'
# logs in bench/results/<date>/logs/, and bench/results/<date>/summary.md: the machine, the
# command and the table of medians, which is also printed at the end.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMMAND_LINE="$(for v in RUNS SERVERS SCENARIOS QUICK PUBLISH_CONCURRENCY A_CLIENTS A_EVENTS A_SIZE B_CLIENTS B_RATE B_EVENTS B_SIZE C_CLIENTS C_SECONDS C_WARMUP L_CLIENTS L_SIZE L20_EVENTS L200_EVENTS WARMUP WARMUP_CLIENTS WARMUP_EVENTS WARMUP_SETTLE PORT_BASE HOST_ROOT SKIP_BUILD SYSCALLS PROFILE_IDLE; do
  if [ -n "${!v+x}" ]; then printf '%s=%q ' "$v" "${!v}"; fi
done)bench/run.sh"

RUNS=${RUNS:-3}
SERVERS=${SERVERS:-"ssehost nchan1 nchan2 baseline"}
SCENARIOS=${SCENARIOS:-"A B C"}
QUICK=${QUICK:-0}
WARMUP=${WARMUP:-1}
PORT_BASE=${PORT_BASE:-18180}
PUBLISH_CONCURRENCY=${PUBLISH_CONCURRENCY:-4}
SKIP_BUILD=${SKIP_BUILD:-0}
SYSCALLS=${SYSCALLS:-1}
PROFILE_IDLE=${PROFILE_IDLE:-0}
HOST_ROOT=${HOST_ROOT:-$ROOT}
[ -d "$HOST_ROOT/host" ] || { echo "run.sh: HOST_ROOT '$HOST_ROOT' has no host/ folder (give a checkout of this repository)" >&2; exit 2; }
HOST_ROOT=$(cd "$HOST_ROOT" && pwd)

if [ "$QUICK" = 1 ]; then
  A_CLIENTS=${A_CLIENTS:-20}; A_EVENTS=${A_EVENTS:-200}; A_SIZE=${A_SIZE:-100}
  B_CLIENTS=${B_CLIENTS:-50}; B_RATE=${B_RATE:-20}; B_EVENTS=${B_EVENTS:-40}; B_SIZE=${B_SIZE:-100}
  C_CLIENTS=${C_CLIENTS:-100}; C_SECONDS=${C_SECONDS:-3}; C_WARMUP=${C_WARMUP:-1}
  L_CLIENTS=${L_CLIENTS:-50}; L_SIZE=${L_SIZE:-100}; L20_EVENTS=${L20_EVENTS:-40}; L200_EVENTS=${L200_EVENTS:-400}
  WARMUP_CLIENTS=${WARMUP_CLIENTS:-20}; WARMUP_EVENTS=${WARMUP_EVENTS:-200}; WARMUP_SETTLE=${WARMUP_SETTLE:-1}
  MAX_SECONDS=60
else
  # A_EVENTS: at 95,000 to 325,000 deliveries/s on 2 cores, a run of A takes 9 to 32 s.
  A_CLIENTS=${A_CLIENTS:-1000}; A_EVENTS=${A_EVENTS:-3000}; A_SIZE=${A_SIZE:-100}
  B_CLIENTS=${B_CLIENTS:-10000}; B_RATE=${B_RATE:-20}; B_EVENTS=${B_EVENTS:-600}; B_SIZE=${B_SIZE:-100}
  C_CLIENTS=${C_CLIENTS:-19500}; C_SECONDS=${C_SECONDS:-30}; C_WARMUP=${C_WARMUP:-10}
  # L20 and L200: 30 s each at 20 and 200 events/s.
  L_CLIENTS=${L_CLIENTS:-1000}; L_SIZE=${L_SIZE:-100}; L20_EVENTS=${L20_EVENTS:-600}; L200_EVENTS=${L200_EVENTS:-6000}
  WARMUP_CLIENTS=${WARMUP_CLIENTS:-1000}; WARMUP_EVENTS=${WARMUP_EVENTS:-3000}; WARMUP_SETTLE=${WARMUP_SETTLE:-10}
  MAX_SECONDS=240
fi

for s in $SERVERS; do
  case $s in ssehost | ssehost-defaults | ssehost-jwt | nchan1 | nchan2 | baseline) ;; *) echo "run.sh: unknown server '$s' (ssehost ssehost-defaults ssehost-jwt nchan1 nchan2 baseline)" >&2; exit 2 ;; esac
done
for s in $SCENARIOS; do
  case $s in A | B | C | L20 | L200) ;; *) echo "run.sh: unknown scenario '$s' (A B C L20 L200)" >&2; exit 2 ;; esac
done
case $RUNS in '' | *[!0-9]* | 0) echo "run.sh: RUNS must be a positive whole number" >&2; exit 2 ;; esac
case $WARMUP_SETTLE in '' | *[!0-9]*) echo "run.sh: WARMUP_SETTLE must be a whole number of seconds" >&2; exit 2 ;; esac

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

DATE=$(date +%Y-%m-%dT%H-%M-%S)
OUT="$ROOT/bench/results/$DATE"
LOGS="$OUT/logs"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ssebench-run.XXXXXX")
mkdir -p "$OUT" "$LOGS"

HOST_DIR="$HOST_ROOT/host/bin/Release/net10.0"
HOST_EXE="$HOST_DIR/SsePluginHost"
HUB_EXE="$ROOT/tests/Baseline.Hub/bin/Release/net10.0/Baseline.Hub"
BENCH_EXE="$ROOT/tests/SsePluginHost.LoadTool/bin/Release/net10.0/ssebench"
NCHAN_MODULE=/usr/lib/nginx/modules/ngx_nchan_module.so

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- processes: every PID this script starts is in one of these, and is stopped on exit ---------
SERVER_PID=""
SAMPLER_PID=""
BENCH_PID=""
SYSCALL_PID="" # perf stat over a measured run (SYSCALLS=1)
IDLE_PIDS=()   # in C: perf stat and perf record over the idle window (or, until then, their waits)
IDLE_DONE=""   # the file that tells those waits that ssebench has exited

stop_pid() { # PID [seconds]: TERM, wait, then KILL the one process (nginx's master stops its workers)
  local pid=$1 limit=${2:-10} i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "PID $pid did not stop within ${limit}s: KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

stop_perf() { # PID: SIGINT, on which perf writes what it has and exits; after 10 s as stop_pid
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -INT "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  stop_pid "$pid" 5
}

cleanup() {
  local status=$? pid
  trap - EXIT INT TERM
  stop_pid "$BENCH_PID" 5
  BENCH_PID=""
  stop_perf "$SYSCALL_PID"
  SYSCALL_PID=""
  stop_idle_perf 0
  stop_pid "$SAMPLER_PID" 5
  SAMPLER_PID=""
  stop_pid "$SERVER_PID" 15
  if [ "${PERF_MAP:-0}" = 1 ]; then # the perf maps of the server of an idle profile (its run, or its report)
    for pid in $SERVER_PID ${server_pid:-}; do remove_perf_maps "$pid"; done
  fi
  SERVER_PID=""
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# --- what is needed -----------------------------------------------------------------------------
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

NCHAN=0 # whether nginx and Nchan are needed: only for the nchan servers
case " $SERVERS " in *" nchan1 "* | *" nchan2 "*) NCHAN=1 ;; esac
missing=()
if [ "$NCHAN" = 1 ]; then
  command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
  [ -f "$NCHAN_MODULE" ] || missing+=(libnginx-mod-nchan)
fi
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
command -v dotnet >/dev/null 2>&1 || { echo "run.sh: the .NET 10 SDK (dotnet) is needed" >&2; exit 1; }

# SYSCALLS=1: the events perf stat counts over a measured run, those of this kernel (the send
# family, epoll's waits, the reads, futex and sched_yield, what a .NET server's idle threads
# make most); raw_syscalls:sys_enter is every system call.
SYSCALL_EVENTS=()
if [ "$SYSCALLS" = 1 ]; then
  if ! command -v perf >/dev/null 2>&1; then
    log "perf is missing: no system call counts (SYSCALLS=1; Debian: apt-get install linux-perf)"
    SYSCALLS=0
  elif ! perf stat -x, -o /dev/null -e raw_syscalls:sys_enter -e syscalls:sys_enter_sendto -- true >/dev/null 2>&1; then
    log "perf cannot read the syscall tracepoints (raw_syscalls:sys_enter, syscalls:sys_enter_sendto; root, or kernel.perf_event_paranoid and tracefs): no system call counts"
    SYSCALLS=0
  else
    SYSCALL_EVENTS=(-e raw_syscalls:sys_enter)
    for call in sendto sendmsg write writev epoll_wait epoll_pwait epoll_pwait2 read recvfrom recvmsg futex sched_yield; do
      if perf stat -x, -o /dev/null -e "syscalls:sys_enter_$call" -- true >/dev/null 2>&1; then
        SYSCALL_EVENTS+=(-e "syscalls:sys_enter_$call")
      fi
    done
  fi
fi
# PROFILE_IDLE=1: perf record works (it falls back to the cpu-clock software event where the
# machine has no hardware counters, as in most VMs).
if [ "$PROFILE_IDLE" = 1 ]; then
  if ! command -v perf >/dev/null 2>&1; then
    log "perf is missing: no idle profile (PROFILE_IDLE=1; Debian: apt-get install linux-perf)"
    PROFILE_IDLE=0
  elif ! perf record -q -F 499 -g -o "$WORK/probe.perf.data" -- true >/dev/null 2>&1; then
    log "perf record does not work here (root, or kernel.perf_event_paranoid): no idle profile"
    PROFILE_IDLE=0
  fi
  rm -f "$WORK/probe.perf.data"
fi

# The host's commit, taken before the build: "abc1234", with " (uncommitted changes)" when a
# file that goes into the host build differs from that commit; "?" outside a git checkout.
git_rev() { # FOLDER
  local rev
  rev=$(git -C "$1" rev-parse --short HEAD 2>/dev/null) || { echo "?"; return 0; }
  if [ -n "$(git -C "$1" status --porcelain -- host abstractions plugins build Directory.Build.props global.json 2>/dev/null)" ]; then
    rev="$rev (uncommitted changes)"
  fi
  echo "$rev"
}
HOST_REV=$(git_rev "$HOST_ROOT")
ROOT_REV=$(git_rev "$ROOT")

if [ "$SKIP_BUILD" != 1 ]; then
  log "building (Release): host with its plugins in $HOST_ROOT; Baseline.Hub, ssebench in $ROOT"
  { (cd "$HOST_ROOT" && dotnet build host -c Release -v q -nologo) &&
    (cd "$ROOT" &&
      dotnet build tests/Baseline.Hub -c Release -v q -nologo &&
      dotnet build tests/SsePluginHost.LoadTool -c Release -v q -nologo); } >"$LOGS/build.log" 2>&1 ||
    { tail -30 "$LOGS/build.log" >&2; echo "run.sh: the build failed (log: $LOGS/build.log)" >&2; exit 1; }
fi
for f in "$HOST_EXE" "$HOST_DIR/plugins/Clock/Clock.dll" "$HUB_EXE" "$BENCH_EXE"; do
  [ -x "$f" ] || [ -f "$f" ] || { echo "run.sh: $f is missing (build it, or drop SKIP_BUILD)" >&2; exit 1; }
done

# --- servers ------------------------------------------------------------------------------------
port_of() {
  case $1 in
    ssehost) echo $((PORT_BASE + 1)) ;;
    nchan1) echo $((PORT_BASE + 2)) ;;
    nchan2) echo $((PORT_BASE + 3)) ;;
    baseline) echo $((PORT_BASE + 4)) ;;
    ssehost-defaults) echo $((PORT_BASE + 5)) ;;
    ssehost-jwt) echo $((PORT_BASE + 6)) ;;
  esac
}

# ssehost-jwt: the /bench mount takes JWTs signed with this shared secret (HS256), and every
# stream sends one (one token for all: each stream's is validated on its own all the same).
JWT_SECRET="bench-secret-of-more-than-thirty-two-bytes"
jwt_token() { # a token for the /bench mount, valid for a day
  python3 - "$JWT_SECRET" <<'PY'
import base64, hashlib, hmac, json, sys, time
def part(data):
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()
now = int(time.time())
signing = part({"alg": "HS256", "typ": "JWT"}) + "." + part({"sub": "bench", "name": "ssebench", "scope": "bench", "iat": now, "exp": now + 86400})
signature = hmac.new(sys.argv[1].encode(), signing.encode(), hashlib.sha256).digest()
print(signing + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode())
PY
}

# Sets SUB_URL, PUB_URL and PROBE_URL (a plain request that answers once the server is up).
urls_of() {
  local port
  port=$(port_of "$1")
  case $1 in
    ssehost | ssehost-defaults | ssehost-jwt)
      SUB_URL="http://127.0.0.1:$port/bench"
      PUB_URL="http://127.0.0.1:$port/_host/publish/bench?event=bench"
      PROBE_URL="http://127.0.0.1:$port/_host/mounts" ;;
    nchan1 | nchan2)
      SUB_URL="http://127.0.0.1:$port/sub"
      PUB_URL="http://127.0.0.1:$port/pub"
      PROBE_URL="http://127.0.0.1:$port/pub" ;;
    baseline)
      SUB_URL="http://127.0.0.1:$port/events"
      PUB_URL="http://127.0.0.1:$port/publish"
      PROBE_URL="http://127.0.0.1:$port/" ;;
  esac
  SUB_EXTRA=()
  if [ "$1" = ssehost-jwt ]; then
    SUB_EXTRA=(--header "Authorization: Bearer $(jwt_token)")
  fi
}

# 1 only for the idle profile (PROFILE_IDLE=1, scenario C): the .NET servers then run with
# DOTNET_PerfMapEnabled=1 (the runtime writes /tmp/perf-<pid>.map, the names of JIT-compiled
# code) and DOTNET_EnableWriteXorExecute=0: with W^X (the default) JIT-compiled code is mapped
# from a memfd ("/memfd:doublemapper"), which perf does not look up in perf-<pid>.map
# (dotnet/runtime#97765). Else 0: the environment as it is (the runtime's defaults: no perf
# map, W^X on). env(1) executes the server in its own place: $! stays the server's PID.
PERF_MAP=0
DOTNET_PROFILE_ENV=()

start_server() { # SERVER TAG: starts it in the background, sets SERVER_PID, waits until it answers
  local server=$1 tag=$2 port dir
  port=$(port_of "$server")
  urls_of "$server"
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    echo "run.sh: something already answers on 127.0.0.1:$port (set PORT_BASE)" >&2
    exit 1
  fi
  dir="$WORK/$tag"
  mkdir -p "$dir"
  case $server in
    ssehost | ssehost-jwt)
      # ssehost-jwt: the same, with the /bench mount behind JWT authentication (what authenticated streams cost).
      local auth=""
      if [ "$server" = ssehost-jwt ]; then
        auth=', "Auth": { "Mode": "Jwt", "Jwt": { "SigningKeys": [ "'"$JWT_SECRET"'" ], "RequiredClaims": { "scope": "bench" } } }'
      fi
      cat >"$dir/appsettings.json" <<EOF
{
  "Logging": { "LogLevel": { "Default": "Warning" } },
  "Urls": "http://127.0.0.1:$port",
  "SseHost": {
    "Console": { "Enabled": false },
    "Ping": { "Enabled": true, "IdleSeconds": 60 },
    "Streams": { "QueueCapacity": 100000, "QueueBytes": 67108864 },
    "PluginsPath": "$HOST_DIR/plugins",
    "Services": {
      "/bench": { "Plugin": "Clock", "History": { "Count": 0 }, "Settings": { "IntervalSeconds": 86400 }$auth }
    }
  }
}
EOF
      env "${DOTNET_PROFILE_ENV[@]}" "$HOST_EXE" --contentRoot "$dir" --urls "http://127.0.0.1:$port" </dev/null >"$LOGS/$tag.log" 2>&1 &
      SERVER_PID=$! ;;
    ssehost-defaults)
      # The host as users run it: no History, Streams or Ping settings (history of 1,000 events
      # / 600 s, queues of 1,024 events / 4 MiB, pings after 60 s idle); only the console off
      # (no standard input here) and, as for ssehost, logging at Warning.
      cat >"$dir/appsettings.json" <<EOF
{
  "Logging": { "LogLevel": { "Default": "Warning" } },
  "Urls": "http://127.0.0.1:$port",
  "SseHost": {
    "Console": { "Enabled": false },
    "PluginsPath": "$HOST_DIR/plugins",
    "Services": {
      "/bench": { "Plugin": "Clock", "Settings": { "IntervalSeconds": 86400 } }
    }
  }
}
EOF
      env "${DOTNET_PROFILE_ENV[@]}" "$HOST_EXE" --contentRoot "$dir" --urls "http://127.0.0.1:$port" </dev/null >"$LOGS/$tag.log" 2>&1 &
      SERVER_PID=$! ;;
    nchan1 | nchan2)
      local workers=${server#nchan}
      mkdir -p "$dir/tmp"
      sed -e "s/__WORKERS__/$workers/" -e "s/__PORT__/$port/" "$ROOT/bench/nchan/nginx.conf" >"$dir/nginx.conf"
      nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" </dev/null >"$LOGS/$tag.log" 2>&1 &
      SERVER_PID=$! ;;
    baseline)
      env "${DOTNET_PROFILE_ENV[@]}" "$HUB_EXE" --urls "http://127.0.0.1:$port" </dev/null >"$LOGS/$tag.log" 2>&1 &
      SERVER_PID=$! ;;
  esac
  local i
  for ((i = 0; i < 300; i++)); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID" 2>/dev/null || true
      SERVER_PID=""
      tail -20 "$LOGS/$tag.log" "$dir/error.log" 2>/dev/null >&2 || true
      echo "run.sh: $server exited at start (log: $LOGS/$tag.log)" >&2
      exit 1
    fi
    if curl -s -o /dev/null --max-time 1 "$PROBE_URL"; then
      measured_pid "$server"
      python3 "$ROOT/bench/measure.py" sample "$SERVER_PID" "$LOGS/$tag.samples" 0.2 &
      SAMPLER_PID=$!
      return 0
    fi
    sleep 0.1
  done
  echo "run.sh: $server did not answer on $PROBE_URL within 30 s" >&2
  exit 1
}

# Sets MEASURED_PID, the process ssebench --server-pid reads, and WHOLE=1 when that one process
# is the whole server. nginx works in its worker processes: with one worker, that worker is the
# server (the master only waits); with more, no one process is, and the table takes the figures
# of the whole process tree that measure.py samples (see bench/README.md).
measured_pid() {
  MEASURED_PID=$SERVER_PID
  WHOLE=1
  case $1 in
    nchan*)
      local workers
      workers=$(cat /proc/"$SERVER_PID"/task/*/children 2>/dev/null | wc -w)
      if [ "$workers" -eq 1 ]; then
        MEASURED_PID=$(cat /proc/"$SERVER_PID"/task/*/children | tr -d ' ')
      else
        WHOLE=0
      fi ;;
  esac
}

# The comma list of the processes that do the server's work, for perf -p (which counts every
# thread of a process, those started later too): nginx's workers (the master only waits), or
# the one .NET process.
work_pids() { # SERVER
  case $1 in
    nchan*) cat /proc/"$SERVER_PID"/task/*/children 2>/dev/null | tr -s ' \n' ',' | sed 's/,$//' ;;
    *) echo "$SERVER_PID" ;;
  esac
}

# SYSCALLS=1: counts the server's system calls (perf stat, aggregated over its processes and
# threads) from now until stop_syscalls, into logs/TAG.syscalls.
start_syscalls() { # SERVER TAG
  [ "$SYSCALLS" = 1 ] || return 0
  local pids
  pids=$(work_pids "$1")
  printf 'perf_pids %s\n' "$pids" >>"$LOGS/$2.marks"
  perf stat -x, -o "$LOGS/$2.syscalls" "${SYSCALL_EVENTS[@]}" -p "$pids" 2>>"$LOGS/perf.stderr" &
  SYSCALL_PID=$!
  sleep 0.5 # perf opens its counters on every thread
  if ! kill -0 "$SYSCALL_PID" 2>/dev/null; then
    wait "$SYSCALL_PID" 2>/dev/null || true
    SYSCALL_PID=""
    log "$2: perf stat exited at start (see $LOGS/perf.stderr): no system call counts for this run"
  fi
}

stop_syscalls() {
  stop_perf "$SYSCALL_PID"
  SYSCALL_PID=""
}

centis() { # the boot-time clock in hundredths of a second (/proc/uptime has two decimals)
  local up _
  read -r up _ </proc/uptime
  echo $((10#${up/./}))
}

# C: perf over the idle window. ssebench (--ready-file) writes WORK/TAG.ready once every stream
# is connected and has its first bytes, waits --idle-warmup (C_WARMUP) and then holds the streams
# idle for --idle-seconds (C_SECONDS). IDLE_MARGIN after that window starts, perf runs for
# IDLE_SPAN seconds, ending IDLE_MARGIN before it ends (the streams close right after it).
IDLE_MARGIN=$(awk -v s="$C_SECONDS" 'BEGIN { printf "%.2f", (s >= 3 ? 0.5 : s / 4) }')
IDLE_SPAN=$(awk -v s="$C_SECONDS" -v m="$IDLE_MARGIN" 'BEGIN { printf "%.2f", s - 2 * m }')
start_idle_perf() { # KIND(stat|record) SERVER TAG: in the background, one PID in IDLE_PIDS
  local kind=$1 tag=$3 pids wait_cs
  pids=$(work_pids "$2")
  wait_cs=$(awk -v w="$C_WARMUP" -v m="$IDLE_MARGIN" 'BEGIN { printf "%d", (w + m) * 100 }')
  IDLE_DONE="$WORK/$tag.done"
  (
    ready="$WORK/$tag.ready" done="$IDLE_DONE"
    until [ -e "$ready" ]; do
      [ -e "$done" ] && exit 0
      sleep 0.1
    done
    start=$(($(centis) + wait_cs))
    while [ "$(centis)" -lt "$start" ]; do
      [ -e "$done" ] && exit 0
      sleep 0.1
    done
    printf 'idle_%s %s %s %s\n' "$kind" "$(uptime_now)" "$IDLE_SPAN" "$pids" >>"$LOGS/$tag.marks"
    case $kind in
      stat) exec perf stat -x, -o "$LOGS/$tag.idle-stat" -e context-switches -e cpu-migrations -e task-clock \
        "${SYSCALL_EVENTS[@]}" -p "$pids" -- sleep "$IDLE_SPAN" ;;
      record) exec perf record -q -F 499 -g -p "$pids" -o "$LOGS/$tag.perf.data" -- sleep "$IDLE_SPAN" ;;
    esac
  ) </dev/null >>"$LOGS/perf.stderr" 2>&1 &
  IDLE_PIDS+=("$!")
}

stop_idle_perf() { # SECONDS: lets the waits and perf end on their own within SECONDS, then stops them
  local pid i
  [ ${#IDLE_PIDS[@]} -gt 0 ] || return 0
  touch "$IDLE_DONE" 2>/dev/null || true
  for pid in "${IDLE_PIDS[@]}"; do
    for ((i = 0; i < $1 * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    stop_perf "$pid"
  done
  IDLE_PIDS=()
}

# PROFILE_IDLE=1: the reports of logs/TAG.perf.data; then the perf maps of SERVER_PID are removed.
report_idle_profile() { # TAG
  local data="$LOGS/$1.perf.data"
  if [ -s "$data" ]; then
    perf report -i "$data" --stdio --no-children --sort dso,symbol -g none --percent-limit 0.5 >"$LOGS/$1.perf.txt" 2>>"$LOGS/perf.stderr" || true
    perf report -i "$data" --stdio --no-children --sort dso,symbol --percent-limit 0.5 >"$LOGS/$1.perf-callers.txt" 2>>"$LOGS/perf.stderr" || true
    perf report -i "$data" --stdio --no-children --sort comm -g none >"$LOGS/$1.perf-comm.txt" 2>>"$LOGS/perf.stderr" || true
  else
    log "$1: no idle profile (no $data; see $LOGS/perf.stderr)"
  fi
}
remove_perf_maps() { # PID
  rm -f "/tmp/perf-$1.map" "/tmp/perfinfo-$1.map" "/tmp/jit-$1.dump"
}

stop_server() { # SERVER TAG
  stop_pid "$SAMPLER_PID" 5
  SAMPLER_PID=""
  stop_pid "$SERVER_PID" 15
  SERVER_PID=""
  if [ -f "$WORK/$2/error.log" ]; then
    cp "$WORK/$2/error.log" "$LOGS/$2.error.log"
  fi
}

uptime_now() { # the boot-time clock in seconds, as measure.py samples it
  local up _
  read -r up _ </proc/uptime
  echo "$up"
}

# --- ssebench -----------------------------------------------------------------------------------
bench() { # OUTFILE ARGS...: runs ssebench in the background (so that a signal reaches the trap)
  local outfile=$1 status=0
  shift
  "$BENCH_EXE" "$@" --max-seconds "$MAX_SECONDS" --json >"$outfile" 2>>"$LOGS/ssebench.stderr" &
  BENCH_PID=$!
  wait "$BENCH_PID" || status=$?
  BENCH_PID=""
  return "$status"
}

scenario_args() { # SCENARIO: the ssebench options of that scenario
  case $1 in
    A) echo "--clients $A_CLIENTS --events $A_EVENTS --rate 0 --size $A_SIZE" ;;
    B) echo "--clients $B_CLIENTS --events $B_EVENTS --rate $B_RATE --size $B_SIZE" ;;
    C) echo "--clients $C_CLIENTS --idle-warmup $C_WARMUP --idle-seconds $C_SECONDS" ;;
    L20) echo "--clients $L_CLIENTS --events $L20_EVENTS --rate 20 --size $L_SIZE" ;;
    L200) echo "--clients $L_CLIENTS --events $L200_EVENTS --rate 200 --size $L_SIZE" ;;
  esac
}

scenario_title() {
  case $1 in
    A) echo "A: $A_CLIENTS clients, max rate ($PUBLISH_CONCURRENCY POSTs in flight), $A_EVENTS events of $A_SIZE B" ;;
    B) echo "B: $B_CLIENTS clients, $B_RATE events/s ($PUBLISH_CONCURRENCY POSTs in flight at most), $B_EVENTS events of $B_SIZE B" ;;
    C) echo "C: $C_CLIENTS idle streams for $C_SECONDS s, measured from $C_WARMUP s after connecting" ;;
    L20) echo "L20: $L_CLIENTS clients, 20 events/s ($PUBLISH_CONCURRENCY POSTs in flight at most), $L20_EVENTS events of $L_SIZE B" ;;
    L200) echo "L200: $L_CLIENTS clients, 200 events/s ($PUBLISH_CONCURRENCY POSTs in flight at most), $L200_EVENTS events of $L_SIZE B" ;;
  esac
}

log "results in $OUT"
failures=0
# The servers take turns: run 1 of every scenario on every server, then run 2, and so on, so that
# a drift of this shared machine's speed over the session falls on every server alike rather than
# on whichever server's runs came last.
for ((run = 1; run <= RUNS; run++)); do
  for scenario in $SCENARIOS; do
    for server in $SERVERS; do
      tag="$server-$scenario-$run"
      PERF_MAP=0
      DOTNET_PROFILE_ENV=()
      if [ "$scenario" = C ] && [ "$PROFILE_IDLE" = 1 ]; then
        PERF_MAP=1
        DOTNET_PROFILE_ENV=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)
      fi
      start_server "$server" "$tag"
      server_pid=$SERVER_PID
      # shellcheck disable=SC2046 # scenario_args is a list of options
      set -- $(scenario_args "$scenario")
      if [ "$scenario" != C ]; then
        set -- "$@" --publish "$PUB_URL" --publish-concurrency "$PUBLISH_CONCURRENCY"
        if [ "$WARMUP" = 1 ]; then
          bench "$WORK/$tag.warmup.json" --subscribe "$SUB_URL" "${SUB_EXTRA[@]}" --publish "$PUB_URL" \
            --clients "$WARMUP_CLIENTS" --events "$WARMUP_EVENTS" --label "$tag-warmup" || true
          sleep "$WARMUP_SETTLE"
        fi
      fi
      log "$tag: $(scenario_title "$scenario") (server PID $SERVER_PID, measured PID $MEASURED_PID)"
      marks="$LOGS/$tag.marks"
      : >"$marks"
      if [ "$scenario" != C ]; then
        start_syscalls "$server" "$tag"
      else
        if [ "$SYSCALLS" = 1 ]; then start_idle_perf stat "$server" "$tag"; fi
        if [ "$PROFILE_IDLE" = 1 ]; then start_idle_perf record "$server" "$tag"; fi
        if [ ${#IDLE_PIDS[@]} -gt 0 ]; then set -- "$@" --ready-file "$WORK/$tag.ready"; fi
      fi
      printf 'whole %s\nsettle 2\nlaunch %s\n' "$WHOLE" "$(uptime_now)" >>"$marks"
      if [ "$scenario" = C ]; then printf 'idle_warmup %s\n' "$C_WARMUP" >>"$marks"; fi
      status=0
      bench "$OUT/$tag.json" --subscribe "$SUB_URL" "${SUB_EXTRA[@]}" --server-pid "$MEASURED_PID" --label "$tag" "$@" || status=$?
      printf 'exit %s\n' "$(uptime_now)" >>"$marks"
      stop_syscalls
      stop_idle_perf 5
      if [ "$status" -ne 0 ]; then
        failures=$((failures + 1))
        log "$tag: ssebench exited $status (a lost, duplicated or unconnected stream, or --max-seconds; see the JSON)"
      fi
      if ! jq -e . "$OUT/$tag.json" >/dev/null 2>&1; then
        log "$tag: no JSON result (stderr: $LOGS/ssebench.stderr)"
        rm -f "$OUT/$tag.json"
      fi
      stop_server "$server" "$tag"
      if [ "$scenario" = C ] && [ "$PROFILE_IDLE" = 1 ]; then
        report_idle_profile "$tag"
        remove_perf_maps "$server_pid"
      fi
    done
  done
done

# --- the table ----------------------------------------------------------------------------------
{
  echo "# SSE benchmark $DATE"
  echo
  echo "Command (in $ROOT): \`$COMMAND_LINE\`"
  echo
  echo "- this repository (script, ssebench, Baseline.Hub): $ROOT at $ROOT_REV"
  echo "- HOST_ROOT (the host measured as ssehost, ssehost-defaults): $HOST_ROOT at $HOST_REV$([ "$SKIP_BUILD" = 1 ] && echo ", its Release build as found (SKIP_BUILD=1)")"
  echo
  echo "Scenarios:"
  for scenario in $SCENARIOS; do echo "- $(scenario_title "$scenario")"; done
  echo
  echo "Servers:"
  for server in $SERVERS; do
    case $server in
      ssehost) echo "- ssehost: SsePluginHost (Release), mount /bench = Clock plugin ticking once a day, History 0, queue 100,000 events / 64 MiB, publish API, pings after 60 s idle (the default), other settings the defaults" ;;
      ssehost-jwt) echo "- ssehost-jwt: ssehost with the /bench mount behind JWT authentication (HS256, a required claim); every stream sends Authorization: Bearer, validated on its own" ;;
      ssehost-defaults) echo "- ssehost-defaults: the same SsePluginHost build and /bench mount with the host's default settings: history on (1,000 events / 600 s), queue 1,024 events / 4 MiB, pings after 60 s idle; only the console off (and logging at Warning, as for ssehost)" ;;
      nchan1) echo "- nchan1: nginx + Nchan, 1 worker (bench/nchan/nginx.conf)" ;;
      nchan2) echo "- nchan2: nginx + Nchan, 2 workers (bench/nchan/nginx.conf)" ;;
      baseline) echo "- baseline: tests/Baseline.Hub (Release), plain ASP.NET Core TypedResults.ServerSentEvents" ;;
    esac
  done
  echo "Each run on a freshly started server, $RUNS run(s) each, the servers taking turns (run 1 of each, then run 2, ...); warm-up before A, B, L20 and L200: $([ "$WARMUP" = 1 ] && echo "$WARMUP_CLIENTS clients x $WARMUP_EVENTS events, not recorded, then $WARMUP_SETTLE s of quiet" || echo none)."
  echo
  echo "## Machine"
  echo
  echo "- cores (nproc): $(nproc)"
  echo "- CPU: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "- memory: $(free -h | awk '/^Mem:/ {print $2}') ($(grep MemTotal /proc/meminfo | awk '{print $2}') kB)"
  echo "- kernel: $(uname -srm)"
  echo "- dotnet: $(dotnet --version)"
  if [ "$NCHAN" = 1 ]; then
    echo "- nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //')"
    echo "- nchan: libnginx-mod-nchan $(dpkg-query -W -f='${Version}' libnginx-mod-nchan 2>/dev/null || echo '?')"
  fi
  echo "- open files per process: $(ulimit -n); local ports: $(tr '\t' '-' </proc/sys/net/ipv4/ip_local_port_range)"
  echo
  python3 "$ROOT/bench/measure.py" summary "$OUT" "$SERVERS" "$SCENARIOS"
} >"$OUT/summary.md"

echo
cat "$OUT/summary.md"
echo
log "summary: $OUT/summary.md ($failures run(s) where ssebench reported a failure)"
