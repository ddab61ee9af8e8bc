package follow

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/turtle-sniffer/turtle/decode"
)

// Format is how Writer shows the bytes of a stream.
type Format uint8

const (
	// ASCII shows each direction's bytes as lines prefixed "> " (client to
	// server) or "< " (server to client). Printable ASCII is as is; the
	// backslash and every other byte are escaped (\\, \r, \n, \t, \xNN),
	// and a line ends after each \n and at the end of each chunk, so no
	// control byte reaches a terminal and no byte is ambiguous.
	ASCII Format = iota
	// Hex shows rows of 16 bytes: direction, offset in that direction's
	// stream, hex, and ASCII with non-printable bytes as '.'.
	Hex
	// Raw writes the bytes as they are, both directions in capture order;
	// gaps and the closing summary go to the Writer's Report instead.
	Raw
)

// ParseFormat maps a --format value to a Format.
func ParseFormat(s string) (Format, bool) {
	switch s {
	case "ascii":
		return ASCII, true
	case "hex":
		return Hex, true
	case "raw":
		return Raw, true
	}
	return 0, false
}

// Writer prints the chunks of selected streams. Lines about the stream
// (its header, gaps, its summary) start with "# "; in Raw they go to
// Report so that W holds only the stream's bytes.
type Writer struct {
	W      io.Writer
	Report io.Writer
	Format Format

	buf []byte
	cur *Stream // stream of the last header written
}

// Chunk writes one chunk; use it as Options.Chunk.
func (w *Writer) Chunk(s *Stream, c Chunk) error {
	w.header(s)
	b := w.buf[:0]
	if c.Missing > 0 {
		b = w.gap(b, s, c)
		if w.Format == Raw {
			if _, err := w.Report.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	switch w.Format {
	case ASCII:
		b = appendASCII(b, mark(c.Dir), c.Data)
	case Hex:
		b = decode.AppendHexRows(b, hexPrefix(c.Dir), c.Offset, 8, c.Data)
	case Raw:
		b = append(b, c.Data...)
	}
	w.buf = b
	_, err := w.W.Write(b)
	return err
}

// End writes the stream's summary; use it as Options.End.
func (w *Writer) End(s *Stream) error {
	w.header(s)
	b := append(w.buf[:0], "# end of "...)
	b = appendSummary(b, s)
	b = append(b, '\n')
	w.buf = b
	_, err := w.report().Write(b)
	return err
}

func (w *Writer) report() io.Writer {
	if w.Format == Raw {
		return w.Report
	}
	return w.W
}

// header names the stream and its markers before its first chunk, and
// again whenever chunks of another stream came between.
func (w *Writer) header(s *Stream) {
	if w.cur == s {
		return
	}
	w.cur = s
	b := append(w.buf[:0], "# stream "...)
	b = strconv.AppendInt(b, int64(s.Index), 10)
	b = append(b, ": client "...)
	b = s.Client.AppendTo(b)
	b = append(b, ", server "...)
	b = s.Server.AppendTo(b)
	if w.Format != Raw {
		b = append(b, " (> client to server, < server to client)"...)
	}
	if s.MidStream {
		b = append(b, "; the capture starts inside the conversation"...)
	}
	b = append(b, '\n')
	w.buf = b
	w.report().Write(b) // a failed write shows on the next chunk's write
}

// hexPrefix begins the hex rows of a direction: "> 00000039  48 54 ...".
func hexPrefix(d Dir) string {
	if d == ClientToServer {
		return "> "
	}
	return "< "
}

func mark(d Dir) byte {
	if d == ClientToServer {
		return '>'
	}
	return '<'
}

func (w *Writer) gap(b []byte, s *Stream, c Chunk) []byte {
	b = append(b, "# "...)
	b = append(b, mark(c.Dir))
	b = append(b, ' ')
	b = strconv.AppendInt(b, c.Missing, 10)
	b = append(b, " bytes missing (not captured) at offset "...)
	b = strconv.AppendInt(b, c.Offset-c.Missing, 10)
	return append(b, '\n')
}

// appendASCII appends data as escaped lines prefixed by the direction.
func appendASCII(b []byte, m byte, data []byte) []byte {
	if len(data) == 0 {
		return b
	}
	open := false
	for _, c := range data {
		if !open {
			b = append(b, m, ' ')
			open = true
		}
		switch {
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\n':
			b = append(b, '\\', 'n', '\n')
			open = false
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c >= 0x20 && c < 0x7f:
			b = append(b, c)
		default:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	if open {
		b = append(b, '\n')
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendSummary appends "stream 0: 10.0.0.1:51000 > 10.0.0.2:80, closed;
// > 52 bytes in 4 segments, ...; < ...".
func appendSummary(b []byte, s *Stream) []byte {
	b = append(b, "stream "...)
	b = strconv.AppendInt(b, int64(s.Index), 10)
	b = append(b, ": "...)
	b = s.Client.AppendTo(b)
	b = append(b, " > "...)
	b = s.Server.AppendTo(b)
	b = append(b, ", "...)
	b = append(b, s.State.String()...)
	if s.MidStream {
		b = append(b, " (joined mid-stream)"...)
	}
	for d := range 2 {
		b = append(b, "; "...)
		b = append(b, mark(Dir(d)), ' ')
		b = strconv.AppendInt(b, s.Bytes[d], 10)
		b = append(b, " bytes in "...)
		b = strconv.AppendInt(b, int64(s.Packets[d]), 10)
		b = append(b, " segments"...)
		b = appendIssues(b, s, d, ", ")
	}
	return b
}

// appendIssues appends the retransmissions, reorderings and gaps of one
// direction, each after sep.
func appendIssues(b []byte, s *Stream, d int, sep string) []byte {
	if n := s.Retransmitted[d]; n > 0 {
		b = append(b, sep...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, " retransmitted ("...)
		b = strconv.AppendInt(b, s.RetransmittedBytes[d], 10)
		b = append(b, " bytes)"...)
	}
	if n := s.OutOfOrder[d]; n > 0 {
		b = append(b, sep...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, " out of order"...)
	}
	if n := s.Gaps[d]; n > 0 {
		b = append(b, sep...)
		b = strconv.AppendInt(b, int64(n), 10)
		if n == 1 {
			b = append(b, " gap ("...)
		} else {
			b = append(b, " gaps ("...)
		}
		b = strconv.AppendInt(b, s.Missing[d], 10)
		b = append(b, " bytes missing)"...)
	}
	return b
}

// WriteList writes one line per stream: index, client, server, bytes each
// way, state, and the issues of each direction.
func WriteList(w io.Writer, streams []*Stream) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tCLIENT\tSERVER\tCLIENT>SERVER\tSERVER>CLIENT\tSTATE\tNOTES")
	for _, s := range streams {
		state := s.State.String()
		if s.MidStream {
			state += " (mid-stream)"
		}
		var notes []byte
		for d := range 2 {
			var one []byte
			one = appendIssues(one, s, d, ", ")
			if len(one) > 0 {
				if len(notes) > 0 {
					notes = append(notes, "; "...)
				}
				notes = append(notes, mark(Dir(d)), ' ')
				notes = append(notes, one[2:]...)
			}
		}
		if len(notes) == 0 {
			notes = []byte("-")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\t%s\n", s.Index, s.Client, s.Server, s.Bytes[0], s.Bytes[1], state, notes)
	}
	return tw.Flush()
}
