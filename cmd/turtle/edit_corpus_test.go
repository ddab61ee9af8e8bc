package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/testcorpus"
)

// Every capture of tcpdump's corpus converts to pcapng and to pcap-ns with
// every frame kept (time, lengths, bytes, link type), up to the damage of a
// damaged file; the only refusals are the ones the formats force (several
// link types in pcap, times beyond 2106). The corpus is found through
// TURTLE_CORPUS.
func TestEditCorpusConversions(t *testing.T) {
	files := testcorpus.Files(t, "*")
	out := filepath.Join(t.TempDir(), "out")
	converted := 0
	for _, name := range files {
		want, readErr := readRecords(name)
		if want == nil && readErr != nil {
			continue // not a capture
		}
		for _, format := range []string{"pcapng", "pcap-ns"} {
			code, _, errs := turtle(t, nil, "edit", "--to-format", format, "-o", out, name)
			switch {
			case code == 0 && readErr == nil:
			case code == 1 && readErr != nil && strings.Contains(errs, readErr.Error()):
			case code == 1 && format == "pcap-ns" &&
				(strings.Contains(errs, "pcap holds one link type") || strings.Contains(errs, "out of the pcap range")):
				continue
			default:
				t.Errorf("%s to %s: exit %d, %q (read error %v)", filepath.Base(name), format, code, errs, readErr)
				continue
			}
			got, err := readRecords(out)
			if err != nil {
				t.Fatalf("%s to %s: the output does not read back: %v", filepath.Base(name), format, err)
			}
			if format == "pcap-ns" {
				for i := range want {
					want[i].interface_ = 0
				}
			}
			for i := range got {
				got[i].interface_ = want[min(i, len(want)-1)].interface_ // ids are renumbered
			}
			sameFrames(t, filepath.Base(name)+" to "+format, got, want)
			converted++
		}
	}
	t.Logf("%d conversions checked frame by frame", converted)
}
