package edit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/pcapio"
)

func TestSpecOptions(t *testing.T) {
	opt, err := Spec{Count: 3, Frames: "1-5,9", Filter: "udp", From: "1767603600", To: "1767603601", Snaplen: 64, Dedup: true}.Options()
	if err != nil || opt.Count != 3 || len(opt.Frames) != 2 || opt.Filter != "udp" || opt.Snaplen != 64 || !opt.Dedup ||
		opt.To.Sub(opt.From) != time.Second {
		t.Fatalf("%+v %v", opt, err)
	}
	for spec, want := range map[Spec]string{
		{Count: -1}:                            "-c -1",
		{Snaplen: -1}:                          "-s -1",
		{Snaplen: pcapio.MaxSnaplen + 1}:       "the snaplen must be 0 to",
		{Frames: "0"}:                          "--frames:",
		{Filter: "tcp port"}:                   "",
		{From: "yesterday"}:                    "--from:",
		{To: "tomorrow"}:                       "--to:",
		{From: "1767603601", To: "1767603600"}: "--from 1767603601 is not before --to 1767603600",
	} {
		if _, err := spec.Options(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want an error with %q", spec, err, want)
		}
	}
}

func TestParseFormatAndByteOrder(t *testing.T) {
	for s, want := range map[string]pcapio.Format{"": pcapio.FormatUnknown, "pcap": pcapio.FormatPcapMicro,
		"pcap-ns": pcapio.FormatPcapNano, "pcapng": pcapio.FormatPcapNG} {
		if f, err := ParseFormat(s); err != nil || f != want {
			t.Errorf("ParseFormat(%q) = %v, %v", s, f, err)
		}
	}
	if _, err := ParseFormat("erf"); err == nil || err.Error() != `"erf": want pcap, pcap-ns or pcapng` {
		t.Errorf("erf: %v", err)
	}
	for s, want := range map[string]int{"": 0, "little": 1, "big": 2} {
		if be, err := ParseByteOrder(s); err != nil || be != want {
			t.Errorf("ParseByteOrder(%q) = %d, %v", s, be, err)
		}
	}
	if _, err := ParseByteOrder("middle"); err == nil {
		t.Error("middle accepted")
	}
}

// OpenInputs reads standard input once, reports what cannot be opened and
// goes on with the rest.
func TestOpenInputs(t *testing.T) {
	data, err := os.ReadFile("../testdata/udp-echo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	inputs, closeAll := OpenInputs([]string{"-", "../testdata/udp-echo.pcap", "-", "no-such.pcap"}, bytes.NewReader(data),
		func(name string, err error) { failed = append(failed, name+": "+err.Error()) })
	defer closeAll()
	if len(inputs) != 2 || inputs[0].Name != "-" || inputs[1].Name != "../testdata/udp-echo.pcap" {
		t.Fatalf("inputs %v", inputs)
	}
	if len(failed) != 2 || failed[0] != "-: "+ErrStdinTwice.Error() || !strings.HasPrefix(failed[1], "no-such.pcap: ") {
		t.Errorf("failed %q", failed)
	}
}

