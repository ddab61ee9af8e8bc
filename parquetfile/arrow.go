package parquetfile

import (
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	pqschema "github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/turtle-sniffer/turtle/decode"
)

// arrowFile writes the batches with Apache Arrow's Parquet writer: its
// typed column chunk writers take a batch of values and their definition
// levels at once, where parquet-go takes one parquet.Value per row, nulls
// included. The batch's compact form (the rows that have a value, the
// values) is exactly what WriteBatch wants.
type arrowFile struct {
	fw    *file.Writer
	rg    file.BufferedRowGroupWriter // the row group being written, nil between groups
	cws   []file.ColumnChunkWriter
	cols  []column
	dicts []*dictColumn // per column with a dictionary (writerProps), nil for the others
	nulls []int         // per column, the rows without a value not yet given to Arrow
	// per column with a dictionary, the size its encoder estimates for
	// a page without values once the row group's dictionary went to it
	// (writeFlags, dictColumn.write); 0 before
	emptyPage []int64
}

// zeroLevels are the definition (and repetition) levels of null rows,
// read-only: Arrow's writers only read the levels given.
var zeroLevels [4096]int16

// arrowScratch is one column goroutine's reusable buffers.
type arrowScratch struct {
	def, rep []int16
	i32      []int32
	i64      []int64
	bools    []bool
	ba       []parquet.ByteArray
}

// writerOnly hides Close: the Arrow writer closes its sink, and Writer.Close
// must not close the caller's writer.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

func newArrowFile(w io.Writer, cols []column, o Options) (*arrowFile, error) {
	sc, err := arrowSchema(cols, o)
	if err != nil {
		return nil, err
	}
	usePageZstd()
	props := parquet.NewWriterProperties(writerProps(cols, sc)...)
	fw, err := file.NewParquetWriterWithError(writerOnly{w}, sc, file.WithWriterProps(props))
	if err != nil {
		return nil, err
	}
	af := &arrowFile{fw: fw, cols: cols, dicts: make([]*dictColumn, len(cols)), nulls: make([]int, len(cols)), emptyPage: make([]int64, len(cols))}
	for i := range cols {
		if cols[i].dictionary() {
			af.dicts[i] = newDictColumn(cols[i].required)
		}
	}
	return af, nil
}

// writerProps are the file's properties: ZSTD at its fastest level, 64 KiB
// pages, and per column the encoding that costs the least CPU for its
// values (measured on 1M IMIX frames, `go test -bench Write` and
// scripts/bench-parquet.sh):
//   - strings (addresses, names, the file) repeat: a dictionary makes
//     their pages a few bits per value where PLAIN pages held every string
//     for ZSTD to find again (eth_src: 21 MB of PLAIN per million frames);
//     turtle builds the dictionaries itself (dictColumn), and their
//     statistics from the entries rather than from every value (comparing
//     every value with the min and the max was 4 % of the CPU);
//   - flag lists have a dictionary, the column's names, and turtle gives
//     Arrow the indices (writeFlags): Arrow's own dictionary hashed every
//     name (8 % of the CPU, 5 % with PLAIN names);
//   - frame and time grow by small steps: DELTA_BINARY_PACKED;
//   - other numbers stay PLAIN: a dictionary's hashing costs more CPU
//     than ZSTD saves on them.
//
// A dictionary that outgrows its page (1 MiB: many distinct http_line
// values) falls back to PLAIN for the rest of the column chunk.
func writerProps(cols []column, sc *pqschema.GroupNode) []parquet.WriterProperty {
	ps := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(1),
		parquet.WithDictionaryDefault(false),
		parquet.WithDataPageSize(64 << 10),
		parquet.WithCreatedBy("turtle"),
		parquet.WithAllocator(pageAllocator),
	}
	for i, c := range cols {
		name := sc.Field(i).Name()
		switch {
		case c.dictionary():
			ps = append(ps, parquet.WithDictionaryFor(name, true))
		case c.typ == decode.ColFlags:
			ps = append(ps, parquet.WithDictionaryFor(name+".list.element", true))
		case c.src == decode.ColFrame || c.src == decode.ColTimeNS:
			ps = append(ps, parquet.WithEncodingFor(name, parquet.Encodings.DeltaBinaryPacked))
		}
	}
	return ps
}

// dictionary tells whether the column is written with a dictionary
// (writerProps).
func (c *column) dictionary() bool {
	return c.typ == decode.ColString
}

