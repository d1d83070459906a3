package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dockwire/dockwire"
)

var buildCmd = &command{
	name:     "build",
	synopsis: "[--buildkit] [-t TAG]... [-f DOCKERFILE] DIR",
	summary:  "Build an image from a directory holding a Dockerfile",
	setup: func(fs *flag.FlagSet) runFunc {
		var tags listFlag
		var opts dockwire.ImageBuildOptions
		fs.Var(&tags, "t", "name the image, `name:tag` (repeatable)")
		fs.Var(&tags, "tag", "name the image, `name:tag` (repeatable)")
		fs.StringVar(&opts.Dockerfile, "f", "", "the Dockerfile, if not DIR/Dockerfile")
		fs.StringVar(&opts.Dockerfile, "file", "", "the Dockerfile, if not DIR/Dockerfile")
		fs.BoolVar(&opts.NoCache, "no-cache", false, "do not use the build cache")
		fs.BoolVar(&opts.BuildKit, "buildkit", false, "build with BuildKit, showing its progress as docker buildx build --progress=plain does (also DOCKER_BUILDKIT=1, as docker build takes it)")
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("build takes one directory")
			}
			if on, err := strconv.ParseBool(os.Getenv("DOCKER_BUILDKIT")); err == nil && on {
				opts.BuildKit = true
			}
			dir := args[0]
			opts.Tags = tags
			if opts.Dockerfile != "" {
				var err error
				if opts.Dockerfile, err = dockerfileInContext(dir, opts.Dockerfile); err != nil {
					return err
				}
			}
			tar, err := dockwire.BuildContext(dir)
			if err != nil {
				return err
			}
			build, err := c.client.ImageBuild(c.ctx, tar, opts)
			if err != nil {
				return err
			}
			if opts.BuildKit {
				return printBuildKit(c.stdout, build.Messages())
			}
			return printProgress(c.stdout, isTerminal(c.stdout), build.Messages())
		}
	},
}

// dockerfileInContext turns -f, a path here as docker takes it, into the
// path inside the build context that the daemon wants.
func dockerfileInContext(dir, dockerfile string) (string, error) {
	if _, err := os.Stat(dockerfile); err != nil {
		return filepath.ToSlash(dockerfile), nil // a path inside the context already
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	absFile, err := filepath.Abs(dockerfile)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absDir, absFile)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", usagef("the Dockerfile %s must be inside the build context %s", dockerfile, dir)
	}
	return filepath.ToSlash(rel), nil
}

var pullCmd = &command{
	name:     "pull",
	synopsis: "IMAGE",
	summary:  "Pull an image from its registry",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.ImagePullOptions
		fs.StringVar(&opts.Platform, "platform", "", "pull this `os/arch` instead of the daemon's own")
		fs.BoolVar(&opts.AllTags, "a", false, "pull every tag of the repository")
		fs.BoolVar(&opts.AllTags, "all-tags", false, "pull every tag of the repository")
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("pull takes one image reference")
			}
			// Like docker pull, use the credentials stored for the image's
			// registry, if any.
			auth, err := dockwire.LoadAuth(dockwire.RegistryHost(args[0]))
			if err != nil {
				return err
			}
			opts.Auth = auth
			pull, err := c.client.ImagePull(c.ctx, args[0], opts)
			if err != nil {
				return err
			}
			return printProgress(c.stdout, isTerminal(c.stdout), pull.Messages())
		}
	},
}

var imagesCmd = &command{
	name:     "images",
	synopsis: "[-a] [--filter KEY=VALUE]... [REPOSITORY[:TAG]]",
	summary:  "List images",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.ImageListOptions
		var filterArgs listFlag
		fs.BoolVar(&opts.All, "a", false, "show intermediate images too")
		fs.BoolVar(&opts.All, "all", false, "show intermediate images too")
		fs.Var(&filterArgs, "filter", "filter output by `KEY=VALUE`, e.g. dangling=true or label=app=web (repeatable)")
		noTrunc := fs.Bool("no-trunc", false, "don't truncate output")
		return func(c *cli, args []string) error {
			if len(args) > 1 {
				return usagef("images takes at most one repository")
			}
			var err error
			if opts.Filters, err = parseFilters(filterArgs); err != nil {
				return err
			}
			if len(args) == 1 {
				opts.Filters = opts.Filters.Add("reference", args[0])
			}
			list, err := c.client.ImageList(c.ctx, opts)
			if err != nil {
				return err
			}
			now := time.Now()
			tw := tabwriter.NewWriter(c.stdout, 10, 1, 3, ' ', 0)
			fmt.Fprintln(tw, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE")
			for _, img := range list {
				id := img.ID
				if !*noTrunc {
					id = shortID(id)
				}
				tags := img.RepoTags
				if len(tags) == 0 {
					tags = []string{"<none>:<none>"}
				}
				for _, ref := range tags {
					repo, tag := splitRepoTag(ref)
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", repo, tag, id, ago(now, img.Created), humanSize(img.Size))
				}
			}
			return tw.Flush()
		}
	},
}

// splitRepoTag splits "host:5000/name:tag" at the tag's colon.
func splitRepoTag(ref string) (repo, tag string) {
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ref, "<none>"
	}
	return ref[:i], ref[i+1:]
}
