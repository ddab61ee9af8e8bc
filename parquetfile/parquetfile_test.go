package parquetfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/internal/testcorpus/captures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Every value of every column of every frame, read back by parquet-go, is
// the table view's (decode.Table), and every column chunk's statistics
// (null count, least and greatest value) are those of its values. The
// frames: the test captures (link types, ARP, IPv6, DNS, flag lists, frames
// cut short) before and after 30,000 IMIX frames (TCP, UDP and ICMP mixed),
// in row groups of 7,000 rows, so that column chunks have several pages
// and pages are all null, all present and mixed; with string dictionaries
// and number dictionaries and past their limits, with raw batches of 256
// frames and of a few; and the test captures alone in row groups of 10
// rows.
func TestEveryValueAndStatistic(t *testing.T) {
	cases := []struct{ groupRows, imix, dictLimit, numDictLimit, rawBatchBytes int }{
		{7000, 30000, dictLimit, numDictLimit, rawBatchBytes},
		{7000, 30000, 300, 8, 3000},
		{10, 0, 40, 2, rawBatchBytes},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			defer func(l, n, r int) { dictLimit, numDictLimit, rawBatchBytes = l, n, r }(dictLimit, numDictLimit, rawBatchBytes)
			dictLimit, numDictLimit, rawBatchBytes = c.dictLimit, c.numDictLimit, c.rawBatchBytes
			everyValue(t, c.groupRows, c.imix)
		})
	}
}

// wantRow is a frame's values, copied out of the table.
type wantRow struct {
	file string
	vals [decode.NumColumns]decode.Value
}