// arrowSchema is the Parquet schema of cols: the names of decode.Columns,
// their physical and logical types and repetitions.
func arrowSchema(cols []column, o Options) (*pqschema.GroupNode, error) {
	names := []string{"file"}
	for i := range decode.Columns {
		if i == decode.ColPayload && !o.Payload {
			continue
		}
		names = append(names, decode.Columns[i].Name)
	}
	var fields pqschema.FieldList
	for i, c := range cols {
		rep := parquet.Repetitions.Optional
		if c.required {
			rep = parquet.Repetitions.Required
		}
		var n pqschema.Node
		var err error
		prim := func(l pqschema.LogicalType, t parquet.Type) {
			n, err = pqschema.NewPrimitiveNodeLogical(names[i], rep, l, t, -1, -1)
		}
		switch c.typ {
		case decode.ColUint8:
			prim(pqschema.NewIntLogicalType(8, false), parquet.Types.Int32)
		case decode.ColUint16:
			prim(pqschema.NewIntLogicalType(16, false), parquet.Types.Int32)
		case decode.ColUint32:
			prim(pqschema.NewIntLogicalType(32, false), parquet.Types.Int32)
		case decode.ColUint64, decode.ColInt64:
			prim(pqschema.NewIntLogicalType(64, true), parquet.Types.Int64)
		case decode.ColBool:
			prim(pqschema.NoLogicalType{}, parquet.Types.Boolean)
		case decode.ColString:
			prim(pqschema.StringLogicalType{}, parquet.Types.ByteArray)
		case decode.ColBytes:
			prim(pqschema.NoLogicalType{}, parquet.Types.ByteArray)
		case decode.ColJSON:
			prim(pqschema.JSONLogicalType{}, parquet.Types.ByteArray)
		case decode.ColTime:
			// Not adjusted to UTC (the values are UTC all the same): DuckDB
			// reads an adjusted one as TIMESTAMPTZ, which keeps microseconds
			// only; this way it is TIMESTAMP_NS, every nanosecond kept.
			prim(pqschema.NewTimestampLogicalType(false, pqschema.TimeUnitNanos), parquet.Types.Int64)
		case decode.ColFlags:
			var elem, list pqschema.Node
			elem, err = pqschema.NewPrimitiveNodeLogical("element", parquet.Repetitions.Required, pqschema.StringLogicalType{}, parquet.Types.ByteArray, -1, -1)
			if err == nil {
				list, err = pqschema.NewGroupNode("list", parquet.Repetitions.Repeated, pqschema.FieldList{elem}, -1)
			}
			if err == nil {
				n, err = pqschema.NewGroupNodeLogical(names[i], rep, pqschema.FieldList{list}, pqschema.NewListLogicalType(), -1)
			}
		}
		if err != nil {
			return nil, err
		}
		fields = append(fields, n)
	}
	return pqschema.NewGroupNode("frame", parquet.Repetitions.Required, fields, -1)
}

// begin starts a row group if none is open; the column goroutines call
// column writers only after it.
func (a *arrowFile) begin() error {
	if a.rg != nil {
		return nil
	}
	rg, err := a.fw.AppendBufferedRowGroupChecked()
	if err != nil {
		return err
	}
	a.rg = rg
	a.cws = a.cws[:0]
	clear(a.emptyPage)
	for i := range a.cols {
		cw, err := rg.Column(i)
		if err != nil {
			return err
		}
		a.cws = append(a.cws, cw)
	}
	return nil
}

// endGroup writes the row group out. The dictionary columns were written
// by flushColumn, but for the last row group, cut by close.
func (a *arrowFile) endGroup() error {
	if a.rg == nil {
		return nil
	}
	for i := range a.cols {
		if err := a.writeNulls(i); err != nil {
			return err
		}
	}
	for i, d := range a.dicts {
		if d != nil {
			err := d.write(a.cws[i].(*file.ByteArrayColumnChunkWriter))
			d.reset()
			if err != nil {
				return err
			}
		}
	}
	err := a.rg.Close()
	a.rg = nil
	return err
}

func (a *arrowFile) close() error {
	if err := a.endGroup(); err != nil {
		return err
	}
	return a.fw.Close()
}

// flushColumn compresses the last page of column i before the row group
// is cut, so that the two column goroutines share this work: endGroup
// (Arrow's row group Close) then only copies the pages out, in column
// order. A column with a dictionary (strings: dictColumn; flag lists:
// writeFlags) keeps its page for Close, which must write the dictionary
// page before the data pages.
func (a *arrowFile) flushColumn(i int, s *arrowScratch) error {
	if d := a.dicts[i]; d != nil {
		err := d.write(a.cws[i].(*file.ByteArrayColumnChunkWriter))
		if d.empty > 0 {
			a.emptyPage[i] = d.empty
		}
		d.reset()
		if err != nil {
			return err
		}
	}
	if err := a.writeNulls(i); err != nil {
		return err
	}
	if a.dicts[i] != nil || a.cols[i].typ == decode.ColFlags {
		// Its data pages wait in Arrow's writer for the dictionary
		// page, which Close writes first; but its last page is
		// compressed here, on both goroutines, if it holds values (an
		// estimate past an empty page's: a page of nulls only is left
		// to Close, and so is a column that fell back to Arrow's path).
		// Close would cut the page at the same place.
		cw := a.cws[i].(*file.ByteArrayColumnChunkWriter)
		if e := a.emptyPage[i]; e > 0 && cw.EstimatedBufferedValueBytes() > e {
			return cw.FlushCurrentPage()
		}
		return nil
	}
	f, ok := a.cws[i].(interface{ FlushBufferedDataPages() error })
	if !ok {
		return nil
	}
	return f.FlushBufferedDataPages()
}

