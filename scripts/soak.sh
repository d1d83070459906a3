#!/usr/bin/env bash
# Runs the whole test suite N times (default 20) against the live engines, to find the tests that
# flake or hang under load, and prints per test how many runs it failed or hung in, and each run's
# wall time. It starts the engines like .ci/run does (scripts/engines.sh start d20 d28 tls swarm registry).
#
#   scripts/soak.sh [N]
#
# Environment:
#   SOAK_BUSY=K        K busy loops beside the suite, each pinned to a core (default 0)
#   SOAK_TIMEOUT=D     go test -timeout of each run (default 20m, as in .ci/run): a run that passes it hung, and
#                      the test named by "panic: test timed out" is counted as hung
#   SOAK_OUT=DIR       where each run's output goes (default /tmp/soak-<time>)
#   SOAK_PKGS="P..."   the packages (default ./...)
#
# Each run has its own -shuffle seed, printed beside it: `go test -shuffle=SEED ...` replays its order.
# Exits 0 when every run passed.
set -uo pipefail

N=${1:-20}
BUSY=${SOAK_BUSY:-0}
TIMEOUT=${SOAK_TIMEOUT:-20m}
OUT=${SOAK_OUT:-/tmp/soak-$(date +%Y%m%d-%H%M%S)}
read -r -a PKGS <<<"${SOAK_PKGS:-./...}"

cd "$(dirname "$0")/.."
mkdir -p "$OUT"
log() { printf '[soak %(%H:%M:%S)T] %s\n' -1 "$*" | tee -a "$OUT/summary.txt" >&2; }

# The engines and services of the live suite, as .ci/run has them: Docker 20.10 and 28.5, 28.5
# behind TLS, the swarm and the registry (without their variables, their live tests fail). Those
# that answer already are left alone; engines.sh start waits for its lock, which another start
# (of other engines) may hold for minutes.
ENGINES=(d20 d28 tls swarm registry)
bash scripts/engines.sh start "${ENGINES[@]}" || { echo "soak: the engines did not start; see scripts/engines.sh status" >&2; exit 1; }
set -a
eval "$(bash scripts/engines.sh env "${ENGINES[@]}")"
set +a
for v in DOCKWIRE_TLS_HOST DOCKWIRE_SWARM_MANAGER DOCKWIRE_REGISTRY; do
  [ -n "${!v:-}" ] || { echo "soak: $v is not set: a service does not answer; see scripts/engines.sh status" >&2; exit 1; }
done
[ "${DOCKWIRE_HOSTS:-}" != "${DOCKWIRE_HOSTS/,/}" ] || { echo "soak: want 2 engines, got '${DOCKWIRE_HOSTS:-}'; see scripts/engines.sh status" >&2; exit 1; }
export DOCKWIRE_LIVE=1

busy=()
stop_busy() {
  local pid
  for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null; done
  busy=()
}
trap stop_busy EXIT
trap 'stop_busy; exit 130' INT TERM
cores=$(nproc)
for ((i = 0; i < BUSY; i++)); do
  taskset -c $((i % cores)) bash -c 'while :; do :; done' &
  busy+=("$!")
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$([ -n "$(git status --porcelain 2>/dev/null)" ] && echo " (with uncommitted changes)")
log "commit $commit$dirty, $N runs of go test -race -count=1 -shuffle=SEED -timeout $TIMEOUT ${PKGS[*]}"
log "engines $DOCKWIRE_HOSTS, TLS $DOCKWIRE_TLS_HOST, swarm, registry $DOCKWIRE_REGISTRY; $BUSY busy loop(s) on $cores cores; $(go version)"

# Build once, so that the first run's wall time is comparable with the others.
go test -race -count=1 -run '^$' "${PKGS[@]}" >/dev/null 2>&1 || true

declare -A failed=() hung=()
passed=0
for ((run = 1; run <= N; run++)); do
  seed=$(( (RANDOM << 15) | RANDOM ))
  f="$OUT/run-$run.txt"
  start=$SECONDS
  go test -race -count=1 -v -shuffle="$seed" -timeout "$TIMEOUT" "${PKGS[@]}" >"$f" 2>&1
  rc=$?
  wall=$((SECONDS - start))

  # Tests that failed: "--- FAIL: TestX (0.01s)", subtests indented the same way.
  mapfile -t fails < <(sed -n 's/^ *--- FAIL: \([^ ]*\) .*/\1/p' "$f" | sort -u)
  # Tests that hung: the timeout panic lists the tests still running.
  mapfile -t hangs < <(awk '
    /^panic: test timed out after/ { inpanic = 1; next }
    inpanic && /running tests:/    { listing = 1; next }
    listing && /^[ \t]+[A-Za-z_][^ ]* \([0-9]/ { sub(/^[ \t]+/, ""); sub(/ \(.*/, ""); print; next }
    listing                        { inpanic = 0; listing = 0 }
  ' "$f" | sort -u)
  # Packages that failed without naming a test (a build failure, a panic in TestMain).
  mapfile -t pkgfails < <(sed -n 's/^FAIL[ \t]\+\([^ \t]\+\).*/\1/p' "$f" | sort -u)

  for name in "${fails[@]}"; do failed[$name]=$((${failed[$name]:-0} + 1)); done
  for name in "${hangs[@]}"; do hung[$name]=$((${hung[$name]:-0} + 1)); done
  status=ok
  if [ "$rc" -ne 0 ]; then
    status=FAIL
    [ ${#hangs[@]} -gt 0 ] && status=HANG
    if [ ${#fails[@]} -eq 0 ] && [ ${#hangs[@]} -eq 0 ]; then
      for p in "${pkgfails[@]:-unknown}"; do failed["(package) $p"]=$((${failed["(package) $p"]:-0} + 1)); done
    fi
  else
    passed=$((passed + 1))
  fi
  log "run $run/$N: $status in ${wall}s, seed $seed${fails:+, failed: ${fails[*]}}${hangs:+, hung: ${hangs[*]}}  ($f)"
done

{
  echo
  echo "summary: $passed of $N runs passed; commit $commit$dirty; $BUSY busy loop(s); $(date -u '+%Y-%m-%d %H:%M UTC')"
  if [ ${#failed[@]} -eq 0 ] && [ ${#hung[@]} -eq 0 ]; then
    echo "no test failed or hung"
  else
    printf '%-70s %6s %6s\n' "test" "failed" "hung"
    while IFS= read -r name; do
      printf '%-70s %6d %6d\n' "$name" "${failed[$name]:-0}" "${hung[$name]:-0}"
    done < <(printf '%s\n' "${!failed[@]}" "${!hung[@]}" | sort -u)
  fi
  echo "wall time per run (s): $(sed -n 's/.*run [0-9]*\/[0-9]*: [A-Za-z]* in \([0-9]*\)s.*/\1/p' "$OUT/summary.txt" | tr '\n' ' ')"
} | tee -a "$OUT/summary.txt"

[ "$passed" -eq "$N" ]
