package grade

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// The sniffer labs grade what a student's sniffer printed while turtle
// sent it a known capture, against turtle's own text for the same frames.
// Each check kind judges one layer of that text, so that a student who
// gets TCP right and UDP wrong earns the TCP points:
var snifferLayers = map[string]string{
	"turtle-ethernet":  "Ethernet",  // the empty line, "Ethernet Frame:" and its Destination line
	"turtle-ipv4":      "IPv4",      // the IPv4 Packet block
	"turtle-icmp":      "ICMP",      // the ICMP Packet block, up to its Data line
	"turtle-tcp":       "TCP",       // the TCP Segment block, flags included
	"turtle-udp":       "UDP",       // the UDP Segment block
	"turtle-data":      "data",      // every Data: line and data block
	"turtle-truncated": "truncated", // every line of the frames whose headers are cut (the classroom code raises on them)
	"basic-bytes":      "bytes",     // the b'...' of each recvfrom tuple
	"basic-address":    "address",   // the address tuple (interface, protocol, packet type, hardware type, address)
	"scapy-bytes":      "bytes",     // the b'...' of each frame scapy's recv_raw() returns (the Windows listings)
}

func init() {
	for k := range snifferLayers {
		checkKinds[k] = checkKind{judge: programOnly}
	}
}

// SnifferFormat returns the format a rubric's sniffer checks judge:
// "turtle", "basic", "scapy", or "" when it has none (it grades captures). A rubric
// that mixes sniffer checks with capture checks, or both formats, is an
// error.
func (r *Rubric) SnifferFormat() (string, error) {
	format, other := "", ""
	for _, c := range r.Checks {
		if _, ok := snifferLayers[c.Kind]; !ok {
			other = c.ID
			continue
		}
		f, _, _ := strings.Cut(c.Kind, "-")
		if format != "" && f != format {
			return "", fmt.Errorf("lab %s mixes %s-* and %s-* checks: choose one format", r.Lab, format, f)
		}
		format = f
	}
	if format != "" && other != "" {
		return "", fmt.Errorf("lab %s mixes sniffer checks with capture checks (%q): a sniffer lab grades printed text only", r.Lab, other)
	}
	return format, nil
}

// SnifferFrame is one frame turtle sent to a sniffer, and the text the
// sniffer should print for it: for the turtle format the whole block, from
// its empty line to its last line; for basic one line, the recvfrom tuple;
// for scapy one line, the frame's bytes as Python prints them. Every difference in
// a frame with a Layer is charged to that layer ("truncated": a frame the
// classroom code raises on) instead of the layer of its line.
type SnifferFrame struct {
	Name  string
	Text  string
	Layer string
}

// HasKind reports whether r has a check of the kind.
func (r *Rubric) HasKind(kind string) bool {
	for _, c := range r.Checks {
		if c.Kind == kind {
			return true
		}
	}
	return false
}

// difference is one line of a frame that was not printed as expected.
type difference struct {
	frame    int // 0-based
	line     int // 0-based within the frame's text
	outLine  int // 0-based in the output; -1 when the frame was not printed
	want     string
	got      string
	wantNone bool // the line was printed but is not expected
	gotNone  bool // the line was expected but not printed
}

// GradeSnifferText grades what a sniffer printed against the frames it was
// sent. r's checks must be of the sniffer kinds (see SnifferFormat).
func GradeSnifferText(r *Rubric, student string, want []SnifferFrame, printed []byte) (Result, error) {
	format, err := r.SnifferFormat()
	if err != nil {
		return Result{}, err
	}
	if format == "" {
		return Result{}, fmt.Errorf("lab %s has no sniffer checks", r.Lab)
	}
	lines := splitLines(printed)
	var diffs map[string][]difference
	var frames int
	switch format {
	case "turtle":
		diffs, frames = compareTurtle(want, lines)
	case "scapy":
		diffs, frames = compareScapy(want, lines)
	default:
		diffs, frames = compareBasic(want, lines)
	}
	res := Result{Student: student, File: "(program output)", Max: r.MaxScore(), Frames: frames}
	for _, c := range r.Checks {
		cres := CheckResult{ID: c.ID, Name: c.Name, Max: c.Points}
		layer := snifferLayers[c.Kind]
		if ds := diffs[layer]; len(ds) == 0 {
			cres.Passed, cres.Points = true, c.Points
			res.Score += c.Points
		} else {
			cres.Message, cres.Feedback = describe(ds, want, layer), c.Feedback
		}
		res.Checks = append(res.Checks, cres)
	}
	switch {
	case frames > len(want):
		res.Notes = append(res.Notes, "printed "+plural(frames, "frame")+"; turtle sent "+itoa(len(want)))
	case frames < len(want):
		res.Notes = append(res.Notes, "printed "+plural(frames, "frame")+" of the "+itoa(len(want))+" turtle sent")
	}
	return res, nil
}

