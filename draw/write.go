package draw

import (
	"errors"
	"io"
	"strconv"
)

// Write writes d as a picture of kind ("ladder" or "timeline") in format
// ("svg", "mermaid" or "text"; ascii: the text in plain ASCII instead of
// Unicode box drawing), as turtle draw's --kind and --format choose.
func Write(w io.Writer, d *Diagram, kind, format string, ascii bool) error {
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
