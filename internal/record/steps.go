package record

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
)

// ProgressResult is what a build or load stream said.
type ProgressResult struct {
	Messages []engine.JSONMessage
	ImageID  string
}

// StreamOutput is the output of an exec stream.
type StreamOutput struct {
	Multiplexed    bool
	Stdout, Stderr string
}

// RunOutput is what a container run with Client.Run wrote, and its exit
// code.
type RunOutput struct {
	ExitCode       int
	Stdout, Stderr string
}

// LogResult is a container log read line by line.
type LogResult struct {
	Multiplexed bool
	Lines       []dockwire.LogLine
}

// TarEntry is one entry of an archive the daemon sent.
type TarEntry struct {
	Name     string
	Typeflag byte
	Size     int64
	Mode     int64
	ModTime  time.Time
	Content  string // the start of a regular file's content
}

// CopyResult is what a copy from a container returned.
type CopyResult struct {
	Stat    engine.PathStat
	Entries []TarEntry
}

func progress(p *dockwire.Progress, err error) (ProgressResult, error) {
	var res ProgressResult
	if err != nil {
		return res, err
	}
	for m, err := range p.Messages() {
		if err != nil {
			return res, err
		}
		res.Messages = append(res.Messages, m)
	}
	res.ImageID = p.ImageID()
	return res, nil
}

// waited reads p to its end, and returns the error that ended it or
// stopped it from starting.
func waited(p *dockwire.Progress, err error) error {
	if err != nil {
		return err
	}
	return p.Wait()
}

func (s *session) images() {
	ctx, c := s.ctx, s.c
	s.run("image-build", func() (any, error) {
		buildCtx, err := busyboxContext(s.opts.Busybox, "")
		if err != nil {
			return nil, err
		}
		return progress(c.ImageBuild(ctx, buildCtx, dockwire.ImageBuildOptions{Tags: []string{ImageRef}, NoCache: true}))
	})
	s.run("image-list", func() (any, error) {
		return c.ImageList(ctx, dockwire.ImageListOptions{Filters: dockwire.Filters{"reference": {imageRepo}}})
	})
	s.run("image-inspect", func() (any, error) { return c.ImageInspect(ctx, ImageRef, dockwire.ImageInspectOptions{}) })
	s.run("image-exists", func() (any, error) { return c.ImageExists(ctx, ImageRef) })
	s.run("image-tag", func() (any, error) {
		return Done{}, c.ImageTag(ctx, ImageRef, dockwire.ImageTagOptions{Repo: imageRepo, Tag: imageTag2})
	})
	s.run("image-history", func() (any, error) { return c.ImageHistory(ctx, ImageRef, dockwire.ImageHistoryOptions{}) })
	s.run("image-save", func() (any, error) {
		// Only the first tar header is read: the archive holds the whole
		// busybox, and the fixture keeps only what was read (see
		// HeaderTruncated).
		return firstTarHeader(c.ImageSave(ctx, []string{ImageRef}, dockwire.ImageSaveOptions{}))
	})
	s.run("image-load", func() (any, error) {
		return progress(c.ImageLoad(ctx, bytes.NewReader(tinyImage()), dockwire.ImageLoadOptions{}))
	})
	s.run("image-push-missing", func() (any, error) {
		return expectFailure(waited(c.ImagePush(ctx, "dwrec/none:latest", dockwire.ImagePushOptions{})))
	})
	s.run("image-pull-missing", func() (any, error) {
		// Port 9 refuses connections: the daemon fails at once, offline.
		return expectFailure(waited(c.ImagePull(ctx, "127.0.0.1:9/dwrec/missing:latest", dockwire.ImagePullOptions{})))
	})
}

func labels() map[string]string { return map[string]string{Label: "1"} }

var labelFilter = dockwire.Filters{"label": {Label + "=1"}}

