package main

import (
	"archive/tar"
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
)

// transfer imports a root filesystem of one -bytes file of zeros, made on
// the fly and never held whole (ImageImport), then exports a container of
// that image to a counting discard (ContainerExport), measuring the
// client's memory during each. It prints one MemResult per direction and
// removes what it made.
func transfer(args []string) error {
	fs := flag.NewFlagSet("transfer", flag.ExitOnError)
	host := fs.String("host", "", "daemon")
	size := fs.Int64("bytes", 1<<30, "size of the file in the archive")
	name := fs.String("name", "", "engine name for the tests' names")
	fs.Parse(args)
	ctx := context.Background()
	c, err := negotiated(ctx, *host)
	if err != nil {
		return err
	}
	defer c.Close()
	const ref = "dwbench/import:latest"
	label := fmt.Sprintf("%d MiB", *size>>20)
	if *size >= 1<<30 {
		label = fmt.Sprintf("%d GiB", *size>>30)
	}

	res := MemResult{Test: fmt.Sprintf("import %s, %s", label, *name), Client: "dockwire", Host: *host}
	archive := zeroTar(*size)
	counted := &countingReader{r: archive}
	w := startWatch()
	gcs := numGC()
	t0 := time.Now()
	imp, err := c.ImageImport(ctx, counted, dockwire.ImageImportOptions{Repo: "dwbench/import", Changes: []string{"LABEL dwbench=1"}})
	if err == nil {
		err = imp.Wait()
	}
	res.Seconds = time.Since(t0).Seconds()
	w.finish(&res)
	res.GCs, res.Bytes = numGC()-gcs, counted.n
	archive.Close()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer c.ImageRemove(ctx, ref, dockwire.ImageRemoveOptions{Force: true})
	if err := printJSON(res); err != nil {
		return err
	}

	created, err := c.ContainerCreate(ctx, dockwire.ContainerCreateOptions{Name: "dwbench-export",
		Config: engine.ContainerConfig{Image: ref, Cmd: []string{"/blob"}, Labels: map[string]string{"dwbench": "1"}}})
	if err != nil {
		return err
	}
	defer c.ContainerRemove(ctx, created.ID, dockwire.ContainerRemoveOptions{Force: true})
	res = MemResult{Test: fmt.Sprintf("export %s, %s", label, *name), Client: "dockwire", Host: *host}
	var n atomic.Int64
	w = startWatch()
	sink := countingDiscard{n: &n, mark: 128 << 20, markOnce: new(sync.Once), atMark: &res.PeakRSSAt128M, baseline: w.baselineRSS}
	gcs = numGC()
	t0 = time.Now()
	rc, err := c.ContainerExport(ctx, created.ID)
	if err == nil {
		_, err = io.Copy(sink, rc)
		rc.Close()
	}
	res.Seconds = time.Since(t0).Seconds()
	w.finish(&res)
	res.GCs, res.Bytes = numGC()-gcs, n.Load()
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return printJSON(res)
}

func numGC() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}

// zeroTar streams a tar archive holding one file, /blob, of size zero
// bytes, written as it is read.
func zeroTar(size int64) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := tw.WriteHeader(&tar.Header{Name: "blob", Mode: 0o755, Size: size, Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)})
		if err == nil {
			_, err = io.CopyN(tw, zeros{}, size)
		}
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