// describe words the first difference of a layer, and how many more.
func describe(ds []difference, want []SnifferFrame, layer string) string {
	d := ds[0]
	var b strings.Builder
	b.WriteString("frame " + itoa(d.frame+1) + " (" + want[d.frame].Name + ")")
	if d.outLine < 0 {
		b.WriteString(" was not printed")
	} else {
		b.WriteString(", line " + itoa(d.line+1) + " (output line " + itoa(d.outLine+1) + "), " + layer + ": ")
		switch {
		case d.gotNone:
			b.WriteString("expected " + quoteLine(d.want) + ", printed nothing")
		case d.wantNone:
			b.WriteString("printed " + quoteLine(d.got) + ", expected nothing more")
		default:
			b.WriteString("expected " + quoteLine(d.want) + ", printed " + quoteLine(d.got))
		}
	}
	if len(ds) > 1 {
		frames := map[int]bool{}
		for _, d := range ds[1:] {
			frames[d.frame] = true
		}
		b.WriteString("; " + plural(len(ds)-1, "more line") + " of " + plural(len(frames), "frame") + " differ")
	}
	return b.String()
}

// quoteLine shows a line in quotes with tabs as \t and every byte that
// is not printable escaped as \xNN; backslashes stay as printed, so the
// data blocks' own \xNN read as they are.
func quoteLine(s string) string {
	b := []byte{'"'}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\t':
			b = append(b, `\t`...)
		case c >= 0x20 && c < 0x7f:
			b = append(b, c)
		default:
			b = append(b, '\\', 'x', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		}
	}
	return string(append(b, '"'))
}

// splitLines splits output into lines; a last line without its newline
// (the program was stopped mid-line) is kept.
func splitLines(b []byte) []string {
	s := string(bytes.TrimSuffix(b, []byte("\n")))
	if s == "" && len(b) == 0 {
		return nil
	}
	return strings.Split(s, "\n")
}

// The lines that open each layer of a turtle frame.
var turtleHeaders = map[string]string{
	"Ethernet Frame:":   "Ethernet",
	"\t - IPv4 Packet:": "IPv4",
	"\t - ICMP Packet:": "ICMP",
	"\t - TCP Segment:": "TCP",
	"\t - UDP Segment:": "UDP",
	"\t - Data:":        "data",
	"\t\t - Data:":      "data",
}

// segment is the lines of one layer of a frame, with their positions.
type segment struct {
	layer string
	lines []string
	first int // index of the first line in the frame
}

// segments cuts a frame's lines into layers at their header lines.
func segments(lines []string) []segment {
	var segs []segment
	cur := segment{layer: "Ethernet"}
	for i, l := range lines {
		if layer, ok := turtleHeaders[l]; ok && layer != cur.layer {
			segs = append(segs, cur)
			cur = segment{layer: layer, first: i}
		}
		cur.lines = append(cur.lines, l)
	}
	return append(segs, cur)
}

// compareTurtle cuts the output into frames at each "Ethernet Frame:" line
// (with the empty line before it) and compares each with the expected
// text, layer by layer, so that an extra or missing line in one layer does
// not make every later line differ.
func compareTurtle(want []SnifferFrame, lines []string) (map[string][]difference, int) {
	var starts []int
	for i, l := range lines {
		if l == "Ethernet Frame:" {
			if len(starts) == 0 && i > 0 && strings.HasSuffix(lines[i-1], " ") && !strings.HasPrefix(lines[i-1], "\t") {
				// A prompt input() wrote without its newline
				// ("Network Interface #: ") holds the first frame's
				// empty line: the prompt is not judged.
				lines = slices.Clone(lines)
				lines[i-1] = ""
			}
			if i > 0 && lines[i-1] == "" {
				i--
			}
			starts = append(starts, i)
		}
	}
	diffs := map[string][]difference{}
	for k, w := range want {
		wl := strings.Split(strings.TrimSuffix(w.Text, "\n"), "\n")
		if k >= len(starts) {
			for _, s := range segments(wl) {
				layer := s.layer
				if w.Layer != "" {
					layer = w.Layer
				}
				diffs[layer] = append(diffs[layer], difference{frame: k, outLine: -1})
			}
			continue
		}
		end := len(lines)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		got := lines[starts[k]:end]
		if k == len(starts)-1 {
			// What a sniffer prints after its last frame ("turtle> Bye.")
			// is not a frame's.
			for len(got) > len(wl) && !strings.HasPrefix(got[len(got)-1], "\t") {
				got = got[:len(got)-1]
			}
		}
		if w.Layer == "" {
			compareFrame(diffs, k, starts[k], wl, got)
			continue
		}
		own := map[string][]difference{}
		compareFrame(own, k, starts[k], wl, got)
		for _, ds := range own {
			diffs[w.Layer] = append(diffs[w.Layer], ds...)
		}
	}
	return diffs, len(starts)
}

