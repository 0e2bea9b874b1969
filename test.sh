#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone, installing what the tests need first.
# Usage: ./test.sh            (CI runs exactly this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is needed: https://dot.net" >&2
  exit 1
fi

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

dotnet restore SsePluginHost.sln
dotnet build SsePluginHost.sln --no-restore
dotnet format SsePluginHost.sln --verify-no-changes --no-restore

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test SsePluginHost.sln --no-build --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line: 'N passed, N failed'.
awk '/^ +Passed: +[0-9]+$/ { p += $2 } /^ +Failed: +[0-9]+$/ { f += $2 } END { printf "%d passed, %d failed\n", p, f }' "$log"
exit "$status"
