package golden

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// formatText is the text of every forged frame in format name.
func formatText(t *testing.T, name string) []byte {
	t.Helper()
	format, err := decode.NewFormat(name)
	if err != nil {
		t.Fatal(err)
	}
	var text []byte
	for i, f := range fixtures.EthernetBranches() {
		text = format.AppendFrame(text, &pcapio.Frame{Number: i + 1, Data: f.Data, Info: pcapio.CaptureInfo{
			Timestamp: fixtures.Timestamp(i), CaptureLength: len(f.Data), Length: max(f.Length, len(f.Data)),
			LinkType: pcapio.LinkTypeEthernet}})
	}
	return text
}

// The streaming comparison gives the Diff that comparing the whole texts
// gives, however the output and the golden arrive in pieces.
func TestStreamCompareMatchesCompare(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range []string{"turtle", "verbose", "summary", "json", "basic"} {
		fr := FramingOf(name)
		text := formatText(t, name)
		pieces := fr.pieces(text)
		mutate := map[string][]byte{
			"equal":        text,
			"empty":        nil,
			"last dropped": bytes.Join(pieces[:len(pieces)-1], nil),
			"frame added":  append(bytes.Clone(text), pieces[2]...),
			"byte changed": func() []byte { b := bytes.Clone(text); b[len(pieces[0])+len(pieces[1])+3] ^= 1; return b }(),
			"crlf":         bytes.ReplaceAll(text, []byte("\n"), []byte("\r\n")),
			"no final nl":  text[:len(text)-1],
		}
		for what, golden := range mutate {
			for _, swap := range []bool{false, true} {
				want, got := golden, text
				if swap && what != "crlf" {
					want, got = text, golden
				}
				exp := compare("golden", fr, want, got)
				for round := range 5 {
					c := newStreamCompare("golden", fr, iotest.HalfReader(bytes.NewReader(want)))
					if want == nil && round%2 == 1 {
						c = newStreamCompare("golden", fr, nil)
					}
					for rest := got; len(rest) > 0; {
						n := min(1+rng.IntN(300), len(rest))
						c.Write(rest[:n])
						rest = rest[n:]
					}
					d, err := c.finish()
					if err != nil {
						t.Fatal(err)
					}
					if (d == nil) != (exp == nil) || d != nil && *d != *exp {
						t.Errorf("%s %s swap=%v: stream %+v\nwant %+v", name, what, swap, d, exp)
						break
					}
				}
			}
		}
	}
}

// Issue 19 item 11: the diff shows a golden's control bytes escaped, as
// the formats do, never raw.
func TestDiffEscapesControlBytes(t *testing.T) {
	fr := FramingOf("summary")
	want := []byte("line one\x1b[2J\a \xc2\x9b \u202e \xff\n")
	got := []byte("line one\n")
	d := compare("golden", fr, want, got)
	if d == nil {
		t.Fatal("no difference")
	}
	for _, raw := range []string{"\x1b", "\a", "\xc2\x9b", "\u202e"} {
		if strings.Contains(d.Text, raw) {
			t.Errorf("raw %q in the diff:\n%s", raw, d.Text)
		}
	}
	for _, esc := range []string{`\x1b[2J\x07`, `\u009b`, `\u202e`, `\xff`} {
		if !strings.Contains(d.Text, esc) {
			t.Errorf("%s missing from the diff:\n%s", esc, d.Text)
		}
	}
}
