package enginetest

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// boolValue reads a query boolean as the daemon does: anything but "", "0",
// "no", "false" and "none" is true, so "1", "true" and "yes" all are.
func boolValue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "no", "false", "none":
		return false
	}
	return true
}

func parseInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("invalid integer value %q", s)
	}
	return n, nil
}

// parseFilters decodes the filters query parameter. The daemon accepts both
// {"key":["v1","v2"]} and the older {"key":{"v1":true}}.
func parseFilters(s string) (map[string][]string, error) {
	out := make(map[string][]string)
	if s == "" {
		return out, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("invalid filter: %v", err)
	}
	for k, v := range raw {
		var list []string
		if err := json.Unmarshal(v, &list); err == nil {
			out[k] = list
			continue
		}
		var set map[string]bool
		if err := json.Unmarshal(v, &set); err != nil {
			return nil, fmt.Errorf("invalid filter '%s'", k)
		}
		for val, on := range set {
			if on {
				out[k] = append(out[k], val)
			}
		}
	}
	return out, nil
}

// containerFilter turns list filters into a predicate: values of one key
// are alternatives, different keys must all match, as in the daemon.
func containerFilter(f map[string][]string) (func(*container) bool, error) {
	var preds []func(*container) bool
	for key, values := range f {
		if len(values) == 0 {
			continue
		}
		var p func(*container, string) bool
		all := false // whether every value must match, not just one
		switch key {
		case "id":
			p = func(c *container, v string) bool { return matchTerm(v, c.ID) }
		case "name":
			p = func(c *container, v string) bool { return matchTerm(v, "/"+c.Name) }
		case "label":
			all = true // the daemon's MatchKVList: each label filter must hold
			p = func(c *container, v string) bool {
				k, want, hasValue := strings.Cut(v, "=")
				got, ok := c.Labels[k]
				return ok && (!hasValue || got == want)
			}
		case "status":
			for _, v := range values {
				if !validStates[v] {
					return nil, fmt.Errorf("invalid filter 'status=%s'", v)
				}
			}
			p = func(c *container, v string) bool { return c.State == v }
		case "exited":
			for _, v := range values {
				if _, err := strconv.Atoi(v); err != nil {
					return nil, fmt.Errorf("invalid filter 'exited=%s'", v)
				}
			}
			p = func(c *container, v string) bool {
				return c.State == "exited" && strconv.Itoa(c.ExitCode) == v
			}
		case "ancestor":
			p = func(c *container, v string) bool {
				return c.Image == v || c.Image == v+":latest" || c.ImageID == v || c.ImageID == "sha256:"+v
			}
		case "before", "expose", "health", "isolation", "is-task", "network", "publish", "since", "volume":
			return nil, fmt.Errorf("enginetest: filter '%s' is valid but not implemented by the fake engine", key)
		default:
			return nil, fmt.Errorf("invalid filter '%s'", key)
		}
		preds = append(preds, func(c *container) bool {
			for _, v := range values {
				if p(c, v) != all {
					return !all
				}
			}
			return all
		})
	}
	return func(c *container) bool {
		for _, p := range preds {
			if !p(c) {
				return false
			}
		}
		return true
	}, nil
}

// matchTerm is the daemon's filters.Match: an exact match, or the term as a
// regular expression found anywhere in the value.
func matchTerm(term, value string) bool {
	if term == value {
		return true
	}
	re, err := regexp.Compile(term)
	return err == nil && re.MatchString(value)
}

// parseTimestamp reads since/until as the daemon does: UNIX seconds with
// optional fractional digits ("1700000000.5" is half a second later).
func parseTimestamp(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	secStr, fracStr, hasFrac := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(secStr, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid timestamp %q", s)
	}
	var nsec int64
	if hasFrac && fracStr != "" {
		n, err := strconv.ParseInt(fracStr, 10, 64)
		if err != nil || len(fracStr) > 9 {
			return time.Time{}, fmt.Errorf("invalid timestamp %q", s)
		}
		nsec = int64(float64(n) * math.Pow10(9-len(fracStr)))
	}
	return time.Unix(sec, nsec), nil
}
