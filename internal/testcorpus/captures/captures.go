// Package captures is the loop the corpus tests share: open each capture,
// read it with pcapio, hand over its reader or its frames, close it. Each
// test then says only what it checks of a reader or a frame.
//
// It is apart from testcorpus, which only finds the files, because pcapio's
// own tests use testcorpus and this package reads through pcapio.
package captures

import (
	"iter"
	"os"
	"testing"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Readers yields each of files with a pcapio reader over it, and closes
// the file when the loop body returns. Files pcapio refuses (not a
// capture, a damaged header) are left out: pcapio's own corpus test judges
// those. A file that cannot be opened fails t.
func Readers(t testing.TB, files []string) iter.Seq2[string, *pcapio.Reader] {
	return func(yield func(string, *pcapio.Reader) bool) {
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			src, err := capture.NewSource(f, capture.Options{})
			if err != nil {
				f.Close()
				continue
			}
			r := src.Reader()
			more := yield(name, r)
			f.Close()
			if !more {
				return
			}
		}
	}
}

// Frame is one frame of a capture, as Frames yields it.
type Frame struct {
	File   string // the capture's path
	Number int    // from 1 in its file
	Data   []byte // valid until the loop body returns
	Info   pcapio.CaptureInfo
}

// Frames yields every frame of every file Readers opens, up to each
// file's end or first error (pcapio's own tests judge those).
func Frames(t testing.TB, files []string) iter.Seq[Frame] {
	return func(yield func(Frame) bool) {
		for name, r := range Readers(t, files) {
			for n := 1; ; n++ {
				data, ci, err := r.ZeroCopyReadPacketData()
				if err != nil {
					break
				}
				if !yield(Frame{File: name, Number: n, Data: data, Info: ci}) {
					return
				}
			}
		}
	}
}
