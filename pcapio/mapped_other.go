//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package pcapio

import "io"

// mappedFile is never made where pcapio does not map files (Windows):
// every input is read through a bufio.Reader.
type mappedFile struct {
	source
	cur *Window
}

func mapFile(io.Reader) *mappedFile { return nil }

func (*mappedFile) release() {}

func (*mappedFile) drop() {}

func unmap([]byte) {}

func (*mappedFile) read() int64 { return 0 }
