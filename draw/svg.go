package draw

import (
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The SVG pictures are self-contained (no font, script or image from
// elsewhere: a generic monospace font and an internal style sheet) and
// deterministic (integer coordinates, no time or random identifier), so
// they can be golden files and can be inlined into an HTML page.

const (
	charW  = 8  // width of a character of the 12px monospace font (7.2), with room
	rowH   = 24 // one arrow
	gapH   = 18 // one break mark
	headH  = 64 // title, counts and the endpoint boxes
	legend = 20 // one line under the picture
)

const svgStyle = `<style>
text{font-family:monospace;font-size:12px;fill:#222}
.title{font-size:13px;font-weight:bold}
.muted{fill:#666}
.link{fill:#1a4a8a;text-decoration:underline}
.life{stroke:#999;stroke-dasharray:4 3}
.box{fill:#eef3fb;stroke:#5b7db1}
.server{fill:#fdf1e0;stroke:#c08a2d}
.arrow{stroke:#2a4d8f;stroke-width:1.5;fill:none}
.problem{stroke:#c62828;stroke-width:3;fill:none}
.ptext{fill:#c62828;font-weight:bold}
.gap{fill:#f3f3f3}
.bar{fill:#c9d7ee;stroke:#5b7db1}
.bad{fill:#f6c9c9;stroke:#c62828}
.wait{stroke:#2a4d8f;stroke-width:4}
.req{fill:#2a4d8f}
.echo{fill:#c08a2d}
.axis{stroke:#999}
.lbl{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
</style>
`

// svgEscape appends s as XML text: markup characters escaped, control
// characters and invalid UTF-8 replaced, so any name (a student's file
// name) keeps the picture well-formed and inert.
func svgEscape(dst []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r == '&':
			dst = append(dst, "&amp;"...)
		case r == '<':
			dst = append(dst, "&lt;"...)
		case r == '>':
			dst = append(dst, "&gt;"...)
		case r == '"':
			dst = append(dst, "&quot;"...)
		case r == '\'':
			dst = append(dst, "&#39;"...)
		case r == utf8.RuneError, r < 0x20 && r != '\n', r == 0x7f, r >= 0x80 && r < 0xa0, r == 0xfffe, r == 0xffff:
			dst = append(dst, "\uFFFD"...)
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

type svg struct{ b []byte }

func (s *svg) raw(parts ...string) {
	for _, p := range parts {
		s.b = append(s.b, p...)
	}
}

func (s *svg) num(n int) { s.b = strconv.AppendInt(s.b, int64(n), 10) }

// text writes <text x y [class] [anchor]>content</text>.
func (s *svg) text(x, y int, class, anchor, content string) {
	s.raw(`<text x="`)
	s.num(x)
	s.raw(`" y="`)
	s.num(y)
	s.raw(`"`)
	if class != "" {
		s.raw(` class="`, class, `"`)
	}
	if anchor != "" {
		s.raw(` text-anchor="`, anchor, `"`)
	}
	s.raw(`>`)
	s.b = svgEscape(s.b, content)
	s.raw("</text>\n")
}

func (s *svg) line(x1, y1, x2, y2 int, class, extra string) {
	s.raw(`<line x1="`)
	s.num(x1)
	s.raw(`" y1="`)
	s.num(y1)
	s.raw(`" x2="`)
	s.num(x2)
	s.raw(`" y2="`)
	s.num(y2)
	s.raw(`" class="`, class, `"`, extra, "/>\n")
}

func (s *svg) rect(x, y, w, h int, class string) {
	s.raw(`<rect x="`)
	s.num(x)
	s.raw(`" y="`)
	s.num(y)
	s.raw(`" width="`)
	s.num(w)
	s.raw(`" height="`)
	s.num(h)
	s.raw(`" class="`, class, "\"/>\n")
}

// open starts the picture with its text alternative: title and desc are
// what a screen reader says, and what a person reads when images are off.
func (s *svg) open(id string, w, h int, title, desc string) {
	s.raw(`<svg xmlns="http://www.w3.org/2000/svg" width="`)
	s.num(w)
	s.raw(`" height="`)
	s.num(h)
	s.raw(`" viewBox="0 0 `)
	s.num(w)
	s.raw(` `)
	s.num(h)
	s.raw(`" role="img" aria-labelledby="`, id, `-title `, id, `-desc">`, "\n")
	s.raw(`<title id="`, id, `-title">`)
	s.b = svgEscape(s.b, title)
	s.raw("</title>\n", `<desc id="`, id, `-desc">`)
	s.b = svgEscape(s.b, desc)
	s.raw("</desc>\n", svgStyle)
	// An opaque background: a transparent picture is unreadable on a dark
	// page or viewer (its text is dark grey).
	s.raw(`<rect width="100%" height="100%" fill="#fff"/>`, "\n")
}

// SVGOptions: ID prefixes the element ids, so that several pictures can
// share one HTML page; FrameLink, when set, makes each frame number of the
// ladder a link to the fragment it returns ("" for none), for a page that
// lists the frames.
type SVGOptions struct {
	ID        string // default "ladder" or "timeline"
	FrameLink func(frame int) string
}

// ladderDesc is the ladder as sentences, the picture's text alternative.
func (d *Diagram) ladderDesc() string {
	var b strings.Builder
	b.WriteString(d.counts(len(d.Arrows)) + ". ")
	for _, a := range d.Arrows {
		b.WriteString("Frame " + strconv.Itoa(a.Frame) + " at " + seconds(a.At) + " s, " + d.Endpoints[a.From].Name +
			" to " + d.Endpoints[a.To].Name + ": " + a.Label)
		if a.Problems != 0 {
			b.WriteString(" (problem: " + strings.Join(a.Problems.Names(), ", ") + ")")
		}
		b.WriteString(". ")
	}
	if s := d.cutNote(); s != "" {
		b.WriteString(s + ".")
	}
	return strings.TrimSpace(b.String())
}

// WriteLadderSVG draws the ladder as a self-contained SVG picture.
func WriteLadderSVG(w io.Writer, d *Diagram, opt SVGOptions) error {
	id := opt.ID
	if id == "" {
		id = "ladder"
	}
	l := d.ladderLayout()
	left := 12 + (l.frameW+2+l.timeW+2)*charW
	spacing := max((l.labelW+4)*charW, (l.nameW+2)*charW, 120)
	n := len(d.Endpoints)
	x := func(i int) int { return left + spacing/2 + i*spacing }
	height := headH + 16
	for _, a := range d.Arrows {
		if a.Idle > 0 {
			height += gapH
		}
		height += rowH
	}
	notes := []string{}
	if s := d.cutNote(); s != "" {
		notes = append(notes, s)
	}
	if d.OtherColumn {
		notes = append(notes, "endpoints after the first "+strconv.Itoa(maxColumns)+" share the last column")
	}
	height += 12 + legend*(len(notes)+1)
	width := max(left+n*spacing+12, 480)

	var s svg
	s.open(id, width, height, "Ladder diagram of "+d.Title, d.ladderDesc())
	s.raw(`<defs>`,
		`<marker id="`, id, `-head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#2a4d8f"/></marker>`,
		`<marker id="`, id, `-phead" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#c62828"/></marker>`,
		"</defs>\n")
	s.text(12, 18, "title", "", "Ladder of "+d.Title)
	s.text(12, 34, "muted", "", d.counts(len(d.Arrows)))
	bottom := height - 12 - legend*(len(notes)+1)
	for i, e := range d.Endpoints {
		class := "box"
		if e.Server {
			class = "server"
		}
		bw := (len(e.Name) + 2) * charW
		s.rect(x(i)-bw/2, 42, bw, 20, class)
		s.text(x(i), 56, "", "middle", e.Name)
		s.line(x(i), 62, x(i), bottom, "life", "")
	}
	s.text(12+l.frameW*charW, headH+8, "muted", "end", "frame")
	s.text(12+(l.frameW+2)*charW, headH+8, "muted", "", "time (s)")
	y := headH + 16
	for _, a := range d.Arrows {
		if a.Idle > 0 {
			s.rect(0, y+2, width, gapH-4, "gap")
			s.text(12, y+gapH-5, "muted", "", "~ "+idleNote(a.Idle)+" ~")
			y += gapH
		}
		base := y + rowH - 6
		cls, tcls := "arrow", ""
		head := id + "-head"
		if a.Problems != 0 {
			cls, tcls, head = "problem", "ptext", id+"-phead"
			s.text(left-10, base, "ptext", "middle", "!")
		}
		link := ""
		if opt.FrameLink != nil {
			link = opt.FrameLink(a.Frame)
		}
		if link != "" {
			s.raw(`<a href="#`)
			s.b = svgEscape(s.b, link)
			s.raw(`">`)
		}
		fcls := tcls
		if link != "" {
			fcls = strings.TrimSpace("link " + tcls)
		}
		s.text(12+l.frameW*charW, base, fcls, "end", strconv.Itoa(a.Frame))
		if link != "" {
			s.raw("</a>\n")
		}
		s.text(12+(l.frameW+2)*charW, base, tcls, "", seconds(a.At))
		label := fit(a.Label, maxLabel)
		if a.From == a.To {
			xf := x(a.From)
			s.raw(`<path d="M`)
			s.num(xf)
			s.raw(",")
			s.num(base - 8)
			s.raw(" h24 v8 h-22\" class=\"", cls, `" marker-end="url(#`, head, ")\"/>\n")
			s.text(xf+30, base, tcls, "", label)
		} else {
			x1, x2 := x(a.From), x(a.To)
			if x2 > x1 {
				x2 -= 2
			} else {
				x2 += 2
			}
			s.line(x1, base, x2, base, cls, ` marker-end="url(#`+head+`)"`)
			s.text((x(a.From)+x(a.To))/2, base-5, strings.TrimSpace("lbl "+tcls), "middle", label)
		}
		y += rowH
	}
	y = bottom + 12 + legend - 6
	for _, n := range notes {
		s.text(12, y, "", "", n)
		y += legend
	}
	if d.Problems != 0 {
		s.line(12, y-4, 40, y-4, "problem", "")
		s.text(48, y, "ptext", "", "! problem: "+strings.Join(d.Problems.Names(), "; "))
	} else {
		s.text(12, y, "muted", "", "no problem: no reset, retransmission, ICMP error or cut frame")
	}
	s.raw("</svg>\n")
	_, err := w.Write(s.b)
	return err
}

// timelineDesc is the timeline as sentences, its text alternative.
func (d *Diagram) timelineDesc() string {
	var b strings.Builder
	b.WriteString(plural(len(d.Rows)+d.RowsOmitted, "conversation") + ". ")
	for i := range d.Rows {
		r := &d.Rows[i]
		b.WriteString(r.name("to") + " from " + seconds(r.First) + " s to " + seconds(r.Last) + " s")
		if r.HasRequest {
			b.WriteString(", request at " + seconds(r.Request) + " s")
		}
		if r.HasEcho {
			b.WriteString(", echo at " + seconds(r.Echo) + " s")
		}
		b.WriteString(": " + r.note() + ". ")
	}
	if s := d.rowsCutNote(); s != "" {
		b.WriteString(s + ".")
	}
	return strings.TrimSpace(b.String())
}

// plotW is the width of the timeline's time axis in pixels.
const plotW = 600

// WriteTimelineSVG draws the timeline as a self-contained SVG picture.
func WriteTimelineSVG(w io.Writer, d *Diagram, opt SVGOptions) error {
	id := opt.ID
	if id == "" {
		id = "timeline"
	}
	nameW := 0
	for i := range d.Rows {
		nameW = max(nameW, len(d.Rows[i].name("->")))
	}
	noteW := 0
	for i := range d.Rows {
		noteW = max(noteW, len(d.Rows[i].note()))
	}
	left := 12 + (nameW+2)*charW
	width := left + plotW + 16 + noteW*charW + 12
	notes := 1
	if d.RowsOmitted > 0 {
		notes++
	}
	height := headH + 8 + len(d.Rows)*rowH + 12 + legend*notes
	end := d.end()
	x := func(t time.Duration) int {
		t = clampTime(t, end)
		if end <= 0 {
			return left
		}
		return left + scale(t, end, plotW)
	}
	var s svg
	s.open(id, width, height, "Timeline of "+d.Title, d.timelineDesc())
	s.text(12, 18, "title", "", "Timeline of "+d.Title)
	s.text(12, 34, "muted", "", plural(len(d.Rows)+d.RowsOmitted, "conversation")+", "+d.counts(d.Drawn))
	// The axis: five ticks since the first frame, in seconds, or in ms or
	// µs when the ticks are closer than a millisecond (tickLabel).
	axisY := headH - 6
	s.line(left, axisY, left+plotW, axisY, "axis", "")
	for i := 0; i <= 4; i++ {
		t := end * time.Duration(i) / 4
		s.line(x(t), axisY-4, x(t), axisY, "axis", "")
		s.text(x(t), axisY-8, "muted", "middle", tickLabel(t, end/4))
	}
	y := headH + 8
	for i := range d.Rows {
		r := &d.Rows[i]
		mid := y + rowH/2
		tcls := ""
		if r.Problems != 0 {
			tcls = "ptext"
		}
		s.text(12, mid+4, tcls, "", r.name("->"))
		cls := "bar"
		if r.Problems != 0 {
			cls = "bad"
		}
		s.rect(x(r.First), mid-6, max(x(r.Last)-x(r.First), 2), 12, cls)
		if r.HasRequest && r.HasEcho {
			s.line(x(r.Request), mid, x(r.Echo), mid, "wait", "")
		}
		if r.HasRequest {
			s.raw(`<circle cx="`)
			s.num(x(r.Request))
			s.raw(`" cy="`)
			s.num(mid)
			s.raw(`" r="5" class="req"/>`, "\n")
		}
		if r.HasEcho {
			ex := x(r.Echo)
			s.raw(`<path d="M`)
			s.num(ex)
			s.raw(",")
			s.num(mid - 7)
			s.raw("l6,7l-6,7l-6,-7z\" class=\"echo\"/>\n")
		}
		s.text(left+plotW+16, mid+4, tcls, "", r.note())
		y += rowH
	}
	y += 12 + legend - 6
	s.raw(`<circle cx="18" cy="`)
	s.num(y - 4)
	s.raw(`" r="5" class="req"/>`, "\n")
	s.text(28, y, "", "", "request")
	s.raw(`<path d="M96,`)
	s.num(y - 11)
	s.raw("l6,7l-6,7l-6,-7z\" class=\"echo\"/>\n")
	s.text(106, y, "", "", "echo")
	s.line(150, y-4, 180, y-4, "wait", "")
	s.text(188, y, "", "", "waiting for the echo; red: a reset, retransmission, ICMP error or cut frame")
	if d.RowsOmitted > 0 {
		s.text(12, y+legend, "", "", d.rowsCutNote())
	}
	s.raw("</svg>\n")
	_, err := w.Write(s.b)
	return err
}

// tickLabel labels an axis tick at t, ticks being step apart: seconds with
// 3 decimals while that tells the ticks apart (a step of a millisecond or
// more), else microseconds with the decimals the step needs, so that a
// sub-millisecond capture's ticks do not all read "0.000 s".
func tickLabel(t, step time.Duration) string {
	if step >= time.Millisecond || step <= 0 {
		return strconv.FormatFloat(t.Seconds(), 'f', 3, 64) + " s"
	}
	us := float64(t) / float64(time.Microsecond)
	decimals := 0
	switch st := float64(step) / float64(time.Microsecond); {
	case st < 0.1:
		decimals = 3
	case st < 1:
		decimals = 2
	case st < 10:
		decimals = 1
	}
	return strconv.FormatFloat(us, 'f', decimals, 64) + " µs"
}
