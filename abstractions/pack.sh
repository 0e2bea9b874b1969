#!/usr/bin/env bash
# Packs SsePluginHost.Abstractions and validates the package against the contract's last release.
#
# Usage: abstractions/pack.sh OUT [--project DIR] [--baseline NUPKG]
#   OUT               the folder the package is written to (made if missing)
#   --project DIR     pack the contract in DIR instead of this folder (a copy with a change being tried)
#   --baseline NUPKG  compare with this package instead of packing the last release from git
#
# The last release is named in SsePluginHost.Abstractions.csproj: ContractBaselineVersion, and
# ContractBaselineCommit, the commit it was packed from. Its files are taken from that commit with
# git archive into a temp folder (no binary is kept in the repository) and packed there, into
# OUT/baseline/; then the contract is packed with package validation comparing it with that
# package (PackageValidationBaselinePath), so a shipped member removed or changed fails with
# CP0002 and the like, and no package is written to OUT. CONTRACT.md says how the contract may grow.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
usage="usage: abstractions/pack.sh OUT [--project DIR] [--baseline NUPKG]"

out=""
project="$here"
baseline=""
while [ $# -gt 0 ]; do
  case "$1" in
    --project) project="$(cd "${2:?$usage}" && pwd)"; shift 2 ;;
    --baseline) baseline="${2:?$usage}"; shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    -*) echo "$usage" >&2; exit 2 ;;
    *) if [ -n "$out" ]; then echo "$usage" >&2; exit 2; fi; out="$1"; shift ;;
  esac
done
if [ -z "$out" ]; then
  echo "$usage" >&2
  exit 2
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
csproj="$project/SsePluginHost.Abstractions.csproj"
version="$(dotnet msbuild "$csproj" -getProperty:ContractBaselineVersion)"
commit="$(dotnet msbuild "$csproj" -getProperty:ContractBaselineCommit)"
if [ -z "$version" ] || [ -z "$commit" ]; then
  echo "error: $csproj names no ContractBaselineVersion and ContractBaselineCommit" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "$baseline" ]; then
  repo="$(git -C "$here" rev-parse --show-toplevel)"
  if ! git -C "$repo" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "error: commit $commit, the $version release of the contract, is not in this clone ($repo); fetch the whole history (git fetch --unshallow)" >&2
    exit 1
  fi

  # The contract's folder and the build settings it was built with at that commit.
  paths=()
  for path in abstractions Directory.Build.props Directory.Build.targets .editorconfig global.json; do
    if git -C "$repo" cat-file -e "$commit:$path" 2>/dev/null; then
      paths+=("$path")
    fi
  done
  git -C "$repo" archive --format=tar "$commit" -- "${paths[@]}" | tar -x -C "$work"

  echo "Packing the baseline: SsePluginHost.Abstractions $version from commit $commit"
  dotnet pack "$work/abstractions" -c Release -o "$out/baseline" -p:EnablePackageValidation=false
  baseline="$out/baseline/SsePluginHost.Abstractions.$version.nupkg"
fi
if [ ! -f "$baseline" ]; then
  echo "error: no baseline package at $baseline" >&2
  exit 1
fi
baseline="$(cd "$(dirname "$baseline")" && pwd)/$(basename "$baseline")"

# Packed aside first, so that a package that fails validation never lands in OUT.
echo "Packing $project, validated against $baseline"
dotnet pack "$project" -c Release -o "$work/package" -p:PackageValidationBaselinePath="$baseline"
package="$(ls "$work/package/"*.nupkg)"
mv -f "$package" "$out/"
echo "$out/$(basename "$package"): validated against SsePluginHost.Abstractions $version"
