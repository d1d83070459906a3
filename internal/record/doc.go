// Package record records the fixtures that dockwire's replay tests play
// back (enginetest.WithFixtures): exactly what a real engine sent, made
// stable enough to diff.
//
// # Recording on the wire
//
// A Recorder is the client's dialer (dockwire.WithDialer): each connection
// it opens keeps a copy of the bytes written (requests) and read
// (responses), and remembers which step and which point of the run each
// write belongs to. Exchanges parses each connection afterwards with
// http.ReadRequest and http.ReadResponse, in turn, as keep-alive puts
// several exchanges on one connection; chunked bodies are decoded (the
// fixture says "Transfer-Encoding: chunked" so that replay chunks again).
// After a 101, or a 200 whose body ends with the connection (exec start
// without Upgrade), the rest of what the daemon sent is that response's
// body and the rest of what the client sent is the command's stdin.
// Exchanges are ordered by the first write of their request, and named
// after the step that was current then (Recorder.Step, called by Script).
//
// Script is the session: every endpoint of the client, one named step
// each, against a busybox image it builds, with fixed names (dwrec-web,
// dwrec-net, ...), removing all it created. The same Script replayed
// against the fixtures must send the very same requests. cmd/record also
// records another session through a Recorder, the demo's tour
// (internal/tour), and SwarmScript the swarm calls on a swarm manager.
//
// # Normalisation
//
// Values that change on every run are replaced, consistently over the
// whole session, in paths, queries, JSON bodies, text streams, the
// payloads of multiplexed frames and the X-Docker-Container-Path-Stat
// header:
//
//   - 64-hex IDs become placeholders of the same length and alphabet,
//     numbered by first appearance per kind: the first character is c for
//     a container, e for an exec, d for a sha256 digest (images, layers),
//     b for a network, a for a volume, f for anything else (endpoints,
//     sandboxes, storage directories); then an 11-digit counter and zeros:
//     c00000000001000…0. The first 12 characters are unique, so a short
//     ID (the first 12 of a known ID, or an unknown 12-hex token with a
//     letter that does not end a UUID) maps to the same placeholder's
//     first 12. The kind is guessed from the text before the first
//     appearance (a "sha256:" prefix, a /containers/ path, a JSON key such
//     as ContainerID) and the route.
//   - swarmkit's IDs (25 lowercase letters and digits, with both) become
//     placeholders of the same shape by kind: n node, s service, t task,
//     x secret, g config, w the swarm and anything else; then a 24-digit
//     counter.
//   - Swarm join tokens and unlock keys become SWMTKN-1-dwrec-redacted-token;
//     a secret's Data in the body of its create or update becomes a note of
//     its size. A secret's content never reaches a fixture.
//   - RFC 3339 timestamps become FixedTime (2024-01-01T00:00:00Z, with nine
//     zeros of fraction if the original had a fraction); "Created" and
//     "time" UNIX seconds become FixedTime's; each distinct event timeNano
//     becomes FixedTime plus as many nanoseconds as distinct values came
//     before, so events stay distinct; since/until query parameters become
//     FixedTime's seconds with as many fraction digits as sent. Docker's
//     "never", 0001-01-01T00:00:00Z, is kept.
//   - Process IDs ("Pid" and the PID/PPID columns of top) become 1001,
//     1002, ... by first appearance; top's STIME becomes 00:00 and C 0.
//   - MAC addresses become 02:42:00:00:00:01, ... by first appearance.
//   - Ages in a container list's Status become "2 seconds"; a die event's
//     execDuration "1"; names the daemon generated (adjective_surname)
//     generated_name1, ....
//
// A query value that holds escapes, such as the JSON of filters, is
// normalised decoded and encoded again.
//
// Bodies stay consistent: a multiplexed body (frames of streams 0 to 3
// adding up to exactly the body) is rewritten frame by frame with new
// frame sizes; tar bodies (image save, copy from a container) are never
// rewritten, as their header checksums would break; other bodies are
// rewritten only when they are UTF-8 without NUL bytes. Content-Length is
// recomputed after rewriting (kept as sent for HEAD).
//
// # What is kept
//
// Response headers: all but Date; Content-Length and Transfer-Encoding
// describe the stored body. Request headers: Accept, Connection,
// Content-Type, Upgrade, X-Registry-Auth and X-Registry-Config, these two
// with their credentials redacted (the password, identity and registry
// tokens and any "auth" field become Redacted; user name and server
// address stay), as are the body of a login (POST /auth) and the
// identity token of its answer: no credential reaches a fixture. Request
// bodies that are printable text are stored; binary ones (tar archives of
// builds, loads and copies) are not, and the header X-Dockwire-Body-Omitted
// gives their size. What the client wrote after an upgrade is stored
// Go-quoted in the request header X-Dockwire-Stdin. A binary response body
// the client stopped reading (image save) keeps its first 512 bytes, one
// tar header, and a multiplexed one (a log followed until the client's
// deadline) the frames that arrived whole; both say so in
// X-Dockwire-Truncated. Consecutive identical
// GET or HEAD requests within a step are polls (ExecWait) whose number
// varies from run to run: only the last is kept, and the replayed client
// gets the final state at its first try.
//
// The rest changes between recordings, as it describes the whole engine
// or the machine: counts in info, the lists of disk usage, the numbers of
// stats, and the first tar header of an image save.
package record
