package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/parquetfile"
)

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

// run is `turtle read --format parquet`, once read's own flags are
// checked: it writes the Parquet output and reports each capture that
// could not be read completely as `turtle read` does; it returns the exit
// code.
func (o parquetOpts) run(names []string, stdin io.Reader, stderr io.Writer, output string, limit int, expr string, usageErr func(string, ...any) int) int {
	if err := capture.CheckFilter(expr); err != nil {
		return usageErr("%v", err)
	}
	switch outDir := *o.outDir; {
	case output == "" && outDir == "":
		return usageErr("--format parquet writes a file: give -o FILE.parquet or --out-dir DIR")
	case output != "" && outDir != "":
		return usageErr("-o and --out-dir both given: choose one")
	case *o.jobs < 0:
		return usageErr("--jobs %d: cannot be negative", *o.jobs)
	case outDir != "" && limit > 0:
		return usageErr("-c with --out-dir: the frame limit applies to one -o file only")
	}
	code := 0
	done := func(i int, err error, noTimes int) {
		if noTimes > 0 {
			fmt.Fprintf(stderr, "turtle read: %s: %s\n", displayName(names[i]), parquetfile.NoTimeNote(noTimes))
		}
		if err != nil {
			fmt.Fprintf(stderr, "turtle read: %s: %v\n", displayName(names[i]), err)
			code = 1
		}
	}
	opt := parquetfile.Options{Payload: *o.payload}
	if *o.outDir != "" {
		if err := parquetfile.CheckPartitions(names); err != nil {
			return usageErr("%v", err)
		}
		errs, fatal, noTimes := parquetfile.WriteDir(*o.outDir, names, parquetfile.DirOptions{
			Options: opt, Jobs: *o.jobs, Filter: expr, Stdin: stdin})
		for i, err := range errs {
			if fatal[i] { // the error names the output
				done(i, nil, noTimes[i])
				fmt.Fprintf(stderr, "turtle read: %v\n", err)
				code = 1
				continue
			}
			done(i, err, noTimes[i])
		}
		return code
	}
	out, err := capture.Create(output, capture.CreateOptions{Inputs: names})
	if err != nil {
		fmt.Fprintf(stderr, "turtle read: %s: %v\n", output, err)
		return 1
	}
	defer out.Abort()
	err = parquetfile.WriteFiles(out, names, parquetfile.FilesOptions{Options: opt, Filter: expr, Stdin: stdin, Limit: limit}, done)
	if err == nil {
		err = out.Commit()
	}
	if err != nil {
		fmt.Fprintf(stderr, "turtle read: %s: %v\n", output, err)
		return 1
	}
	return code
}