func compareFrame(diffs map[string][]difference, k, at int, want, got []string) {
	ws, gs := segments(want), segments(got)
	gotBy := map[string]segment{}
	for _, s := range gs {
		if _, dup := gotBy[s.layer]; !dup {
			gotBy[s.layer] = s
		}
	}
	wantBy := map[string]bool{}
	for _, w := range ws {
		wantBy[w.layer] = true
		g, ok := gotBy[w.layer]
		for j, wl := range w.lines {
			d := difference{frame: k, line: w.first + j, want: wl}
			switch {
			case !ok || j >= len(g.lines):
				d.gotNone = true
				d.outLine = at + len(got) - 1
				if ok {
					d.outLine = at + g.first + len(g.lines) - 1
				}
			case g.lines[j] != wl:
				d.got, d.outLine = g.lines[j], at+g.first+j
			default:
				continue
			}
			diffs[w.layer] = append(diffs[w.layer], d)
		}
		if ok {
			for j := len(w.lines); j < len(g.lines); j++ {
				diffs[w.layer] = append(diffs[w.layer], difference{frame: k, line: g.first + j,
					outLine: at + g.first + j, got: g.lines[j], wantNone: true})
			}
		}
	}
	// A layer printed that the frame does not have (a second copy of one
	// counts too) is charged to that layer.
	seen := map[string]bool{}
	for _, g := range gs {
		if wantBy[g.layer] && !seen[g.layer] {
			seen[g.layer] = true
			continue
		}
		diffs[g.layer] = append(diffs[g.layer], difference{frame: k, line: g.first, outLine: at + g.first,
			got: g.lines[0], wantNone: true})
	}
}

// compareBasic compares each recvfrom tuple printed (a line starting with
// "(b'" or `(b"`) with the expected one: the bytes and the address tuple
// separately.
func compareBasic(want []SnifferFrame, lines []string) (map[string][]difference, int) {
	type printed struct {
		at   int
		text string
	}
	var got []printed
	for i, l := range lines {
		if strings.HasPrefix(l, "(b'") || strings.HasPrefix(l, `(b"`) {
			got = append(got, printed{i, l})
		}
	}
	diffs := map[string][]difference{}
	for k, w := range want {
		if k >= len(got) {
			diffs["bytes"] = append(diffs["bytes"], difference{frame: k, outLine: -1})
			diffs["address"] = append(diffs["address"], difference{frame: k, outLine: -1})
			continue
		}
		g := got[k]
		if g.text == w.Text {
			continue
		}
		// The expected line is "(" + BYTES + ", " + ADDRESS + ")"; the
		// address tuple starts at the last ", ('".
		cut := strings.LastIndex(w.Text, ", ('")
		bytesPart, addrPart := w.Text[:cut], w.Text[cut:]
		d := difference{frame: k, outLine: g.at, want: w.Text, got: g.text}
		if !strings.HasPrefix(g.text, bytesPart+", (") {
			diffs["bytes"] = append(diffs["bytes"], d)
		}
		if !strings.HasSuffix(g.text, addrPart) {
			diffs["address"] = append(diffs["address"], d)
		}
	}
	return diffs, len(got)
}

// compareScapy compares each frame's bytes printed (a line starting with
// "b'" or `b"`, what print(socket.recv_raw()[1]) writes) with the expected
// ones; what the program prints before and between them (scapy's
// interface table, the prompt, None for a frame it skipped) is not judged.
func compareScapy(want []SnifferFrame, lines []string) (map[string][]difference, int) {
	var at []int
	for i, l := range lines {
		if len(at) == 0 {
			// A prompt input() wrote without its newline ("NIC #> ")
			// starts the first frame's line: it is not judged. A
			// prompt has no quotes; a repr before the bytes has.
			if j := strings.Index(l, " b"); j >= 0 && j+2 < len(l) && (l[j+2] == '\'' || l[j+2] == '"') && !strings.ContainsAny(l[:j], `'"`) {
				lines = slices.Clone(lines)
				lines[i] = l[j+1:]
				l = lines[i]
			}
		}
		if strings.HasPrefix(l, "b'") || strings.HasPrefix(l, `b"`) {
			at = append(at, i)
		}
	}
	diffs := map[string][]difference{}
	for k, w := range want {
		switch {
		case k >= len(at):
			diffs["bytes"] = append(diffs["bytes"], difference{frame: k, outLine: -1})
		case lines[at[k]] != w.Text:
			diffs["bytes"] = append(diffs["bytes"], difference{frame: k, outLine: at[k], want: w.Text, got: lines[at[k]]})
		}
	}
	return diffs, len(at)
}
