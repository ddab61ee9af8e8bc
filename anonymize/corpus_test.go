package anonymize

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Every frame of tcpdump's corpus (830 captures from real networks, many of
// them odd) is anonymized under each option set without a panic, and every
// checksum keeps its verdict. The corpus is found through TURTLE_CORPUS.
func TestCorpusChecksumsKeepTheirVerdict(t *testing.T) {
	dir := os.Getenv("TURTLE_CORPUS")
	if dir == "" {
		t.Skip("TURTLE_CORPUS is not set (the tcpdump corpus directory's parent)")
	}
	files, err := filepath.Glob(filepath.Join(dir, "tcpdump", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files in %s/tcpdump: %v", dir, err)
	}
	var as []*Anonymizer
	var names []string
	for name, opt := range optionSets {
		a, err := New(referenceKey, opt)
		if err != nil {
			t.Fatal(err)
		}
		as, names = append(as, a), append(names, name)
	}
	frames, bad := 0, 0
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapio.NewReader(f)
		if err != nil {
			f.Close()
			continue
		}
		for n := 1; ; n++ {
			data, ci, err := r.ZeroCopyReadPacketData()
			if err != nil {
				break
			}
			frames++
			before := verdicts(ci.LinkType, data)
			for i, a := range as {
				out, _ := a.Frame(ci.LinkType, data)
				if a.opt.Payload == PayloadDrop {
					continue
				}
				if after := verdicts(ci.LinkType, out); !equalStatus(before, after) {
					bad++
					if bad <= 20 {
						t.Errorf("%s frame %d (%s): checksum verdicts %v became %v", filepath.Base(file), n, names[i], before, after)
					}
				}
			}
		}
		f.Close()
	}
	t.Logf("%d frames, %d verdicts changed", frames, bad)
}
