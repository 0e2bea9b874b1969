#!/usr/bin/env bash
# Several SsePluginHost hosts over one Redis (SseHost:Backplane:Redis), measured by ssebench on
# this machine, each scenario against one in-process host in the same run:
#
#   X   cross-host latency: 1,000 clients at 200 events/s (6,000 events of 100 B).
#       single:  one host without a backplane; clients and publishing on it.
#       cluster: three hosts over Redis; publishing on host 1, the clients on hosts 2 and 3.
#   P   publishing through Redis: 20,000 events of 100 B as fast as they are taken
#       (PUBLISH_CONCURRENCY POSTs in flight, default 32), 10 clients.
#       single:  one host without a backplane.  cluster: one host with Redis, clients on it.
#   S   beyond one process: three hosts over Redis with S_CLIENTS streams each (19,500: 58,500 in
#       all), held by three ssebench processes (one per host; the open-file limit is per
#       process); one of them publishes S_EVENTS events (10, at 5/s) on its host and the other
#       two check that every one of their streams got each of them once (--expect-events).
#       Not in the default SCENARIOS; cluster layout only.
#
# Usage:   bench/cluster.sh                    # X and P, 3 runs each, taking turns
#          RUNS=1 SCENARIOS=X bench/cluster.sh
# Environment: RUNS (3), SCENARIOS ("X P"; add S), PORT_BASE (18280: hosts on +1..+3, Redis on +9),
#          X_CLIENTS X_EVENTS X_RATE, P_EVENTS P_CLIENTS, S_CLIENTS S_EVENTS, PUBLISH_CONCURRENCY,
#          SKIP_BUILD=1.
# Every process it starts (redis-server, the hosts, ssebench) is stopped by its PID on exit; all
# traffic stays on 127.0.0.0/8; every ssebench run is bounded by --max-seconds.
# Results: bench/results/<date>-cluster/: one JSON per run, logs/, and summary.md (medians).

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
SCENARIOS=${SCENARIOS:-"X P"}
PORT_BASE=${PORT_BASE:-18280}
X_CLIENTS=${X_CLIENTS:-1000}; X_EVENTS=${X_EVENTS:-6000}; X_RATE=${X_RATE:-200}
P_EVENTS=${P_EVENTS:-20000}; P_CLIENTS=${P_CLIENTS:-10}
S_CLIENTS=${S_CLIENTS:-19500}; S_EVENTS=${S_EVENTS:-10}
PUBLISH_CONCURRENCY=${PUBLISH_CONCURRENCY:-32}
SKIP_BUILD=${SKIP_BUILD:-0}
MAX_SECONDS=240
case $RUNS in '' | *[!0-9]* | 0) echo "cluster.sh: RUNS must be a positive whole number" >&2; exit 2 ;; esac
for s in $SCENARIOS; do case $s in X | P | S) ;; *) echo "cluster.sh: unknown scenario '$s' (X P S)" >&2; exit 2 ;; esac; done

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
OUT="$ROOT/bench/results/$(date +%Y-%m-%dT%H-%M-%S)-cluster"
LOGS="$OUT/logs"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ssebench-cluster.XXXXXX")
mkdir -p "$LOGS"
HOST_DIR="$ROOT/host/bin/Release/net10.0"
HOST_EXE="$HOST_DIR/SsePluginHost"
BENCH_EXE="$ROOT/tests/SsePluginHost.LoadTool/bin/Release/net10.0/ssebench"
REDIS_PORT=$((PORT_BASE + 9))
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

