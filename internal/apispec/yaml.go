package apispec

import (
	"fmt"
	"strings"
)

// The Engine API specs are YAML, and the module takes no YAML library: this
// reads the subset the specs use (block mappings and sequences, quoted and
// plain scalars that may continue on more-indented lines, block scalars,
// one-line or multi-line flow collections). Scalars come back as strings,
// flow collections as their source text, except a flow sequence of plain
// or quoted scalars, which becomes a []any of strings.

// yamlMap is a mapping that keeps its keys' order.
type yamlMap struct {
	keys []string
	vals map[string]any
}

func (m *yamlMap) get(k string) any {
	if m == nil {
		return nil
	}
	return m.vals[k]
}

func (m *yamlMap) getMap(k string) *yamlMap {
	v, _ := m.get(k).(*yamlMap)
	return v
}

func (m *yamlMap) getString(k string) string {
	v, _ := m.get(k).(string)
	return v
}

func (m *yamlMap) getList(k string) []any {
	v, _ := m.get(k).([]any)
	return v
}

type yamlLine struct {
	num    int // 1-based, for errors
	indent int
	text   string
}

type yamlParser struct {
	lines []yamlLine
	i     int
}

func parseYAML(src string) (any, error) {
	p := &yamlParser{}
	for n, l := range strings.Split(src, "\n") {
		l = strings.TrimRight(l, " \t\r")
		t := strings.TrimLeft(l, " ")
		if t == "" || t[0] == '#' {
			continue // blank lines and comments; inside a skipped block scalar they do not matter
		}
		p.lines = append(p.lines, yamlLine{num: n + 1, indent: len(l) - len(t), text: t})
	}
	if len(p.lines) == 0 {
		return nil, nil
	}
	v, err := p.block(p.lines[0].indent)
	if err == nil && p.i < len(p.lines) {
		err = p.errorf("unexpected indentation")
	}
	return v, err
}

func (p *yamlParser) errorf(format string, args ...any) error {
	l := p.lines[min(p.i, len(p.lines)-1)]
	return fmt.Errorf("yaml line %d: %s: %q", l.num, fmt.Sprintf(format, args...), l.text)
}

func isSeqItem(t string) bool { return t == "-" || strings.HasPrefix(t, "- ") }

// block reads the mapping or sequence whose lines start at indent n.
func (p *yamlParser) block(n int) (any, error) {
	if l := p.lines[p.i]; l.indent != n {
		return nil, p.errorf("want indentation %d", n)
	}
	if isSeqItem(p.lines[p.i].text) {
		return p.seq(n)
	}
	return p.mapping(n)
}

func (p *yamlParser) mapping(n int) (*yamlMap, error) {
	m := &yamlMap{vals: map[string]any{}}
	for p.i < len(p.lines) && p.lines[p.i].indent == n && !isSeqItem(p.lines[p.i].text) {
		key, rest, ok := splitKey(p.lines[p.i].text)
		if !ok {
			return nil, p.errorf("want key: value")
		}
		if _, dup := m.vals[key]; dup {
			return nil, p.errorf("duplicate key %q", key)
		}
		v, err := p.value(n, rest, true)
		if err != nil {
			return nil, err
		}
		m.keys = append(m.keys, key)
		m.vals[key] = v
	}
	if p.i < len(p.lines) && p.lines[p.i].indent > n {
		return nil, p.errorf("unexpected indentation")
	}
	return m, nil
}

