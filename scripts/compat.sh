#!/usr/bin/env bash
# Regenerates COMPATIBILITY.md: runs the live suite once per engine (with the
# registry, for push and pull) and turns the `go test -json` output into the
# table with internal/compat. Run from the repo root with the engines started
# (scripts/engines.sh start ENGINE... registry).
#
#   bash scripts/compat.sh                 # d20 d26 d28 podman
#   bash scripts/compat.sh d20 podman5     # any names scripts/engines.sh knows
#   COMPAT_REUSE=1 bash scripts/compat.sh  # keep runs already in $COMPAT_DIR
#
# Each run's output stays in $COMPAT_DIR (default /tmp/dockwire-compat) as NAME.json.
set -euo pipefail
cd "$(dirname "$0")/.."

engines=("$@")
[ ${#engines[@]} -gt 0 ] || engines=(d20 d26 d28 podman)
dir=${COMPAT_DIR:-/tmp/dockwire-compat}
mkdir -p "$dir"

args=()
for name in "${engines[@]}"; do
  out="$dir/$name.json"
  args+=("$name=$out")
  if [ "${COMPAT_REUSE:-}" = 1 ] && [ -s "$out" ]; then
    echo "compat: $name: reusing $out" >&2
    continue
  fi
  # Only this engine in DOCKWIRE_HOSTS: env prints nothing for one that does not answer.
  env_lines=$(bash scripts/engines.sh env "$name" registry)
  grep -q '^DOCKWIRE_HOSTS=' <<<"$env_lines" || { echo "compat: $name does not answer; start it with scripts/engines.sh start $name" >&2; exit 1; }
  echo "compat: $name: go test -json ./... > $out" >&2
  # A failing test is data for the table, not the end of the script.
  (set -a; eval "$env_lines"; DOCKWIRE_LIVE=1 go test -count=1 -json -timeout 60m ./... >"$out") || true
done
go run ./internal/compat "${args[@]}" >COMPATIBILITY.md
echo "compat: wrote COMPATIBILITY.md" >&2