func (s *session) networksAndVolumes() {
	ctx, c := s.ctx, s.c
	s.run("network-create", func() (any, error) {
		return c.NetworkCreate(ctx, dockwire.NetworkCreateOptions{Name: netName, Labels: labels(),
			IPAM: &engine.IPAM{Config: []engine.IPAMConfig{{Subnet: netSubnet}}}})
	})
	s.run("network-list", func() (any, error) { return c.NetworkList(ctx, dockwire.NetworkListOptions{Filters: labelFilter}) })
	s.run("volume-create", func() (any, error) {
		return c.VolumeCreate(ctx, dockwire.VolumeCreateOptions{Name: volName, Labels: labels()})
	})
	s.run("volume-list", func() (any, error) { return c.VolumeList(ctx, dockwire.VolumeListOptions{Filters: labelFilter}) })
	s.run("volume-inspect", func() (any, error) { return c.VolumeInspect(ctx, volName) })
}

func (s *session) containers() {
	ctx, c := s.ctx, s.c
	s.run("container-create", func() (any, error) {
		return c.ContainerCreate(ctx, dockwire.ContainerCreateOptions{Name: webName,
			Config:     engine.ContainerConfig{Image: ImageRef, Cmd: []string{"sh", "-c", webScript}, Labels: labels()},
			HostConfig: engine.HostConfig{NetworkMode: netName, Binds: []string{volName + ":/data"}}})
	})
	s.run("container-start", func() (any, error) { return Done{}, c.ContainerStart(ctx, webName) })
	s.run("container-start-again", func() (any, error) { return Done{}, c.ContainerStart(ctx, webName) })
	s.run("container-list", func() (any, error) {
		return c.ContainerList(ctx, dockwire.ContainerListOptions{All: true, Filters: labelFilter})
	})
	s.run("container-inspect", func() (any, error) { return c.ContainerInspect(ctx, webName, dockwire.ContainerInspectOptions{}) })
	s.run("container-is-running", func() (any, error) { return c.ContainerIsRunning(ctx, webName) })
	s.run("container-exists-missing", func() (any, error) { return c.ContainerExists(ctx, missingName) })
	s.run("network-inspect", func() (any, error) { return c.NetworkInspect(ctx, netName, dockwire.NetworkInspectOptions{}) })
	s.run("container-stats", func() (any, error) { return c.ContainerStats(ctx, webName) })
	s.run("container-stats-stream", func() (any, error) {
		// The first sample only: the next would come a second later, after
		// the client has closed the connection.
		for st, err := range c.ContainerStatsStream(ctx, webName) {
			return st, err
		}
		return nil, errors.New("the stats stream ended without a sample")
	})
	// After stats, which takes a second: the container is idle by now.
	s.run("container-top", func() (any, error) { return c.ContainerTop(ctx, webName, "") })
	s.run("container-inspect-missing", func() (any, error) {
		_, err := c.ContainerInspect(ctx, missingName, dockwire.ContainerInspectOptions{})
		return expectFailure(err)
	})
}

func (s *session) logsAndWait() {
	ctx, c := s.ctx, s.c
	s.run("container-logs", func() (any, error) {
		return readLogs(c.ContainerLogs(ctx, webName, dockwire.ContainerLogsOptions{Timestamps: true}))
	})
	s.run("container-logs-tail", func() (any, error) { return c.ContainerLogTail(ctx, webName, 2) })
	s.run("container-create-tty", func() (any, error) {
		return c.ContainerCreate(ctx, dockwire.ContainerCreateOptions{Name: ttyName,
			Config: engine.ContainerConfig{Image: ImageRef, Tty: true, Labels: labels(),
				Cmd: []string{"sh", "-c", "echo tty line one; echo tty line two"}},
			HostConfig: engine.HostConfig{NetworkMode: "none"}})
	})
	s.run("container-wait", func() (any, error) {
		w, err := c.ContainerWaitRegister(ctx, ttyName, dockwire.WaitNextExit)
		if err != nil {
			return nil, err
		}
		defer w.Close()
		if err := c.ContainerStart(ctx, ttyName); err != nil {
			return nil, err
		}
		return w.Result()
	})
	s.run("container-logs-tty", func() (any, error) { return readLogs(c.ContainerLogs(ctx, ttyName, dockwire.ContainerLogsOptions{})) })
	s.run("container-rename", func() (any, error) { return Done{}, c.ContainerRename(ctx, ttyName, ttyRenamed) })
	s.run("container-run", func() (any, error) {
		return s.runCaptured(dockwire.RunOptions{Name: runName, Cmd: []string{"sh", "-c", "echo ran; sleep 0.1; echo ran to stderr >&2; exit 5"}})
	})
	// Interactive runs: attached before the start, stdin sent and closed
	// (docker run -i), and a TTY sized at the start (docker run -t).
	s.run("container-run-stdin", func() (any, error) {
		return s.runCaptured(dockwire.RunOptions{Name: stdinRunName, Cmd: []string{"sh", "-c", "cat; echo stdin ended >&2"},
			Stdin: strings.NewReader("typed input\n")})
	})
	s.run("container-run-tty", func() (any, error) {
		// The command reads its terminal's size after the resize arrived.
		return s.runCaptured(dockwire.RunOptions{Name: ttyRunName, Cmd: []string{"sh", "-c", "sleep 0.5; stty size"},
			Tty: true, ConsoleSize: [2]uint{40, 100}})
	})
}

