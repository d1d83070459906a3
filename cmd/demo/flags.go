package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/dockwire/dockwire/engine"
)

// parse parses a command's arguments with its flags allowed anywhere, as
// docker allows ("inspect web --get State.Status"). "--" ends the flags.
// When stopAfter > 0 and args hold no "--", the stopAfter-th positional
// argument ends them too: the rest is a command to run in a container
// ("exec web ls -l"). It returns the positional arguments.
func parse(fs *flag.FlagSet, args []string, stopAfter int) ([]string, error) {
	if err := fs.Parse(permute(fs, args, stopAfter)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	return fs.Args(), nil
}

// permute moves the flags in args ahead of the positional arguments and
// splits combined short flags ("-it" becomes "-i -t").
func permute(fs *flag.FlagSet, args []string, stopAfter int) []string {
	hasDashDash := false
	for _, a := range args {
		hasDashDash = hasDashDash || a == "--"
	}
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if stopAfter > 0 && !hasDashDash && len(positional) >= stopAfter {
			positional = append(positional, args[i:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if split := splitShortFlags(fs, a); split != nil {
			flags = append(flags, split...)
			continue
		}
		flags = append(flags, a)
		if f := fs.Lookup(name); f != nil && !hasValue && !isBoolFlag(f) {
			if i+1 == len(args) {
				return flags // for Parse to report the missing value
			}
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(append(flags, "--"), positional...)
}

// splitShortFlags splits "-it" into "-i", "-t" when the set has no flag
// "it" and every letter is a boolean flag; otherwise it returns nil.
func splitShortFlags(fs *flag.FlagSet, a string) []string {
	if len(a) < 3 || a[0] != '-' || a[1] == '-' || strings.Contains(a, "=") || fs.Lookup(a[1:]) != nil {
		return nil
	}
	var out []string
	for _, r := range a[1:] {
		f := fs.Lookup(string(r))
		if f == nil || !isBoolFlag(f) {
			return nil
		}
		out = append(out, "-"+string(r))
	}
	return out
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// listFlag collects the values of a repeatable flag (-e K=V -e K2=V2).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// ulimitFlag collects resource limits given as docker's --ulimit takes
// them: NAME=SOFT[:HARD] (repeatable; HARD defaults to SOFT).
type ulimitFlag []engine.Ulimit

func (l *ulimitFlag) String() string {
	s := make([]string, len(*l))
	for i, u := range *l {
		s[i] = fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard)
	}
	return strings.Join(s, ",")
}

func (l *ulimitFlag) Set(v string) error {
	name, limits, ok := strings.Cut(v, "=")
	soft, hard, hasHard := strings.Cut(limits, ":")
	if !hasHard {
		hard = soft
	}
	s, errSoft := strconv.ParseInt(soft, 10, 64)
	h, errHard := strconv.ParseInt(hard, 10, 64)
	if !ok || name == "" || errSoft != nil || errHard != nil || s > h {
		return fmt.Errorf("want NAME=SOFT[:HARD] with SOFT <= HARD, as in nofile=1024:4096; got %q", v)
	}
	*l = append(*l, engine.Ulimit{Name: name, Soft: s, Hard: h})
	return nil
}

// keyValues checks that every value is KEY=VALUE.
func keyValues(flagName string, values []string) error {
	for _, v := range values {
		if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
			return usagef("--%s wants KEY=VALUE, got %q", flagName, v)
		}
	}
	return nil
}

func printMainUsage(w io.Writer, global *flag.FlagSet) {
	fmt.Fprint(w, "Usage: demo [OPTIONS] COMMAND [ARGS]\n\nA docker-like client built on dockwire.\n\nOptions:\n")
	printFlags(w, global)
	fmt.Fprint(w, "\nCommands:\n")
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, "\nRun 'demo help COMMAND' for more on a command.\n")
}

func printCommandUsage(w io.Writer, cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: demo %s %s\n\n%s\n%s", cmd.name, cmd.synopsis, cmd.summary, cmd.details)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nOptions:\n")
		printFlags(w, fs)
	}
}

// printFlags lists flags docker-style, aliases of one value on one line:
// "-f, --follow".
func printFlags(w io.Writer, fs *flag.FlagSet) {
	type entry struct {
		names []string
		f     *flag.Flag
	}
	var entries []*entry
	byValue := map[flag.Value]*entry{}
	fs.VisitAll(func(f *flag.Flag) {
		if e := byValue[f.Value]; e != nil {
			e.names = append(e.names, f.Name)
			if len(f.Name) > len(e.f.Name) {
				e.f = f // the long name's usage is the full one
			}
			return
		}
		e := &entry{names: []string{f.Name}, f: f}
		byValue[f.Value] = e
		entries = append(entries, e)
	})
	for _, e := range entries {
		sort.Slice(e.names, func(i, j int) bool { return len(e.names[i]) < len(e.names[j]) })
	}
	sort.Slice(entries, func(i, j int) bool { return longest(entries[i].names) < longest(entries[j].names) })
	for _, e := range entries {
		var names []string
		for _, n := range e.names {
			if len(n) == 1 {
				names = append(names, "-"+n)
			} else {
				names = append(names, "--"+n)
			}
		}
		left := strings.Join(names, ", ")
		if len(e.names[0]) > 1 {
			left = "    " + left
		}
		typ, usage := flag.UnquoteUsage(e.f)
		if typ != "" {
			left += " " + typ
		}
		if def := e.f.DefValue; def != "" && def != "false" && def != "0" && def != "0s" && def != "[]" {
			usage += fmt.Sprintf(" (default %s)", def)
		}
		fmt.Fprintf(w, "  %-26s %s\n", left, usage)
	}
}

func longest(names []string) string { return names[len(names)-1] }
