package follow

import (
	"io"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/testcorpus"
	"github.com/turtle-sniffer/turtle/internal/testcorpus/captures"
)

// Every capture of the tcpdump corpus reassembles without a panic, every
// stream followed in ascii; found through TURTLE_CORPUS.
func TestCorpusFollow(t *testing.T) {
	files := testcorpus.Files(t, "*")
	streams := 0
	for _, r := range captures.Readers(t, files) {
		w := &Writer{W: io.Discard, Report: io.Discard, Format: ASCII}
		ss, _ := Run(r, Options{Select: func(*Stream) bool { return true }, Chunk: w.Chunk, End: w.End})
		streams += len(ss)
	}
	if streams == 0 {
		t.Errorf("no TCP stream in %d corpus files: the corpus holds hundreds of TCP conversations", len(files))
	}
	t.Logf("%d streams in %d files", streams, len(files))
}
