package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// rec is one frame as read back: what "the frames out are byte-identical"
// compares (timestamp, lengths, bytes), whatever the container.
type rec struct {
	ts         time.Time
	caplen     int
	wire       int
	link       pcapio.LinkType
	data       string
	interface_ int
}

// readRecs reads every frame of a capture, which must end cleanly.
func readRecs(t *testing.T, path string) []rec {
	t.Helper()
	out, err := readRecords(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// readRecords reads every frame of a capture and the error that ended it
// (nil at a clean end).
func readRecords(name string) ([]rec, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readRecordsFrom(f)
}

// readRecordsFrom is readRecords for a capture stream: nil and the error
// when it is not a capture.
func readRecordsFrom(in io.Reader) ([]rec, error) {
	r, err := pcapio.NewReader(in)
	if err != nil {
		return nil, err
	}
	r.KeepLong() // what the file holds, as editcap copies it
	out := []rec{}
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec{ts: ci.Timestamp, caplen: ci.CaptureLength, wire: ci.Length, link: ci.LinkType,
			data: string(data), interface_: ci.InterfaceIndex})
	}
}

func sameFrames(t *testing.T, what string, got, want []rec) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d frames, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.ts.Equal(w.ts) || g.caplen != w.caplen || g.wire != w.wire || g.data != w.data || g.link != w.link {
			t.Fatalf("%s: frame %d differs: got %v %d/%d bytes, want %v %d/%d bytes", what, i+1,
				g.ts, g.caplen, g.wire, w.ts, w.caplen, w.wire)
		}
	}
}

type testFrame struct {
	ts   time.Time
	data []byte
	wire int
}

// imixFrames returns n IMIX frames, with exact duplicates of earlier frames
// mixed in at distances 1 to 6 (so editcap -d's window edge is crossed) and
// equal timestamps now and then (so merge ties are decided).
func imixFrames(n int, seed int) []testFrame {
	g := fixtures.NewIMIX()
	var fs []testFrame
	for i := 0; len(fs) < n; i++ {
		data, ts := g.Next()
		ts = ts.Add(time.Duration(seed) * time.Microsecond)
		if i%7 == 3 && len(fs) > 0 {
			ts = fs[len(fs)-1].ts // a tie
		}
		fs = append(fs, testFrame{ts: ts, data: bytes.Clone(data)})
		if i%5 == 2 && len(fs) > 6 {
			d := 1 + i%6
			dup := fs[len(fs)-d]
			fs = append(fs, testFrame{ts: ts.Add(time.Microsecond), data: dup.data})
		}
	}
	return fs[:n]
}

func writeCapture(t *testing.T, name string, format pcapio.Format, big bool, frames []testFrame) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	var o binary.ByteOrder = binary.LittleEndian
	if big {
		o = binary.BigEndian
	}
	var w pcapio.PacketWriter
	switch format {
	case pcapio.FormatPcapNG:
		w, err = pcapio.NewNgWriter(bw, pcapio.NgOptions{ByteOrder: o, Comments: []string{"lab 3 at Example Corp"},
			Interfaces: []pcapio.Interface{{Name: "eth0", Description: "desk 4", Comment: "alice's laptop",
				LinkType: pcapio.LinkTypeEthernet, TsResolution: pcapio.ResolutionNano}}})
	default:
		w, err = pcapio.NewPcapWriter(bw, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet, ByteOrder: o,
			Nanosecond: format == pcapio.FormatPcapNano})
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range frames {
		if err := w.WritePacket(pcapio.CaptureInfo{Timestamp: fr.ts, Length: fr.wire}, fr.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("needs %s (apt-get install tshark): %v", name, err)
	}
}

