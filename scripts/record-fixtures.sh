#!/usr/bin/env bash
# Re-record the replay fixtures from the real engines, then refresh the golden files.
#
#   scripts/record-fixtures.sh            every engine: testdata/docker-20.10, docker-26.1, docker-28.5
#   scripts/record-fixtures.sh d20        only Docker 20.10 (API 1.41)
#   scripts/record-fixtures.sh d26        only Docker 26.1 (API 1.45)
#   scripts/record-fixtures.sh d28        only Docker 28.5 (API 1.51)
#
# Each engine gets three sessions: the full script of internal/record in testdata/<engine>/
# (played by the root package's TestReplay), its BuildKit builds in testdata/<engine>/buildkit/
# (played by TestReplayBuildKit) and the demo's tour in testdata/<engine>/tour/
# (replayed by `go run ./cmd/demo tour` when no engine answers, and by internal/tour's and
# cmd/demo's replay tests). Docker 28.5 gets a fourth, the swarm calls of internal/record's
# SwarmScript in testdata/docker-28.5/swarm/, recorded on the manager of the two-node swarm
# (`engines.sh start swarm`) and played by TestReplaySwarm, and Docker 20.10 the same on a
# single-node swarm made for the recording (testdata/docker-20.10/swarm/); the secret's content is
# redacted by the recorder, and the test checks that it is nowhere in the files. Every engine
# also gets the registry calls of internal/record's RegistryScript in testdata/<engine>/registry/,
# against the test bed's registry (`engines.sh start registry`), played by TestReplayRegistry;
# the recorder redacts the credentials, and the test checks the password is in no file.
#
# Starts the engines with scripts/engines.sh (needs root), runs cmd/record against each one
# after the other (the script's networks use fixed subnets, so never two at once), then
# `go test -run 'TestReplay' -update .` and the replay tests again without -update.
# See internal/record/README.md for what is recorded and how it is normalised.
set -euo pipefail

cd "$(dirname "$0")/.."

declare -A SOCK=([d20]=/var/run/docker.sock [d26]=/tmp/d26/docker.sock [d28]=/tmp/d28/docker.sock)
declare -A DIR=([d20]=testdata/docker-20.10 [d26]=testdata/docker-26.1 [d28]=testdata/docker-28.5)

engines=("$@")
[ ${#engines[@]} -gt 0 ] || engines=(d20 d26 d28)
for e in "${engines[@]}"; do
  [ -n "${SOCK[$e]:-}" ] || { echo "record-fixtures: unknown engine '$e' (want d20, d26 or d28)" >&2; exit 2; }
done

bash scripts/engines.sh start "${engines[@]}"
case " ${engines[*]} " in *" d28 "*) bash scripts/engines.sh start swarm ;; esac
bash scripts/engines.sh start registry
set -a; eval "$(bash scripts/engines.sh env registry)"; set +a

# record_single_node_swarm ENGINE: the swarm calls into testdata/<engine>/swarm, on a single-node
# swarm made for them on an engine in no swarm, left again after, with the docker_gwbridge
# network it brought.
record_single_node_swarm() {
  local sock=${SOCK[$1]} dir=${DIR[$1]}/swarm bridge rc=0
  [ "$(docker -H "unix://$sock" info --format '{{.Swarm.LocalNodeState}}')" = inactive ] ||
    { echo "record-fixtures: unix://$sock is in a swarm already: leave it first" >&2; return 1; }
  bridge=$(docker -H "unix://$sock" network ls -q --filter name=^docker_gwbridge$)
  bash scripts/engines.sh busybox "$1"
  docker -H "unix://$sock" swarm init --listen-addr 127.0.0.1:2377 --advertise-addr 127.0.0.1 >/dev/null
  go run ./cmd/record -host "unix://$sock" -out "$dir" -script swarm || rc=$?
  docker -H "unix://$sock" swarm leave --force >/dev/null
  [ -n "$bridge" ] || docker -H "unix://$sock" network rm docker_gwbridge >/dev/null
  return "$rc"
}

for e in "${engines[@]}"; do
  go run ./cmd/record -host "unix://${SOCK[$e]}" -out "${DIR[$e]}"
  go run ./cmd/record -host "unix://${SOCK[$e]}" -out "${DIR[$e]}/tour" -script tour
  go run ./cmd/record -host "unix://${SOCK[$e]}" -out "${DIR[$e]}/buildkit" -script buildkit
  go run ./cmd/record -host "unix://${SOCK[$e]}" -out "${DIR[$e]}/registry" -script registry
  if [ "$e" = d28 ]; then
    go run ./cmd/record -host "unix://${SOCK[$e]}" -out "${DIR[$e]}/swarm" -script swarm
  elif [ "$e" = d20 ]; then
    record_single_node_swarm "$e"
  fi
done

go test -count=1 -run 'TestReplay' -update .
go test -count=1 -run 'TestReplay' . ./internal/tour ./cmd/demo
du -sh testdata/docker-*
