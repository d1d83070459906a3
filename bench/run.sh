#!/usr/bin/env bash
# bench/run.sh runs every section of the dockwire benchmark (issue 4) and
# writes bench/RESULTS.md. Raw results go to bench/out/ (not committed).
#
#   bench/run.sh                 everything, about 22 minutes on 2 cores (empty module cache)
#   DWBENCH_SECTIONS="2 3" bench/run.sh    only some sections, then the report
#
# Environment:
#   DWBENCH_ENGINES  name=host pairs of live engines
#                    (default d20=unix:///var/run/docker.sock,d28=unix:///tmp/d28/docker.sock)
#   DWBENCH_COUNT    -count of the testing.B benchmarks (default 6)
#   DWBENCH_REPS     cold builds per program (default 3)
#   DWBENCH_OUT      raw results directory (default bench/out)
#   DWBENCH_DOCKWIRE how to name the library version in the report (default:
#                    the git commit of the tree, and whether it has changes)
#   DWBENCH_KEEP=1   leave the dwbench-* containers running at the end, to
#                    run single benchmarks by hand (cd bench; go test -bench ...)
#   DWBENCH_SWARM_MANAGER  section 7's swarm manager (default unix:///tmp/d28/docker.sock,
#                    the two-node swarm of scripts/engines.sh start swarm)
#   DWBENCH_CURVES_HOST  section 8's real engine (default unix:///tmp/d28/docker.sock)
#   DWBENCH_REGISTRY, DWBENCH_REGISTRY_AUTH  section 8's registry for the pull curve
#                    (default 127.0.0.1:5000, dockwire:dockwire-pass: scripts/engines.sh start registry)
#
# Only sections 2, 4, 5 and 6 use the dwbench-* containers: a run of other
# sections alone (DWBENCH_SECTIONS="3 7") neither makes nor removes them.
# Section 8 creates about 1060 containers dwcurve-* (label dwcurve=1) and
# pushes 375 MiB of images dwcurve/pull to the registry, and removes them.
# Section 7 creates 100 services dwbench-svc-* (label dwbench.swarm=1, 2
# busybox replicas each) on the swarm and removes them when it ends.
#
# It needs go, the docker CLI, Debian's busybox-static (/bin/busybox) and,
# for section 6, hyperfine (installed with apt-get when missing and root).
# It creates containers named dwbench-* labelled dwbench=1 on every engine
# and removes them when it ends.
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
OUT=${DWBENCH_OUT:-$BENCH/out}
COUNT=${DWBENCH_COUNT:-6}
REPS=${DWBENCH_REPS:-3}
SECTIONS=${DWBENCH_SECTIONS:-1 2 3 4 5 6 7 8}
export DWBENCH_ENGINES=${DWBENCH_ENGINES:-d20=unix:///var/run/docker.sock,d28=unix:///tmp/d28/docker.sock}
export DWBENCH_TARGET=dwbench-target DWBENCH_LABEL=dwbench=1
IMAGE=dockwire-bench/busybox:latest
HYPERFINE_ARGS="--warmup 3 --runs 20"

log() { printf '%s run.sh: %s\n' "$(date +%T)" "$*" >&2; }
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
# Whether a section that uses the dwbench-* containers runs.
uses_containers() { want 2 || want 4 || want 5 || want 6; }

mkdir -p "$OUT"
cd "$BENCH"

# ---- engines

declare -a NAMES=() HOSTS=()
IFS=, read -ra pairs <<<"$DWBENCH_ENGINES"
for kv in "${pairs[@]}"; do
	NAMES+=("${kv%%=*}")
	HOSTS+=("${kv#*=}")
done

dk() { # dk HOST docker-args...: the docker CLI on one engine
	local host=$1
	shift
	DOCKER_HOST=$host docker "$@"
}

SWARM_MANAGER=${DWBENCH_SWARM_MANAGER:-unix:///tmp/d28/docker.sock}
CURVES_HOST=${DWBENCH_CURVES_HOST:-unix:///tmp/d28/docker.sock}
CURVES_REGISTRY=${DWBENCH_REGISTRY:-127.0.0.1:5000}
CURVES_AUTH=${DWBENCH_REGISTRY_AUTH:-dockwire:dockwire-pass}
SWARM_SERVICES=100
swarm_cleanup() {
	ids=$(dk "$SWARM_MANAGER" service ls -q --filter label=dwbench.swarm=1 2>/dev/null || true)
	[ -z "$ids" ] || dk "$SWARM_MANAGER" service rm $ids >/dev/null 2>&1 || true
}

cleanup() {
	want 7 && swarm_cleanup
	uses_containers && [ "${DWBENCH_KEEP:-}" != 1 ] && for host in "${HOSTS[@]}"; do
		ids=$(dk "$host" ps -aq --filter label=dwbench=1 2>/dev/null || true)
		[ -n "$ids" ] && dk "$host" rm -f $ids >/dev/null 2>&1 || true
	done
	[ -n "${LOGSERVER_PID:-}" ] && kill "$LOGSERVER_PID" 2>/dev/null || true
	[ -n "${CURVES_PID:-}" ] && kill "$CURVES_PID" 2>/dev/null || true
	want 8 && [ -n "${DWBENCH:-}" ] && "$DWBENCH" curves-cleanup -host "$CURVES_HOST" -registry "$CURVES_REGISTRY" >/dev/null 2>&1 || true
	rm -rf "${IMAGE_DIR:-/nonexistent}"
}
trap cleanup EXIT

# setup_engine builds the busybox image through the build API (FROM scratch,
# no registry) and starts the benchmark's containers: dwbench-target, whose
# log holds 1000 lines (one in ten on stderr) and which then sleeps, and
# four idle ones, so that the list has five entries.
IMAGE_DIR=$(mktemp -d)
cp /bin/busybox "$IMAGE_DIR/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nLABEL dwbench=1\n' >"$IMAGE_DIR/Dockerfile"
setup_engine() {
	local host=$1
	DOCKER_BUILDKIT=0 dk "$host" build -q -t "$IMAGE" "$IMAGE_DIR" >/dev/null 2>&1 ||
		DOCKER_BUILDKIT=0 dk "$host" build -t "$IMAGE" "$IMAGE_DIR"
	ids=$(dk "$host" ps -aq --filter label=dwbench=1)
	[ -n "$ids" ] && dk "$host" rm -f $ids >/dev/null
	dk "$host" run -d --name dwbench-target --label dwbench=1 "$IMAGE" sh -c '
		i=0
		while [ $i -lt 1000 ]; do
			if [ $((i % 10)) -eq 9 ]; then
				echo "WARN dwbench line $i: lorem ipsum dolor sit amet, consectetur adipiscing elit" >&2
			else
				echo "INFO dwbench line $i: lorem ipsum dolor sit amet, consectetur adipiscing elit"
			fi
			i=$((i + 1))
		done
		while :; do sleep 3600; done' >/dev/null
	for i in 1 2 3 4; do
		dk "$host" run -d --name "dwbench-idle-$i" --label dwbench=1 "$IMAGE" sh -c 'while :; do sleep 3600; done' >/dev/null
	done
	for _ in $(seq 50); do
		[ "$(dk "$host" logs dwbench-target 2>&1 | wc -l)" -ge 1000 ] && return 0
		sleep 0.1
	done
	echo "dwbench-target on $host did not write its log" >&2
	return 1
}

# ---- tools and facts

command -v hyperfine >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y hyperfine >/dev/null 2>&1; } || true
BENCHSTAT=$(command -v benchstat || echo "$(go env GOPATH)/bin/benchstat")
[ -x "$BENCHSTAT" ] || GOFLAGS= go install golang.org/x/perf/cmd/benchstat@latest
[ -x "$BENCHSTAT" ] || BENCHSTAT=""

log "building"
go test -c -o "$OUT/bench.test" .
go build -o "$OUT/dwbench" ./cmd/dwbench
(cd "$ROOT" && go build -o "$OUT/demo" ./cmd/demo)
DWBENCH=$OUT/dwbench

modver() { go list -m -f '{{.Path}} {{.Version}}' "$1"; }
{
	echo "DATE=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
	echo "CORES=$(nproc)"
	echo "MEMORY=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "KERNEL=$(uname -sr)"
	echo "OS=$(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "GO=$(go version | cut -d' ' -f3-)"
	if [ -n "${DWBENCH_DOCKWIRE:-}" ]; then
		echo "DOCKWIRE=$DWBENCH_DOCKWIRE"
	else
		echo "DOCKWIRE=$(cd "$ROOT" && git log -1 --format='%h (%cd)' --date=short)$(cd "$ROOT" && git diff --quiet HEAD -- . ':!bench' || echo ' + uncommitted changes')"
	fi
	echo "MOBY_CLIENT=$(modver github.com/moby/moby/client)"
	echo "MOBY_API=$(modver github.com/moby/moby/api)"
	echo "DOCKER_CLIENT_MODULE=$(modver github.com/docker/docker)"
	echo "DOCKER_CLI=$(docker version --format '{{.Client.Version}}' 2>/dev/null) (Debian docker.io)"
	echo "HYPERFINE=$(hyperfine --version 2>/dev/null || echo 'not installed: time loop')"
	echo "BENCHSTAT=${BENCHSTAT:-not installed}"
	echo "COUNT=$COUNT"
	echo "HYPERFINE_ARGS=$HYPERFINE_ARGS"
	echo "ENGINE_NAMES=${NAMES[*]}"
	engines=""
	for i in "${!NAMES[@]}"; do
		v=$(dk "${HOSTS[$i]}" version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')
		echo "ENGINE_${NAMES[$i]}=Docker $v"
		echo "HOST_${NAMES[$i]}=${HOSTS[$i]}"
		engines+="${NAMES[$i]}: Docker $v at ${HOSTS[$i]}; "
	done
	echo "ENGINES=${engines%; }"
} >"$OUT/facts.env"

# sections.env keeps, across invocations, when each section last ran and at
# which commit, so that a report merging a partial run (DWBENCH_SECTIONS)
# with an earlier full one says which numbers come from which.
touch "$OUT/sections.env"
for s in $SECTIONS; do
	sed -i "/^SECTION_$s=/d" "$OUT/sections.env"
	echo "SECTION_$s=$(date -u '+%Y-%m-%d %H:%M UTC'), dockwire $(grep '^DOCKWIRE=' "$OUT/facts.env" | cut -d= -f2-)" >>"$OUT/sections.env"
done

uses_containers && for host in "${HOSTS[@]}"; do
	log "setting up $host"
	setup_engine "$host"
done

# ---- 1. weight

if want 1; then
	log "section 1: weight ($REPS cold builds per program)"
	# Downloads first: the measured commands run with GOPROXY=off, so fetch
	# everything they read. go mod download alone is not enough: it fetches
	# the modules the build needs, while go list -m all also reads the
	# go.mod files of the rest of the module graph.
	for d in weight/*/; do
		(cd "$d" && go mod download && go list -m all >/dev/null && go list -deps . >/dev/null)
	done
	"$DWBENCH" weight -dir weight -reps "$REPS" >"$OUT/weight.json"
fi

# ---- 2. per-call cost

if want 2; then
	log "section 2: per-call cost, real engines"
	"$OUT/bench.test" -test.run '^$' -test.bench 'Call/.*/backend=real/op=(ping|list|inspect|logs)/' \
		-test.benchtime 300ms -test.count "$COUNT" -test.benchmem | tee "$OUT/calls-real.txt" >&2
	log "section 2: exec round trips, real engines"
	"$OUT/bench.test" -test.run '^$' -test.bench 'Call/.*/backend=real/op=exec/' \
		-test.benchtime 15x -test.count "$COUNT" -test.benchmem | tee "$OUT/calls-exec.txt" >&2
	log "section 2: fake engines"
	DWBENCH_RECORDINGS=$OUT "$OUT/bench.test" -test.run '^$' -test.bench 'Call/.*/backend=fake/' \
		-test.benchtime 300ms -test.count "$COUNT" -test.benchmem | tee "$OUT/calls-fake.txt" >&2
	if [ -n "$BENCHSTAT" ]; then
		cat "$OUT"/calls-{real,exec,fake}.txt >"$OUT/calls-all.txt"
		"$BENCHSTAT" -col /client "$OUT/calls-all.txt" >"$OUT/benchstat-calls.txt" 2>&1 || true
	fi
	log "section 2: allocation profiles of dockwire against the fake engine"
	last=${NAMES[${#NAMES[@]}-1]}
	: >"$OUT/profiles.txt"
	for op in ping list inspect logs exec; do
		"$OUT/bench.test" -test.run '^$' -test.bench "Call/engine=$last/backend=fake/op=$op/client=dockwire\$" \
			-test.benchtime 2000x -test.memprofile "$OUT/mem-$op.prof" -test.memprofilerate 1 >/dev/null
		{
			echo "== $op (engine $last, fake) =="
			go tool pprof -top -sample_index=alloc_objects -nodecount=20 "$OUT/bench.test" "$OUT/mem-$op.prof" 2>/dev/null | sed -n '/^Showing\|flat/,$p'
			echo
		} >>"$OUT/profiles.txt"
	done
fi

# ---- 3. stdcopy

if want 3; then
	log "section 3: stdcopy"
	"$OUT/bench.test" -test.run '^$' -test.bench 'Stdcopy' -test.benchtime 500ms -test.count "$COUNT" -test.benchmem |
		tee "$OUT/stdcopy.txt" >&2
	[ -n "$BENCHSTAT" ] && { "$BENCHSTAT" -col /impl "$OUT/stdcopy.txt" >"$OUT/benchstat-stdcopy.txt" 2>&1 || true; }
fi

# ---- 4. memory under streams

if want 4; then
	log "section 4: memory, 1 GiB follows from a fake daemon"
	: >"$OUT/memory.jsonl"
	sock=$(mktemp -u /tmp/dwbench-logs-XXXXXX.sock)
	"$DWBENCH" serve-logs -socket "$sock" -bytes $((1 << 30)) &
	LOGSERVER_PID=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	for cl in dockwire moby; do
		"$DWBENCH" follow -host "unix://$sock" -container app -client "$cl" -test "follow 1 GiB, fake" >>"$OUT/memory.jsonl"
	done
	kill "$LOGSERVER_PID"
	LOGSERVER_PID=
	rm -f "$sock"

	last=$((${#HOSTS[@]} - 1))
	host=${HOSTS[$last]}
	log "section 4: memory, 1 GiB follow from ${NAMES[$last]}"
	dk "$host" rm -f dwbench-flood >/dev/null 2>&1 || true
	dk "$host" create --name dwbench-flood --label dwbench=1 "$IMAGE" sh -c 'head -c 1073741824 /dev/zero | tr "\0" x | fold -w 999' >/dev/null
	"$DWBENCH" follow -host "$host" -container dwbench-flood -start -client dockwire -test "follow 1 GiB, ${NAMES[$last]}" >>"$OUT/memory.jsonl"
	dk "$host" rm -f dwbench-flood >/dev/null

	for i in "${!HOSTS[@]}"; do
		log "section 4: builds with a 512 MiB context on ${NAMES[$i]}"
		"$DWBENCH" build -host "${HOSTS[$i]}" -size $((512 << 20)) -tag dwbench/context:latest -test "build 512 MiB, ${NAMES[$i]}" >>"$OUT/memory.jsonl"
	done
	"$DWBENCH" build -host "$host" -size $((64 << 20)) -tag dwbench/context:latest -test "build 64 MiB, ${NAMES[$last]}" >>"$OUT/memory.jsonl"
	for i in "${!HOSTS[@]}"; do
		log "section 4: import and export of 1 GiB on ${NAMES[$i]}"
		"$DWBENCH" transfer -host "${HOSTS[$i]}" -bytes $((1 << 30)) -name "${NAMES[$i]}" >>"$OUT/memory.jsonl"
	done

	: >"$OUT/capture.jsonl"
	for i in "${!HOSTS[@]}"; do
		log "section 4: ExecCapture of 50 MB on ${NAMES[$i]}"
		"$DWBENCH" capture -host "${HOSTS[$i]}" -container "$DWBENCH_TARGET" -bytes 50000000 -test "capture 50 MB, ${NAMES[$i]}" >>"$OUT/capture.jsonl"
		"$DWBENCH" capture -host "${HOSTS[$i]}" -container "$DWBENCH_TARGET" -bytes 50000000 -discard -test "Exec of 50 MB to io.Discard, ${NAMES[$i]}" >>"$OUT/capture.jsonl"
	done
fi

# ---- 5. concurrency

if want 5; then
	: >"$OUT/concurrency.jsonl"
	for host in "${HOSTS[@]}"; do
		for cl in dockwire moby; do
			log "section 5: 64 x 1000 inspects, $cl on $host"
			"$DWBENCH" concurrency -host "$host" -client "$cl" -goroutines 64 -calls 1000 >>"$OUT/concurrency.jsonl"
		done
	done
fi

# ---- 6. CLI comparison

if want 6; then
	rm -f "$OUT"/cli-*.json
	for i in "${!HOSTS[@]}"; do
		export DOCKER_HOST=${HOSTS[$i]}
		e=${NAMES[$i]}
		log "section 6: CLI on $e"
		run_pair() { # run_pair NAME DEMO-ARGS -- DOCKER-ARGS
			local name=$1 demo=$2 docker=$3
			if command -v hyperfine >/dev/null; then
				# shellcheck disable=SC2086
				hyperfine -N $HYPERFINE_ARGS --export-json "$OUT/cli-$e-$name.json" \
					"$OUT/demo $demo" "docker $docker" >>"$OUT/hyperfine.log" 2>&1
			else
				# No hyperfine: time each run and write the same JSON shape.
				python3 - "$OUT/cli-$e-$name.json" "$OUT/demo $demo" "docker $docker" <<'PY'
import json, statistics, subprocess, sys, time
out, cmds = sys.argv[1], sys.argv[2:]
res = []
for c in cmds:
    for _ in range(3):
        subprocess.run(c.split(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts = []
    for _ in range(20):
        t = time.perf_counter()
        subprocess.run(c.split(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ts.append(time.perf_counter() - t)
    res.append({"command": c, "median": statistics.median(ts), "min": min(ts), "max": max(ts), "times": ts})
json.dump({"results": res}, open(out, "w"))
PY
			fi
		}
		run_pair ps "ps" "ps"
		run_pair exec "exec dwbench-target -- true" "exec dwbench-target true"
		run_pair logs "logs --tail 100 dwbench-target" "logs --tail 100 dwbench-target"
		unset DOCKER_HOST
	done
fi

# ---- 8. scale curves (run before 7, whose 200 swarm tasks leave the machine busy)

if want 8; then
	log "section 8: scale curves on the fake engine and on $CURVES_HOST"
	DOCKER_BUILDKIT=0 dk "$CURVES_HOST" build -q -t "$IMAGE" "$IMAGE_DIR" >/dev/null
	"$DWBENCH" serve-curves -socket "$OUT/curves.sock" -testdata "$ROOT/testdata/docker-28.5" 2>"$OUT/serve-curves.log" &
	CURVES_PID=$!
	for _ in $(seq 100); do [ -S "$OUT/curves.sock" ] && break; sleep 0.1; done
	"$DWBENCH" curves-setup -host "$CURVES_HOST" -registry "$CURVES_REGISTRY" -auth "$CURVES_AUTH"
	rm -f "$OUT/curves.jsonl"
	# A failed point is missing from the report, which says so; the run goes on.
	"$DWBENCH" curves -fake "$OUT/curves.sock" -host "$CURVES_HOST" -registry "$CURVES_REGISTRY" -auth "$CURVES_AUTH" \
		-out "$OUT/curves.jsonl" || log "section 8: some points failed (above)"
	"$DWBENCH" curves-cleanup -host "$CURVES_HOST" -registry "$CURVES_REGISTRY"
	kill "$CURVES_PID" 2>/dev/null || true
	CURVES_PID=
	echo "CURVES_HOST=$CURVES_HOST" >>"$OUT/facts.env"
fi

# ---- 7. swarm lists

if want 7; then
	log "section 7: $SWARM_SERVICES services x 2 replicas on $SWARM_MANAGER"
	swarm_cleanup
	for i in $(seq "$SWARM_SERVICES"); do
		dk "$SWARM_MANAGER" service create -d -q --no-resolve-image --name "dwbench-svc-$i" --label dwbench.swarm=1 \
			--replicas 2 --stop-grace-period 1s busybox:local sleep 86400 >/dev/null
	done
	for _ in $(seq 600); do
		running=$(dk "$SWARM_MANAGER" service ls --filter label=dwbench.swarm=1 --format '{{.Replicas}}' | grep -c '^2/2' || true)
		[ "$running" -ge "$SWARM_SERVICES" ] && break
		sleep 1
	done
	log "section 7: $running of $SWARM_SERVICES services at 2/2"
	echo "SWARM_SERVICES=$SWARM_SERVICES" >>"$OUT/facts.env"
	echo "SWARM_MANAGER=$SWARM_MANAGER" >>"$OUT/facts.env"
	echo "SWARM_NODES=$(dk "$SWARM_MANAGER" node ls --format '{{.Hostname}} ({{.Status}})' | xargs)" >>"$OUT/facts.env"
	DWBENCH_SWARM_MANAGER=$SWARM_MANAGER DWBENCH_SWARM_SERVICES=$SWARM_SERVICES "$OUT/bench.test" -test.run '^$' -test.bench 'Swarm/' \
		-test.benchtime 20x -test.count "$COUNT" -test.benchmem | tee "$OUT/swarm.txt" >&2
	swarm_cleanup
fi

# ---- report

{
	echo "LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)"
	load_start=$(grep '^LOAD_START=' "$OUT/facts.env" | cut -d= -f2)
	echo "LOADAVG=$load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "LOAD_NOTE=$(nproc) cores with a load average of ${load_start%% *} at the start and $(cut -d' ' -f1 /proc/loadavg) at the end"
} >>"$OUT/facts.env"
log "writing RESULTS.md"
"$DWBENCH" report -dir "$OUT" -plots "$BENCH/curves" >"$BENCH/RESULTS.md"
log "done: $BENCH/RESULTS.md"