func (p *yamlParser) seq(n int) ([]any, error) {
	var out []any
	for p.i < len(p.lines) && p.lines[p.i].indent == n && isSeqItem(p.lines[p.i].text) {
		l := &p.lines[p.i]
		rest := strings.TrimLeft(l.text[1:], " ")
		if rest == "" {
			v, err := p.value(n, "", false)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		if _, _, isKey := splitKey(rest); isKey {
			// "- key: value": the item is a mapping whose first line is
			// the rest of this one, at the rest's column.
			l.indent += len(l.text) - len(rest)
			l.text = rest
			v, err := p.mapping(l.indent)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		v, err := p.value(n, rest, false)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// value reads the value that follows a key or a "-" on the current line
// (rest) and on the lines after it, for a key or item at indentation n.
func (p *yamlParser) value(n int, rest string, inMapping bool) (any, error) {
	p.i++
	more := func() bool { return p.i < len(p.lines) && p.lines[p.i].indent > n }
	switch {
	case rest == "":
		if more() {
			next := p.lines[p.i].text
			if _, _, isKey := splitKey(next); !isKey && !isSeqItem(next) {
				return p.value(n, next, false) // a scalar or flow collection on a line of its own
			}
			return p.block(p.lines[p.i].indent)
		}
		if inMapping && p.i < len(p.lines) && p.lines[p.i].indent == n && isSeqItem(p.lines[p.i].text) {
			return p.seq(n) // "key:" followed by "- item" at the key's own indentation
		}
		return "", nil
	case rest[0] == '|' || rest[0] == '>':
		for more() {
			p.i++
		}
		return "", nil
	case rest[0] == '"' || rest[0] == '\'':
		text := rest
		for !closedQuote(text) {
			if !more() {
				return nil, p.errorf("unterminated quoted scalar")
			}
			text += " " + p.lines[p.i].text
			p.i++
		}
		return unquote(text), nil
	case rest[0] == '[' || rest[0] == '{':
		text := rest
		for flowDepth(text) > 0 {
			// The closing bracket may sit at the key's own indentation.
			if p.i >= len(p.lines) {
				return nil, p.errorf("unterminated flow collection")
			}
			text += " " + p.lines[p.i].text
			p.i++
		}
		if text[0] == '[' {
			if list, ok := flowScalars(text); ok {
				return list, nil
			}
		}
		return text, nil
	default:
		text := stripComment(rest)
		for more() {
			text += " " + p.lines[p.i].text
			p.i++
		}
		return text, nil
	}
}

// splitKey splits "key: rest" or "key:"; the key may be quoted.
func splitKey(t string) (key, rest string, ok bool) {
	if t == "" {
		return "", "", false
	}
	if t[0] == '"' || t[0] == '\'' {
		end := quoteEnd(t)
		if end < 0 || end+1 >= len(t) || t[end+1] != ':' {
			return "", "", false
		}
		after := t[end+2:]
		if after != "" && after[0] != ' ' {
			return "", "", false
		}
		return unquote(t[:end+1]), strings.TrimSpace(after), true
	}
	if t[0] == '[' || t[0] == '{' {
		return "", "", false
	}
	for i := 0; i < len(t); i++ {
		if t[i] == ':' && (i+1 == len(t) || t[i+1] == ' ') {
			return t[:i], strings.TrimSpace(t[i+1:]), true
		}
		if t[i] == ' ' && i+1 < len(t) && t[i+1] == '#' {
			return "", "", false
		}
	}
	return "", "", false
}

// quoteEnd returns the index of the quote that closes the one at t[0], or -1.
func quoteEnd(t string) int {
	q := t[0]
	for i := 1; i < len(t); i++ {
		switch {
		case q == '"' && t[i] == '\\':
			i++
		case t[i] == q && q == '\'' && i+1 < len(t) && t[i+1] == '\'':
			i++
		case t[i] == q:
			return i
		}
	}
	return -1
}

func closedQuote(t string) bool { return quoteEnd(t) >= 0 }

func unquote(t string) string {
	end := quoteEnd(t)
	if end < 0 {
		return t
	}
	s := t[1:end]
	if t[0] == '\'' {
		return strings.ReplaceAll(s, "''", "'")
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func stripComment(t string) string {
	if i := strings.Index(t, " #"); i >= 0 {
		return strings.TrimSpace(t[:i])
	}
	return t
}

// flowDepth is how many brackets of t are still open, outside quotes.
func flowDepth(t string) int {
	depth := 0
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '"', '\'':
			end := quoteEnd(t[i:])
			if end < 0 {
				return depth + 1
			}
			i += end
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		}
	}
	return depth
}

// flowScalars reads "[a, "b", 'c']" into strings; ok is false for a flow
// sequence that holds collections.
func flowScalars(t string) ([]any, bool) {
	t = strings.TrimSpace(t)
	if !strings.HasSuffix(t, "]") {
		return nil, false
	}
	inner := strings.TrimSpace(t[1 : len(t)-1])
	out := []any{}
	for inner != "" {
		var item string
		if inner[0] == '"' || inner[0] == '\'' {
			end := quoteEnd(inner)
			if end < 0 {
				return nil, false
			}
			item, inner = unquote(inner[:end+1]), strings.TrimSpace(inner[end+1:])
		} else {
			if strings.ContainsAny(inner[:1], "[{") {
				return nil, false
			}
			j := strings.IndexByte(inner, ',')
			if j < 0 {
				j = len(inner)
			}
			item, inner = strings.TrimSpace(inner[:j]), inner[j:]
			if strings.ContainsAny(item, "[]{}") {
				return nil, false
			}
		}
		out = append(out, item)
		inner = strings.TrimSpace(inner)
		if inner != "" {
			if inner[0] != ',' {
				return nil, false
			}
			inner = strings.TrimSpace(inner[1:])
		}
	}
	return out, true
}
