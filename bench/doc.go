// Package bench measures dockwire against the moby clients: weight,
// per-call cost, stdcopy throughput, memory under streams, concurrency and
// whole-process CLI time, and the swarm lists (ServiceList and TaskList of
// 100 services). Its benchmarks are in the _test.go files; run.sh
// runs everything and writes RESULTS.md. It is a module of its own so that
// the moby modules never enter dockwire's go.mod.
package bench
