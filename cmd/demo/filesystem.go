package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/dockwire/dockwire"
)

var commitCmd = &command{
	name:     "commit",
	synopsis: "[-a AUTHOR] [-c CHANGE]... [-m MESSAGE] [-p=false] CONTAINER [REPOSITORY[:TAG]]",
	summary:  "Create a new image from a container's changes",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.ContainerCommitOptions
		var changes listFlag
		fs.StringVar(&opts.Author, "a", "", "`author`, e.g. \"Jane Doe <jane@example.com>\"")
		fs.StringVar(&opts.Author, "author", "", "`author`, e.g. \"Jane Doe <jane@example.com>\"")
		fs.Var(&changes, "c", "apply a Dockerfile `instruction` to the image (repeatable)")
		fs.Var(&changes, "change", "apply a Dockerfile `instruction` to the image (repeatable)")
		fs.StringVar(&opts.Comment, "m", "", "commit `message`")
		fs.StringVar(&opts.Comment, "message", "", "commit `message`")
		pause := fs.Bool("p", true, "pause the container during the commit")
		fs.BoolVar(pause, "pause", true, "pause the container during the commit")
		return func(c *cli, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usagef("commit takes a container and at most one REPOSITORY[:TAG]")
			}
			if len(args) == 2 {
				opts.Repo, opts.Tag = repoAndTag(args[1])
			}
			opts.Changes, opts.NoPause = changes, !*pause
			id, err := c.client.ContainerCommit(c.ctx, args[0], opts)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, id)
			return nil
		}
	},
}

// repoAndTag splits REPOSITORY[:TAG] at the tag's colon; a colon before the
// last slash belongs to a registry's port.
func repoAndTag(ref string) (repo, tag string) {
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ref, ""
	}
	return ref[:i], ref[i+1:]
}

var exportCmd = &command{
	name:     "export",
	synopsis: "[-o FILE] CONTAINER",
	summary:  "Export a container's filesystem as a tar archive",
	setup: func(fs *flag.FlagSet) runFunc {
		var output string
		fs.StringVar(&output, "o", "", "write to `file`, instead of stdout")
		fs.StringVar(&output, "output", "", "write to `file`, instead of stdout")
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("export takes one container")
			}
			if output == "" && isTerminal(c.stdout) {
				return errors.New("cowardly refusing to save to a terminal. Use the -o flag or redirect")
			}
			archive, err := c.client.ContainerExport(c.ctx, args[0])
			if err != nil {
				return err
			}
			defer archive.Close()
			if output == "" {
				_, err = io.Copy(c.stdout, archive)
				return err
			}
			return writeFile(output, archive)
		}
	},
}

// writeFile writes r to path as docker does: aside, then renamed, so a
// failure leaves no partial file behind and path as it was.
func writeFile(path string, r io.Reader) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".demo_temp_")
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

var diffCmd = &command{
	name:     "diff",
	synopsis: "CONTAINER",
	summary:  "List the files and directories changed in a container's filesystem",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("diff takes one container")
			}
			changes, err := c.client.ContainerDiff(c.ctx, args[0])
			if err != nil {
				return err
			}
			for _, ch := range changes {
				fmt.Fprintf(c.stdout, "%s %s\n", ch.Kind, ch.Path)
			}
			return nil
		}
	},
}

var importCmd = &command{
	name:     "import",
	synopsis: "[-c CHANGE]... [-m MESSAGE] [--platform OS/ARCH] FILE|- [REPOSITORY[:TAG]]",
	summary:  "Create an image from a tar archive of a filesystem (\"-\" reads stdin)",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.ImageImportOptions
		var changes listFlag
		fs.Var(&changes, "c", "apply a Dockerfile `instruction` to the image (repeatable)")
		fs.Var(&changes, "change", "apply a Dockerfile `instruction` to the image (repeatable)")
		fs.StringVar(&opts.Message, "m", "", "commit `message` for the image")
		fs.StringVar(&opts.Message, "message", "", "commit `message` for the image")
		fs.StringVar(&opts.Platform, "platform", "", "the image's `os/arch`, if not the daemon's")
		return func(c *cli, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usagef("import takes a file (or -) and at most one REPOSITORY[:TAG]")
			}
			src := args[0]
			if strings.Contains(src, "://") {
				return usagef("importing from a URL is not supported; download %s and import the file", src)
			}
			if len(args) == 2 {
				opts.Repo, opts.Tag = repoAndTag(args[1])
			}
			opts.Changes = changes
			var archive io.Reader = c.stdin
			if src != "-" {
				f, err := os.Open(src)
				if err != nil {
					return err
				}
				archive = f // ImageImport closes it
			}
			imp, err := c.client.ImageImport(c.ctx, archive, opts)
			if err != nil {
				return err
			}
			return printProgress(c.stdout, isTerminal(c.stdout), imp.Messages())
		}
	},
}

