package record

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/dockwire/dockwire"
)

// What RegistryScript makes: the tiny image of image-load, tagged into
// the registry's repository registryRepo.
const (
	registryRepo = "dwrec/registry"
	registryTag  = "1"
	// DefaultRegistry is the test bed's registry (scripts/engines.sh start
	// registry), which both the recording and the replay name.
	DefaultRegistry = "127.0.0.1:5000"
)

// RegistryOptions configures RegistryScript.
type RegistryOptions struct {
	// Step names the recorded exchanges, as Options.Step.
	Step func(name string)
	// Registry is the registry's host:port; default DefaultRegistry.
	Registry string
	// Auth holds the registry's credentials. They never reach the
	// recording (the recorder redacts them), so a replay may give any.
	Auth dockwire.AuthConfig
	// Forget, if set, deletes the pushed manifest from the registry when
	// the script ends, through the registry's own API: the daemon has no
	// call for it. Replay leaves it nil.
	Forget func(ctx context.Context, repo, digest string) error
}

// RegistryScript runs the registry calls against c, a daemon that reaches
// a registry at opts.Registry with htpasswd auth: a login and a refused
// one, a push of the tiny image of image-load with the credentials and
// one with a wrong password, a distribution inspect of it (and one with a
// wrong password), a pull back after untagging, one with a wrong
// password and one of a missing tag; then it removes what it made. Like
// Script, the same session replayed must send the same requests.
func RegistryScript(ctx context.Context, c *dockwire.Client, opts RegistryOptions) ([]Result, error) {
	if opts.Registry == "" {
		opts.Registry = DefaultRegistry
	}
	s := &session{ctx: ctx, c: c, opts: Options{Step: opts.Step}}
	auth := opts.Auth
	auth.ServerAddress = opts.Registry
	wrong := auth
	wrong.Password += "-wrong"
	repo := opts.Registry + "/" + registryRepo
	ref := repo + ":" + registryTag

	s.run("image-load", func() (any, error) {
		return progress(c.ImageLoad(ctx, bytes.NewReader(tinyImage()), dockwire.ImageLoadOptions{}))
	})
	s.run("image-tag", func() (any, error) {
		return Done{}, c.ImageTag(ctx, tinyImageRef, dockwire.ImageTagOptions{Repo: repo, Tag: registryTag})
	})
	s.run("registry-login", func() (any, error) { return c.RegistryLogin(ctx, auth) })
	s.run("registry-login-wrong", func() (any, error) {
		_, err := c.RegistryLogin(ctx, wrong)
		return expectFailure(err)
	})
	s.run("image-push-wrong", func() (any, error) {
		return expectFailure(waited(c.ImagePush(ctx, ref, dockwire.ImagePushOptions{Auth: wrong})))
	})
	var digest string
	s.run("image-push", func() (any, error) {
		p, err := c.ImagePush(ctx, ref, dockwire.ImagePushOptions{Auth: auth})
		res, err := progress(p, err)
		if err == nil {
			digest = p.Digest()
			if digest == "" {
				err = errors.New("the push reported no digest")
			}
		}
		return res, err
	})
	s.run("distribution-inspect", func() (any, error) {
		return c.DistributionInspect(ctx, ref, dockwire.DistributionInspectOptions{Auth: auth})
	})
	s.run("distribution-inspect-wrong", func() (any, error) {
		_, err := c.DistributionInspect(ctx, ref, dockwire.DistributionInspectOptions{Auth: wrong})
		return expectFailure(err)
	})
	s.run("image-untag", func() (any, error) { return c.ImageRemove(ctx, ref, dockwire.ImageRemoveOptions{}) })
	s.run("image-pull-wrong", func() (any, error) {
		return expectFailure(waited(c.ImagePull(ctx, ref, dockwire.ImagePullOptions{Auth: wrong})))
	})
	s.run("image-pull", func() (any, error) {
		return progress(c.ImagePull(ctx, ref, dockwire.ImagePullOptions{Auth: auth}))
	})
	s.run("image-pull-missing-tag", func() (any, error) {
		return expectFailure(waited(c.ImagePull(ctx, repo+":nope", dockwire.ImagePullOptions{Auth: auth})))
	})
	s.run("image-remove", func() (any, error) { return c.ImageRemove(ctx, ref, dockwire.ImageRemoveOptions{}) })
	s.run("image-remove-loaded", func() (any, error) {
		return c.ImageRemove(ctx, tinyImageRef, dockwire.ImageRemoveOptions{})
	})
	if digest != "" && opts.Forget != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := opts.Forget(cctx, registryRepo, digest); err != nil && s.err == nil {
			s.err = err
		}
	}
	if s.err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		RegistryCleanup(cctx, c, opts.Registry)
	}
	return s.results, s.err
}

// RegistryCleanup removes, ignoring errors, the images RegistryScript
// makes on the daemon. Run it with a client that does not record.
func RegistryCleanup(ctx context.Context, c *dockwire.Client, registry string) {
	if registry == "" {
		registry = DefaultRegistry
	}
	for _, ref := range []string{registry + "/" + registryRepo + ":" + registryTag, tinyImageRef} {
		c.ImageRemove(ctx, ref, dockwire.ImageRemoveOptions{Force: true})
	}
}
