package golden

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Framing splits a format's text into frames, so that a difference can be
// reported as "frame 12" with that frame's text only.
type Framing struct {
	Unit  string                  // what a piece is called in reports: "frame" or "line"
	Split func(text []byte) []int // offsets where pieces start; the first is 0
}

// FramingOf returns how the text of a format splits into frames:
//
//   - turtle: a frame's block begins with an empty line followed by a
//     non-indented header line ("\nEthernet Frame:\n"); every other line of
//     the block is indented, and an empty data block is an empty line
//     followed by another empty line, so the rule is unambiguous.
//   - verbose: a block per frame that begins with a non-indented frame line
//     and ends with an empty line; every line between is indented.
//   - basic, summary and json: one line per frame.
//   - any other format: one line per piece, and reports say "line N"
//     rather than pretend to know where its frames begin.
func FramingOf(format string) Framing {
	switch format {
	case "turtle":
		return Framing{Unit: "frame", Split: splitTurtle}
	case "verbose":
		return Framing{Unit: "frame", Split: splitVerbose}
	case "basic", "summary", "json":
		return Framing{Unit: "frame", Split: splitLines}
	}
	return Framing{Unit: "line", Split: splitLines}
}

// pieces returns the pieces of text at the offsets split gives.
func (fr Framing) pieces(text []byte) [][]byte {
	if len(text) == 0 {
		return nil
	}
	starts := fr.Split(text)
	out := make([][]byte, len(starts))
	for i, s := range starts {
		end := len(text)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		out[i] = text[s:end]
	}
	return out
}

func splitLines(text []byte) []int {
	starts := []int{0}
	for i, c := range text {
		if c == '\n' && i+1 < len(text) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func splitTurtle(text []byte) []int {
	starts := []int{0}
	for i := 1; i+1 < len(text); i++ {
		if text[i] == '\n' && text[i-1] == '\n' && isHeaderStart(text[i+1]) {
			starts = append(starts, i)
		}
	}
	return starts
}

func splitVerbose(text []byte) []int {
	starts := []int{0}
	for i := 2; i < len(text); i++ {
		if text[i-1] == '\n' && text[i-2] == '\n' && isHeaderStart(text[i]) {
			starts = append(starts, i)
		}
	}
	return starts
}

func isHeaderStart(c byte) bool { return c != '\n' && c != '\r' && c != '\t' && c != ' ' }

// Diff is a difference between two texts of one case: the golden and the
// output, or the output of the original capture and of a re-encoding.
type Diff struct {
	Against string // "golden", or a container: "pcap", "pcap-ns", "pcap-be", "pcapng"
	Unit    string // "frame" or "line" (see FramingOf)
	Index   int    // the first differing frame (or line), 1-based
	Changed int    // how many frames differ, counting added and removed ones
	Want    int    // frames in the expected text
	Got     int    // frames in the text produced
	Text    string // unified diff of frame Index only
	Hint    string // a likely cause, e.g. CRLF line endings; "" when none

	// A foreign decoder's output is diffed line by line (see lineCompare):
	// Line is the first differing line of the output (1-based, 0 for a
	// frame diff), Index the packet it is in (0: the rule gives none),
	// Text the first hunk of the diff.
	Line           int
	Added, Removed int // lines, over the whole diff
	Hunks          int
	Matched        int // lines of the output that matched before Line
}

// compare returns nil when want and got are equal byte for byte, and
// otherwise where and how they differ.
func compare(against string, fr Framing, want, got []byte) *Diff {
	if bytes.Equal(want, got) {
		return nil
	}
	hint := ""
	if bytes.Contains(want, []byte("\r\n")) && !bytes.Contains(got, []byte("\r\n")) {
		// Compare the LF text, so that the report still names the frames
		// that differ beyond their line endings.
		hint = "the expected text has CRLF line endings: golden files must be LF-only (see .gitattributes)"
		want = bytes.ReplaceAll(want, []byte("\r\n"), []byte("\n"))
	}
	w, g := fr.pieces(want), fr.pieces(got)
	d := &Diff{Against: against, Unit: fr.Unit, Want: len(w), Got: len(g), Hint: hint}
	if bytes.Equal(want, got) {
		d.Index, d.Changed = 1, len(w)
		return d
	}
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b []byte
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if i < len(w) && i < len(g) && bytes.Equal(a, b) {
			continue
		}
		d.Changed++
		if d.Index == 0 {
			d.Index = i + 1
			d.Text = unifiedDiff(against, fr.Unit, i+1, a, b)
		}
	}
	return d
}

// unifiedDiff is the line diff of one frame's text. It uses go-difflib,
// already in the module graph through goldie, rather than a hand-written
// LCS: its output is the familiar `diff -u` one, context included.
func unifiedDiff(against, unit string, n int, want, got []byte) string {
	label := unit + " " + strconv.Itoa(n)
	from, to := against+" "+label, "output "+label
	if against != "golden" {
		from, to = "original "+label, against+" "+label
	}
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: diffLines(escapeControls(want)), B: diffLines(escapeControls(got)), FromFile: from, ToFile: to, Context: 3,
	})
	if err != nil || text == "" {
		// Equal line lists can only mean bytes difflib cannot show.
		return "--- " + from + "\n+++ " + to + "\n-" + strconv.Quote(string(want)) + "\n+" + strconv.Quote(string(got)) + "\n"
	}
	return text
}