func everyValue(t *testing.T, groupRows, imix int) {
	var buf bytes.Buffer
	w := NewWriter(&buf, Options{RowGroupRows: groupRows, Payload: true})
	var tab decode.Table
	var rows []wantRow
	add := func(file string, f *pcapio.Frame) {
		w.SetFile(file)
		tab.Fill(f, nil)
		r := wantRow{file: file, vals: tab.Row}
		for i := range r.vals {
			r.vals[i].Bytes = bytes.Clone(r.vals[i].Bytes)
		}
		rows = append(rows, r)
		if err := w.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob("../testdata/*.pcap")
	addFiles := func() {
		for c := range captures.Frames(t, files) {
			add(c.File, &pcapio.Frame{Number: c.Number, Data: c.Data, Info: c.Info})
		}
	}
	addFiles()
	g := fixtures.NewIMIX()
	for n := 1; n <= imix; n++ {
		data, ts := g.Next()
		add("imix", &pcapio.Frame{Number: n, Data: data, Info: pcapio.CaptureInfo{
			Timestamp: ts, CaptureLength: len(data), Length: len(data), LinkType: pcapio.LinkTypeEthernet}})
	}
	if imix > 0 {
		addFiles() // after pages all Ethernet: pages that become mixed
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
	if int(pf.NumRows()) != len(rows) {
		t.Fatalf("%d rows, want %d", pf.NumRows(), len(rows))
	}
	got := make([]parquet.Row, len(rows))
	n, err := parquet.NewReader(pf).ReadRows(got)
	if n != len(rows) {
		t.Fatalf("read %d rows: %v", n, err)
	}
	errs := 0
	fail := func(format string, args ...any) {
		if errs++; errs <= 20 {
			t.Errorf(format, args...)
		}
	}
	for i, row := range got {
		want := &rows[i]
		byLeaf := map[int][]parquet.Value{}
		for _, v := range row {
			byLeaf[v.Column()] = append(byLeaf[v.Column()], v)
		}
		if s := byLeaf[0][0].String(); s != want.file {
			fail("row %d: file %q, want %q", i, s, want.file)
		}
		for c := range decode.Columns {
			if g, w := valueText(byLeaf[c+1], &decode.Columns[c]), wantText(&want.vals[c], &decode.Columns[c]); g != w {
				fail("row %d (%s frame %d): %s = %s, want %s", i, want.file, want.vals[decode.ColFrame].Num, decode.Columns[c].Name, g, w)
			}
		}
	}

	if got, want := len(pf.Metadata().RowGroups), (len(rows)+groupRows-1)/groupRows; got != want {
		t.Errorf("%d row groups, want %d", got, want)
	}
	for gi, rg := range pf.Metadata().RowGroups {
		group := rows[gi*groupRows : min((gi+1)*groupRows, len(rows))]
		for c := range decode.Columns {
			col := &decode.Columns[c]
			st := rg.Columns[c+1].MetaData.Statistics
			nulls, lo, hi := wantStats(group, c, col)
			if st.NullCount != nulls || !bytes.Equal(st.MinValue, lo) || !bytes.Equal(st.MaxValue, hi) {
				fail("row group %d, %s: %d nulls, %x to %x; want %d, %x to %x", gi, col.Name, st.NullCount, st.MinValue, st.MaxValue, nulls, lo, hi)
			}
		}
	}
	t.Logf("%d rows in %d row groups, %d bytes", len(rows), len(pf.Metadata().RowGroups), buf.Len())
}

// valueText renders the values parquet-go read for one column of a row.
func valueText(vs []parquet.Value, c *decode.Column) string {
	if len(vs) == 0 {
		return "missing"
	}
	if c.Type == decode.ColFlags {
		switch vs[0].DefinitionLevel() {
		case 0:
			return "null"
		case 1:
			return "[]"
		}
		s := "["
		for _, v := range vs {
			s += v.String() + " "
		}
		return s + "]"
	}
	v := vs[0]
	if v.IsNull() {
		return "null"
	}
	switch c.Type {
	case decode.ColUint8, decode.ColUint16, decode.ColUint32:
		return fmt.Sprint(uint32(v.Int32()))
	case decode.ColUint64, decode.ColInt64, decode.ColTime:
		return fmt.Sprint(v.Int64())
	case decode.ColBool:
		return fmt.Sprint(v.Boolean())
	}
	return fmt.Sprintf("%q", v.ByteArray())
}

// wantText renders a table value as valueText renders what was read.
func wantText(v *decode.Value, c *decode.Column) string {
	if !v.Valid {
		return "null"
	}
	switch c.Type {
	case decode.ColUint8, decode.ColUint16, decode.ColUint32:
		return fmt.Sprint(uint32(v.Num))
	case decode.ColUint64, decode.ColInt64, decode.ColTime:
		return fmt.Sprint(int64(v.Num))
	case decode.ColBool:
		return fmt.Sprint(v.Num != 0)
	case decode.ColFlags:
		s := "["
		for _, f := range c.Flags {
			if uint16(v.Num)&f.Bit != 0 {
				s += f.Name + " "
			}
		}
		if s == "[" {
			return "[]"
		}
		return s + "]"
	}
	return fmt.Sprintf("%q", v.Bytes)
}

// wantStats returns the statistics of column c over rows: the nulls (for
// a list: the rows without a name), and the least and greatest value as
// Parquet writes them (unsigned for the uint columns, bytes compared as
// bytes, nil past maxStatsSize).
func wantStats(rows []wantRow, c int, col *decode.Column) (nulls int64, lo, hi []byte) {
	var have bool
	var minN, maxN uint64
	var minB, maxB []byte
	less := func(a, b uint64) bool {
		if col.Type == decode.ColUint64 || col.Type == decode.ColInt64 || col.Type == decode.ColTime {
			return int64(a) < int64(b)
		}
		return a < b
	}
	addBytes := func(b []byte) {
		if !have {
			minB, maxB, have = b, b, true
		}
		if bytes.Compare(b, minB) < 0 {
			minB = b
		}
		if bytes.Compare(b, maxB) > 0 {
			maxB = b
		}
	}
	for _, r := range rows {
		v := &r.vals[c]
		if !v.Valid {
			nulls++
			continue
		}
		switch col.Type {
		case decode.ColString, decode.ColJSON, decode.ColBytes:
			addBytes(v.Bytes)
		case decode.ColFlags:
			names := 0
			for _, f := range col.Flags {
				if uint16(v.Num)&f.Bit != 0 {
					addBytes([]byte(f.Name))
					names++
				}
			}
			if names == 0 {
				nulls++ // an empty list: a level without a name
			}
		default:
			x := v.Num
			if col.Type == decode.ColBool {
				x &= 1
			}
			if !have {
				minN, maxN, have = x, x, true
			}
			if less(x, minN) {
				minN = x
			}
			if less(maxN, x) {
				maxN = x
			}
		}
	}
	if !have {
		return nulls, nil, nil
	}
	switch col.Type {
	case decode.ColString, decode.ColJSON, decode.ColBytes, decode.ColFlags:
		if len(minB) <= maxStatsSize {
			lo = minB
		}
		if len(maxB) <= maxStatsSize {
			hi = maxB
		}
		return nulls, lo, hi
	case decode.ColBool:
		return nulls, []byte{byte(minN)}, []byte{byte(maxN)}
	case decode.ColUint64, decode.ColInt64, decode.ColTime:
		return nulls, binary.LittleEndian.AppendUint64(nil, minN), binary.LittleEndian.AppendUint64(nil, maxN)
	}
	return nulls, binary.LittleEndian.AppendUint32(nil, uint32(minN)), binary.LittleEndian.AppendUint32(nil, uint32(maxN))
}
