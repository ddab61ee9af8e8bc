package parquetfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/internal/outfile"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// DirOptions say how WriteDir converts captures.
type DirOptions struct {
	Options
	Jobs   int       // captures converted at once; 0: one per CPU
	Filter string    // tcpdump expression: only matching frames are written
	Stdin  io.Reader // read for the capture "-"
}

// WriteDir writes DIR/capture=NAME/part-0.parquet for each capture (a
// Hive-partitioned table: Spark, DuckDB and Trino read NAME back as the
// column capture), o.Jobs at once. errs[i] is what went wrong with
// names[i] (nil: nothing); fatal[i] is true when nothing usable was
// written, and the error then names the output; otherwise the capture
// was damaged and every complete frame before the damage was written.
// noTimes[i] counts the frames of names[i] written with a null time
// (Writer.NoTimes).
func WriteDir(dir string, names []string, o DirOptions) (errs []error, fatal []bool, noTimes []int) {
	jobs := o.Jobs
	if jobs == 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	errs = make([]error, len(names))
	fatal = make([]bool, len(names))
	noTimes = make([]int, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(jobs, len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i], fatal[i] = writePartition(dir, names[i], o, &noTimes[i])
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs, fatal, noTimes
}

// writePartition writes one capture's partition through outfile: under a
// temporary name renamed when complete, so a reader of the directory never
// sees half a file, and never through a link planted there. fatal is true
// when nothing usable was written (the error then names the output).
func writePartition(outDir, name string, o DirOptions, noTime *int) (err error, fatal bool) {
	dir := filepath.Join(outDir, HivePartition(name))
	if err := outfile.MkdirAll(dir, 0o755); err != nil {
		return err, true
	}
	final := filepath.Join(dir, "part-0.parquet")
	out, err := outfile.Create(final, outfile.Options{Inputs: []string{name}})
	if err != nil {
		return fmt.Errorf("%s: %w", final, err), true
	}
	defer out.Abort()
	bw := bufio.NewWriterSize(out, 1<<20)
	w := NewWriter(bw, o.Options)
	readErr := WriteCapture(w, name, o.Stdin, o.Filter, 0)
	*noTime = w.NoTimes()
	var werr *decode.WriteError
	if errors.As(readErr, &werr) {
		return fmt.Errorf("%s: %w", final, werr.Err), true
	}
	err = w.Close()
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = out.Commit()
	}
	if err != nil {
		return fmt.Errorf("%s: %w", final, err), true
	}
	return readErr, false
}

// WriteCapture writes the frames of the capture name ("-": stdin) to w,
// those matching the tcpdump expression filter when it is not empty,
// stopping with decode.ErrLimit once w holds limit frames (0: no limit).
// Errors writing are *decode.WriteError; others are the capture's.
func WriteCapture(w *Writer, name string, stdin io.Reader, filter string, limit int) error {
	src, err := capture.Open(name, stdin, capture.Options{Filter: filter})
	if err != nil {
		return err
	}
	defer src.Close()
	w.SetFile(name)
	var f pcapio.Frame
	for number := 1; ; number++ {
		if limit > 0 && w.Frames() >= limit {
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

// HivePartition is the directory of one capture in --out-dir:
// capture=NAME, NAME being the capture's path as given with the characters
// that Hive escapes in partition values (and those Windows forbids) as %XX,
// so that Spark, DuckDB and Trino read the name back unchanged and two
// captures never share a directory. Standard input is "capture=-".
func HivePartition(name string) string {
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