// diffLines splits text into lines that keep their "\n"; a last line
// without one is marked as diff marks a file without a final newline.
func diffLines(text []byte) []string {
	if len(text) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(text), "\n")
	if lines[len(lines)-1] == "" {
		return lines[:len(lines)-1]
	}
	lines[len(lines)-1] += "\n\\ No newline at end of text\n"
	return lines
}

// A framing rule says how a foreign decoder's output splits into packets,
// so that a difference is reported as "packet 12" (--frames, `!frames`):
//
//	line        no packets: a difference is reported by line only
//	blank       a packet starts after each empty line
//	-#          a packet starts at each line that begins with its number,
//	            as tcpdump -# prints it ("    1  12:00:00.000000 IP ...");
//	            the report gives that number
//	regexp:RE   a packet starts at each line RE matches; with a group that
//	            matches digits, the report gives that number
//
// and turtle's own format names (turtle, verbose, basic, summary, json).
type Rule struct {
	Name   string         // the rule as written; "" is line
	re     *regexp.Regexp // packet start; nil for line and blank
	number bool           // the first group of re is the packet's number
	blank  bool
}

// tcpdumpNumber matches the start of a packet as tcpdump -# prints it.
var tcpdumpNumber = regexp.MustCompile(`^ *([0-9]+)  `)

// ParseRule parses a framing rule (see Rule).
func ParseRule(s string) (Rule, error) {
	switch s {
	case "", "line":
		return Rule{Name: "line"}, nil
	case "blank":
		return Rule{Name: s, blank: true}, nil
	case "-#":
		return Rule{Name: s, re: tcpdumpNumber, number: true}, nil
	case "turtle", "verbose", "basic", "summary", "json":
		return Rule{Name: s}, nil
	}
	if expr, ok := strings.CutPrefix(s, "regexp:"); ok {
		re, err := regexp.Compile(expr)
		if err != nil {
			return Rule{}, fmt.Errorf("framing rule %q: %w", s, err)
		}
		return Rule{Name: s, re: re, number: re.NumSubexp() > 0}, nil
	}
	return Rule{}, fmt.Errorf("framing rule %q: want line, blank, -#, regexp:RE or a turtle format name", s)
}

// IsFormat reports whether the rule names one of turtle's formats, whose
// frames FramingOf splits.
func (r Rule) IsFormat() bool {
	return r.Name != "" && r.Name != "line" && r.Name != "blank" && r.re == nil
}

// packetOf returns the packet that line i (0-based) of lines belongs to:
// its number (0 when the rule gives none, or the line comes before the
// first packet).
func (r Rule) packetOf(lines []string, i int) int {
	switch {
	case r.blank:
		n, inBlock := 0, false
		for _, l := range lines[:min(i+1, len(lines))] {
			if strings.TrimRight(l, "\r\n") == "" {
				inBlock = false
			} else if !inBlock {
				n, inBlock = n+1, true
			}
		}
		return n
	case r.re != nil:
		n := 0
		for _, l := range lines[:min(i+1, len(lines))] {
			m := r.re.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			n++
			if r.number && len(m) > 1 {
				if v, err := strconv.Atoi(m[1]); err == nil {
					n = v
				}
			}
		}
		return n
	}
	return 0
}
