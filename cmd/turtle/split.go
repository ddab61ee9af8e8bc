package main

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/turtle-sniffer/turtle/edit"
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
	by := fs.String("by", "", "`flow`: one file per TCP or UDP conversation")
	count := fs.Int("count", 0, "one file per `N` frames")
	slice := fs.Duration("time", 0, "one file per time slice of this `DURATION` (e.g. 10s)")
	output := fs.StringP("output", "o", "", "name the files after `PATTERN` ({n} is the number)")
	toFormat := fs.String("to-format", "", "output container (`FORMAT`): pcap, pcap-ns or pcapng (default: the input's)")
	maxOpen := fs.Int("max-open", 64, "keep at most `N` files open at once")
	maxFiles := fs.Int("max-files", 10000, "--by flow: make at most `N` files; later conversations go to \"other\" (0: no limit)")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := usageError(fs)
	rest := fs.Args()
	mode, n, d, rest, code := splitMode(*by, fs.Changed("count"), *count, fs.Changed("time"), *slice, rest, usageErr, stderr)
	if code != 0 {
		return code
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

// splitMode is how split cuts: --by flow, --count N or --time D, or the
// old spelling --by count N / --by time D (its value the first argument),
// accepted with a deprecation line. code is non-zero for a usage error.
func splitMode(by string, countSet bool, count int, timeSet bool, slice time.Duration, rest []string,
	usageErr func(string, ...any) int, stderr io.Writer) (mode edit.SplitBy, n int, d time.Duration, args []string, code int) {
	given := 0
	for _, set := range []bool{by != "", countSet, timeSet} {
		if set {
			given++
		}
	}
	if given > 1 {
		return 0, 0, 0, nil, usageErr("give one of --by flow, --count N and --time DURATION")
	}
	if (by == "count" || by == "time") && len(rest) > 0 {
		fmt.Fprintf(stderr, "turtle split: --by %s %s is deprecated, use --%s %s instead\n", by, rest[0], by, rest[0])
		if by == "count" {
			v, err := strconv.Atoi(rest[0])
			if err != nil {
				return 0, 0, 0, nil, usageErr("--by count %q: want a number of frames from 1", rest[0])
			}
			countSet, count = true, v
		} else {
			v, err := time.ParseDuration(rest[0])
			if err != nil {
				return 0, 0, 0, nil, usageErr("--by time %q: want a positive duration such as 500ms, 10s or 1h", rest[0])
			}
			timeSet, slice = true, v
		}
		by, rest = "", rest[1:]
	}
	switch {
	case by == "flow":
		return edit.ByFlow, 0, 0, rest, 0
	case by == "count" || by == "time":
		return 0, 0, 0, nil, usageErr("--by %s needs its value: --%s N", by, by)
	case by != "":
		return 0, 0, 0, nil, usageErr("--by %q: want flow (or --count N, --time DURATION)", by)
	case countSet:
		if count < 1 {
			return 0, 0, 0, nil, usageErr("--count %d: want a number of frames from 1", count)
		}
		return edit.ByCount, count, 0, rest, 0
	case timeSet:
		if slice <= 0 {
			return 0, 0, 0, nil, usageErr("--time %v: want a positive duration such as 500ms, 10s or 1h", slice)
		}
		return edit.ByTime, 0, slice, rest, 0
	}
	return 0, 0, 0, nil, usageErr("no --by flow, --count N or --time DURATION given")
}
