package parquetfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// WriteFiles writes the captures one after the other into one file,
// reports a capture that cannot be read and goes on, stops at the frame
// limit, and returns an error of the output.
func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	cut := filepath.Join(dir, "cut.pcap")
	whole, err := os.ReadFile("../testdata/udp-echo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(cut, whole[:len(whole)-5], 0o644)
	names := []string{"../testdata/udp-echo.pcap", "no-such.pcap", cut, "../testdata/tcp-echo.pcap"}
	var buf bytes.Buffer
	var done []string
	err = WriteFiles(&buf, names, FilesOptions{}, func(i int, err error, noTimes int) {
		done = append(done, names[i]+":"+map[bool]string{true: "ok", false: "damaged"}[err == nil])
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "../testdata/udp-echo.pcap:ok no-such.pcap:damaged " + cut + ":damaged ../testdata/tcp-echo.pcap:ok"
	if strings.Join(done, " ") != want {
		t.Errorf("reported %v, want %s", done, want)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	all := f.NumRows()

	buf.Reset()
	done = nil
	two := []string{"../testdata/tcp-echo.pcap", "../testdata/udp-echo.pcap"}
	if err := WriteFiles(&buf, two, FilesOptions{Limit: 3}, func(i int, err error, _ int) { done = append(done, two[i]) }); err != nil {
		t.Fatal(err)
	}
	f, err = parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || f.NumRows() != 3 || len(done) != 1 || all <= 3 {
		t.Errorf("-c 3: %d rows of %d, %v reported, %v", f.NumRows(), all, done, err)
	}

	err = WriteFiles(&failAfter{n: 100}, names[:1], FilesOptions{}, func(int, error, int) {})
	if !errors.Is(err, errDiskFull) {
		t.Errorf("output error %v, want %v", err, errDiskFull)
	}
}

func TestCheckPartitionsAndNoTimeNote(t *testing.T) {
	if err := CheckPartitions([]string{"a.pcap", "b.pcap", "-"}); err != nil {
		t.Error(err)
	}
	if err := CheckPartitions([]string{"x/a.pcap", "x//a.pcap"}); err == nil || !strings.Contains(err.Error(), "would share the directory capture=x%2Fa.pcap") {
		t.Errorf("two spellings of one file: %v", err)
	}
	if got := NoTimeNote(1); !strings.HasPrefix(got, "1 frame without a time") {
		t.Error(got)
	}
	if got := NoTimeNote(2); !strings.HasPrefix(got, "2 frames without a time") || !strings.HasSuffix(got, "their time is null") {
		t.Error(got)
	}
}