func (a *arrowFile) writeColumn(b *batch, i int, s *arrowScratch) error {
	c := &a.cols[i]
	at := b.rowsOf(i)
	if d := a.dicts[i]; d != nil && !d.arrow {
		if d.rows == 0 && len(at) == 0 && !c.required {
			// Nulls before the group's first value wait as below: a
			// column null in the whole group (most of them) holds no
			// buffers.
			a.nulls[i] += b.rows
			return nil
		}
		if err := a.writeNulls(i); err != nil {
			return err
		}
		if d.add(b.rows, at, b.bytes[i]) {
			return nil
		}
		return d.toArrow(a.cws[i].(*file.ByteArrayColumnChunkWriter), s)
	}
	if len(at) == 0 && !c.required {
		// Most columns are null in most batches: their nulls wait for
		// the column's next value or the cut and go to Arrow in one call
		// (Arrow's cost per WriteBatch call, times some 130 null columns
		// and 4,000 batches per million frames, was 5 % of the CPU).
		a.nulls[i] += b.rows
		return nil
	}
	if err := a.writeNulls(i); err != nil {
		return err
	}
	var def []int16
	if c.typ != decode.ColFlags && !c.required {
		def = grow16(s.def, b.rows)
		clear(def)
		for _, r := range at {
			def[r] = 1
		}
		s.def = def
	}
	var err error
	switch c.typ {
	case decode.ColFlags:
		return a.writeFlags(b, i, s)
	case decode.ColUint8, decode.ColUint16, decode.ColUint32:
		v := s.i32[:0]
		for _, n := range b.numsOf(i) {
			v = append(v, int32(uint32(n)))
		}
		s.i32 = v
		_, err = a.cws[i].(*file.Int32ColumnChunkWriter).WriteBatch(v, def, nil)
	case decode.ColUint64, decode.ColInt64, decode.ColTime:
		v := s.i64[:0]
		for _, n := range b.numsOf(i) {
			v = append(v, int64(n))
		}
		s.i64 = v
		_, err = a.cws[i].(*file.Int64ColumnChunkWriter).WriteBatch(v, def, nil)
	case decode.ColBool:
		v := s.bools[:0]
		for _, n := range b.numsOf(i) {
			v = append(v, n != 0)
		}
		s.bools = v
		_, err = a.cws[i].(*file.BooleanColumnChunkWriter).WriteBatch(v, def, nil)
	default:
		v := s.ba[:0]
		for _, x := range b.bytes[i] {
			v = append(v, x)
		}
		s.ba = v
		_, err = a.cws[i].(*file.ByteArrayColumnChunkWriter).WriteBatch(v, def, nil)
	}
	return err
}

// writeFlags writes a list column: per row no entry but a null (level 0),
// an empty list (1) or one entry per name (2), repeated after the first.
// A row's entries and levels come from flagList, built once per
// combination of bits rather than by testing every flag of every row.
// The entries are indices into the column's flag names, its dictionary
// (as dictColumn does for the string columns, through WriteDictIndices):
// PLAIN names cost their statistics (a compare per name) and ZSTD on
// 17 MB per million IMIX frames. The statistics come from the names met.
func (a *arrowFile) writeFlags(b *batch, i int, s *arrowScratch) error {
	c := &a.cols[i]
	def, rep, v := s.def[:0], s.rep[:0], s.i32[:0]
	next := 0
	var used uint32
	nums := b.numsOf(i)
	for k, r := range b.rowsOf(i) {
		if n := int(r) - next; n > 0 {
			def, rep = append(def, zeroLevels[:n]...), append(rep, zeroLevels[:n]...)
		}
		next = int(r) + 1
		l := c.flagList(uint16(nums[k]))
		if len(l.idx) == 0 {
			def, rep = append(def, 1), append(rep, 0)
			continue
		}
		used |= l.used
		v = append(v, l.idx...)
		def, rep = append(def, twoLevels[:len(l.idx)]...), append(rep, listRepLevels[:len(l.idx)]...)
	}
	if n := b.rows - next; n > 0 {
		def, rep = append(def, zeroLevels[:n]...), append(rep, zeroLevels[:n]...)
	}
	s.def, s.rep, s.i32 = def, rep, v
	cw := a.cws[i].(*file.ByteArrayColumnChunkWriter)
	if a.emptyPage[i] == 0 {
		enc, ok := cw.CurrentEncoder().(dictEncoder)
		if !ok {
			return errNoDictEncoder
		}
		if err := enc.PutDictionary(c.flagDict); err != nil {
			return err
		}
		if enc.NumEntries() != len(c.flags) {
			return errNoDictEncoder // not possible: the names of a column are distinct
		}
		a.emptyPage[i] = cw.EstimatedBufferedValueBytes()
	}
	if st := cw.PageStatistics(); st != nil {
		// What WriteBatch's statistics count: the levels without a
		// name as nulls, the names as values, their min and max.
		st.IncNulls(int64(len(def) - len(v)))
		st.IncNumValues(int64(len(v)))
		if used != 0 {
			lo, hi := c.flagRange(used)
			st.(*metadata.ByteArrayStatistics).SetMinMax(lo, hi)
		}
	}
	ind := array.NewInt32Data(array.NewData(arrow.PrimitiveTypes.Int32, len(v),
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(v))}, nil, 0, 0))
	defer ind.Release()
	return cw.WriteDictIndices(ind, def, rep)
}

