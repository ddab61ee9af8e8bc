package golden

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// lineCompare compares a foreign decoder's output with its golden as diff
// does: it follows the output while it matches the golden, counting the
// lines matched, and from the first line that differs keeps the rest (the
// output is bounded by Program.MaxOutput, the golden is held whole); the
// report is then the first hunk of `diff -u` over the two texts, in the
// lines around the difference, with the packet the rule places it in.
// Pairing lines or frames one to one would report one inserted line as
// every later line differing.
type lineCompare struct {
	golden   []byte
	rule     Rule
	pos      int  // output bytes that equal golden[:pos]
	line     int  // complete lines in golden[:pos]
	start    int  // offset in golden of the line pos is in
	diverged bool // the output left the golden at golden[start:] (its line)
	rest     bytes.Buffer
	n        int64
}

func newLineCompare(rule Rule, golden []byte) *lineCompare {
	return &lineCompare{golden: golden, rule: rule}
}

func (c *lineCompare) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if c.diverged {
		return c.rest.Write(p)
	}
	want := c.golden[c.pos:]
	k := 0
	for k < len(p) && k < len(want) && p[k] == want[k] {
		k++
	}
	for _, b := range p[:k] {
		c.pos++
		if b == '\n' {
			c.line++
			c.start = c.pos
		}
	}
	if k < len(p) {
		c.diverged = true
		c.rest.Write(c.golden[c.start:c.pos])
		c.rest.Write(p[k:])
	}
	return len(p), nil
}

// matched is how many lines of the output equal the golden's first lines.
func (c *lineCompare) matched() int { return c.line }

// maxDiffLines bounds the lines each side of a diff holds after the first
// difference, so that a difference in a huge output costs a bounded diff.
const maxDiffLines = 20000

// maxHunkLines bounds the lines of the hunk a report shows.
const maxHunkLines = 60

// finish returns the difference, nil when the output is the golden.
func (c *lineCompare) finish(goldenName string) *Diff {
	if !c.diverged && c.pos == len(c.golden) {
		return nil
	}
	var got []byte
	if c.diverged {
		got = c.rest.Bytes()
	} else {
		got = c.golden[c.start:c.pos] // the output ended early
	}
	// The diff starts 3 lines before the first difference, for context.
	ctxStart := c.start
	before := 0
	for before < 3 && ctxStart > 0 {
		i := bytes.LastIndexByte(c.golden[:ctxStart-1], '\n')
		ctxStart = i + 1
		before++
	}
	prefix := c.golden[ctxStart:c.start]
	a := diffLines(escapeControls(c.golden[ctxStart:]))
	b := diffLines(escapeControls(append(bytes.Clone(prefix), got...)))
	cut := len(a) > maxDiffLines || len(b) > maxDiffLines
	a, b = a[:min(len(a), maxDiffLines)], b[:min(len(b), maxDiffLines)]
	first := c.line - before // 0-based line of a[0] and b[0]
	m := difflib.NewMatcher(a, b)
	d := &Diff{Against: "golden", Unit: "line", Matched: c.line}
	groups := m.GetGroupedOpCodes(3)
	for _, g := range groups {
		for _, op := range g {
			switch op.Tag {
			case 'd':
				d.Removed += op.I2 - op.I1
			case 'i':
				d.Added += op.J2 - op.J1
			case 'r':
				d.Removed += op.I2 - op.I1
				d.Added += op.J2 - op.J1
			}
		}
	}
	d.Hunks = len(groups)
	if len(groups) == 0 { // only bytes diffLines cannot tell apart
		d.Hunks, d.Line = 1, c.line+1
		d.Text = unifiedDiff(goldenName, "line", c.line+1, c.golden[c.start:], got)
		return d
	}
	var t strings.Builder
	fmt.Fprintf(&t, "--- %s\n+++ output\n", goldenName)
	g := groups[0]
	i1, i2, j1, j2 := g[0].I1, g[len(g)-1].I2, g[0].J1, g[len(g)-1].J2
	fmt.Fprintf(&t, "@@ -%s +%s @@\n", hunkRange(first+i1, i2-i1), hunkRange(first+j1, j2-j1))
	shown := 0
	show := func(mark string, ls []string) {
		for _, l := range ls {
			if shown++; shown <= maxHunkLines {
				t.WriteString(mark + l)
			}
		}
	}
	for _, op := range g {
		if op.Tag == 'e' {
			show(" ", a[op.I1:op.I2])
			continue
		}
		if d.Line == 0 {
			d.Line = first + op.J1 + 1
			// The packet: that of the output's line, or for a line
			// removed at the end, of the golden's.
			all := splitAll(c.golden[:c.start])
			lines := append(all, b[before:]...)
			if op.Tag == 'd' {
				lines = append(all, a[before:]...)
				d.Line = first + op.I1 + 1
			}
			d.Index = c.rule.packetOf(lines, d.Line-1)
		}
		show("-", a[op.I1:op.I2])
		show("+", b[op.J1:op.J2])
	}
	if shown > maxHunkLines {
		fmt.Fprintf(&t, "(%d more lines of this hunk)\n", shown-maxHunkLines)
	}
	if cut {
		fmt.Fprintf(&t, "(the diff looked at %d lines of each text after the first difference)\n", maxDiffLines)
	}
	d.Text = t.String()
	return d
}

func splitAll(text []byte) []string {
	if len(text) == 0 {
		return nil
	}
	return strings.SplitAfter(strings.TrimSuffix(string(text), "\n"), "\n")
}

// hunkRange is a range of a unified diff's hunk header, 0-based start.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// CompareText compares a decoder's text with its golden as a program's
// output is compared: nil when they are equal byte for byte, otherwise the
// first differing line, the packet rule places it in, and the first hunk of
// the diff. goldenName labels the golden in the diff.
func CompareText(goldenName string, want, got []byte, rule Rule) *Diff {
	c := newLineCompare(rule, want)
	c.Write(got)
	return c.finish(goldenName)
}

// ReportDiff is the report of d, a difference of a case or text named
// name from its golden (see Result.Report).
func ReportDiff(name, golden string, d *Diff) string {
	var b strings.Builder
	c := &Case{Name: name, Golden: golden, Where: golden}
	if d.Line > 0 {
		d.report(&b, c, true)
		return b.String()
	}
	r := Result{Case: c, Diffs: []*Diff{d}}
	return r.Report()
}