var builderCmd = group("builder", "Manage the build cache", builderPruneCmd)

var builderPruneCmd = &command{
	name:     "builder prune",
	synopsis: "[-a] [-f] [--filter KEY=VALUE]... [--reserved-space SIZE]",
	summary:  "Remove build cache",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.BuildCachePruneOptions
		var filterArgs listFlag
		var reserved, maxUsed, minFree byteSize
		fs.BoolVar(&opts.All, "a", false, "remove all build cache, not only the dangling")
		fs.BoolVar(&opts.All, "all", false, "remove all build cache, not only the dangling")
		force := fs.Bool("f", false, "do not prompt for confirmation")
		fs.BoolVar(force, "force", false, "do not prompt for confirmation")
		fs.Var(&filterArgs, "filter", "remove only what matches `KEY=VALUE`, e.g. until=24h (repeatable)")
		fs.Var(&reserved, "reserved-space", "keep `size` of cache, e.g. 10GB (--keep-storage before API 1.48)")
		fs.Var(&reserved, "keep-storage", "keep `size` of cache, e.g. 10GB (--keep-storage before API 1.48)")
		fs.Var(&maxUsed, "max-used-space", "prune until the cache takes at most `size` (API 1.48)")
		fs.Var(&minFree, "min-free-space", "prune until the disk has `size` free (API 1.48)")
		return func(c *cli, args []string) error {
			if len(args) > 0 {
				return usagef("builder prune takes no arguments")
			}
			var err error
			if opts.Filters, err = parseFilters(filterArgs); err != nil {
				return err
			}
			opts.ReservedSpace, opts.MaxUsedSpace, opts.MinFreeSpace = int64(reserved), int64(maxUsed), int64(minFree)
			if !*force {
				warning := "WARNING! This will remove all dangling build cache."
				if opts.All {
					warning = "WARNING! This will remove all build cache."
				}
				if !confirm(c, warning+" Are you sure you want to continue?") {
					return errors.New("builder prune has been cancelled")
				}
			}
			rep, err := c.client.BuildCachePrune(c.ctx, opts)
			if err != nil {
				return err
			}
			if len(rep.CachesDeleted) > 0 {
				fmt.Fprintln(c.stdout, "Deleted build cache objects:")
				for _, id := range rep.CachesDeleted {
					fmt.Fprintln(c.stdout, id)
				}
				fmt.Fprintln(c.stdout)
			}
			fmt.Fprintln(c.stdout, "Total reclaimed space:", humanSizeDigits(rep.SpaceReclaimed, 4))
			return nil
		}
	},
}

// confirm asks question on stdout and reads the answer from stdin, as
// docker's prompts do: only "y" or "yes" agree.
func confirm(c *cli, question string) bool {
	fmt.Fprintf(c.stdout, "%s [y/N] ", question)
	line, _ := bufio.NewReader(c.stdin).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

// byteSize is a size flag as docker takes them: bytes, or a number with a
// binary unit, "512m", "10GB".
type byteSize int64

func (s *byteSize) String() string { return strconv.FormatInt(int64(*s), 10) }

// sizePattern is what docker takes for a size (units.RAMInBytes): a
// decimal number, then a binary unit, with an optional "i" and "b".
var sizePattern = regexp.MustCompile(`^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$`)

func (s *byteSize) Set(v string) error {
	m := sizePattern.FindStringSubmatch(strings.ToLower(v))
	if m == nil {
		return fmt.Errorf("invalid size %q: want bytes, or a number with k, m, g, t or p", v)
	}
	mult := 1.0
	if m[2] != "" {
		mult = float64(int64(1) << (10 * (strings.Index("kmgtp", m[2]) + 1)))
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil || f*mult >= 1<<63 {
		return fmt.Errorf("invalid size %q: too large", v)
	}
	*s = byteSize(f * mult)
	return nil
}
