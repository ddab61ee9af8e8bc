package parquetfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// The file parquet-go reads back has the columns in decode.Columns' order
// after file, every frame of the test captures as a row, row groups of
// RowGroupRows, and the values written (checked here on a few columns;
// cmd/turtle's tests compare every field through DuckDB). The string
// columns are written with dictionaries (dictColumn), or past dictLimit
// PLAIN: both ways are checked.
func TestRoundTrip(t *testing.T) {
	for _, limit := range []int{dictLimit, 40} {
		t.Run(fmt.Sprintf("dictLimit=%d", limit), func(t *testing.T) {
			defer func(l int) { dictLimit = l }(dictLimit)
			dictLimit = limit
			roundTrip(t)
		})
	}
}

func roundTrip(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.pcap")
	var buf bytes.Buffer
	w := NewWriter(&buf, Options{RowGroupRows: 10, Payload: true})
	type want struct {
		file    string
		frame   int64
		caplen  int32
		payload []byte
		ethSrc  *string // nil: null
	}
	var wants []want
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapio.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		w.SetFile(name)
		var tab decode.Table
		for n := 1; ; n++ {
			data, ci, err := r.ZeroCopyReadPacketData()
			if err != nil {
				break
			}
			fr := &pcapio.Frame{Number: n, Data: data, Info: ci}
			tab.Fill(fr, nil)
			wt := want{file: name, frame: int64(n), caplen: int32(len(data)), payload: bytes.Clone(tab.Row[decode.ColPayload].Bytes)}
			if v := tab.Row[ethSrc]; v.Valid {
				s := string(v.Bytes)
				wt.ethSrc = &s
			}
			wants = append(wants, wt)
			if err := w.Write(fr); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(&pcapio.Frame{}); err == nil {
		t.Error("Write after Close: no error")
	}

	pf, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if got := pf.NumRows(); got != int64(len(wants)) {
		t.Fatalf("%d rows, want %d", got, len(wants))
	}
	if got, want := len(pf.RowGroups()), (len(wants)+9)/10; got != want {
		t.Errorf("%d row groups, want %d", got, want)
	}
	fields := pf.Schema().Fields()
	names := []string{"file"}
	for _, c := range decode.Columns {
		names = append(names, c.Name)
	}
	if len(fields) != len(names) {
		t.Fatalf("%d columns, want %d", len(fields), len(names))
	}
	index := map[string]int{}
	for i, f := range fields {
		if f.Name() != names[i] {
			t.Errorf("column %d is %s, want %s", i, f.Name(), names[i])
		}
		index[f.Name()] = i
	}
	if index["eth_src"] == 0 {
		t.Fatal("no eth_src column")
	}
	// eth_src's statistics per row group (made from its dictionary's
	// entries, and from the values past dictLimit): nulls, min, max.
	for g, rg := range pf.Metadata().RowGroups {
		st := rg.Columns[index["eth_src"]].MetaData.Statistics
		var nulls int64
		var lo, hi string
		for _, w := range wants[g*10 : min(g*10+10, len(wants))] {
			switch {
			case w.ethSrc == nil:
				nulls++
			case lo == "" && hi == "":
				lo, hi = *w.ethSrc, *w.ethSrc
			default:
				lo, hi = min(lo, *w.ethSrc), max(hi, *w.ethSrc)
			}
		}
		if st.NullCount != nulls || string(st.MinValue) != lo || string(st.MaxValue) != hi {
			t.Errorf("row group %d: eth_src statistics %d nulls, %q to %q; want %d, %q to %q",
				g, st.NullCount, st.MinValue, st.MaxValue, nulls, lo, hi)
		}
	}
	rows := make([]parquet.Row, len(wants))
	rr := parquet.NewReader(pf)
	n, err := rr.ReadRows(rows)
	if n != len(wants) {
		t.Fatalf("read %d rows: %v", n, err)
	}
	for i, row := range rows {
		got := map[int][]parquet.Value{}
		for _, v := range row {
			got[v.Column()] = append(got[v.Column()], v)
		}
		w := wants[i]
		if s := got[index["file"]][0].String(); s != w.file {
			t.Errorf("row %d: file %q, want %q", i, s, w.file)
		}
		if v := got[index["frame"]][0].Int64(); v != w.frame {
			t.Errorf("row %d: frame %d, want %d", i, v, w.frame)
		}
		if v := got[index["caplen"]][0].Int32(); v != w.caplen {
			t.Errorf("row %d: caplen %d, want %d", i, v, w.caplen)
		}
		if v := got[index["payload"]][0].ByteArray(); !bytes.Equal(v, w.payload) {
			t.Errorf("row %d: payload %x, want %x", i, v, w.payload)
		}
		switch v := got[index["eth_src"]][0]; {
		case w.ethSrc == nil && !v.IsNull():
			t.Errorf("row %d: eth_src %q, want null", i, v.String())
		case w.ethSrc != nil && (v.IsNull() || v.String() != *w.ethSrc):
			t.Errorf("row %d: eth_src %v, want %q", i, v, *w.ethSrc)
		}
	}
}

// ethSrc is decode's index of the eth_src column.
var ethSrc = func() int {
	for i, c := range decode.Columns {
		if c.Name == "eth_src" {
			return i
		}
	}
	return -1
}()