// A copy merges by time (or appends), keeps what Select keeps, rewrites
// each frame, and refuses pcap for inputs of two link types.
func TestCopy(t *testing.T) {
	in := []Input{{Name: "a", R: forgeCapture(t, 0, []int{1, 5, 9})}, {Name: "b", R: forgeCapture(t, 1, []int{3, 7})}}
	sopt, err := Header(in, pcapio.FormatPcapNano, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := NewCopySelector(Options{Frames: []Range{{First: 2, Last: 4}}}, in)
	if err != nil {
		t.Fatal(err)
	}
	rewritten := 0
	c := &Copy{Inputs: in, Header: sopt, Select: sel, Rewrite: func(f *Frame) { rewritten++; f.Data = f.Data[:1] }}
	var buf bytes.Buffer
	if err := c.Write(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := pcapio.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		got = append(got, data...)
	}
	// Merged: a1 b3 a5 b7 a9; frames 2-4 are b3 a5 b7, cut to their input's byte.
	if string(got) != "\x01\x00\x01" || rewritten != 3 {
		t.Errorf("frames %x, %d rewritten", got, rewritten)
	}

	raw := forgeCapture(t, 2, []int{1})
	other, _ := pcapio.NewReader(bytes.NewReader(rawIPCapture(t)))
	var lte *LinkTypesError
	if _, err := Header([]Input{{R: raw}, {R: other}}, pcapio.FormatPcapMicro, 0, 0); !errors.As(err, &lte) {
		t.Errorf("pcap of two link types: %v", err)
	}
	if _, err := Header([]Input{{R: raw}, {R: other}}, pcapio.FormatPcapNG, 0, 0); err != nil {
		t.Errorf("pcapng of two link types: %v", err)
	}
}

// rawIPCapture is a pcap of link type raw IP with one frame.
func rawIPCapture(t *testing.T) []byte {
	var buf bytes.Buffer
	w, err := pcapio.NewPcapWriter(&buf, pcapio.PcapOptions{LinkType: pcapio.LinkTypeRaw})
	if err != nil {
		t.Fatal(err)
	}
	w.WritePacket(pcapio.CaptureInfo{Timestamp: time.Unix(1, 0)}, []byte{0x45})
	return buf.Bytes()
}

func TestSplitSpecMode(t *testing.T) {
	by, n, _, rest, note, err := SplitSpec{By: "count"}.Mode([]string{"5", "in.pcap"})
	if err != nil || by != ByCount || n != 5 || len(rest) != 1 || note != "--by count 5 is deprecated, use --count 5 instead" {
		t.Errorf("old spelling: %v %d %v %q %v", by, n, rest, note, err)
	}
	by, _, d, _, note, err := SplitSpec{Time: time.Second, TimeSet: true}.Mode(nil)
	if err != nil || by != ByTime || d != time.Second || note != "" {
		t.Errorf("--time 1s: %v %v %q %v", by, d, note, err)
	}
	for _, s := range []SplitSpec{{}, {By: "bytes"}, {By: "count"}, {By: "flow", CountSet: true, Count: 2},
		{CountSet: true}, {TimeSet: true, Time: -time.Second}} {
		if _, _, _, _, _, err := s.Mode(nil); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

// Splitter.Copy writes every frame and closes the files.
func TestSplitterCopy(t *testing.T) {
	dir := t.TempDir()
	in := []Input{{Name: "a", R: forgeCapture(t, 0, []int{1, 2, 3, 4, 5})}}
	sp, err := NewSplitter(ByCount, 2, 0, filepath.Join(dir, "c-{n}.pcap"), MergedHeader(in, 0, 0, 0), 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	frames, err := sp.Copy(NewMerger(in, true))
	if err != nil || frames != 5 || len(sp.Files()) != 3 {
		t.Fatalf("%d frames, %d files, %v", frames, len(sp.Files()), err)
	}
	if fi, err := os.Stat(sp.Files()[2]); err != nil || fi.Size() == 0 {
		t.Errorf("last file: %v", err)
	}
}

// WriteFile refuses an output that is one of its inputs, leaves nothing
// when keep says no, and puts the file in place otherwise.
func TestCopyWriteFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pcap")
	data, _ := os.ReadFile("../testdata/udp-echo.pcap")
	os.WriteFile(in, data, 0o644)
	open := func() *Copy {
		inputs, closeAll := OpenInputs([]string{in}, nil, func(name string, err error) { t.Fatal(err) })
		t.Cleanup(closeAll)
		return &Copy{Inputs: inputs, Header: MergedHeader(inputs, 0, 0, 0)}
	}
	if err := open().WriteFile(in, []string{in}, nil, nil); err == nil || !strings.Contains(err.Error(), "is one of the inputs") {
		t.Errorf("onto the input: %v", err)
	}
	out := filepath.Join(dir, "out.pcap")
	if err := open().WriteFile(out, []string{in}, nil, func() bool { return false }); !errors.Is(err, ErrNotKept) {
		t.Errorf("not kept: %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file not kept exists: %v", err)
	}
	if err := open().WriteFile(out, []string{in}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, data) {
		t.Errorf("the copy of a pcap differs from it (%d bytes, want %d)", len(got), len(data))
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}
