package dockwire

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// ErrUnsafeArchive is matched by the error ExtractTar returns for an entry
// that would write outside the destination: an absolute name, a ".."
// component, a write through a symbolic link, or a link whose target
// leaves the destination.
var ErrUnsafeArchive = errors.New("unsafe tar entry")

// TarPath streams a tar archive of a file or directory, as PUT archive
// (CopyToContainer) takes it: entries are named after srcPath's base name,
// and symbolic links are stored as links, never followed. The archive is
// produced while it is read; Close stops it early.
func TarPath(srcPath string) (io.ReadCloser, error) {
	return tarPath(srcPath, filepath.Base(filepath.Clean(srcPath)))
}

// tarPath is TarPath with the root entry named root; an empty root stores
// a directory's contents without the directory itself.
func tarPath(srcPath, root string) (io.ReadCloser, error) {
	if _, err := os.Lstat(srcPath); err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeTar(pw, srcPath, root)) }()
	return pr, nil
}

func writeTar(w io.Writer, src, root string) error {
	tw := tar.NewWriter(w)
	buf := make([]byte, 32<<10)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		name := path.Join(root, filepath.ToSlash(rel))
		if name == "." || name == "" {
			return nil // the root of a contents-only archive
		}
		return tarEntry(tw, p, name, d, buf, false)
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// tarEntry writes a file, directory or symbolic link to tw under name,
// through buf; sockets, pipes and devices have no place in an archive for
// Docker and are skipped. anonymous drops the owner, as a build context
// does; otherwise it is kept for CopyToContainerOptions.CopyUIDGID.
func tarEntry(tw *tar.Writer, file, name string, d fs.DirEntry, buf []byte, anonymous bool) error {
	fi, err := d.Info()
	if err != nil {
		return err
	}
	var link string
	switch mode := fi.Mode(); {
	case mode.IsRegular(), mode.IsDir():
	case mode&fs.ModeSymlink != 0:
		if link, err = os.Readlink(file); err != nil {
			return err
		}
	default:
		return nil
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return err
	}
	hdr.Name = name
	if fi.IsDir() {
		hdr.Name += "/"
	}
	hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
	if anonymous {
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	// The header promised hdr.Size bytes: a file that grows or shrinks
	// while it is archived must not corrupt the archive.
	n, err := io.CopyBuffer(tw, io.LimitReader(f, hdr.Size), buf)
	if err == nil && n < hdr.Size {
		err = fmt.Errorf("%s shrank while being archived", name)
	}
	return err
}

// ExtractTar writes the entries of the tar stream r under destDir, an
// existing directory. It treats the archive as hostile, as one read from a
// container must be: it refuses, with an error matching ErrUnsafeArchive,
// any entry with an absolute name or a ".." component, any write through a
// symbolic link (so a link to "/" followed by a file under it fails), a
// symbolic link that is absolute or whose target leaves destDir, and a hard
// link to anything but a regular file already extracted under destDir.
// Entries before the refused one stay written.
//
// Directories, regular files, symbolic and hard links are extracted with
// their permission bits (not setuid, setgid or sticky) and files with their
// modification time; device nodes and FIFOs are skipped, and ownership is
// not changed. Memory use does not grow with the archive.
func ExtractTar(r io.Reader, destDir string) error {
	x, err := newExtractor(destDir)
	if err != nil {
		return err
	}
	return x.run(r)
}

type extractor struct {
	root string
	buf  []byte
	// rename, if not nil, maps the cleaned name of each entry, and of each
	// hard link's target, to the name to write it as ("" to skip it).
	rename func(name string) (string, error)
	// lockedDirs are directories whose mode denies their owner writing or
	// searching them: they get it only after the last entry is written.
	lockedDirs []lockedDir
}

type lockedDir struct {
	path string
	mode fs.FileMode
}

func newExtractor(destDir string) (*extractor, error) {
	root, err := filepath.Abs(destDir)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &fs.PathError{Op: "extract", Path: destDir, Err: errors.New("not a directory")}
	}
	return &extractor{root: root, buf: make([]byte, 32<<10)}, nil
}

// run extracts every entry of r.
func (x *extractor) run(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("dockwire: reading tar: %w", err)
		}
		name, err := x.name(hdr.Name)
		if err == nil && name != "" && name != "." {
			err = x.entry(tr, hdr, name)
		}
		if err != nil {
			return err
		}
	}
	for i := len(x.lockedDirs) - 1; i >= 0; i-- {
		if err := os.Chmod(x.lockedDirs[i].path, x.lockedDirs[i].mode); err != nil {
			return err
		}
	}
	return nil
}

// name validates and renames an entry name.
func (x *extractor) name(raw string) (string, error) {
	name, err := entryName(raw)
	if err != nil || x.rename == nil {
		return name, err
	}
	return x.rename(name)
}

func unsafeEntry(name, format string, args ...any) error {
	return fmt.Errorf("dockwire: %w %q: %s", ErrUnsafeArchive, name, fmt.Sprintf(format, args...))
}

