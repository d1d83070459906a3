package enginetest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// An Option configures an Engine in New. Options validate their argument;
// New fails the test on a bad one.
type Option func(*config) error

type config struct {
	maxVersion    apiVersion
	minVersion    apiVersion // zero until fillDefaults when not set
	engineVersion string
	osType        string
	fixtureDir    string
	execExitDelay time.Duration
	swarm         bool
	podman        string // Libpod-Api-Version, "" for Docker
}

// DefaultAPIVersion is the API version an Engine serves without WithAPIVersion:
// that of the newest released Docker Engine when this package was written.
const DefaultAPIVersion = "1.55"

func defaultConfig() config {
	v, _ := parseAPIVersion(DefaultAPIVersion)
	return config{maxVersion: v, osType: "linux"}
}

// releases maps a daemon's maximum API version to the engine release that
// shipped it and that release's default minimum API version.
var releases = map[string]struct{ engine, min string }{
	"1.41": {"20.10.24", "1.12"},
	"1.42": {"23.0.6", "1.12"},
	"1.43": {"24.0.9", "1.12"},
	"1.44": {"25.0.5", "1.24"},
	"1.45": {"26.1.5", "1.24"},
	"1.46": {"27.1.2", "1.24"},
	"1.47": {"27.5.1", "1.24"},
	"1.48": {"28.0.4", "1.24"},
	"1.49": {"28.1.1", "1.24"},
	"1.50": {"28.2.2", "1.24"},
	"1.51": {"28.5.2", "1.24"},
	"1.52": {"29.1.0", "1.44"}, // the 1.44 floor that broke clients pinned to older versions
	"1.53": {"29.2.0", "1.44"},
	"1.54": {"29.5.0", "1.40"},
	"1.55": {"29.7.0", "1.40"},
}

func (c *config) fillDefaults() {
	rel, known := releases[c.maxVersion.String()]
	if c.engineVersion == "" {
		c.engineVersion = "0.0.0-enginetest"
		if known {
			c.engineVersion = rel.engine
		}
	}
	if c.minVersion == (apiVersion{}) {
		c.minVersion = apiVersion{1, 24}
		if known {
			c.minVersion, _ = parseAPIVersion(rel.min)
		}
		if c.maxVersion.less(c.minVersion) {
			c.minVersion = c.maxVersion
		}
	}
}

// before23 reports whether the engine predates Engine 23.0 (API 1.42),
// whose messages and headers differ in small ways from later releases.
func (c *config) before23() bool { return c.maxVersion.less(apiVersion{1, 42}) }

// WithAPIVersion sets the highest API version the engine serves, such as
// "1.41". It is what /_ping reports in Api-Version, the version unprefixed
// requests are served at, and it picks the engine release reported by
// /version and the default minimum version. Response shapes follow the
// version of each request, as a real daemon's do.
func WithAPIVersion(v string) Option {
	return func(c *config) error {
		pv, err := parseAPIVersion(v)
		if err != nil {
			return err
		}
		c.maxVersion = pv
		return nil
	}
}

// WithMinAPIVersion sets the lowest API version the engine accepts; older
// prefixes get the daemon's 400 "client version X is too old". Without it
// the minimum is the default of the release WithAPIVersion picks, such as
// 1.44 for Engine 29.0 to 29.2.
func WithMinAPIVersion(v string) Option {
	return func(c *config) error {
		pv, err := parseAPIVersion(v)
		if err != nil {
			return err
		}
		c.minVersion = pv
		return nil
	}
}

// WithEngineVersion sets the engine release reported by /version and in the
// Server header, such as "20.10.24".
func WithEngineVersion(v string) Option {
	return func(c *config) error {
		if v == "" || strings.ContainsAny(v, " \r\n") {
			return fmt.Errorf("invalid engine version %q", v)
		}
		c.engineVersion = v
		return nil
	}
}

// WithPodman makes the engine answer as Podman's Docker-compatible API does
// where dockwire bridges it: every answer but the 101 of a hijack carries
// Libpod-Api-Version (version, such as "4.3.1"), and an attachment passes
// the detach keys on to the container instead of ending.
func WithPodman(version string) Option {
	return func(c *config) error {
		if version == "" || strings.ContainsAny(version, " \r\n") {
			return fmt.Errorf("invalid Podman version %q", version)
		}
		c.podman = version
		return nil
	}
}

// WithOSType sets the Ostype the engine reports, "linux" by default.
func WithOSType(os string) Option {
	return func(c *config) error {
		if os != "linux" && os != "windows" {
			return fmt.Errorf("invalid OS type %q: want linux or windows", os)
		}
		c.osType = os
		return nil
	}
}

// WithFixtures makes the engine replay the exchanges recorded in dir (by
// scripts/record-fixtures.sh, as in testdata/docker-28.5) instead of serving its built-in routes. The recording's API
// and engine versions replace WithAPIVersion and WithEngineVersion. Faults
// and Handle overrides still take precedence, so a replay can be broken on
// purpose.
func WithFixtures(dir string) Option {
	return func(c *config) error {
		if dir == "" {
			return fmt.Errorf("empty fixture directory")
		}
		c.fixtureDir = dir
		return nil
	}
}

// WithExecExitDelay keeps an exec reported as running, with a null ExitCode,
// for d after its output stream has ended. A real daemon records the exit
// code asynchronously, so a client that reads exec inspect once right after
// EOF, instead of polling, sees a running process; this makes that race
// happen every time.
func WithExecExitDelay(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("negative exec exit delay %v", d)
		}
		c.execExitDelay = d
		return nil
	}
}

// apiVersion is a "major.minor" API version.
type apiVersion struct{ major, minor int }

func parseAPIVersion(s string) (apiVersion, error) {
	maj, min, ok := strings.Cut(s, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if !ok || err1 != nil || err2 != nil || a < 0 || b < 0 {
		return apiVersion{}, fmt.Errorf("invalid API version %q", s)
	}
	return apiVersion{a, b}, nil
}

func (v apiVersion) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

func (v apiVersion) less(w apiVersion) bool {
	return v.major < w.major || v.major == w.major && v.minor < w.minor
}

// atLeast reports whether v >= "major.minor".
func (v apiVersion) atLeast(major, minor int) bool { return !v.less(apiVersion{major, minor}) }
