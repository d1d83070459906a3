package dockwire

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// BuildContext returns a tar archive of dir for ImageBuild, leaving out
// what dir/.dockerignore excludes, as the docker CLI does: one pattern a
// line, with *, ?, [...] and ** wildcards, "!" exceptions, "#" comments,
// and the last matching line deciding. The Dockerfile and .dockerignore at
// the root are always sent. The archive is written while it is read, never
// held in memory; closing the reader stops the walk. Files are owned by
// root in the archive; symbolic links are stored as links, and sockets and
// devices are skipped.
func BuildContext(dir string) (io.ReadCloser, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("dockwire: build context: %w", err)
	}
	if !fi.IsDir() {
		return nil, invalidArg("build context %q is not a directory", dir)
	}
	var patterns []string
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	switch {
	case err == nil:
		patterns, err = readDockerignore(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("dockwire: build context: reading .dockerignore: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("dockwire: build context: %w", err)
	}
	m, err := newIgnoreMatcher(patterns)
	if err != nil {
		return nil, fmt.Errorf("dockwire: build context: .dockerignore: %w", err)
	}
	// Like the CLI, keep the files the daemon needs even when ignored.
	for _, keep := range []string{"Dockerfile", ".dockerignore"} {
		if m.excluded(keep) {
			m.add(ignorePattern{text: keep, exception: true, re: regexp.MustCompile("^" + regexp.QuoteMeta(keep) + "$")})
		}
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeContext(pw, dir, m))
	}()
	return pr, nil
}

// writeContext writes dir as a tar archive to w.
func writeContext(w io.Writer, dir string, m *ignoreMatcher) error {
	tw := tar.NewWriter(w)
	buf := make([]byte, 32<<10)
	err := filepath.WalkDir(dir, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, file)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if m.excluded(rel) {
			if d.IsDir() && !m.mayInclude(rel) {
				return filepath.SkipDir
			}
			// An exception may re-include something below: walk the
			// directory without sending its own entry.
			return nil
		}
		return tarEntry(tw, file, rel, d, buf, true)
	})
	if err != nil {
		return fmt.Errorf("dockwire: build context: %w", err)
	}
	return tw.Close()
}

// readDockerignore parses a .dockerignore file into patterns the way the
// docker CLI does: comments and blank lines dropped, surrounding space
// trimmed, paths cleaned and made relative.
func readDockerignore(r io.Reader) ([]string, error) {
	var patterns []string
	sc := bufio.NewScanner(r)
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		if first {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // a UTF-8 BOM
			first = false
		}
		p := string(line)
		if strings.HasPrefix(p, "#") {
			continue
		}
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		exception := p[0] == '!'
		if exception {
			p = strings.TrimSpace(p[1:])
		}
		if p != "" {
			p = path.Clean(filepath.ToSlash(p))
			if len(p) > 1 && p[0] == '/' {
				p = p[1:]
			}
		}
		if exception {
			p = "!" + p
		}
		patterns = append(patterns, p)
	}
	return patterns, sc.Err()
}

// ignoreMatcher decides which paths a .dockerignore excludes.
type ignoreMatcher struct {
	patterns   []ignorePattern
	exceptions bool // some pattern starts with "!"
}

type ignorePattern struct {
	text      string // cleaned, without the "!"
	exception bool
	re        *regexp.Regexp
}

func newIgnoreMatcher(patterns []string) (*ignoreMatcher, error) {
	m := &ignoreMatcher{}
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		var ip ignorePattern
		if p[0] == '!' {
			if len(p) == 1 {
				return nil, fmt.Errorf(`illegal exclusion pattern "!"`)
			}
			ip.exception, p = true, p[1:]
		}
		p = path.Clean(p)
		if _, err := path.Match(p, "."); err != nil {
			return nil, fmt.Errorf("pattern %q: %w", p, err)
		}
		re, err := regexp.Compile(patternRegexp(p))
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", p, err)
		}
		ip.text, ip.re = p, re
		m.add(ip)
	}
	return m, nil
}

func (m *ignoreMatcher) add(p ignorePattern) {
	m.patterns = append(m.patterns, p)
	m.exceptions = m.exceptions || p.exception
}

// patternRegexp translates a cleaned pattern: * and ? match within one
// path segment, ** any number of segments, [...] a character class, and \
// escapes the next character.
func patternRegexp(p string) string {
	var b strings.Builder
	b.WriteByte('^')
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case inClass:
			if c == ']' {
				inClass = false
			}
			if c == '\\' && i+1 < len(p) {
				i++
				b.WriteString(regexp.QuoteMeta(p[i : i+1]))
				continue
			}
			b.WriteByte(c)
		case c == '*' && i+1 < len(p) && p[i+1] == '*':
			i++
			if i+1 < len(p) && p[i+1] == '/' {
				i++ // "**/" is "**"
			}
			if i+1 == len(p) {
				b.WriteString(".*")
			} else {
				b.WriteString("(.*/)?")
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			inClass = true
			b.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' {
				i++
				b.WriteByte('^')
			}
		case c == '\\' && i+1 < len(p):
			i++
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteByte('$')
	return b.String()
}

// excluded reports whether name (slash-separated, relative to the context
// root) is left out: the last pattern matching it or one of its parent
// directories decides.
func (m *ignoreMatcher) excluded(name string) bool {
	excluded := false
	for _, p := range m.patterns {
		if p.exception != excluded {
			continue // cannot change the outcome
		}
		if p.matches(name) {
			excluded = !p.exception
		}
	}
	return excluded
}

func (p ignorePattern) matches(name string) bool {
	if p.re.MatchString(name) {
		return true
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' && p.re.MatchString(name[:i]) {
			return true
		}
	}
	return false
}

// mayInclude reports whether an exception could re-include something
// inside the excluded directory dir; like the CLI, it looks only at
// exceptions that name a path below dir literally.
func (m *ignoreMatcher) mayInclude(dir string) bool {
	if !m.exceptions {
		return false
	}
	for _, p := range m.patterns {
		if p.exception && strings.HasPrefix(p.text+"/", dir+"/") {
			return true
		}
	}
	return false
}
