package record

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// text applies every textual rule to s, a path, query parameter, JSON
// document or stream payload of an exchange on route.
func (n *normalizer) text(s, route string) string {
	s = n.replaceIDs(s, route)
	s = rfc3339.ReplaceAllStringFunc(s, fixRFC3339)
	s = unixSeconds.ReplaceAllString(s, `"$1":`+strconv.FormatInt(FixedTime.Unix(), 10))
	s = unixNanos.ReplaceAllStringFunc(s, n.fixNanos)
	s = pidField.ReplaceAllStringFunc(s, func(m string) string {
		return `"Pid":` + n.pid(m[len(`"Pid":`):])
	})
	s = macAddress.ReplaceAllStringFunc(s, n.mac)
	s = humanDuration.ReplaceAllString(s, "$1 2 seconds")
	s = execDuration.ReplaceAllString(s, `"execDuration":"1"`)
	s = generatedName.ReplaceAllStringFunc(s, n.name)
	s = swarmToken.ReplaceAllStringFunc(s, func(m string) string { return m[:len("SWMTKN-1-")] + "dwrec-redacted-token" })
	return s
}

var (
	// rfc3339 matches the timestamps of JSON documents and of log lines
	// with timestamps. Docker's "never", 0001-01-01T00:00:00Z, is kept.
	rfc3339 = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`)
	// unixSeconds matches the fields that hold UNIX seconds.
	unixSeconds = regexp.MustCompile(`"(Created|time)":\d{9,10}\b`)
	// unixNanos matches an event's timeNano.
	unixNanos = regexp.MustCompile(`"timeNano":\d{16,19}\b`)
	pidField  = regexp.MustCompile(`"Pid":[1-9]\d*`)
	// macAddress matches a MAC address, random on newer engines.
	macAddress = regexp.MustCompile(`\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b`)
	// humanDuration matches the age in a container list's Status:
	// "Up 3 seconds", "Exited (0) About a minute ago".
	// generatedName matches a name the daemon made up for a container
	// (adjective_surname, as build steps get), as a "name" or "Name"
	// value, with or without the leading "/" (inspect and stats have it),
	// or in "Names".
	generatedName = regexp.MustCompile(`("(?:[Nn]ame)":"/?|"Names":\["/)([a-z]+_[a-z]+[0-9]?)"`)
	// swarmToken matches a swarm's join tokens and its unlock key,
	// credentials that a fixture does not keep.
	swarmToken = regexp.MustCompile(`\bSWM(TKN|KEY)-1-[0-9A-Za-z+/=-]+`)
	// execDuration is how many seconds a container ran, in die events.
	execDuration  = regexp.MustCompile(`"execDuration":"\d+"`)
	humanDuration = regexp.MustCompile(`\b(Up|Exited \(-?\d+\)) (Less than a second|About an? (?:minute|hour)|\d+ (?:second|minute|hour|day|week|month|year)s?)`)
)

func fixRFC3339(m string) string {
	if strings.HasPrefix(m, "0001-") {
		return m
	}
	// Go's RFC3339Nano drops trailing zeros, so the daemon's fractions
	// vary in length: all become nine digits.
	if strings.IndexByte(m, '.') >= 0 {
		return FixedTime.Format("2006-01-02T15:04:05.000000000Z")
	}
	return FixedTime.Format(time.RFC3339)
}

// fixNanos gives each distinct timeNano its own value, FixedTime plus as
// many nanoseconds as distinct values came before: a client that tells
// events apart by time (to drop the ones a resumed stream replays) must
// not see two events as one.
func (n *normalizer) fixNanos(m string) string {
	v := m[len(`"timeNano":`):]
	p, ok := n.nanos[v]
	if !ok {
		p = strconv.FormatInt(FixedTime.UnixNano()+int64(len(n.nanos)), 10)
		n.nanos[v] = p
	}
	return `"timeNano":` + p
}

