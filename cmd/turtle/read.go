package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/internal/cli"
)

const readAbout = `Read prints every frame of the capture files in the turtle text format of the
classic Python Turtle Sniffer (or another --format). Files are pcap or pcapng,
optionally gzip-compressed, recognised by content; - reads standard input.
Several files print in the order given.

Exit status: 0 when every file was read completely, 1 when a file could not be
(its frames before the damage are printed, then one line on stderr) or the
output (-o, --out-dir) could not be written, 2 for a usage error.`

func runRead(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("read", "read [flags] FILE...", readAbout, "turtle read -c 10 testdata/udp-echo.pcap", stdout, stderr)
	count := fs.IntP("count", "c", 0, "stop after `N` frames in all (0: no limit)")
	output := fs.StringP("output", "o", "", "write the text to `FILE` instead of standard output")
	format := fs.String("format", "turtle", "output `FORMAT`: "+strings.Join(decode.FormatNames(), ", ")+", or parquet (a table file: -o FILE or --out-dir DIR)")
	filterExpr := cli.Filter(fs, "print only", ` (e.g. "tcp port 12500")`)
	colorMode := cli.Color(fs, "the verbose format")
	pq := parquetFlags(fs)
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := usageError(fs)
	if fs.NArg() == 0 {
		return usageErr("no capture file given")
	}
	if *count < 0 {
		return usageErr("-c %d: the frame count cannot be negative", *count)
	}
	if *format == "parquet" {
		return pq.run(fs.Args(), stdin, stderr, *output, *count, *filterExpr, usageErr)
	}
	makeFormat, err := decode.FormatMaker(*format)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := capture.CheckFilter(*filterExpr); err != nil {
		return usageErr("%v", err)
	}
	color, err := colorWanted(*colorMode, stdout, *output != "")
	if err != nil {
		return usageErr("%v", err)
	}
	f := withColor(makeFormat(), color)
	var out io.Writer = stdout
	var file *capture.Output
	if *output != "" {
		if file, err = capture.Create(*output, capture.CreateOptions{Inputs: fs.Args(), Stdout: stdout}); err != nil {
			fmt.Fprintf(stderr, "turtle read: %s: %v\n", *output, err)
			return 1
		}
		defer file.Abort()
		out = file
	}
	// Capture files format on every core; the text stays in capture order.
	p := &decode.Printer{Format: f, W: out, Workers: runtime.GOMAXPROCS(0),
		NewFormat: func() decode.Format { return withColor(makeFormat(), color) }}
	prog := capture.NewProgress(stderr, isTerminal(stderr) && !isTerminal(out))
	code := 0
	for _, name := range fs.Args() {
		err := readFile(p, name, stdin, *count, *filterExpr, prog)
		if errors.Is(err, decode.ErrLimit) {
			break
		}
		var werr *decode.WriteError
		if errors.As(err, &werr) {
			fmt.Fprintf(stderr, "turtle read: %v\n", err)
			return 1
		}
		if err != nil {
			fmt.Fprintf(stderr, "turtle read: %s: %v\n", displayName(name), err)
			code = 1
		}
	}
	if file != nil {
		// The text of a damaged capture is kept: every complete frame.
		if err := file.Commit(); err != nil {
			fmt.Fprintf(stderr, "turtle read: %s: %v\n", *output, err)
			return 1
		}
	}
	return code
}

// readFile prints the frames of one capture through p, only those that
// match expr when it is not empty, with a progress line on standard error
// for big files when prog is on.
func readFile(p *decode.Printer, name string, stdin io.Reader, limit int, expr string, prog *capture.Progress) error {
	src, err := capture.Open(name, stdin, capture.Options{Filter: expr, Mapped: true, Progress: prog})
	if err != nil {
		return err
	}
	defer src.Close()
	defer prog.End()
	return p.Copy(src, limit)
}

// displayName is how errors name a file: standard input is "-" on the
// command line and "standard input" in messages.
func displayName(name string) string { return capture.DisplayName(name) }
