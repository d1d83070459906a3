package main

// whyMissed explains, by target ID, why dockwire missed a target: what
// profiling the client found, where in the library, and the proposed fix.
// The report prints an entry only for a target the run missed, so fixing
// the library retires its entry by itself. The figures quoted come from the
// investigation of 2026-11-27 (load average about 2 on 2 cores); the
// "prototype" is a scratch copy of the library with the named fix applied,
// measured with this benchmark and not committed.
var whyMissed = map[string]string{
	"modules": `
Six modules are linked: dockwire, gjson with its match and pretty, and go-retryablehttp with
go-cleanhttp. Five is out of reach with the two runtime dependencies the project has chosen
(gjson links match and pretty; go-retryablehttp links go-cleanhttp), so the miss is a decision,
not an accident: go-retryablehttp carries the retry policy of idempotent GETs (request.go,
newRetryClient). A prototype that replaced it with a 40-line loop linked 4 modules; the project
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
hand over net in 7.2 s (0.46×). So 0.5× needs a client that does not import net/http. dockwire
already has its own connection pool (transport.go); what it keeps of net/http is the request
and response types (http.Request, http.Response, http.Header), their wire format
(Request.Write and http.ReadResponse in connPool.exchange) and the WithTransport
(http.RoundTripper) option. **Proposal:** an own HTTP/1.1 codec in transport.go
(request line and headers written into the connection's bufio.Writer, chunked bodies both ways,
the 101 hand-over), which the allocation and floor targets below want as well; WithTransport
would then take dockwire's own round-tripper type. crypto/tls stays for TLS daemons (a further
~1.3 s).`,

	"size": `
Both binaries are mostly the same standard library: a program that makes one net/http request is
5.89 MB stripped, 0.79× moby's program. On top of that the dockwire program adds about 680 KB of
symbols: encoding/json 83 KB (request bodies), gjson and pretty 77 KB, regexp with regexp/syntax
and unicode tables 115 KB, dockwire's own packages 113 KB, crypto/ecdsa and crypto/rsa about
70 KB (certificate loading for DOCKER_CERT_PATH), go-retryablehttp 16 KB; and go-retryablehttp
with go-cleanhttp keep net/http.Transport (with its HTTP/2 bundle) linked although dockwire
never uses it. dockwire itself no longer compiles any regular expression at start-up (its
tag, digest, version-refusal and HTML parsing is by hand), but go-retryablehttp's own
package-level regexps keep the regexp engine linked. Without go-retryablehttp the prototype's
stripped program was 6.37 MB (0.86×), and about 6.08 MB (0.82×) with no regexp at all.`,

	"floor": `
dockwire spends more CPU per call than the exchange costs. Against the fake engine (client time
only) inspect took 84–98 µs against 31–35 µs for the raw floor when this was profiled: JSON
decoding 52%, the request and response machinery about 30% (net/http Request.Write and
ReadResponse 17%, go-retryablehttp and net/http.Client the rest). The decoders of Config,
HostConfig, State and network endpoints now make one pass per object instead of one gjson Get
(a rescan) per field, which the prototype measured at 57–72 µs per inspect. On the real engine
the client competes with dockerd for the two cores, so its CPU shows in the latency. Within 1.2×
of the floor means a client cost of about 25 µs per call, which needs an own HTTP/1.1 codec in
place of net/http's Request.Write and ReadResponse (see the cold-build entry).`,

	"latency": `
inspect meets it or nearly (0.56–0.62× moby across runs). list cannot, whatever the client does:
the daemon's own work dominates it, and the raw floor is already 0.57–0.61× moby's list. The
decoding fix of the floor finding moves dockwire's list from 0.77–0.83× to about 0.76×
(prototype, real engines), i.e. most of the way to the floor; the rest is the HTTP codec.`,

	"logs": `
Two causes. **Docker 20.10 (API 1.41):** ContainerLogs inspects the container before every logs
request to learn its Tty (logs.go, ContainerLogs: "if !typed { containerTty(...) }"), because
before API 1.42 the daemon labels every log stream raw. That is one more round trip (an inspect,
about 240 µs on this engine) and 62 more allocations per call (fake engine: 116 allocs on 1.41,
54 on 1.51). **Fix:** decide from the stream instead: read the first 8 bytes of the body into the
LogStream and replay them; a multiplexed stream begins with a header [0, 1 or 2; 0; 0; 0;
size], which text from a TTY does not; keep the inspect only for an empty or ambiguous start.
Config.Tty cannot change after a container is created, so caching it per container ID is an
alternative. **Docker 28.5:** this target sits at the floor: the daemon reads the json-file log
for most of the call, and the raw floor itself measured 0.75–0.78× moby; dockwire measured
0.79–0.80× on a quieter machine (0.69 ms against 0.86 ms), within 5% of the floor. Its client
cost is small (fake engine: 33 µs against moby's 240 µs).`,

	"exec": `
An exec round trip is the daemon's time (runc starting a process, about 31–34 ms here); every
client waits the same. Measured with the raw client over 40 execs per engine, polling every
100 µs: the exit code was already recorded at the first inspect after the output ended in 40 of
40 (median 0.24–0.29 ms after the end), so ExecWait's first 5 ms wait never applies and the poll
schedule (which the moby loop copies) costs nothing. dockwire's own cost per exec is about
0.15 ms against moby's 0.39 ms (fake engine, 0.37–0.44×), under 1% of the round trip, and the
raw floor itself is about 1.0× moby. The target cannot be reached from the client; the fake
engine's ratio is the one that shows the client.`,

	"allocs": `
Every GET pays 7 allocations to go-retryablehttp and the net/http.Client it wraps around the
request (FromRequest, Client.do's cloneURL, makeHeadersCopier with Header.Clone, WithContext).
Since profiling, bodiless requests share one read-only header and ConsoleSize allocates only when
set. What is left per exec of 3 requests and 1 dial (allocation profile): net/http ReadResponse
about 12 per response, Request.Write 15, the http.Request, URL and WithContext copy, the pooled
body and context.AfterFunc, the dial (a non-upgraded exec start uses up its connection) and the
JSON body. Reaching 0.33× on exec needs an own HTTP/1.1 codec in connPool.exchange (about 40
fewer per exec).`,

	"stdcopy16": `
dockwire matches moby (1.0–1.07× across runs) but not the io.Copy ceiling: 0.79–0.83× to
io.Discard, 0.67–0.74× to a buffer. To io.Discard both copy each byte once; io.Copy does it
through io.Discard's 8 KiB ReadFrom buffer, which stays in the L1 cache, where dockwire streams
through a 32 KiB one (a guess, to check by benchmarking a smaller bufSize in stdcopy/decoder.go).
To a buffer the CPU profile is 92% memmove. dockwire copies each byte twice (source
into its 32 KiB buffer, buffer into bytes.Buffer.Write) where io.Copy copies once
(bytes.Buffer.ReadFrom reads straight into the buffer). **Fix** in stdcopy/copy.go, copier.run:
when nothing is buffered and the current frame still has a large payload to come (8 KiB or more,
say) and the writer implements io.ReaderFrom, hand it the payload as
dst.ReadFrom(&c.limited), with an io.LimitedReader kept in the copier (no allocation): one copy
into a bytes.Buffer, and splice(2) when the destination is an *os.File.`,

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
- **Following logs through moby is slow.** The 1 GiB follow from the fake daemon took 0.2 s with
  dockwire and 7.5 s with moby (net/http's chunked body reader and StdCopy's Write per frame).
- **The fake engine shows the client.** Against it dockwire is 0.1–0.6× moby's time for every
  call; on the real engines most of that gap disappears into the daemon's time.`