// runCaptured runs opts with the script's image, labels and no network,
// removed at the end, and returns what it wrote (a TTY's all on stdout).
func (s *session) runCaptured(opts dockwire.RunOptions) (any, error) {
	var stdout, stderr strings.Builder
	opts.Image, opts.Remove, opts.Stdout = ImageRef, true, &stdout
	if !opts.Tty {
		opts.Stderr = &stderr
	}
	opts.Create = dockwire.ContainerCreateOptions{
		Config:     engine.ContainerConfig{Labels: labels()},
		HostConfig: engine.HostConfig{NetworkMode: "none"}}
	res, err := s.c.Run(s.ctx, opts)
	return RunOutput{ExitCode: res.ExitCode, Stdout: stdout.String(), Stderr: stderr.String()}, err
}

func readLogs(ls *dockwire.LogStream, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	defer ls.Close()
	res := LogResult{Multiplexed: ls.Multiplexed()}
	for line, err := range ls.Lines() {
		if err != nil {
			return nil, err
		}
		res.Lines = append(res.Lines, line)
	}
	return res, nil
}

func (s *session) lifecycle() {
	ctx, c := s.ctx, s.c
	stop := dockwire.ContainerStopOptions{Timeout: 5 * time.Second}
	s.run("container-pause", func() (any, error) { return Done{}, c.ContainerPause(ctx, webName) })
	s.run("container-unpause", func() (any, error) { return Done{}, c.ContainerUnpause(ctx, webName) })
	s.run("container-update", func() (any, error) {
		return c.ContainerUpdate(ctx, webName, dockwire.ContainerUpdateOptions{Resources: engine.Resources{CPUShares: 512}})
	})
	s.run("network-create-second", func() (any, error) {
		return c.NetworkCreate(ctx, dockwire.NetworkCreateOptions{Name: net2Name, Labels: labels(),
			IPAM: &engine.IPAM{Config: []engine.IPAMConfig{{Subnet: net2Subnet}}}})
	})
	s.run("network-connect", func() (any, error) {
		return Done{}, c.NetworkConnect(ctx, net2Name, webName, dockwire.NetworkConnectOptions{Aliases: []string{"dwrec-alias"}})
	})
	s.run("network-disconnect", func() (any, error) {
		return Done{}, c.NetworkDisconnect(ctx, net2Name, webName, dockwire.NetworkDisconnectOptions{})
	})
	s.run("container-stop", func() (any, error) { return Done{}, c.ContainerStop(ctx, webName, stop) })
	s.run("container-stop-again", func() (any, error) { return Done{}, c.ContainerStop(ctx, webName, stop) })
	s.run("container-restart", func() (any, error) {
		return Done{}, c.ContainerRestart(ctx, webName, dockwire.ContainerRestartOptions(stop))
	})
	s.run("container-kill", func() (any, error) { return Done{}, c.ContainerKill(ctx, webName, "SIGKILL") })
	s.run("container-wait-killed", func() (any, error) { return c.ContainerWait(ctx, webName, dockwire.WaitNotRunning) })
}

