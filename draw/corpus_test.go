package draw

import (
	"path/filepath"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/testcorpus"
	"github.com/turtle-sniffer/turtle/internal/testcorpus/captures"
)

// Every capture of the tcpdump corpus draws without a panic, every kind
// and format, into well-formed SVG (testcorpus finds it).
func TestCorpusDraw(t *testing.T) {
	files := testcorpus.Files(t, "*")
	arrows, problems := 0, 0
	for name, r := range captures.Readers(t, files) {
		d, _ := Collect(r, Options{Stream: -1, Title: filepath.Base(name)})
		for suffix, pic := range pictures(t, d) {
			if filepath.Ext(suffix) == ".svg" {
				wellFormed(t, filepath.Base(name)+" "+suffix, pic)
			}
		}
		arrows += len(d.Arrows)
		if d.Problems != 0 {
			problems++
		}
	}
	t.Logf("%d arrows from %d files, %d with problems drawn", arrows, len(files), problems)
}