func (n *normalizer) name(m string) string {
	sub := generatedName.FindStringSubmatch(m)
	p, ok := n.names[sub[2]]
	if !ok {
		p = fmt.Sprintf("generated_name%d", len(n.names)+1)
		n.names[sub[2]] = p
	}
	return sub[1] + p + `"`
}

func (n *normalizer) mac(m string) string {
	p, ok := n.macs[m]
	if !ok {
		k := len(n.macs) + 1
		p = fmt.Sprintf("02:42:00:00:%02x:%02x", k>>8&0xff, k&0xff)
		n.macs[m] = p
	}
	return p
}

// replaceIDs replaces 64-hex IDs and the 12-hex short forms of IDs with
// placeholders. Tokens are maximal runs of letters and digits, so a hex
// run inside a longer word is left alone; a JSON escape glued to a token
// ("\nabc…", "\u003eabc…") is not part of it.
//
// The full IDs of s are numbered first, so that a short ID that comes
// before its full form (a build's " ---> 3f4e5a6b7c8d", then its
// "sha256:3f4e…") takes the full ID's kind.
func (n *normalizer) replaceIDs(s, route string) string {
	eachToken(s, func(tok string, start int) {
		if len(tok) == 64 {
			n.id(tok, s[:start], route)
		}
	})
	var b strings.Builder
	last := 0
	eachToken(s, func(tok string, start int) {
		if rep, ok := n.id(tok, s[:start], route); ok {
			b.WriteString(s[last:start])
			b.WriteString(rep)
			last = start + len(tok)
		}
	})
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// eachToken calls f with each maximal run of letters and digits in s and
// where it starts, leaving out a JSON escape glued to its front.
func eachToken(s string, f func(tok string, start int)) {
	for i := 0; i < len(s); {
		if !isAlnum(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isAlnum(s[j]) {
			j++
		}
		start := i
		if start > 0 && s[start-1] == '\\' {
			switch {
			case strings.IndexByte("nrtbf", s[start]) >= 0:
				start++
			case s[start] == 'u' && j-start >= 5:
				start += 5
			}
		}
		f(s[start:j], start)
		i = j
	}
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isLowerHex(s string) (hex, letter bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'f':
			letter = true
		case c < '0' || c > '9':
			return false, false
		}
	}
	return true, letter
}

// id returns the placeholder for tok if it is an ID. A 12-hex token is a
// short ID when it starts a known ID, or when it has a letter in it (an
// all-digit one may be a number) and does not follow a "-" (a UUID's last
// group does).
func (n *normalizer) id(tok, before, route string) (string, bool) {
	if len(tok) == swarmIDLen {
		return n.swarmID(tok, before, route)
	}
	if len(tok) != 64 && len(tok) != 12 {
		return "", false
	}
	hex, letter := isLowerHex(tok)
	if !hex {
		return "", false
	}
	if len(tok) == 64 {
		if p, ok := n.ids[tok]; ok {
			return p, true
		}
		p, ok := n.shorts[tok[:12]]
		if !ok {
			p = n.placeholder(kindOf(before, route))
			n.shorts[tok[:12]] = p
		}
		n.ids[tok] = p
		return p, true
	}
	if p, ok := n.shorts[tok]; ok {
		return p[:12], true
	}
	if !letter || strings.HasSuffix(before, "-") {
		return "", false // a number, or the last group of a UUID
	}
	p := n.placeholder(kindOf(before, route))
	n.shorts[tok] = p
	return p[:12], true
}

// placeholder returns the next ID of a kind: its letter, an 11-digit
// counter, then zeros, so that its first 12 characters, the short ID,
// are unique too: c00000000001000…000.
func (n *normalizer) placeholder(kind byte) string {
	n.counters[kind]++
	return fmt.Sprintf("%c%011d%s", kind, n.counters[kind], strings.Repeat("0", 52))
}

// swarmIDLen is the length of swarmkit's IDs: nodes, services, tasks,
// secrets, configs, swarm networks, in base 36.
const swarmIDLen = 25

// swarmID returns the placeholder for tok if it is a swarmkit ID: 25
// lowercase letters and digits, with at least one of each. The
// placeholder is its kind's letter and a 24-digit counter.
func (n *normalizer) swarmID(tok, before, route string) (string, bool) {
	if p, ok := n.ids[tok]; ok {
		return p, true
	}
	digit, letter := false, false
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z':
			letter = true
		default:
			return "", false
		}
	}
	if !digit || !letter {
		return "", false
	}
	kind := swarmKindOf(before, route)
	n.counters[kind]++
	p := fmt.Sprintf("%c%024d", kind, n.counters[kind])
	n.ids[tok] = p
	return p, true
}