PIDS=()
stop_pid() { # PID: TERM, wait up to 15 s, then KILL
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
}
cleanup() { stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || { echo "cluster.sh: redis-server is needed (apt-get install -y redis-server)" >&2; exit 1; }
command -v jq >/dev/null 2>&1 || { echo "cluster.sh: jq is needed (apt-get install -y jq)" >&2; exit 1; }
if [ "$SKIP_BUILD" != 1 ]; then
  log "building (Release): host with its plugins, ssebench"
  { (cd "$ROOT" && dotnet build host -c Release -v q -nologo && dotnet build tests/SsePluginHost.LoadTool -c Release -v q -nologo); } >"$LOGS/build.log" 2>&1 ||
    { tail -30 "$LOGS/build.log" >&2; echo "cluster.sh: the build failed (log: $LOGS/build.log)" >&2; exit 1; }
fi

wait_for() { # URL PID: until it answers (30 s)
  local i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$2" 2>/dev/null || { echo "cluster.sh: a process exited at start (logs: $LOGS)" >&2; exit 1; }
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  echo "cluster.sh: $1 did not answer within 30 s" >&2; exit 1
}

start_redis() {
  mkdir -p "$WORK/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK/redis" >"$LOGS/redis.log" 2>&1 &
  PIDS+=($!)
  local i
  for ((i = 0; i < 100; i++)); do
    [ "$(printf 'PING\r\n' | timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$REDIS_PORT; cat >&3; head -c 5 <&3" 2>/dev/null)" = "+PONG" ] && return 0
    sleep 0.1
  done
  echo "cluster.sh: redis-server did not answer on $REDIS_PORT" >&2; exit 1
}

start_host() { # INDEX TAG BACKPLANE(0|1): sets HOST_PID
  local port=$((PORT_BASE + $1)) dir="$WORK/$2-host$1" backplane=""
  mkdir -p "$dir"
  [ "$3" = 1 ] && backplane="\"Backplane\": { \"Redis\": \"127.0.0.1:$REDIS_PORT\", \"KeyPrefix\": \"bench-$2\" },"
  cat >"$dir/appsettings.json" <<EOF
{
  "Logging": { "LogLevel": { "Default": "Warning" } },
  "SseHost": {
    "Console": { "Enabled": false },
    "Ping": { "Enabled": true, "IdleSeconds": 60 },
    "Streams": { "QueueCapacity": 100000, "QueueBytes": 67108864 },
    $backplane
    "PluginsPath": "$HOST_DIR/plugins",
    "Services": {
      "/bench": { "Plugin": "Clock", "History": { "Count": 0 }, "Settings": { "IntervalSeconds": 86400 } }
    }
  }
}
EOF
  "$HOST_EXE" --contentRoot "$dir" --urls "http://127.0.0.1:$port" </dev/null >"$LOGS/$2-host$1.log" 2>&1 &
  HOST_PID=$!
  PIDS+=("$HOST_PID")
  wait_for "http://127.0.0.1:$port/_host/health" "$HOST_PID"
}

url() { echo "http://127.0.0.1:$((PORT_BASE + $1))$2"; }

bench() { # OUT ARGS...
  local out=$1
  shift
  "$BENCH_EXE" "$@" --max-seconds "$MAX_SECONDS" --json >"$out" 2>>"$LOGS/ssebench.stderr" &
  local pid=$!
  PIDS+=("$pid")
  wait "$pid" || log "$(basename "$out"): ssebench exited $? (see the JSON)"
}

run_one() { # SCENARIO LAYOUT RUN
  local scenario=$1 layout=$2 run=$3 tag="$1-$2-$3"
  case $layout in
    single) start_host 1 "$tag" 0; PUB=$(url 1 "/_host/publish/bench?event=bench"); SUB=(--subscribe "$(url 1 /bench)") ;;
    cluster)
      start_redis
      if [ "$scenario" = X ]; then
        start_host 1 "$tag" 1; start_host 2 "$tag" 1; start_host 3 "$tag" 1
        SUB=(--subscribe "$(url 2 /bench)" --subscribe "$(url 3 /bench)")
      else
        start_host 1 "$tag" 1
        SUB=(--subscribe "$(url 1 /bench)")
      fi
      PUB=$(url 1 "/_host/publish/bench?event=bench") ;;
  esac
  case $scenario in
    X) set -- --clients "$X_CLIENTS" --events "$X_EVENTS" --rate "$X_RATE" --size 100 --publish-concurrency 4 ;;
    P) set -- --clients "$P_CLIENTS" --events "$P_EVENTS" --rate 0 --size 100 --publish-concurrency "$PUBLISH_CONCURRENCY" ;;
  esac
  # A short unrecorded warm-up, then the run.
  bench "$WORK/$tag.warmup.json" "${SUB[@]}" --publish "$PUB" --clients 20 --events 500 --rate 0 --label "$tag-warmup"
  log "$tag"
  bench "$OUT/$tag.json" "${SUB[@]}" --publish "$PUB" --label "$tag" "$@"
  stop_all
}

