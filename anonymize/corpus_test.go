package anonymize

import (
	"path/filepath"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/testcorpus"
	"github.com/turtle-sniffer/turtle/internal/testcorpus/captures"
)

// Every frame of tcpdump's corpus (830 captures from real networks, many of
// them odd) is anonymized under each option set without a panic, and every
// checksum keeps its verdict. The corpus is found through TURTLE_CORPUS.
func TestCorpusChecksumsKeepTheirVerdict(t *testing.T) {
	files := testcorpus.Files(t, "*")
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
	for fr := range captures.Frames(t, files) {
		frames++
		lt := fr.Info.LinkType
		before := verdicts(lt, fr.Data)
		for i, a := range as {
			out, _ := a.Frame(lt, fr.Data)
			if a.opt.Payload == PayloadDrop {
				continue
			}
			if after := verdicts(lt, out); !equalStatus(before, after) {
				bad++
				if bad <= 20 {
					t.Errorf("%s frame %d (%s): checksum verdicts %v became %v", filepath.Base(fr.File), fr.Number, names[i], before, after)
				}
			}
		}
	}
	t.Logf("%d frames, %d verdicts changed", frames, bad)
}
