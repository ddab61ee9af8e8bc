//go:build unix

package outfile

import (
	"io/fs"
	"syscall"
)

// owner returns the uid owning fi.
func owner(fi fs.FileInfo) (uint32, bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Uid, true
	}
	return 0, false
}