func runTool(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func turtleOK(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := turtle(t, nil, args...)
	if code != 0 {
		t.Fatalf("turtle %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out + errs
}

// Each selection agrees frame for frame with editcap's, in both output
// containers.
func TestEditAgreesWithEditcap(t *testing.T) {
	needTool(t, "editcap")
	frames := imixFrames(3000, 0) // enough for -s 40 to make duplicates of frames that differ later
	in := writeCapture(t, "in.pcap", pcapio.FormatPcapNano, false, frames)
	t0 := frames[0].ts
	from := t0.Add(500 * time.Microsecond)
	to := t0.Add(2 * time.Millisecond)
	epoch := func(ts time.Time) string { return fmt.Sprintf("%d.%09d", ts.Unix(), ts.Nanosecond()) }
	cases := []struct {
		name    string
		turtle  []string
		editcap []string
		ranges  []string
	}{
		{"frames", []string{"--frames", "1-10,15,40-"}, []string{"-r"}, []string{"1-10", "15", "40-1000000"}},
		{"frames-one", []string{"--frames", "7"}, []string{"-r"}, []string{"7"}},
		{"snaplen", []string{"-s", "60"}, []string{"-s", "60"}, nil},
		{"dedup", []string{"--dedup"}, []string{"-d"}, nil},
		{"dedup-snaplen", []string{"--dedup", "-s", "40"}, []string{"-d", "-s", "40"}, nil},
		{"window", []string{"--from", epoch(from), "--to", epoch(to)}, []string{"-A", epoch(from), "-B", epoch(to)}, nil},
		{"window-frames-snaplen", []string{"--from", epoch(from), "--frames", "20-200", "-s", "100"},
			[]string{"-A", epoch(from), "-r", "-s", "100"}, []string{"20-200"}},
	}
	for _, c := range cases {
		for _, f := range []string{"pcap-ns", "pcapng"} {
			t.Run(c.name+"/"+f, func(t *testing.T) {
				dir := t.TempDir()
				ours, theirs := filepath.Join(dir, "ours"), filepath.Join(dir, "theirs")
				msg := turtleOK(t, append(append([]string{"edit", "--to-format", f, "-o", ours}, c.turtle...), in)...)
				if c.name == "dedup" && !strings.Contains(msg, "duplicate") || strings.Contains(msg, " 0 duplicate") {
					t.Fatalf("dedup dropped nothing: %q", msg)
				}
				ft := "nsecpcap"
				if f == "pcapng" {
					ft = "pcapng"
				}
				runTool(t, "editcap", append(append(append([]string{"-F", ft}, c.editcap...), in, theirs), c.ranges...)...)
				sameFrames(t, c.name, readRecs(t, ours), readRecs(t, theirs))
				if len(readRecs(t, ours)) == 0 {
					t.Fatal("no frames: the case tests nothing")
				}
			})
		}
	}
}

// Merging and appending agree with mergecap, ties included.
func TestEditMergeAgreesWithMergecap(t *testing.T) {
	needTool(t, "mergecap")
	a := writeCapture(t, "a.pcap", pcapio.FormatPcapNano, false, imixFrames(300, 0))
	b := writeCapture(t, "b.pcapng", pcapio.FormatPcapNG, true, imixFrames(250, 3))
	c := writeCapture(t, "c.pcap", pcapio.FormatPcapMicro, true, imixFrames(100, 5))
	for _, mode := range []string{"merge", "append"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			ours, theirs := filepath.Join(dir, "ours"), filepath.Join(dir, "theirs")
			args := []string{"edit", "--to-format", "pcap-ns", "-o", ours}
			margs := []string{"-F", "nsecpcap", "-w", theirs}
			if mode == "append" {
				args = append(args, "--append")
				margs = append(margs, "-a")
			}
			turtleOK(t, append(args, a, b, c)...)
			runTool(t, "mergecap", append(margs, a, b, c)...)
			got := readRecs(t, ours)
			sameFrames(t, mode, got, readRecs(t, theirs))
			if len(got) != 650 {
				t.Fatalf("%d frames, want 650", len(got))
			}
		})
	}
}

func TestEditUsage(t *testing.T) {
	in := writeCapture(t, "in.pcap", pcapio.FormatPcapMicro, false, imixFrames(10, 0))
	out := filepath.Join(t.TempDir(), "o.pcap")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{in}, "no output"},
		{[]string{"-o", out}, "no input"},
		{[]string{"-o", out, "--frames", "5-2", in}, "--frames"},
		{[]string{"-o", out, "--to-format", "erf", in}, "--to-format"},
		{[]string{"-o", out, "--byte-order", "middle", in}, "--byte-order"},
		{[]string{"-o", out, "--from", "soon", in}, "--from"},
		{[]string{"-o", out, "--from", "2000", "--to", "1000", in}, "not before"},
		{[]string{"-o", out, "-s", "-1", in}, "-s -1"},
		{[]string{"-o", out, "-f", "tcp port", in}, "turtle edit:"},
		{[]string{"-o", in, in}, "also an input"},
	} {
		code, _, errs := turtle(t, nil, append([]string{"edit"}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, %q (want %q)", c.args, code, errs, c.want)
		}
	}
	// a damaged input: its frames before the damage are written, exit 1
	b, _ := os.ReadFile(in)
	cut := writeTemp(t, "cut.pcap", b[:len(b)-10])
	code, _, errs := turtle(t, nil, "edit", "-o", out, cut)
	if code != 1 || !strings.Contains(errs, "truncated") || len(readRecs(t, out)) != 9 {
		t.Errorf("cut input: exit %d, %q, %d frames", code, errs, len(readRecs(t, out)))
	}
	// pcap µs output, little-endian from a big-endian input
	big := writeCapture(t, "big.pcap", pcapio.FormatPcapNano, true, imixFrames(10, 0))
	turtleOK(t, "edit", "--to-format", "pcap", "--byte-order", "little", "-o", out, big)
	got := readRecs(t, out)
	if len(got) != 10 || got[0].ts.Nanosecond()%1000 != 0 {
		t.Errorf("pcap µs: %d frames", len(got))
	}
}
