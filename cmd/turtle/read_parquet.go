package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/filter"
	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/parquetfile"
	"github.com/turtle-sniffer/turtle/pcapio"
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
			p := hivePartition(n)
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
		return j.runDir()
	}
	out, err := os.Create(j.output)
	if err != nil {
		fmt.Fprintf(j.stderr, "turtle read: %v\n", err)
		return 1
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	w := parquetfile.NewWriter(bw, parquetfile.Options{Payload: j.payload})
	code := 0
	for _, name := range j.names {
		before := w.NoTimes()
		err := j.convert(w, name)
		if n := w.NoTimes() - before; n > 0 {
			fmt.Fprintln(j.stderr, noTimeNote(name, n))
		}
		if errors.Is(err, decode.ErrLimit) {
			break
		}
		var werr *decode.WriteError
		if errors.As(err, &werr) {
			fmt.Fprintf(j.stderr, "turtle read: %s: %v\n", j.output, werr.Err)
			out.Close()
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
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(j.stderr, "turtle read: %s: %v\n", j.output, err)
		return 1
	}
	return code
}

// runDir writes DIR/capture=NAME/part-0.parquet for each capture, --jobs
// at once, and reports in the order the captures were given.
func (j *parquetJob) runDir() int {
	jobs := j.jobs
	if jobs == 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	errs := make([]error, len(j.names))
	fatal := make([]bool, len(j.names))
	notes := make([]int, len(j.names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(jobs, len(j.names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i], fatal[i], notes[i] = j.convertOne(j.names[i])
			}
		}()
	}
	for i := range j.names {
		next <- i
	}
	close(next)
	wg.Wait()
	code := 0
	for i, err := range errs {
		if notes[i] > 0 {
			fmt.Fprintln(j.stderr, noTimeNote(j.names[i], notes[i]))
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

// convertOne writes one capture's partition. The file is written under a
// temporary name and renamed when complete, so a reader of the directory
// never sees half a file. fatal is true when nothing usable was written
// (the error then names the output). noTime counts the frames written with
// a null time.
func (j *parquetJob) convertOne(name string) (err error, fatal bool, noTime int) {
	err, fatal = j.convertOneFile(name, &noTime)
	return err, fatal, noTime
}

func (j *parquetJob) convertOneFile(name string, noTime *int) (err error, fatal bool) {
	dir := filepath.Join(j.outDir, hivePartition(name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err, true
	}
	final := filepath.Join(dir, "part-0.parquet")
	tmp := final + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err, true
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	w := parquetfile.NewWriter(bw, parquetfile.Options{Payload: j.payload})
	readErr := j.convert(w, name)
	*noTime = w.NoTimes()
	var werr *decode.WriteError
	if errors.As(readErr, &werr) {
		out.Close()
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", tmp, werr.Err), true
	}
	err = w.Close()
	if err == nil {
		err = bw.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", final, err), true
	}
	return readErr, false
}

// convert writes the frames of one capture to w (those matching j.expr),
// stopping at j.limit frames in all. Errors writing are *decode.WriteError.
func (j *parquetJob) convert(w *parquetfile.Writer, name string) error {
	var in io.Reader = j.stdin
	if name != "-" {
		file, err := inputfile.Open(name)
		if err != nil {
			return unwrapPathError(err)
		}
		defer file.Close()
		if fi, err := file.Stat(); err == nil && fi.IsDir() {
			return errors.New("is a directory, not a capture file")
		}
		in = file
	}
	r, err := pcapio.NewReader(in)
	if err != nil {
		return err
	}
	var src decode.Source = r
	if j.expr != "" {
		if src, err = filter.NewSource(src, j.expr, r.LinkType(), filter.FileOptions(r)); err != nil {
			return err
		}
	}
	w.SetFile(name)
	var f decode.Frame
	for number := 1; ; number++ {
		if j.limit > 0 && w.Frames() >= j.limit {
			return decode.ErrLimit
		}
		data, ci, err := src.ZeroCopyReadPacketData()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		f.Number, f.Data, f.Info = number, data, ci
		if err := w.Write(&f); err != nil {
			return &decode.WriteError{Err: err}
		}
	}
}

// hivePartition is the directory of one capture in --out-dir:
// capture=NAME, NAME being the capture's path as given with the characters
// that Hive escapes in partition values (and those Windows forbids) as %XX,
// so that Spark, DuckDB and Trino read the name back unchanged and two
// captures never share a directory. Standard input is "capture=-".
func hivePartition(name string) string {
	name = filepath.ToSlash(filepath.Clean(name))
	var b strings.Builder
	b.WriteString("capture=")
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte("\"#%'*/:=?\\{[]^<>|", c) >= 0 {
			b.WriteByte('%')
			b.WriteByte("0123456789ABCDEF"[c>>4])
			b.WriteByte("0123456789ABCDEF"[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
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
	if err := checkFilter(expr); err != nil {
		return usageErr("%v", err)
	}
	j := &parquetJob{names: names, stdin: stdin, stderr: stderr, output: output, outDir: *o.outDir,
		jobs: *o.jobs, limit: limit, expr: expr, payload: *o.payload}
	if msg := j.usage(); msg != "" {
		return usageErr("%s", msg)
	}
	return j.run()
}
