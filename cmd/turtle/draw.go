package main

import (
	"fmt"
	"io"

	"github.com/turtle-sniffer/turtle/capture"

	"github.com/turtle-sniffer/turtle/draw"
)

const drawAbout = `Draw draws a capture as a picture: a ladder (one column per endpoint, the server's
well-known port on the right; one arrow per frame, labelled SYN, SYN-ACK,
ACK, "Hello turtle" (12 B), FIN-ACK, RST, ICMP port unreachable; the frame
number, as turtle read numbers it, and the time since the first frame on the
left) or a timeline (one row per TCP connection, UDP exchange or ping, a bar from
its first to its last frame, the request and the echo marked, the delay
written beside it: three clients of an iterative server make a staircase).

Payload is quoted escaped (\\, \", \r, \n, \t, \xNN) and cut after 20 bytes.
Idle time longer than --gap is drawn as a break mark with its length.
Resets, retransmissions, ICMP errors and frames cut by the snapshot length
are drawn in red (text: a heavy line and "!"), with a legend.

Formats: svg (the default; one self-contained file), mermaid (a
sequenceDiagram or gantt chart to paste into Markdown) and text (for the
terminal, Unicode box drawing, or plain ASCII with --ascii). At most
--max-frames arrows (and timeline rows) are drawn; the picture says how many
more there were. The capture is read once, streaming, in bounded memory.

Exit status: 0 when the capture was read completely and drawn, 1 when it
could not be read (what was read is drawn first) or the output could not be
written, 2 for a usage error.`

func runDraw(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("draw", "draw [--kind ladder|timeline] [--format svg|mermaid|text] [-f EXPR] [--stream N] [-o FILE] CAPTURE",
		drawAbout, "turtle draw --format text testdata/tcp-echo.pcap\n  turtle draw --kind timeline -o class.svg testdata/tcp-echo-iterative.pcap", stdout, stderr)
	kind := fs.String("kind", "ladder", "what to draw: `ladder` or timeline")
	format := fs.String("format", "svg", "picture format: `svg`, mermaid or text")
	ascii := fs.Bool("ascii", false, "with --format text: plain ASCII instead of Unicode box drawing")
	filterExpr := fs.StringP("filter", "f", "", "draw only frames matching the tcpdump filter `EXPR` (numbered as turtle read -f numbers them)")
	stream := fs.Int("stream", -1, "draw only TCP stream `N`, as turtle follow --list numbers them")
	maxFrames := fs.Int("max-frames", draw.DefaultMaxFrames, "draw at most `N` arrows (and timeline rows)")
	gap := fs.Duration("gap", draw.DefaultGap, "draw a break mark for idle time longer than `D`")
	output := fs.StringP("output", "o", "", "write the picture to `FILE` instead of standard output")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := usageError(fs)
	switch {
	case fs.NArg() != 1:
		return usageErr("want one capture file, got %d arguments", fs.NArg())
	case *maxFrames < 1:
		return usageErr("--max-frames %d: want at least 1", *maxFrames)
	case *gap <= 0:
		return usageErr("--gap %v: want a positive duration such as 500ms", *gap)
	case fs.Changed("stream") && *stream < 0:
		return usageErr("--stream %d: stream numbers start at 0", *stream)
	}
	if err := draw.CheckPicture(*kind, *format, *ascii); err != nil {
		return usageErr("%v", err)
	}
	if err := capture.CheckFilter(*filterExpr); err != nil {
		return usageErr("%v", err)
	}
	name := fs.Arg(0)
	src, err := capture.Open(name, stdin, capture.Options{Filter: *filterExpr})
	if err != nil {
		fmt.Fprintf(stderr, "turtle draw: %s: %v\n", displayName(name), err)
		return 1
	}
	defer src.Close()
	title := draw.Title(displayName(name), *stream, *filterExpr)
	d, readErr := draw.Collect(src, draw.Options{MaxFrames: *maxFrames, Stream: *stream, Gap: *gap, Title: title})
	code := 0
	if readErr != nil {
		fmt.Fprintf(stderr, "turtle draw: %s: %v\n", displayName(name), readErr)
		code = 1
	}
	if *stream >= 0 && d.Drawn == 0 && readErr == nil {
		fmt.Fprintf(stderr, "turtle draw: %s: no TCP stream %d (run 'turtle follow --list %s')\n", displayName(name), *stream, name)
		return 1
	}

	out := stdout
	var file *capture.Output
	if *output != "" {
		if file, err = capture.Create(*output, capture.CreateOptions{Inputs: []string{name}}); err != nil {
			fmt.Fprintf(stderr, "turtle draw: %s: %v\n", *output, err)
			return 1
		}
		defer file.Abort()
		out = file
	}
	werr := draw.Write(out, d, *kind, *format, *ascii)
	if file != nil && werr == nil {
		werr = file.Commit()
	}
	if werr != nil {
		fmt.Fprintf(stderr, "turtle draw: write output: %v\n", werr)
		return 1
	}
	return code
}