run_many() { # RUN: three hosts, three ssebench processes, one publishing
  local run=$1 tag="S-cluster-$1" k ready waiting
  start_redis
  start_host 1 "$tag" 1; start_host 2 "$tag" 1; start_host 3 "$tag" 1
  local watchers=()
  for k in 2 3; do
    rm -f "$WORK/$tag-ready$k"
    "$BENCH_EXE" --subscribe "$(url "$k" /bench)" --clients "$S_CLIENTS" --expect-events "$S_EVENTS" --ready-file "$WORK/$tag-ready$k" \
      --connect-timeout 60 --settle-timeout 30 --label "$tag-host$k" --max-seconds "$MAX_SECONDS" --json >"$OUT/$tag-host$k.json" 2>>"$LOGS/ssebench.stderr" &
    watchers+=($!)
    PIDS+=($!)
  done
  log "$tag: waiting for $((2 * S_CLIENTS)) streams on hosts 2 and 3"
  for ((waiting = 0; waiting < 1800; waiting++)); do
    ready=0
    for k in 2 3; do [ -f "$WORK/$tag-ready$k" ] && ready=$((ready + 1)); done
    [ "$ready" = 2 ] && break
    for k in "${watchers[@]}"; do kill -0 "$k" 2>/dev/null || break 2; done
    sleep 0.1
  done
  log "$tag: $S_CLIENTS more on host 1, then $S_EVENTS events published there"
  bench "$OUT/$tag-host1.json" --subscribe "$(url 1 /bench)" --clients "$S_CLIENTS" --publish "$(url 1 "/_host/publish/bench?event=bench")" \
    --events "$S_EVENTS" --rate 5 --size 100 --connect-timeout 60 --settle-timeout 30 --label "$tag-host1"
  for k in "${watchers[@]}"; do wait "$k" || log "$tag: a watching ssebench exited $? (see its JSON)"; done
  stop_all
}

log "results in $OUT"
for ((run = 1; run <= RUNS; run++)); do
  for scenario in $SCENARIOS; do
    if [ "$scenario" = S ]; then
      run_many "$run"
      continue
    fi

    for layout in single cluster; do run_one "$scenario" "$layout" "$run"; done
  done
done

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) { print "–" } else if (NR % 2) { print a[(NR + 1) / 2] } else { printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 } }'; }
{
  echo "# Several hosts over one Redis ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%d))"
  echo
  echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'); RUNS=$RUNS, medians."
  echo
  [[ " $SCENARIOS " == *" X "* || " $SCENARIOS " == *" P "* ]] && {
    echo "| scenario | layout | runs | delivered/s | published/s | latency p50 ms | p99 ms | max ms | lost | duplicated |"
    echo "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: |"
  }
  for scenario in $SCENARIOS; do
    [ "$scenario" = S ] && continue
    for layout in single cluster; do
      files=("$OUT/$scenario-$layout"-*.json)
      [ -e "${files[0]}" ] || continue
      col() { for f in "${files[@]}"; do jq -r "$1" "$f"; done | median; }
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$scenario" "$layout" "${#files[@]}" \
        "$(col '.deliveries.perSecond | floor')" "$(col '.publish.ratePerSecond | floor')" "$(col .latencyMs.p50)" "$(col .latencyMs.p99)" \
        "$(col .latencyMs.max)" "$(col .deliveries.lost)" "$(col .deliveries.duplicated)"
    done
  done
  echo
  [[ " $SCENARIOS " == *" X "* ]] && echo "X: $X_CLIENTS clients, $X_RATE events/s, $X_EVENTS events; single: one host, no backplane; cluster: publish on host 1, clients on hosts 2 and 3 (half each)."
  [[ " $SCENARIOS " == *" P "* ]] && echo "P: $P_CLIENTS clients, $P_EVENTS events as fast as taken ($PUBLISH_CONCURRENCY POSTs in flight); single: no backplane; cluster: one host publishing through Redis."
  if [[ " $SCENARIOS " == *" S "* ]]; then
    echo
    echo "S: three hosts, $S_CLIENTS streams each, $S_EVENTS events published on host 1 (5/s), per run and host:"
    echo
    echo "| run | host | streams connected | events each should get | received | lost | duplicated | latency p50 ms | p99 ms |"
    echo "| --- | --- | --: | --: | --: | --: | --: | --: | --: |"
    for f in "$OUT"/S-cluster-*-host*.json; do
      [ -e "$f" ] || continue
      jq -r '[.label, .streams.connected, .publish.eventsRequested, .deliveries.received, .deliveries.lost, .deliveries.duplicated, .latencyMs.p50, .latencyMs.p99] | @tsv' "$f" |
        awk -F'\t' '{ split($1, p, "-"); printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", p[3], p[4], $2, $3, $4, $5, $6, $7, $8 }'
    done
  fi
} >"$OUT/summary.md"
cat "$OUT/summary.md"
