package golden

import (
	"bytes"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// The framing of every format that claims to know its frames must cut the
// text exactly where one frame's text ends and the next begins, for every
// forged frame.
func TestFramingMatchesFormats(t *testing.T) {
	for _, name := range decode.FormatNames() {
		fr := FramingOf(name)
		if fr.Unit != "frame" {
			t.Logf("format %s: no framing, reports use line numbers", name)
			continue
		}
		for _, c := range fixtures.Captures() {
			format, err := decode.NewFormat(name)
			if err != nil {
				t.Fatal(err)
			}
			var text []byte
			var want [][]byte
			for i, f := range c.Frames {
				df := &pcapio.Frame{Number: i + 1, Data: f.Data, Info: pcapio.CaptureInfo{
					Timestamp: fixtures.Timestamp(i), CaptureLength: len(f.Data), Length: max(f.Length, len(f.Data)),
					LinkType: f.LinkType}}
				one := format.AppendFrame(nil, df)
				want = append(want, one)
				text = append(text, one...)
			}
			got := fr.pieces(text)
			if len(got) != len(want) {
				t.Errorf("%s %s: %d frames, want %d", name, c.Name, len(got), len(want))
				continue
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("%s %s frame %d:\n%q\nwant\n%q", name, c.Name, i+1, got[i], want[i])
				}
			}
		}
	}
}

func TestSplitTurtleEmptyData(t *testing.T) {
	// An empty data block is an empty line, then the next frame's empty
	// line and header.
	text := "\nA:\n\t - Data:\n\n\nB:\n\t - x\n\nC:\n"
	got := FramingOf("turtle").pieces([]byte(text))
	want := []string{"\nA:\n\t - Data:\n\n", "\nB:\n\t - x\n", "\nC:\n"}
	if len(got) != len(want) {
		t.Fatalf("%q", got)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("piece %d: %q, want %q", i, got[i], want[i])
		}
	}
}

func TestCompare(t *testing.T) {
	fr := FramingOf("basic")
	if d := compare("golden", fr, []byte("a\nb\n"), []byte("a\nb\n")); d != nil {
		t.Errorf("equal texts: %+v", d)
	}
	// Only a final newline differs: the diff still shows it.
	d := compare("golden", fr, []byte("a\nb\n"), []byte("a\nb"))
	if d == nil || d.Index != 2 || !strings.Contains(d.Text, `\ No newline at end of text`) {
		t.Errorf("missing newline: %+v", d)
	}
	// Unknown formats report lines.
	d = compare("golden", FramingOf("mystery"), []byte("x\ny\nz\n"), []byte("x\nY\nz\n"))
	if d == nil || d.Unit != "line" || d.Index != 2 || d.Changed != 1 {
		t.Errorf("lines: %+v", d)
	}
	// A golden longer than the output: the first missing frame.
	d = compare("golden", fr, []byte("a\nb\nc\n"), []byte("a\n"))
	if d == nil || d.Index != 2 || d.Changed != 2 || d.Want != 3 || d.Got != 1 {
		t.Errorf("shorter output: %+v", d)
	}
	if !strings.Contains(d.Text, "-b\n") || strings.Contains(d.Text, "-c\n") {
		t.Errorf("diff of frame 2 only:\n%s", d.Text)
	}
}

func TestSplitVerbose(t *testing.T) {
	text := "Frame 1:\n  Ethernet\n    Data\n\nFrame 2:\n  x\n\n\nFrame 3:\n\n"
	got := FramingOf("verbose").pieces([]byte(text))
	want := []string{"Frame 1:\n  Ethernet\n    Data\n\n", "Frame 2:\n  x\n\n\n", "Frame 3:\n\n"}
	if len(got) != len(want) {
		t.Fatalf("%q", got)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("piece %d: %q, want %q", i, got[i], want[i])
		}
	}
}