// twoLevels and listRepLevels are the definition and repetition levels of
// a list's entries (as many as a column has flags), read-only.
var twoLevels, listRepLevels = listLevels()

func listLevels() (def, rep []int16) {
	n := 0
	for _, c := range decode.Columns {
		n = max(n, len(c.Flags))
	}
	def, rep = make([]int16, n), make([]int16, n)
	for i := range n {
		def[i], rep[i] = 2, int16(min(i, 1))
	}
	return def, rep
}

// flagList is the list of the flags set in some bits: their indices in
// the column's names, in order, and a bit per name (1<<index) in used.
type flagList struct {
	idx  []int32
	used uint32
}

// flagList returns the list of the flags set in bits: built once per
// combination of flags (most rows repeat one of a few).
func (c *column) flagList(bits uint16) flagList {
	m := &c.lists
	if m.last < len(m.bits) && m.bits[m.last] == bits {
		return m.lists[m.last]
	}
	for k, b := range m.bits {
		if b == bits {
			m.last = k
			return m.lists[k]
		}
	}
	var l flagList
	for f, flag := range decode.Columns[c.src].Flags {
		if bits&flag.Bit != 0 {
			l.idx = append(l.idx, int32(f))
			l.used |= 1 << f
		}
	}
	if len(m.bits) < maxFlagLists {
		m.bits, m.lists, m.last = append(m.bits, bits), append(m.lists, l), len(m.bits)
	}
	return l
}

// flagRange returns the least and the greatest of the names whose bits
// are set in used (not zero), as Parquet orders strings: by their bytes.
func (c *column) flagRange(used uint32) (lo, hi parquet.ByteArray) {
	for _, f := range c.flagOrder {
		if used&(1<<f) != 0 {
			if lo == nil {
				lo = c.flags[f]
			}
			hi = c.flags[f]
		}
	}
	return lo, hi
}

// flagLists are the lists flagList has built for a column, used by one
// column goroutine at a time.
type flagLists struct {
	bits  []uint16
	lists []flagList
	last  int // the index of the last combination met
}

// maxFlagLists bounds the combinations kept: a capture with more (a fuzzed
// one) has the rest built row by row.
const maxFlagLists = 64

func grow16(s []int16, n int) []int16 {
	if cap(s) < n {
		return make([]int16, n)
	}
	return s[:n]
}

// writeNulls gives Arrow the null rows that column i has waiting.
func (a *arrowFile) writeNulls(i int) error {
	rep := a.cols[i].typ == decode.ColFlags
	for a.nulls[i] > 0 {
		n := min(a.nulls[i], len(zeroLevels))
		a.nulls[i] -= n
		def := zeroLevels[:n]
		var reps []int16
		if rep {
			reps = def
		}
		var err error
		switch cw := a.cws[i].(type) {
		case *file.Int32ColumnChunkWriter:
			_, err = cw.WriteBatch(nil, def, reps)
		case *file.Int64ColumnChunkWriter:
			_, err = cw.WriteBatch(nil, def, reps)
		case *file.BooleanColumnChunkWriter:
			_, err = cw.WriteBatch(nil, def, reps)
		case *file.ByteArrayColumnChunkWriter:
			_, err = cw.WriteBatch(nil, def, reps)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// flagDictionary returns names as an Arrow array, the dictionary that
// writeFlags hands each row group's encoder of the column (which only
// reads it).
func flagDictionary(names [][]byte) arrow.Array {
	b := array.NewBinaryBuilder(memory.DefaultAllocator, arrow.BinaryTypes.Binary)
	defer b.Release()
	for _, n := range names {
		b.Append(n)
	}
	return b.NewArray()
}