// entryName validates a name from the archive and cleans it: "./a/b/" is
// "a/b"; "/a" and "a/../b" are refused.
func entryName(name string) (string, error) {
	if strings.HasPrefix(name, "/") || filepath.IsAbs(name) {
		return "", unsafeEntry(name, "absolute path")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", unsafeEntry(name, "'..' in path")
		}
	}
	if strings.ContainsRune(name, 0) {
		return "", unsafeEntry(name, "NUL in path")
	}
	clean := path.Clean(name)
	if clean != "." && !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", unsafeEntry(name, "not a local path")
	}
	return clean, nil
}

func (x *extractor) entry(tr *tar.Reader, hdr *tar.Header, name string) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader || hdr.Typeflag == tar.TypeChar || hdr.Typeflag == tar.TypeBlock || hdr.Typeflag == tar.TypeFifo {
		return nil
	}
	if err := x.parents(name, true); err != nil {
		return err
	}
	dst := filepath.Join(x.root, filepath.FromSlash(name))
	existing, err := os.Lstat(dst)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	perm := fs.FileMode(hdr.Mode).Perm()
	switch hdr.Typeflag {
	case tar.TypeDir:
		if exists && !existing.IsDir() {
			if err := os.Remove(dst); err != nil {
				return err
			}
			exists = false
		}
		if !exists {
			if err := os.Mkdir(dst, 0o700); err != nil {
				return err
			}
		}
		if perm&0o300 != 0o300 {
			x.lockedDirs = append(x.lockedDirs, lockedDir{dst, perm})
			perm |= 0o700
		}
		return os.Chmod(dst, perm)
	case tar.TypeReg: // archive/tar reports the old TypeRegA as TypeReg
		if err := replaceable(dst, name, existing, exists); err != nil {
			return err
		}
		// O_EXCL refuses to follow a symbolic link put there in between.
		f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		_, err = io.CopyBuffer(f, tr, x.buf)
		if err == nil {
			err = f.Chmod(perm)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil && !hdr.ModTime.IsZero() {
			err = os.Chtimes(dst, hdr.ModTime, hdr.ModTime)
		}
		return err
	case tar.TypeSymlink:
		if err := symlinkTarget(name, hdr.Linkname); err != nil {
			return err
		}
		if err := replaceable(dst, name, existing, exists); err != nil {
			return err
		}
		return os.Symlink(hdr.Linkname, dst)
	case tar.TypeLink:
		target, err := x.name(hdr.Linkname)
		if err != nil || target == "" || target == "." {
			return unsafeEntry(name, "hard link to %q: outside the destination", hdr.Linkname)
		}
		if err := x.parents(target, false); err != nil {
			return err
		}
		src := filepath.Join(x.root, filepath.FromSlash(target))
		fi, err := os.Lstat(src)
		if err != nil || !fi.Mode().IsRegular() {
			return unsafeEntry(name, "hard link to %q, which is not a regular file extracted before it", hdr.Linkname)
		}
		if err := replaceable(dst, name, existing, exists); err != nil {
			return err
		}
		return os.Link(src, dst)
	}
	return nil // other types (such as GNU sparse leftovers) carry nothing to write
}

// parents checks that every directory above name (relative to the root) is
// a real directory, not a symbolic link, creating missing ones if create.
func (x *extractor) parents(name string, create bool) error {
	dir := x.root
	parts := strings.Split(name, "/")
	for _, part := range parts[:len(parts)-1] {
		dir = filepath.Join(dir, part)
		fi, err := os.Lstat(dir)
		switch {
		case err == nil && fi.Mode()&fs.ModeSymlink != 0:
			return unsafeEntry(name, "writes through the symbolic link %q", strings.TrimPrefix(dir, x.root+string(filepath.Separator)))
		case err == nil && !fi.IsDir():
			return unsafeEntry(name, "a parent is not a directory")
		case err == nil:
		case errors.Is(err, fs.ErrNotExist) && create:
			if err := os.Mkdir(dir, 0o755); err != nil {
				return err
			}
		default:
			return err
		}
	}
	return nil
}

// replaceable removes what is at dst so that a file or link can take its
// place; a directory is not replaced.
func replaceable(dst, name string, existing fs.FileInfo, exists bool) error {
	if !exists {
		return nil
	}
	if existing.IsDir() {
		return &fs.PathError{Op: "extract", Path: name, Err: errors.New("a directory is in the way")}
	}
	return os.Remove(dst) // removes a symbolic link itself, never its target
}

// symlinkTarget refuses a link at name whose target is absolute or leaves
// the root. Its ".." components must all come first: after a component
// that may itself be a link, ".." would step out of wherever that link
// leads, which a check on the text cannot see.
func symlinkTarget(name, target string) error {
	if target == "" || strings.HasPrefix(target, "/") || filepath.IsAbs(target) || strings.ContainsRune(target, 0) {
		return unsafeEntry(name, "symbolic link to %q: absolute or empty target", target)
	}
	up, depth := 0, strings.Count(name, "/")
	named := false
	for _, part := range strings.Split(target, "/") {
		switch part {
		case "", ".":
		case "..":
			if named {
				return unsafeEntry(name, "symbolic link to %q: '..' after a name", target)
			}
			up++
		default:
			named = true
		}
	}
	if up > depth {
		return unsafeEntry(name, "symbolic link to %q: outside the destination", target)
	}
	return nil
}
