package parquetfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/turtle-sniffer/turtle/decode"
)

// FilesOptions say how WriteFiles converts captures.
type FilesOptions struct {
	Options
	Filter string    // tcpdump expression: only matching frames are written
	Stdin  io.Reader // read for the capture "-"
	Limit  int       // stop once the file holds this many frames; 0: no limit
}

// WriteFiles writes the frames of the captures names, one after the other,
// as one Parquet file to w (buffered, flushed at the end), stopping once
// it holds o.Limit frames. For each capture read, done is called with
// its index, what went wrong reading it (nil: nothing; every complete
// frame before the damage was written) and the frames written with a
// null time (Writer.NoTimes). The error is the output's: nothing usable
// was written.
func WriteFiles(w io.Writer, names []string, o FilesOptions, done func(i int, err error, noTimes int)) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	pw := NewWriter(bw, o.Options)
	for i, name := range names {
		before := pw.NoTimes()
		err := WriteCapture(pw, name, o.Stdin, o.Filter, o.Limit)
		var werr *decode.WriteError
		if errors.As(err, &werr) {
			done(i, nil, pw.NoTimes()-before)
			return werr.Err
		}
		limit := errors.Is(err, decode.ErrLimit)
		if limit {
			err = nil
		}
		done(i, err, pw.NoTimes()-before)
		if limit {
			break
		}
	}
	if err := pw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// CheckPartitions refuses captures that WriteDir would write into one
// directory (HivePartition gives them the same name).
func CheckPartitions(names []string) error {
	seen := map[string]string{}
	for _, n := range names {
		p := HivePartition(n)
		if prev, ok := seen[p]; ok {
			return fmt.Errorf("%s and %s would share the directory %s", prev, n, p)
		}
		seen[p] = n
	}
	return nil
}

// NoTimeNote says why n frames have a null time: the words turtle read
// puts after a capture's name.
func NoTimeNote(n int) string {
	frames := "frames"
	if n == 1 {
		frames = "frame"
	}
	return fmt.Sprintf("%d %s without a time Parquet can hold (a Simple Packet Block carries none; "+
		"TIMESTAMP_NS holds 1677 to 2262): their time is null", n, frames)
}
