package main

import (
	"net/netip"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Every conversation of 300 lands whole in its own file, both directions,
// in capture order, with only 4 files open at a time (so files are closed
// and reopened to append).
func TestSplitByFlow(t *testing.T) {
	frames := imixFrames(3000, 0)
	for _, format := range []pcapio.Format{pcapio.FormatPcapMicro, pcapio.FormatPcapNG} {
		in := writeCapture(t, "in", format, false, frames)
		dir := t.TempDir()
		msg := turtleOK(t, "split", "--by", "flow", "--max-open", "4", "-o", filepath.Join(dir, "f-{n}.cap"), in)
		names, _ := filepath.Glob(filepath.Join(dir, "f-*.cap"))
		if len(names) < 250 || !strings.Contains(msg, "3000 frames") {
			t.Fatalf("%d files: %s", len(names), msg)
		}
		all := readRecs(t, in)
		pos := map[string][]int{} // frame bytes+time -> index in the input
		for i, r := range all {
			k := r.data + r.ts.String()
			pos[k] = append(pos[k], i)
		}
		total := 0
		for _, name := range names {
			recs := readRecs(t, name)
			total += len(recs)
			var conv [2]netip.AddrPort
			last := -1
			for i, r := range recs {
				var p decode.Packet
				p.Decode(pcapio.LinkTypeEthernet, []byte(r.data))
				var a, b netip.AddrPort
				switch {
				case p.Layers&decode.LayerTCP != 0:
					a, b = netip.AddrPortFrom(p.IPv4.Src, p.TCP.SrcPort), netip.AddrPortFrom(p.IPv4.Dst, p.TCP.DstPort)
				case p.Layers&decode.LayerUDP != 0:
					a, b = netip.AddrPortFrom(p.IPv4.Src, p.UDP.SrcPort), netip.AddrPortFrom(p.IPv4.Dst, p.UDP.DstPort)
				default:
					if !strings.Contains(name, "other") {
						t.Fatalf("%s: frame %d is no TCP/UDP frame", name, i+1)
					}
					continue
				}
				if i == 0 {
					conv = [2]netip.AddrPort{a, b}
				} else if !(conv == [2]netip.AddrPort{a, b} || conv == [2]netip.AddrPort{b, a}) {
					t.Fatalf("%s: frame %d is %v-%v, the file is %v", name, i+1, a, b, conv)
				}
				idx := pos[r.data+r.ts.String()]
				if len(idx) == 0 || idx[len(idx)-1] <= last {
					t.Fatalf("%s: frame %d out of capture order", name, i+1)
				}
				last = sort.SearchInts(idx, last+1)
				last = idx[last]
			}
		}
		if total != 3000 {
			t.Fatalf("%d frames in the files, want 3000", total)
		}
	}
}

// By count and by time, the files hold the frames editcap -c / -i puts in
// its files.
func TestSplitAgreesWithEditcap(t *testing.T) {
	needTool(t, "editcap")
	frames := imixFrames(1000, 0)
	for i := range frames { // 10 s of traffic, so -i 1 makes several files
		frames[i].ts = frames[0].ts.Add(time.Duration(i) * 10 * time.Millisecond)
	}
	in := writeCapture(t, "in.pcap", pcapio.FormatPcapNano, false, frames)
	for _, c := range []struct {
		turtle  []string
		editcap []string
	}{
		{[]string{"--count", "128"}, []string{"-c", "128"}},
		{[]string{"--time", "1s"}, []string{"-i", "1"}},
	} {
		dir := t.TempDir()
		turtleOK(t, append(append([]string{"split"}, c.turtle...), "-o", filepath.Join(dir, "ours-{n}.pcap"), in)...)
		runTool(t, "editcap", append(append([]string{"-F", "nsecpcap"}, c.editcap...), in, filepath.Join(dir, "theirs.pcap"))...)
		ours, _ := filepath.Glob(filepath.Join(dir, "ours-*"))
		theirs, _ := filepath.Glob(filepath.Join(dir, "theirs*"))
		sort.Strings(ours)
		sort.Strings(theirs)
		var nonEmpty []string
		for _, name := range theirs {
			if len(readRecs(t, name)) > 0 {
				nonEmpty = append(nonEmpty, name)
			}
		}
		if len(ours) != len(nonEmpty) || len(ours) < 2 {
			t.Fatalf("%v: %d files, editcap %d", c.turtle, len(ours), len(nonEmpty))
		}
		for i := range ours {
			sameFrames(t, ours[i], readRecs(t, ours[i]), readRecs(t, nonEmpty[i]))
		}
	}
}

func TestSplitUsage(t *testing.T) {
	for _, args := range [][]string{{"--by", "count", "x", "-o", "a", "b"}, {"--by", "time", "-1s", "-o", "a", "b"},
		{"--by", "bytes", "-o", "a", "b"}, {"--by", "flow", "b"}, {"--count", "0", "-o", "a", "b"},
		{"--time", "0s", "-o", "a", "b"}, {"--count", "5", "--by", "flow", "-o", "a", "b"}, {"-o", "a", "b"}} {
		if code, _, errs := turtle(t, nil, append([]string{"split"}, args...)...); code != 2 || !strings.Contains(errs, "turtle split:") {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
}

// Issue 24: --by count N (the value a positional argument) still works,
// with one line saying to write --count N.
func TestSplitOldSpelling(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := turtle(t, nil, "split", "--by", "count", "2", "-o", filepath.Join(dir, "c-{n}.pcap"), "../../testdata/tcp-echo.pcap")
	if code != 0 || !strings.Contains(errs, "--by count 2 is deprecated, use --count 2 instead") {
		t.Fatalf("exit %d, %s", code, errs)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "c-*"))
	turtleOK(t, "split", "--count", "2", "-o", filepath.Join(dir, "n-{n}.pcap"), "../../testdata/tcp-echo.pcap")
	cur, _ := filepath.Glob(filepath.Join(dir, "n-*"))
	if len(old) < 2 || len(old) != len(cur) {
		t.Errorf("%d files the old way, %d the new", len(old), len(cur))
	}
}
