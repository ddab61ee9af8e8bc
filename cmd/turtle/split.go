package main

import (
	"fmt"
	"io"

	"github.com/turtle-sniffer/turtle/edit"
	"github.com/turtle-sniffer/turtle/internal/cli"
)

const splitAbout = `Split cuts a capture into several files: one per TCP or UDP conversation
(--by flow: both directions in one file, numbered in the order of their
first frame; frames of no conversation go to the file numbered "other"), one
per N frames (--count N, as editcap -c), or one per time slice
(--time D, slices of D from the first frame's time, a frame at a
slice's very end still in it, as editcap -i; a slice without frames makes
no file).

PATTERN names the files: {n} becomes the number (0001, 0002, ...); a
pattern without {n} gets -{n} before its extension. Splitting by flow keeps
at most --max-open files open at once, closing and reopening the others, so
a capture of any number of conversations can be split; it makes at most
--max-files files (one line on stderr says when the limit is reached: the
frames of later new conversations then go to the "other" file).

Exit status: 0 when the capture was read completely, 1 when it could not be
(its frames before the damage are written) or a file could not be written,
2 for a usage error.`

func runSplit(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("split", "split --by flow|--count N|--time DURATION -o PATTERN IN", splitAbout,
		"turtle split --by flow -o 'conv-{n}.pcap' class.pcap", stdout, stderr)
	var spec edit.SplitSpec
	fs.StringVar(&spec.By, "by", "", "`flow`: one file per TCP or UDP conversation")
	fs.IntVar(&spec.Count, "count", 0, "one file per `N` frames")
	fs.DurationVar(&spec.Time, "time", 0, "one file per time slice of this `DURATION` (e.g. 10s)")
	output := fs.StringP("output", "o", "", "name the files after `PATTERN` ({n} is the number)")
	toFormat := cli.ToFormat(fs, "the input's")
	maxOpen := fs.Int("max-open", 64, "keep at most `N` files open at once")
	maxFiles := fs.Int("max-files", 10000, "--by flow: make at most `N` files; later conversations go to \"other\" (0: no limit)")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := usageError(fs)
	spec.CountSet, spec.TimeSet = fs.Changed("count"), fs.Changed("time")
	mode, n, d, rest, note, err := spec.Mode(fs.Args())
	if note != "" {
		fmt.Fprintf(stderr, "turtle split: %s\n", note)
	}
	if err != nil {
		return usageErr("%v", err)
	}
	if len(rest) != 1 {
		return usageErr("want one input capture, got %d", len(rest))
	}
	if *output == "" {
		return usageErr("no -o PATTERN given")
	}
	if *maxOpen < 1 {
		return usageErr("--max-open %d: want 1 or more", *maxOpen)
	}
	if *maxFiles < 0 {
		return usageErr("--max-files %d: want 0 (no limit) or more", *maxFiles)
	}
	format, err := parseToFormat(*toFormat)
	if err != nil {
		return usageErr("%v", err)
	}
	inputs, closeAll, code := openInputs("split", rest, stdin, stderr)
	defer closeAll()
	if len(inputs) == 0 {
		return 1
	}
	sopt, err := edit.Header(inputs, format, 0, 0)
	if err != nil {
		fmt.Fprintf(stderr, "turtle split: %v\n", err)
		return 1
	}
	sp, err := edit.NewSplitter(mode, n, d, *output, sopt, *maxOpen, *maxFiles)
	if err != nil {
		return usageErr("%v", err)
	}
	sp.Inputs = rest
	sp.LimitHit = func(files int) {
		fmt.Fprintf(stderr, "turtle split: %d files made (--max-files): the frames of later new conversations go to the %q file\n",
			files, edit.OtherName)
	}
	m := edit.NewMerger(inputs, true)
	m.Damaged = damaged("split", inputs, stderr, &code)
	frames, err := sp.Copy(m)
	if err != nil {
		fmt.Fprintf(stderr, "turtle split: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "turtle split: %d frames into %d files\n", frames, len(sp.Files()))
	return code
}
