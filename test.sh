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

# The browser tests drive Debian's chromium with the npm package playwright-core; the backplane
# tests run real redis-server processes, and nginx as the load balancer in front of several hosts;
# the test of README's "A plugin in two minutes" runs its curl commands.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "error: Node.js 20 or later (node, npm) is needed for the browser test: https://nodejs.org" >&2
  exit 1
fi
(cd tests/browser && npm ci --no-audit --no-fund)

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
