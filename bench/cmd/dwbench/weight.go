package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Program is section 1's measure of one program.
type Program struct {
	Name            string
	Stripped        int64     // bytes, built with -ldflags=-s -w
	Unstripped      int64     // bytes, default build
	LinkedModules   int       // "dep" lines of go version -m
	LinkedList      []string  // their paths
	ListModules     int       // lines of go list -m all, the main module included
	Packages        int       // go list -deps of the program
	NonStdPackages  int       // of which outside the standard library
	ColdBuild       []float64 // seconds, each with an empty GOCACHE
	SizeByPackage   []PackageSize
	SizeByGroup     map[string]int64 // stdlib net/http, crypto, runtime..., the client's modules
	SymbolBytesSeen int64            // total of go tool nm -size
	// NetHTTP is the bytes of some parts of net/http (netHTTPParts).
	NetHTTP map[string]int64
	// TransportLinked: net/http.(*Transport).roundTrip is in the program,
	// and with it the Transport's connection handling and HTTP/2.
	TransportLinked bool
}

// transportRoundTrip is the symbol that tells whether a program links
// net/http's Transport: it is kept whenever anything can call it.
const transportRoundTrip = "net/http.(*Transport).roundTrip"

// netHTTPParts names the parts of net/http that section 1 reports, by the
// prefixes of their symbols.
var netHTTPParts = []struct {
	Name     string
	Prefixes []string
}{
	{"Transport", []string{"net/http.(*Transport)", "net/http.(*persistConn)", "net/http.persistConn", "net/http.(*connectMethod", "net/http.connectMethod", "net/http.(*wantConn", "net/http.(*transportRequest)", "net/http.(*bodyEOFSignal)", "net/http.(*gzipReader)"}},
	{"HTTP/2", []string{"net/http.http2", "net/http.(*http2", "vendor/golang.org/x/net/http2/hpack"}},
	{"Client", []string{"net/http.(*Client)", "net/http.send", "net/http.setRequestCancel"}},
	{"Server", []string{"net/http.(*Server)", "net/http.(*conn)", "net/http.(*response)"}},
}

// PackageSize is the bytes of symbols one package has in the binary.
type PackageSize struct {
	Package string
	Bytes   int64
}

// weight builds each program under dir (hello, the two floors, dockwire,
// moby, docker) and measures it.
func weight(args []string) error {
	fs := flag.NewFlagSet("weight", flag.ExitOnError)
	dir := fs.String("dir", "weight", "directory of the programs, one module each")
	reps := fs.Int("reps", 3, "cold builds per program")
	out := fs.String("bin", "", "where to leave the binaries (default: a temporary directory)")
	fs.Parse(args)
	names := []string{"hello", "floor-client", "floor-policy", "dockwire", "moby", "docker"}
	binDir := *out
	if binDir == "" {
		var err error
		if binDir, err = os.MkdirTemp("", "dwbench-weight-"); err != nil {
			return err
		}
		defer os.RemoveAll(binDir)
	}
	var progs []Program
	for _, name := range names {
		p, err := measureProgram(filepath.Join(*dir, name), name, binDir)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		progs = append(progs, p)
	}
	// Cold builds interleave the programs, so that a burst of load on the
	// machine does not land on one program's builds only.
	for r := 0; r < *reps; r++ {
		for i, name := range names {
			d, err := coldBuild(filepath.Join(*dir, name), filepath.Join(binDir, name+".cold"))
			if err != nil {
				return fmt.Errorf("%s cold build: %w", name, err)
			}
			fmt.Fprintf(os.Stderr, "cold build %s #%d: %.1fs\n", name, r+1, d.Seconds())
			progs[i].ColdBuild = append(progs[i].ColdBuild, d.Seconds())
		}
	}
	return printJSON(progs)
}

func run(dir string, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// offline keeps every build to the module cache: the numbers must not
// include downloads.
var offline = []string{"GOPROXY=off", "GOFLAGS=-mod=readonly"}

func measureProgram(dir, name, binDir string) (Program, error) {
	p := Program{Name: name}
	full := filepath.Join(binDir, name)
	stripped := full + ".stripped"
	if _, err := run(dir, offline, "go", "build", "-trimpath", "-o", full, "."); err != nil {
		return p, err
	}
	if _, err := run(dir, offline, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", stripped, "."); err != nil {
		return p, err
	}
	for _, b := range []struct {
		path string
		dst  *int64
	}{{full, &p.Unstripped}, {stripped, &p.Stripped}} {
		fi, err := os.Stat(b.path)
		if err != nil {
			return p, err
		}
		*b.dst = fi.Size()
	}
	out, err := run(dir, nil, "go", "version", "-m", full)
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "dep" {
			p.LinkedModules++
			p.LinkedList = append(p.LinkedList, f[1])
		}
	}
	out, err = run(dir, offline, "go", "list", "-m", "all")
	if err != nil {
		return p, err
	}
	p.ListModules = len(nonEmptyLines(out))
	out, err = run(dir, offline, "go", "list", "-deps", "-f", "{{.Standard}}", ".")
	if err != nil {
		return p, err
	}
	for _, l := range nonEmptyLines(out) {
		p.Packages++
		if l == "false" {
			p.NonStdPackages++
		}
	}
	p.SizeByPackage, p.SizeByGroup, p.SymbolBytesSeen, p.NetHTTP, err = nmSizes(full)
	p.TransportLinked = p.NetHTTP[transportRoundTrip] > 0
	return p, err
}

