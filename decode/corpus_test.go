package decode

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/testcorpus"
	"github.com/turtle-sniffer/turtle/internal/testcorpus/captures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Every frame of the tcpdump corpus formats in all three new formats
// without a panic: one valid JSON object per line, one summary line, no
// control byte. The corpus is found through TURTLE_CORPUS.
func TestCorpusFormats(t *testing.T) {
	files := testcorpus.Files(t, "*")
	var v Verbose
	var s Summary
	var j JSON
	var buf []byte
	frames := 0
	for c := range captures.Frames(t, files) {
		frames++
		name, n := c.File, c.Number
		fr := &pcapio.Frame{Number: n, Data: c.Data, Info: c.Info}
		buf = v.AppendFrame(buf[:0], fr)
		checkText(t, name, n, "verbose", buf)
		buf = s.AppendFrame(buf[:0], fr)
		checkText(t, name, n, "summary", buf)
		if bytes.Count(buf, []byte("\n")) != 1 {
			t.Errorf("%s frame %d: summary %q is not one line", name, n, buf)
		}
		buf = j.AppendFrame(buf[:0], fr)
		checkText(t, name, n, "json", buf)
		if bytes.Count(buf, []byte("\n")) != 1 || !json.Valid(buf) {
			t.Errorf("%s frame %d: not one JSON line: %q", name, n, buf)
		}
	}
	t.Logf("%d frames of %d files", frames, len(files))
}

func checkText(t *testing.T, name string, n int, format string, b []byte) {
	t.Helper()
	for _, c := range b {
		if c < 0x20 && c != '\n' || c == 0x7f || (c >= 0x80 && format != "json") {
			t.Errorf("%s frame %d: %s has byte %#02x: %q", name, n, format, c, b)
			return
		}
	}
}
