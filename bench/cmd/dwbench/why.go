package main

// whyMissed explains, by target ID, why dockwire missed a target: what
// profiling the client found, where in the library, and the proposed fix.
// The report prints an entry only for a target the run missed, so fixing
// the library retires its entry by itself. The figures quoted come from the
// investigation of 2026-11-27 (load average about 2 on 2 cores); the
// "prototype" is a scratch copy of the library with the named fix applied,
// measured with this benchmark and not committed.
var whyMissed = map[string]string{
	"curve-list-time": `
Profile of the list curve's dockwire point at 1000 containers on the fake engine (dwbench
curve-point -cpuprofile, 2026-12-02): before the fixes of fb619a4, engine.mounts was 25% of the call
(a gjson Get per field, each a scan from the mount's start) and growing a fresh 1.1 MB answer
buffer 16% (fetch pooled buffers only up to 1 MiB); with both fixed the point went from 0.62-0.66×
to 0.41-0.43× moby in repeated runs at load 1-3. DecodeList also walked the whole array once just to
count it; since 2026-12-03 the validating pass counts (jsonvalid.Count), 10% fewer instructions
to decode 1000 summaries (BenchmarkDecodeContainerList: 70.7M to 63.3M, cachegrind). What remains
is gjson walking each summary once (ForEach, parseAny, parseSquash: about 60%) plus validation
(jsonvalid, 23% of the instructions) and the copy of the body to a string. A run that misses
again was measured on a busier machine: compare RunNs.`,

	"curve-events-rate": `
Profile of dockwire's events point at 10^5 on the fake engine after 465206b (the splitter used to
read a byte at a time: 40% of the CPU, now 12%): gjson decoding each event into engine.Event with its
Actor.Attributes map is 35%, scanning for the message's end 12%, validation (jsonvalid) 5%, the
handoff from the reading goroutine to the loop (futex) 6%, the GC most of the rest. Each message is
read three times: split, validated, parsed. Since wall-clock runs on this VM spread by ±20%, the
cost was also counted in instructions (valgrind --tool=cachegrind, GOMAXPROCS=1, the difference
between the 10^4 and 3·10^4 points, 2026-12-03): dockwire 31.3k instructions per event (33.5k before
Event.decode read the Actor in one pass, 32.0k before the queue became a ring), moby 61.7k, so 2.0×
fewer. Of dockwire's: gjson's walk
(parseString, ForEach, parseSquash, parseAny, the float parse of time and timeNano) about 12k,
validation about 6k, the split about 5k, the GC and the attribute map most of the rest. 3× moby
is about 20k: one pass that splits, validates and decodes at once would save the split's 5k, and
a walk that skips string bodies a word at a time was tried (a drop-in for gjson's ForEach with
the same results, fuzzed against it): it saved 4% of the instructions on a 1000-container list
and none on an inspect, so it was not kept. Both are larger changes than this round. The rate was
1.4-2.1× moby's before the queue became a ring and 2.26-2.36× in the two runs after, with 0.24×
its allocations per event.`,

	"curve-events-rss": `
What grows from 10^3 to 10^6 events is the queue between the reading goroutine and the loop, and
the garbage collector's high-water mark. With a producer as fast as the fake engine the queue stays
fuller for longer; at 1024 events of about 1 KB decoded (Raw plus the attribute map) a full queue is
about 1 MiB. The bound is the design's (1024 events, the daemon's own per-subscriber buffer; 32 MiB
of JSON at most), so RSS does not grow with the number of events beyond that. Since 2026-12-03 the
queue is a ring that is allocated once (ring.go): a slice popped from the front was reallocated,
its live items copied, every time append reached its capacity, and bytes allocated per event fell
from 1222 to 966. Over repeated points on 2026-12-03 the growth from 10^3 to 10^6 measured +0.7 to
+1.8 MiB with either queue, and +0.34 MiB in the run of 2026-12-02: the target sits inside this
measure's run-to-run spread. A queue of 256 was tried and grew as much (+0.5 to +1.3 MiB), so the
queue's length is not what moves it; the rest is the GC's heap between cycles at about 290 MB/s of
allocation. Most of the peak above the baseline at every size (6-7 MiB) is the Go runtime's minimum
heap goal (4 MiB) filling before the first GC, which moby's side shows as well.`,

	"curve-stats-cpu": `
Profile of dockwire's stats point with 50 containers on the fake engine (a sample every 10 ms each):
the read syscalls are 20% of the process's CPU, the same one read per sample that moby's client
makes, and decoding the 1.7 KB sample 47% (gjson over per-CPU arrays and the 30-40 memory counters,
float parsing). f2da39b sized the counters' map from the document (map growth was 9%): 15.3 → 12.3
allocations per sample against moby's 92.8. On 2026-12-03 the decoders stopped calling gjson's Get
per field (each a scan from the object's start, skipping the nested values before the field) and
read each object in one pass: 157k → 131k instructions per sample (BenchmarkDecodeStats,
cachegrind), and the point went from 0.68-0.71× to 0.62-0.67× moby over two runs. Of what is left, gjson parses every
number as a float before the decoder reads it as an integer, and the memory counters are a map of
30-40 entries built per sample. With the syscalls common to both clients, 0.5× would need the
decoding at about a third of encoding/json's, which a walk through gjson does not reach.`,

	"curve-exec-p99": `
The daemon sets this figure: against the fake engine dockwire's p99 at 32 concurrent is 0.40-0.65×
moby's, so the client queues nothing, and on Docker 28.5 both clients run the same 45-50 execs a
second with the same p50. Until 2026-12-03 the point took 128 round trips, so its p99 was the second
slowest of them, and it moved between runs by more than the target's margin (1.04× in one run,
1.20× in the next, while the p50 went from 1.18× to 0.98×). It now takes 512 (16 per concurrent
call): four such points in a row on Docker 28.5 gave 0.95× and 0.99×.`,

	"curve-logs-tty-rate": `
moby's TTY side is the cheapest possible reader: bufio.Scanner straight over the response body, no
framing. Profile of dockwire's LineBytes point at 256 MiB (fake engine): read syscalls 39% (shared
with moby; 696ee8c reads 128 KiB at a time instead of 32 KiB), the line splitter and the yield 37%,
IndexByte 11%. dockwire also decodes the chunked transfer encoding itself. In repeated runs at load
about 1 the ratio was 1.3-1.6× moby; the four runs of section 8 on 2026-12-02 and 12-03 measured
1.52×, 1.51×, 1.52× and 1.34× at 1 GiB (1.65× at 256 MiB in the last), with no change to this path
between them: the target sits inside the point's run-to-run spread. On Docker 28.5 the daemon's
json-file reader sets the pace for both clients.`,

	"modules": `
Six modules are linked: dockwire, gjson with its match and pretty, and go-retryablehttp with
go-cleanhttp. Five is out of reach with the two runtime dependencies the project has chosen
(gjson links match and pretty; go-retryablehttp links go-cleanhttp), so the miss is a decision,
not an accident: go-retryablehttp's CheckRetry and Backoff types carry the retry policy of
idempotent GETs (request.go, retrier). A prototype that replaced it with a 40-line loop linked 4 modules; the project
keeps the library for now and states the price here.`,

	"listmodules": `
13 because go-retryablehttp's go.mod requires go-hclog, fatih/color, mattn/go-colorable,
mattn/go-isatty and golang.org/x/sys (none of them linked), on top of go-retryablehttp and
go-cleanhttp; go-cmp comes from dockwire's own go.mod (its tests). Without go-retryablehttp it
would be 6 (prototype). The issue anticipated these never-linked requirements; they cost
nothing in the binary.`,

	"coldbuild": `
The standard library is nearly all of both cold builds. "go build -debug-actiongraph" with an
empty cache: the dockwire program runs 22.5 s of compile actions of which 1.1 s are outside the
standard library; the moby program 26.1 s, 4.1 s outside (runtime 2.9 s, net/http 1.6–2.2 s,
crypto/tls 1.3 s, net 1.2 s in both). The floor is set by the imports: a program that makes one
net/http request cold-builds in 12.8 s against moby's 15.5 s (0.82×), one that speaks HTTP/1.1 by
hand over net in 7.2 s (0.46×). dockwire now speaks HTTP/1.1 itself (httpwire.go: the request
written into the connection's buffer, the response head parsed from it, chunked bodies both
ways), and since 2026-12-02 runs its retries without go-retryablehttp's Client, so net/http's
Transport is no longer linked (see the size targets), but net/http is still compiled:
go-retryablehttp imports it and its policy types take *http.Response, and WithTransport takes an
http.RoundTripper. 0.5× needs the project to drop go-retryablehttp and the net/http types with
it; that is a change of the fixed dependencies, not of the client. crypto/tls stays for TLS daemons (a further ~1.3 s).
The ratio also moves between runs more than any change to the library explains: floor-policy, whose
code has not changed, cold-built in 17.3 s, 22.2 s and 21.1 s in three runs of section 1
(2026-12-02 23:07, 2026-12-03 04:25, when other builds shared the machine for about a minute, and
04:32), and dockwire's program measured 0.86×, 0.96× and 1.03× moby's in the same three runs, with
medians of three builds each.`,

	"size": `
Since 2026-12-02 dockwire runs its retry loop itself, with go-retryablehttp's policy types
(request.go, retrier), instead of routing requests through retryablehttp.Client: net/http's
Transport and its HTTP/2 code (about 190 KiB of symbols, 0.79 MB of file) dropped out of the
program, which went from 7.30 MB to 6.51 MB stripped, 0.98× to 0.88× moby's (issue 12's target,
0.88×, is met). The issue 4 target of 0.85× needs 0.2 MB less: see the next entry for where the
program's bytes go beyond the floor of its dependencies; most of them are the library's own code
and what FromEnv must support (TLS client certificates, ssh:// hosts).`,

	"size-moby": `
The ratio is read to three places because the target sits at its second: 0.885× (the run of
2026-12-02) misses 0.88× by half a percent, about 35 KB of the 6.6 MB program. What the program carries beyond its five
calls is what FromEnv must support to do what the docker CLI does with the same environment:
TLS client certificates, ssh:// hosts and docker contexts. The scratch build of the next entry
(size-floor), without the ssh dialer and the TLS handshake and calling New instead of FromEnv, is
6.26 MB, 0.84× moby's program; so the target is met by the calls themselves and missed by the
environment support, which moby's program links as well.`,

	"size-floor": `
dockwire's program does five calls where the floors list containers. Measured by hand with Go
1.26.8 on 2026-12-03 (stripped): a dockwire program that only lists (FromEnv, ContainerList, print
the names) is 6.39 MB, 1.09× floor-policy (5.88 MB), and the five-call program 6.58 MB, 1.12×.
Against floor-policy the listing program adds about 280 KiB of symbols (go tool nm -size):
dockwire's own packages (FromEnv's discovery and docker contexts, the HTTP/1.1 codec, the pool,
errors), type data, crypto/ecdsa and crypto/rsa with their FIPS parts (about 80 KiB: the TLS
handshake with DOCKER_CERT_PATH's client certificate), os/exec, os and syscall (about 40 KiB:
ssh:// hosts run ssh), and net/http 11 KiB less (no http.ReadResponse). A scratch build of the
library with the ssh dialer and the TLS handshake cut out, its programs calling New on the Unix
socket instead of FromEnv, puts a number on that part: the listing program is then 6.07 MB
(1.03× floor-policy) and the five-call one 6.26 MB (1.06×). So 1.05× is within reach only of a
client that drops TLS client certificates, ssh hosts and docker contexts, or makes programs
import them separately; dockwire keeps FromEnv doing what the docker CLI does with the same
environment. The design choice itself is decided by floor-client − floor-policy: 0.7 MB is what
routing requests through go-retryablehttp's Client costs any program, and dockwire is 0.99×
floor-client: no heavier than the floor of the design it left. go-retryablehttp's package-level
defaultClient still makes an http.Transport at init, but the linker keeps a type's methods only
when reachable code calls them through an interface, so the Transport's code is dropped;
dockwire's own interface methods are named so that none matches one of Transport's
(transport.go, roundTripper: a method roundTrip(*http.Request) (*http.Response, error) kept the
whole Transport, because the linker matches unexported method names without their package).`,

	"floor": `
The raw floor reads the framing and nothing else; dockwire also validates and decodes the JSON,
and that is most of what is left. CPU profile of inspect against the fake engine (client time
only, 46 µs per call on a quiet machine, raw floor 29–36 µs): JSON 47% (gjson.Valid 17%, the
one-pass decoders 30%), system calls 19%, the exchange in dockwire's HTTP/1.1 codec under 10%,
go-retryablehttp and net/http.Client 3%. Since the previous run the codec replaced net/http's
Request.Write and ReadResponse (inspect 63 to 42 allocations) and list is close to 1.2×
(1.22–1.30× in the two runs of 2026-11-27 after that change; inspect 1.46–1.63×). The validation pass stays: without it an invalid body would decode into a
half-filled result (catalogue row C1). On the real engine the client competes with dockerd for the
two cores, so its CPU shows in the latency at more than its own size (about 77 µs of gap for
about 30 µs of client CPU on Docker 20.10). Within 1.2× of the floor for inspect would need the
whole client, JSON included, under about 25 µs per call.`,

	"inspect-floor": `
Validation stays a pass of its own, before decoding, so that an invalid answer never leaves a
half-filled result (catalogue row C1); what that pass costs was counted (valgrind --tool=cachegrind,
BenchmarkDecodeInspect on Docker 28.5's recorded inspect, 2026-12-03): about 220k instructions to
decode one inspect, of which validation (jsonvalid: Count, validString, validKey) is about 55k, a
quarter, and gjson's walk of the members (ForEach, parseString, parseSquash, parseAny) about half.
Decoding is about half of the client's CPU per inspect on the fake engine (profile of
BenchmarkCall/op=inspect: 35 of 70 µs), so folding validation into the walk would save about 9 µs a
call, 3-4% of a real-engine inspect; the raw floor itself moves by more than that between runs (on
Docker 20.10 its median was 184 µs in the run of 2026-12-02 and 245 µs in that of 2026-12-03, and
dockwire's stayed at 306-316 µs). So the second pass is kept, and the ratio is decided by the floor's
noise more than by the client: 1.72× and 1.37× in one run, 1.25× and 1.48× in the next.`,

	"latency": `
inspect meets it (0.51–0.55× moby in the two runs of 2026-11-27). list cannot, whatever the
client does: the daemon's own work dominates it, and the raw floor is already 0.55–0.62× moby's
list; dockwire's list is within 1.22–1.30× of that floor (0.71–0.78× moby), and its client time
against the fake engine is 0.38–0.47× moby's.`,

	"logs": `
At the floor on both engines. **Docker 20.10 (API 1.41):** ContainerLogs used to inspect the
container before every logs request to learn its Tty (before API 1.42 the daemon labels every
log stream raw): one more round trip and 62 more allocations. It now decides from the stream's
first bytes (logs.go, LogStream.sniff: a stream byte 0–3 and three zero bytes open a frame
header), which took this call from 1.07× to 0.77–0.79× moby. The raw floor itself is 0.70–0.75×
moby here and dockwire is 1.06–1.10× the floor; its client time against the fake engine is
0.14–0.16× moby's. **Docker 28.5:** the daemon reads the json-file log for most of the call;
the raw floor is 0.72–0.73× moby and dockwire 0.75–0.78× moby, 1.03–1.08× the floor (ranges over
the two runs of 2026-11-27). The 0.75× target sits closer to the floor than this machine's
run-to-run noise (±5%) can separate.`,

	"exec": `
An exec round trip is the daemon's time (runc starting a process, about 31–38 ms here); every
client waits the same, and the runs spread by ±10% (see the min–max): benchstat finds no
significant difference between dockwire and moby, and the runs of 2026-11-27 measured 0.93–0.99×
(the raw floor 0.93–1.00×). Measured with the raw client over 40 execs per engine, polling every 100 µs: the exit
code was already recorded at the first inspect after the output ended in 40 of 40, so ExecWait's
first 5 ms wait never applies. dockwire's own cost per exec is about 0.19–0.20 ms against moby's
0.37–0.39 ms (fake engine, 0.50–0.52×), under 1% of the round trip. The target cannot be told apart from noise on the real engine; the fake engine's ratio is
the one that shows the client.`,

	"allocs": `
Until 2026-12-02 every GET paid 7 allocations to go-retryablehttp and the net/http.Client it
wraps around the request (FromRequest, Client.do's cloneURL, makeHeadersCopier with
Header.Clone, WithContext); retries now run without its Client. The rest per exec of 3 requests and 1 dial: the response heads (one string, the Response, its
Header map and values each), the http.Request and its context copy, context.AfterFunc per
exchange, the dial (a non-upgraded exec start uses up its connection) and the JSON bodies.`,

	"stdcopy16": `
To a buffer it is met now (0.83–0.89× io.Copy, 1.31–1.42× moby): once nothing is buffered and 8 KiB
or more of a frame remain, stdcopy.Copy hands the rest of the payload to bytes.Buffer.ReadFrom,
so each byte is copied once, as io.Copy does (stdcopy/copy.go, the direct path). To io.Discard
dockwire and io.Copy both copy each byte once (source into a buffer) and the remaining gap is the
CPU's memmove: for copies of 2 KiB or more into an aligned destination it runs 2–3× slower when
the source is not 8-byte aligned (22 against 8–10 GB/s measured here), and the 8-byte headers
put every payload after the first off alignment, where io.Copy reads the source in aligned 8 KiB
steps. dockwire's buffer is now kept aligned to the stream position (stdcopy/decoder.go, fillTo),
which gained 14% on mixed frames and 4% on 16 KiB frames to io.Discard; what is left is io.Copy's
8 KiB destination staying in the L1 cache where dockwire's 32 KiB buffer does not (16 KiB reads
gained 6–14% on uniform frames but lost 18% on mixed ones, so the buffer stays). To io.Discard the runs
of 2026-11-27 measured 0.69–0.74× io.Copy, and 0.94–1.17× moby.`,

	"stdcopy64": `
To a buffer the 64-byte-frame ratio hovers around 10× (8.0× and 10.9× in two runs). dockwire
moves each small payload next to the previous one to drop the header between them
(copier.appendSmallFrames) and then writes the run: three copies of each byte against moby's
two, but one Write per 32 KiB instead of one per frame. With a buffer as the destination the
extra move is what is left to save; it could be avoided by writing runs of frames with a
vectored write (net.Buffers) when the writer is a connection or file.`,
}

// otherFindings are observations from the benchmark that no target
// covers.
const otherFindings = `
- **Open connections are not capped by default.** 64 goroutines opened 64 connections to the
  daemon at once (section 5); dockwire keeps 16 idle afterwards and closes the rest, as the pool
  size says. Like moby's transport, nothing bounds the connections in use unless asked:
  dockwire.WithMaxConns(n) does (a semaphore in connPool.get, released by every exchange).
- **Following logs through moby is slow.** The 1 GiB follow from the fake daemon takes about
  0.3 s with dockwire and about 7 s with moby (section 4; net/http's chunked body reader and
  StdCopy's Write per frame).
- **The fake engine shows the client.** Against it dockwire is 0.1–0.6× moby's time for every
  call; on the real engines most of that gap disappears into the daemon's time.`
