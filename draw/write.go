package draw

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Write writes d as a picture of kind ("ladder" or "timeline") in format
// ("svg", "mermaid" or "text"; ascii: the text in plain ASCII instead of
// Unicode box drawing), as turtle draw's --kind and --format choose,
// through a buffer of its own.
func Write(w io.Writer, d *Diagram, kind, format string, ascii bool) error {
	bw := bufio.NewWriter(w)
	if err := write(bw, d, kind, format, ascii); err != nil {
		return err
	}
	return bw.Flush()
}

// CheckPicture refuses, in the words of turtle draw's flags, a kind, a
// format or an ascii that Write does not draw.
func CheckPicture(kind, format string, ascii bool) error {
	switch {
	case kind != "ladder" && kind != "timeline":
		return fmt.Errorf("unknown --kind %q (want ladder or timeline)", kind)
	case format != "svg" && format != "mermaid" && format != "text":
		return fmt.Errorf("unknown --format %q (want svg, mermaid or text)", format)
	case ascii && format != "text":
		return errors.New("--ascii is for --format text")
	}
	return nil
}

func write(w io.Writer, d *Diagram, kind, format string, ascii bool) error {
	switch kind + "/" + format {
	case "ladder/svg":
		return WriteLadderSVG(w, d, SVGOptions{})
	case "ladder/mermaid":
		return WriteLadderMermaid(w, d)
	case "ladder/text":
		return WriteLadderText(w, d, ascii)
	case "timeline/svg":
		return WriteTimelineSVG(w, d, SVGOptions{})
	case "timeline/mermaid":
		return WriteTimelineMermaid(w, d)
	case "timeline/text":
		return WriteTimelineText(w, d, ascii)
	}
	return errors.New("unknown picture " + kind + "/" + format)
}

// Title is a picture's title (Options.Title): the capture's name, then the
// TCP stream drawn when stream is not negative, then the filter, if any.
func Title(name string, stream int, filter string) string {
	if stream >= 0 {
		name += ", TCP stream " + strconv.Itoa(stream)
	}
	if filter != "" {
		name += ", filter " + filter
	}
	return name
}
