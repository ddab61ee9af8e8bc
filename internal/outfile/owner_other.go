//go:build !unix

package outfile

import "io/fs"

// owner: no uids here (Windows), nothing to check.
func owner(fi fs.FileInfo) (uint32, bool) { return 0, false }