func (s *session) teardown() {
	ctx, c := s.ctx, s.c
	s.run("container-remove", func() (any, error) { return Done{}, c.ContainerRemove(ctx, webName, dockwire.ContainerRemoveOptions{}) })
	s.run("container-prune", func() (any, error) {
		return c.ContainerPrune(ctx, dockwire.ContainerPruneOptions{Filters: labelFilter})
	})
	s.run("network-remove", func() (any, error) { return Done{}, c.NetworkRemove(ctx, netName) })
	s.run("network-prune", func() (any, error) { return c.NetworkPrune(ctx, dockwire.NetworkPruneOptions{Filters: labelFilter}) })
	s.run("volume-remove", func() (any, error) { return Done{}, c.VolumeRemove(ctx, volName, dockwire.VolumeRemoveOptions{}) })
	s.run("volume-prune", func() (any, error) { return c.VolumePrune(ctx, dockwire.VolumePruneOptions{Filters: labelFilter}) })
	rm := dockwire.ImageRemoveOptions{}
	// The committed image first: it is a child of the test image.
	s.run("image-remove-committed", func() (any, error) { return c.ImageRemove(ctx, committedRef, rm) })
	s.run("image-remove-imported", func() (any, error) { return c.ImageRemove(ctx, importedRef, rm) })
	s.run("image-untag", func() (any, error) { return c.ImageRemove(ctx, imageRepo+":"+imageTag2, rm) })
	s.run("image-remove", func() (any, error) { return c.ImageRemove(ctx, ImageRef, rm) })
	s.run("image-remove-loaded", func() (any, error) { return c.ImageRemove(ctx, tinyImageRef, rm) })
	s.run("image-prune", func() (any, error) { return c.ImagePrune(ctx, dockwire.ImagePruneOptions{Filters: labelFilter}) })
}

// busyboxContext returns the build context of the test image: FROM
// scratch plus a static busybox, as internal/livetest builds it, but
// labelled first, so that no other build on the engine shares (and keeps
// alive) its intermediate images. last, if any, ends its Dockerfile.
func busyboxContext(path, last string) (io.Reader, error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the test image needs a static busybox (apt-get install busybox-static): %w", err)
	}
	dockerfile := "FROM scratch\nLABEL " + Label + "=1\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n" + last
	return bytes.NewReader(tarOf(tarFile{"Dockerfile", dockerfile}, tarFile{"busybox", string(bin)})), nil
}

type tarFile struct{ name, content string }

// tarOf returns an archive of files with fixed owners and times, so that
// its bytes are the same on every run.
func tarOf(files ...tarFile) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		mode := int64(0o644)
		if f.name == "busybox" {
			mode = 0o755
		}
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: mode, Size: int64(len(f.content)), ModTime: FixedTime, Typeflag: tar.TypeReg, Format: tar.FormatPAX})
		io.WriteString(tw, f.content)
	}
	tw.Close()
	return buf.Bytes()
}

// firstTarHeader reads an archive's first header only, and closes it.
func firstTarHeader(rc io.ReadCloser, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var block [512]byte
	if _, err := io.ReadFull(rc, block[:]); err != nil {
		return nil, err
	}
	h, err := tar.NewReader(bytes.NewReader(block[:])).Next()
	if err != nil {
		return nil, err
	}
	return TarEntry{Name: h.Name, Typeflag: h.Typeflag, Size: h.Size, Mode: h.Mode}, nil
}

// readTar lists an archive, keeping the first 1 KiB of each file.
func readTar(r io.Reader) ([]TarEntry, error) {
	var out []TarEntry
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		content, err := io.ReadAll(io.LimitReader(tr, 1024))
		if err != nil {
			return out, err
		}
		out = append(out, TarEntry{Name: h.Name, Typeflag: h.Typeflag, Size: h.Size, Mode: h.Mode, ModTime: h.ModTime.UTC(), Content: string(content)})
	}
}
