package record

import (
	"bytes"

	"github.com/dockwire/dockwire"
)

const (
	committedRef = "dwrec/committed:latest"
	importedRepo = "dwrec/imported"
	importedRef  = importedRepo + ":latest"
)

// filesystems diffs, commits and exports the main container, and imports
// an archive built here, from which the image's ID differs on every run
// (the daemon stamps the time) but not its content.
func (s *session) filesystems() {
	ctx, c := s.ctx, s.c
	s.run("container-diff", func() (any, error) {
		// A file in the container's own filesystem (/data is a volume,
		// which a diff leaves out).
		if err := c.CopyToContainer(ctx, webName, "/", bytes.NewReader(tarOf(tarFile{"dwrec-diff.txt", "changed\n"})), dockwire.CopyToContainerOptions{}); err != nil {
			return nil, err
		}
		return c.ContainerDiff(ctx, webName)
	})
	s.run("container-commit", func() (any, error) {
		return c.ContainerCommit(ctx, webName, dockwire.ContainerCommitOptions{Repo: "dwrec/committed", Comment: "dwrec commit",
			Author: "dockwire internal/record", Changes: []string{"ENV DWREC=committed", "LABEL " + Label + "=1"}})
	})
	s.run("container-export", func() (any, error) {
		// The first tar header only, as for image-save.
		return firstTarHeader(c.ContainerExport(ctx, webName))
	})
	s.run("image-import", func() (any, error) {
		return progress(c.ImageImport(ctx, bytes.NewReader(tarOf(tarFile{"dwrec-imported.txt", "an imported image\n"})), dockwire.ImageImportOptions{
			Repo: importedRepo, Message: "dwrec import", Changes: []string{`CMD ["/dwrec-imported.txt"]`, "LABEL " + Label + "=1"}}))
	})
	s.run("build-cache-prune", func() (any, error) {
		// Nothing of the engine's own cache: an ID that no record has.
		return c.BuildCachePrune(ctx, dockwire.BuildCachePruneOptions{Filters: dockwire.Filters{"id": {"dwrec-none"}}})
	})
}