// Placeholder kinds of swarm IDs.
const (
	kindNode    = 'n'
	kindService = 's'
	kindTask    = 't'
	kindSecret  = 'x'
	kindConfig  = 'g'
	kindSwarm   = 'w' // the swarm itself, swarm networks and anything else
)

// swarmKindOf guesses what a swarm ID is, as kindOf does.
func swarmKindOf(before, route string) byte {
	kinds := []struct {
		prefix string
		kind   byte
	}{{"/nodes", kindNode}, {"/services", kindService}, {"/tasks", kindTask}, {"/secrets", kindSecret}, {"/configs", kindConfig}}
	for _, k := range kinds {
		if strings.HasSuffix(before, k.prefix+"/") {
			return k.kind
		}
	}
	if m := lastKey.FindStringSubmatch(before[max(0, len(before)-300):]); m != nil {
		switch m[1] {
		case "NodeID":
			return kindNode
		case "ServiceID":
			return kindService
		case "SecretID":
			return kindSecret
		case "ConfigID":
			return kindConfig
		case "ID":
			for _, k := range kinds {
				if strings.HasPrefix(route, k.prefix) {
					return k.kind
				}
			}
		}
	}
	return kindSwarm
}

// Placeholder kinds, the first character of a placeholder ID.
const (
	kindVolume    = 'a'
	kindNetwork   = 'b'
	kindContainer = 'c'
	kindDigest    = 'd' // sha256: image IDs, layers, digests
	kindExec      = 'e'
	kindOther     = 'f' // endpoints, sandboxes, storage directories, build steps
)

var lastKey = regexp.MustCompile(`"([A-Za-z_]+)"\s*:\s*(?:\[(?:\s*"[^"]*"\s*,)*\s*)?"$`)

// kindOf guesses what an ID is from the text before its first appearance
// and the route of the exchange.
func kindOf(before, route string) byte {
	if strings.HasSuffix(before, "sha256:") {
		return kindDigest
	}
	for _, p := range []struct {
		suffix string
		kind   byte
	}{{"/containers/", kindContainer}, {"/exec/", kindExec}, {"/networks/", kindNetwork}, {"/volumes/", kindVolume}, {"/images/", kindDigest}} {
		if strings.HasSuffix(before, p.suffix) {
			return p.kind
		}
	}
	tail := before[max(0, len(before)-300):]
	m := lastKey.FindStringSubmatch(tail)
	if m == nil {
		return kindOther
	}
	switch m[1] {
	case "ContainerID", "Container", "container":
		return kindContainer
	case "ExecIDs", "execID":
		return kindExec
	case "NetworkID":
		return kindNetwork
	case "Name":
		if strings.HasPrefix(route, "/volumes") {
			return kindVolume
		}
	case "Id", "ID", "id":
		switch {
		case strings.HasSuffix(route, "/exec") || strings.HasPrefix(route, "/exec/"):
			return kindExec
		case strings.HasPrefix(route, "/containers"):
			return kindContainer
		case strings.HasPrefix(route, "/networks"):
			return kindNetwork
		case strings.HasPrefix(route, "/volumes"):
			return kindVolume
		case strings.HasPrefix(route, "/images"), strings.HasPrefix(route, "/build"):
			return kindDigest
		}
	}
	return kindOther
}
