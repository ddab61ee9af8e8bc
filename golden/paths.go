package golden

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// MaxManifestBytes is the largest manifest ParseManifest reads: a manifest
// is a line per case, and 16 MiB is some 100,000 cases.
const MaxManifestBytes = 16 << 20

// ErrOutside is the cause when a manifest names a file outside its folder.
var ErrOutside = errors.New("outside the manifest's folder")

// CheckInside returns an error (matching ErrOutside) unless p, a path as a
// manifest writes it, stays inside the manifest's folder: relative, no
// ".." that climbs out, and no symbolic link among the folders on its way
// that leads out. A manifest from elsewhere (a student's repository, a
// downloaded test suite) can then make `golden update` write nowhere but
// beside itself.
func (m *Manifest) CheckInside(p string) error {
	local := filepath.FromSlash(p)
	if !filepath.IsLocal(local) {
		return fmt.Errorf("%s is %w %s (--allow-outside allows it)", p, ErrOutside, m.dirName())
	}
	root, err := filepath.EvalSymlinks(m.Dir)
	if err != nil {
		return nil // no folder yet: nothing can lead out of it
	}
	// The deepest folder on the way that exists, with its links resolved.
	dir := filepath.Dir(filepath.Join(m.Dir, local))
	for {
		real, err := filepath.EvalSymlinks(dir)
		if err == nil {
			if rel, err := filepath.Rel(root, real); err != nil || !filepath.IsLocal(rel) {
				return fmt.Errorf("%s leads %w %s through a symbolic link (--allow-outside allows it)", p, ErrOutside, m.dirName())
			}
			return nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}

func (m *Manifest) dirName() string {
	if m.Dir == "" || m.Dir == "." {
		return "(the current folder)"
	}
	return m.Dir
}

// checkPaths refuses a case whose capture or golden is outside the
// manifest's folder, unless opt allows it.
func (m *Manifest) checkPaths(c *Case, opt Options) error {
	if opt.AllowOutside {
		return nil
	}
	for _, p := range []string{c.Capture, c.Golden} {
		if err := m.CheckInside(p); err != nil {
			return fmt.Errorf("case %s: %w", c.Name, err)
		}
	}
	return nil
}

// replaceGolden renames the temporary file tmp, written beside the golden,
// over the golden at path: a golden that is a symbolic link is replaced,
// never written through, and a reader never sees half a golden.
func replaceGolden(tmp, path string) error {
	err := os.Chmod(tmp, 0o644)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("write golden: %w", err)
	}
	return nil
}
