package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/parquetfile"
)

// parquetJob is what `turtle read --format parquet` was asked to do.
type parquetJob struct {
	names   []string
	stdin   io.Reader
	stderr  io.Writer
	output  string // -o FILE, or ""
	outDir  string // --out-dir DIR, or ""
	jobs    int
	limit   int
	expr    string
	payload bool
}

// usage checks the flags that only make sense together; it returns the
// message of a usage error or "".
func (j *parquetJob) usage() string {
	switch {
	case j.output == "" && j.outDir == "":
		return "--format parquet writes a file: give -o FILE.parquet or --out-dir DIR"
	case j.output != "" && j.outDir != "":
		return "-o and --out-dir both given: choose one"
	case j.jobs < 0:
		return fmt.Sprintf("--jobs %d: cannot be negative", j.jobs)
	case j.outDir != "" && j.limit > 0:
		return "-c with --out-dir: the frame limit applies to one -o file only"
	}
	if j.outDir != "" {
		seen := map[string]string{}
		for _, n := range j.names {
			p := parquetfile.HivePartition(n)
			if prev, ok := seen[p]; ok {
				return fmt.Sprintf("%s and %s would share the directory %s", prev, n, p)
			}
			seen[p] = n
		}
	}
	return ""
}

// run writes the Parquet output and reports each capture that could not be
// read completely as `turtle read` does; it returns the exit code.
func (j *parquetJob) run() int {
	if j.outDir != "" {
		errs, fatal, noTimes := parquetfile.WriteDir(j.outDir, j.names, parquetfile.DirOptions{
			Options: parquetfile.Options{Payload: j.payload}, Jobs: j.jobs, Filter: j.expr, Stdin: j.stdin})
		code := 0
		for i, err := range errs {
			if noTimes[i] > 0 {
				fmt.Fprintln(j.stderr, noTimeNote(j.names[i], noTimes[i]))
			}
			if err != nil {
				if !fatal[i] {
					err = fmt.Errorf("%s: %w", displayName(j.names[i]), err)
				}
				fmt.Fprintf(j.stderr, "turtle read: %v\n", err)
				code = 1
			}
		}
		return code
	}
	out, err := capture.Create(j.output, capture.CreateOptions{Inputs: j.names})
	if err != nil {
		fmt.Fprintf(j.stderr, "turtle read: %s: %v\n", j.output, err)
		return 1
	}
	defer out.Abort()
	bw := bufio.NewWriterSize(out, 1<<20)
	w := parquetfile.NewWriter(bw, parquetfile.Options{Payload: j.payload})
	code := 0
	for _, name := range j.names {
		before := w.NoTimes()
		err := parquetfile.WriteCapture(w, name, j.stdin, j.expr, j.limit)
		if n := w.NoTimes() - before; n > 0 {
			fmt.Fprintln(j.stderr, noTimeNote(name, n))
		}
		if errors.Is(err, decode.ErrLimit) {
			break
		}
		var werr *decode.WriteError
		if errors.As(err, &werr) {
			fmt.Fprintf(j.stderr, "turtle read: %s: %v\n", j.output, werr.Err)
			return 1
		}
		if err != nil {
			fmt.Fprintf(j.stderr, "turtle read: %s: %v\n", displayName(name), err)
			code = 1
		}
	}
	err = w.Close()
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = out.Commit()
	}
	if err != nil {
		fmt.Fprintf(j.stderr, "turtle read: %s: %v\n", j.output, err)
		return 1
	}
	return code
}

// noTimeNote is the one line said for a capture with frames whose time
// column is null.
func noTimeNote(name string, n int) string {
	frames := "frames"
	if n == 1 {
		frames = "frame"
	}
	return fmt.Sprintf("turtle read: %s: %d %s without a time Parquet can hold (a Simple Packet Block carries none; "+
		"TIMESTAMP_NS holds 1677 to 2262): their time is null", displayName(name), n, frames)
}

// parquetOpts are read's flags for --format parquet.
type parquetOpts struct {
	outDir  *string
	jobs    *int
	payload *bool
}

func parquetFlags(fs *pflag.FlagSet) parquetOpts {
	return parquetOpts{
		outDir:  fs.String("out-dir", "", "parquet: write `DIR`/capture=NAME/part-0.parquet per capture (a Hive-partitioned table)"),
		jobs:    fs.Int("jobs", 0, "parquet with --out-dir: convert `N` captures at once (0: one per CPU)"),
		payload: fs.Bool("payload", false, "parquet: add the payload column (the bytes after the last decoded header)"),
	}
}

// run is `turtle read --format parquet`, once read's own flags are checked.
func (o parquetOpts) run(names []string, stdin io.Reader, stderr io.Writer, output string, limit int, expr string, usageErr func(string, ...any) int) int {
	if err := capture.CheckFilter(expr); err != nil {
		return usageErr("%v", err)
	}
	j := &parquetJob{names: names, stdin: stdin, stderr: stderr, output: output, outDir: *o.outDir,
		jobs: *o.jobs, limit: limit, expr: expr, payload: *o.payload}
	if msg := j.usage(); msg != "" {
		return usageErr("%s", msg)
	}
	return j.run()
}
