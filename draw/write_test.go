package draw

import (
	"bytes"
	"testing"
)

// Write draws each kind in each format as its own writer does, and
// refuses a picture it does not know.
func TestWriteAndTitle(t *testing.T) {
	d := collectFile(t, "../testdata/tcp-echo.pcap", Options{Stream: -1, MaxFrames: DefaultMaxFrames, Gap: DefaultGap, Title: Title("tcp-echo.pcap", 0, "tcp")})
	for _, kind := range []string{"ladder", "timeline"} {
		for _, format := range []string{"svg", "mermaid", "text"} {
			var got, want bytes.Buffer
			if err := Write(&got, d, kind, format, true); err != nil {
				t.Fatalf("%s/%s: %v", kind, format, err)
			}
			switch kind + "/" + format {
			case "ladder/svg":
				WriteLadderSVG(&want, d, SVGOptions{})
			case "ladder/mermaid":
				WriteLadderMermaid(&want, d)
			case "ladder/text":
				WriteLadderText(&want, d, true)
			case "timeline/svg":
				WriteTimelineSVG(&want, d, SVGOptions{})
			case "timeline/mermaid":
				WriteTimelineMermaid(&want, d)
			case "timeline/text":
				WriteTimelineText(&want, d, true)
			}
			if got.Len() == 0 || !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%s/%s: Write differs from its writer", kind, format)
			}
		}
	}
	if err := Write(&bytes.Buffer{}, d, "ladder", "png", false); err == nil || err.Error() != "unknown picture ladder/png" {
		t.Errorf("png: %v", err)
	}
	for _, tc := range []struct {
		stream int
		filter string
		want   string
	}{
		{-1, "", "a.pcap"},
		{0, "", "a.pcap, TCP stream 0"},
		{3, "udp port 53", "a.pcap, TCP stream 3, filter udp port 53"},
		{-1, "icmp", "a.pcap, filter icmp"},
	} {
		if got := Title("a.pcap", tc.stream, tc.filter); got != tc.want {
			t.Errorf("Title(%d, %q) = %q, want %q", tc.stream, tc.filter, got, tc.want)
		}
	}
}

func TestCheckPicture(t *testing.T) {
	for _, tc := range []struct {
		kind, format string
		ascii        bool
		want         string
	}{
		{"ladder", "svg", false, ""},
		{"timeline", "text", true, ""},
		{"tree", "svg", false, `unknown --kind "tree" (want ladder or timeline)`},
		{"ladder", "png", false, `unknown --format "png" (want svg, mermaid or text)`},
		{"ladder", "mermaid", true, "--ascii is for --format text"},
	} {
		err := CheckPicture(tc.kind, tc.format, tc.ascii)
		if (err == nil) != (tc.want == "") || err != nil && err.Error() != tc.want {
			t.Errorf("%s/%s ascii %v: %v, want %q", tc.kind, tc.format, tc.ascii, err, tc.want)
		}
	}
}
