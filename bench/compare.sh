#!/usr/bin/env bash
# Benchmarks the host built from an earlier commit against the current checkout, in one session,
# taking turns (before, after, before, after, ...) so that the machine's drift and noise fall on
# both alike. Each turn is one `bench/run.sh` run (RUNS=1) of the same servers and scenarios.
#
#   BEFORE=e5289f3 bench/compare.sh                              # ssehost, A B C, 3 turns each
#   BEFORE=e5289f3 TURNS=3 SERVERS="ssehost ssehost-defaults" SCENARIOS="A B C L20 L200" bench/compare.sh
#
# BEFORE is checked out as a git worktree under a temporary folder (removed at the end); both
# hosts are built in Release first. Results: one bench/results/<date>/ folder per turn; the
# folders of each side are listed at the end, and `python3 bench/measure.py summary DIR ...`
# prints any of them again.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${BEFORE:?set BEFORE to the commit to compare with}"
TURNS=${TURNS:-3}
export SERVERS=${SERVERS:-ssehost}
export SCENARIOS=${SCENARIOS:-"A B C"}
case $TURNS in '' | *[!0-9]* | 0) echo "compare.sh: TURNS must be a positive whole number" >&2; exit 2 ;; esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ssebench-compare.XXXXXX")
cleanup() {
  git -C "$ROOT" worktree remove --force "$WORK/before" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
git -C "$ROOT" worktree add -q --detach "$WORK/before" "$BEFORE"

# Build both hosts (and the load tool) once; the turns then use SKIP_BUILD=1.
(cd "$WORK/before" && dotnet build host -c Release -v q -nologo >/dev/null)
(cd "$ROOT" && dotnet build host -c Release -v q -nologo >/dev/null &&
  dotnet build tests/Baseline.Hub -c Release -v q -nologo >/dev/null &&
  dotnet build tests/SsePluginHost.LoadTool -c Release -v q -nologo >/dev/null)

before_dirs=()
after_dirs=()
latest() { ls -1d "$ROOT"/bench/results/*/ | sort | tail -1; }
for ((turn = 1; turn <= TURNS; turn++)); do
  for side in before after; do
    if [ "$side" = before ]; then host_root="$WORK/before"; else host_root="$ROOT"; fi
    echo "[compare] turn $turn of $TURNS: $side" >&2
    HOST_ROOT="$host_root" RUNS=1 SKIP_BUILD=1 "$ROOT/bench/run.sh" >/dev/null
    if [ "$side" = before ]; then before_dirs+=("$(latest)"); else after_dirs+=("$(latest)"); fi
  done
done

# One folder with both sides' runs, the servers renamed before-<server> and after-<server>, so
# that one table of medians shows them side by side.
OUT="$ROOT/bench/results/$(date +%Y-%m-%dT%H-%M-%S)-compare"
mkdir -p "$OUT/logs"
combine() { # SIDE DIR...
  local side=$1 n=0 dir f base tag
  shift
  for dir in "$@"; do
    n=$((n + 1))
    for f in "$dir"*.json; do
      [ -e "$f" ] || continue
      base=$(basename "$f" .json)           # <server>-<scenario>-1
      tag="$side-${base%-1}-$n"
      cp "$f" "$OUT/$tag.json"
      for ext in samples marks syscalls idle-stat perf.txt perf-comm.txt; do
        if [ -e "$dir/logs/$base.$ext" ]; then cp "$dir/logs/$base.$ext" "$OUT/logs/$tag.$ext"; fi
      done
    done
  done
}
combine before "${before_dirs[@]}"
combine after "${after_dirs[@]}"
servers=""
for s in $SERVERS; do servers="$servers before-$s after-$s"; done
{
  echo "# before ($BEFORE) and after ($(git -C "$ROOT" rev-parse --short HEAD)), $TURNS turns each, taking turns"
  echo
  echo "before: ${before_dirs[*]}"
  echo "after: ${after_dirs[*]}"
  echo
  python3 "$ROOT/bench/measure.py" summary "$OUT" "$servers" "$SCENARIOS"
} | tee "$OUT/summary.md"
