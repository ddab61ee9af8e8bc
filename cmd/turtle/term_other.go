//go:build !linux

package main

import (
	"io"
	"os"
)

// isTerminal reports whether w is a character device, the closest portable
// test for a terminal (it also takes /dev/null for one, which only turns on
// colour or a progress line nobody sees).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
