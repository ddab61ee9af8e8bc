//go:build !unix

package outfile

import "os"

// umask: Windows has none; Chmod there only sets or clears read-only.
var umask os.FileMode = 0