func nonEmptyLines(b []byte) []string {
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	return lines
}

func coldBuild(dir, out string) (time.Duration, error) {
	cache, err := os.MkdirTemp("", "dwbench-gocache-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(cache)
	start := time.Now()
	_, err = run(dir, append(offline, "GOCACHE="+cache), "go", "build", "-trimpath", "-o", out, ".")
	return time.Since(start), err
}

// nmSizes sums go tool nm -size by the package of each symbol. Symbols in
// sections that take no room in the file (.bss, .noptrbss: FIPS's 32 MiB
// DRBG buffer is one) are left out.
func nmSizes(bin string) ([]PackageSize, map[string]int64, int64, map[string]int64, error) {
	out, err := run("", nil, "go", "tool", "nm", "-size", "-sort", "size", bin)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	ef, err := elf.Open(bin)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	var nobits [][2]uint64
	for _, s := range ef.Sections {
		if s.Type == elf.SHT_NOBITS {
			nobits = append(nobits, [2]uint64{s.Addr, s.Addr + s.Size})
		}
	}
	ef.Close()
	inFile := func(addr uint64) bool {
		for _, r := range nobits {
			if addr >= r[0] && addr < r[1] {
				return false
			}
		}
		return true
	}
	byPkg := map[string]int64{}
	parts := map[string]int64{}
	var total int64
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		// address size type name
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || size == 0 {
			continue
		}
		if addr, err := strconv.ParseUint(f[0], 16, 64); err != nil || !inFile(addr) {
			continue
		}
		total += size
		sym := strings.Join(f[3:], " ")
		byPkg[symbolPackage(sym)] += size
		if sym == transportRoundTrip {
			parts[sym] += size
		}
	part:
		for _, np := range netHTTPParts {
			for _, pre := range np.Prefixes {
				if strings.HasPrefix(sym, pre) {
					parts[np.Name] += size
					break part
				}
			}
		}
	}
	var list []PackageSize
	for k, v := range byPkg {
		list = append(list, PackageSize{k, v})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Bytes > list[j].Bytes })
	groups := map[string]int64{}
	for _, ps := range list {
		groups[packageGroup(ps.Package)] += ps.Bytes
	}
	return list, groups, total, parts, nil
}

// symbolPackage returns the import path a symbol belongs to:
// "github.com/a/b.(*T).M" -> "github.com/a/b", "go:string.*" -> "go:string".
func symbolPackage(sym string) string {
	if strings.HasPrefix(sym, "go:") || strings.HasPrefix(sym, "type:") {
		if i := strings.IndexAny(sym, ".*"); i > 0 && !strings.HasPrefix(sym, "type:") {
			return sym[:i]
		}
		if strings.HasPrefix(sym, "type:") {
			return "type: (runtime type data)"
		}
		return sym
	}
	slash := strings.LastIndex(sym, "/")
	// A generic instantiation's brackets hold other paths.
	if b := strings.Index(sym, "["); b >= 0 && b < len(sym) {
		slash = strings.LastIndex(sym[:b], "/")
	}
	rest := sym[slash+1:]
	if i := strings.Index(rest, "."); i >= 0 {
		return sym[:slash+1+i]
	}
	return sym
}

// packageGroup puts a package in one of the groups the report shows.
func packageGroup(pkg string) string {
	switch {
	case strings.HasPrefix(pkg, "github.com/dockwire/dockwire"):
		return "dockwire"
	case strings.HasPrefix(pkg, "github.com/moby/moby/client"), strings.HasPrefix(pkg, "github.com/docker/docker/client"):
		return "client package"
	case strings.HasPrefix(pkg, "github.com/moby/moby/api"), strings.HasPrefix(pkg, "github.com/docker/docker/api"):
		return "API types"
	case strings.HasPrefix(pkg, "github.com/docker/docker"):
		return "other docker/docker"
	case strings.HasPrefix(pkg, "github.com/tidwall/"):
		return "gjson (tidwall)"
	case strings.HasPrefix(pkg, "github.com/hashicorp/"):
		return "go-retryablehttp, go-cleanhttp"
	case strings.HasPrefix(pkg, "go.opentelemetry.io"):
		return "OpenTelemetry"
	case strings.HasPrefix(pkg, "github.com/"), strings.HasPrefix(pkg, "golang.org/"), strings.HasPrefix(pkg, "gopkg.in/"), strings.HasPrefix(pkg, "go.uber.org/"), strings.HasPrefix(pkg, "google.golang.org/"):
		return "other third-party"
	case strings.HasPrefix(pkg, "net/http"), pkg == "net/textproto", pkg == "mime/multipart", strings.HasPrefix(pkg, "vendor/golang.org/x/net/http"):
		return "stdlib net/http"
	case strings.HasPrefix(pkg, "crypto/"), strings.HasPrefix(pkg, "vendor/golang.org/x/crypto"):
		return "stdlib crypto"
	case pkg == "runtime" || strings.HasPrefix(pkg, "runtime/") || strings.HasPrefix(pkg, "internal/") || pkg == "type: (runtime type data)" || strings.HasPrefix(pkg, "go:"):
		return "runtime, type data, strings"
	case pkg == "main":
		return "main"
	}
	return "other stdlib"
}
