//go:build unix

package outfile

import (
	"os"
	"syscall"
)

// umask is the process's file mode creation mask, which os.Create applies
// and a temporary file renamed into place must be given by hand. Reading
// it means setting it, so it is read once, before any goroutine creates
// files.
var umask = func() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}()
