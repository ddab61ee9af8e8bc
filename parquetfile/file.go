package parquetfile

import (
	"encoding/binary"
	"io"

	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/turtle-sniffer/turtle/decode"
)

// fileWriter writes the file: the magic, each row group's column chunks
// when it is cut, the footer. Its chunks build the pages (chunk.go).
type fileWriter struct {
	w       io.Writer
	pos     int64 // bytes written
	chunks  []chunk
	schema  []format.SchemaElement
	paths   [][]string // per column, its path in the schema
	groups  []format.RowGroup
	rows    int64 // rows in the row groups cut
	group   int   // rows in the row group being written
	started bool
}

// magic begins and ends a Parquet file.
const magic = "PAR1"

func newFileWriter(w io.Writer, cols []column) *fileWriter {
	f := &fileWriter{w: w, chunks: make([]chunk, len(cols))}
	f.schema, f.paths = schema(cols)
	for i := range cols {
		c := &cols[i]
		ch := &f.chunks[i]
		ch.col = c
		ch.phys = physicalType(c.typ)
		switch {
		case c.typ == decode.ColFlags:
			ch.maxDef = 2
		case !c.required:
			ch.maxDef = 1
		}
		switch {
		case c.typ == decode.ColString:
			ch.dict = newDictColumn()
		case c.encoding() == format.RLEDictionary && c.typ != decode.ColFlags:
			ch.numDict = newNumDict()
		}
		ch.enc = c.encoding()
	}
	return f
}

// encoding is the encoding of the column's data pages, the one that costs
// the least CPU for its values (measured on 1M IMIX frames, `go test
// -bench Write` and scripts/bench-parquet.sh):
//   - strings (addresses, names, the file) repeat: a dictionary makes
//     their pages a few bits per value where PLAIN pages held every string
//     for ZSTD to find again (eth_src: 21 MB of PLAIN per million frames);
//   - flag lists: indices into the column's names;
//   - frame and time grow by small steps: DELTA_BINARY_PACKED;
//   - the other 32-bit numbers (lengths, ports, protocols, versions) have
//     a dictionary too (numDict): ZSTD on PLAIN values that repeat without
//     a pattern (the three IMIX lengths) takes some 3.4 ns a byte, 14 a
//     value, and slows down most when another program shares the cache,
//     where the indices are a bit or two a value (callgrind on 200,000
//     IMIX frames: 2.242 -> 2.043 G instructions, the file 12 % smaller);
//   - numbers that nearly always differ (checksums, identifiers,
//     sequence numbers: plainNumbers) and the 64-bit ones stay PLAIN.
//
// A dictionary that outgrows its limit (dictLimit, numDictLimit) falls
// back to PLAIN for the rest of the row group.
func (c *column) encoding() format.Encoding {
	switch {
	case c.typ == decode.ColString || c.typ == decode.ColFlags:
		return format.RLEDictionary
	case c.src == decode.ColFrame || c.src == decode.ColTimeNS:
		return format.DeltaBinaryPacked
	case c.typ == decode.ColUint8 || c.typ == decode.ColUint16 || c.typ == decode.ColUint32:
		if !plainNumbers[decode.Columns[c.src].Name] {
			return format.RLEDictionary
		}
	}
	return format.Plain
}

// plainNumbers are the 32-bit number columns written PLAIN: values that
// nearly all differ, where a dictionary would hold every value once and
// the indices too (a row group of random 16-bit checksums has some 41,000
// distinct values in 65,536).
var plainNumbers = map[string]bool{
	"ipv4_id": true, "ipv4_checksum": true, "ipv4_checksum_want": true,
	"icmp_checksum": true, "icmp_checksum_want": true, "icmp_seq": true,
	"icmpv6_checksum": true, "icmpv6_checksum_want": true, "icmpv6_seq": true,
	"tcp_seq": true, "tcp_ack": true, "tcp_checksum": true, "tcp_checksum_want": true,
	"tcp_options_ts_val": true, "tcp_options_ts_ecr": true,
	"udp_checksum": true, "udp_checksum_want": true,
	"ipv6_flow_label": true, "dns_id": true,
}

func physicalType(t decode.ColumnType) format.Type {
	switch t {
	case decode.ColUint8, decode.ColUint16, decode.ColUint32:
		return format.Int32
	case decode.ColUint64, decode.ColInt64, decode.ColTime:
		return format.Int64
	case decode.ColBool:
		return format.Boolean
	}
	return format.ByteArray
}

// schema is the file's schema: the names of decode.Columns, their physical
// and logical types and repetitions (and the converted types that older
// readers know), and each leaf's path.
func schema(cols []column) ([]format.SchemaElement, [][]string) {
	el := []format.SchemaElement{{Name: "frame", NumChildren: thrift.New(int32(len(cols)))}}
	paths := make([][]string, len(cols))
	for i, c := range cols {
		name := "file"
		if c.src != fileCol {
			name = decode.Columns[c.src].Name
		}
		rep := format.Optional
		if c.required {
			rep = format.Required
		}
		e := format.SchemaElement{Name: name, RepetitionType: thrift.New(rep), Type: thrift.New(physicalType(c.typ))}
		conv := func(t deprecated.ConvertedType, l format.LogicalTypeValue) {
			e.ConvertedType = thrift.New(t)
			e.LogicalType = format.LogicalType{Value: l}
		}
		switch c.typ {
		case decode.ColUint8:
			conv(deprecated.Uint8, &format.IntType{BitWidth: 8})
		case decode.ColUint16:
			conv(deprecated.Uint16, &format.IntType{BitWidth: 16})
		case decode.ColUint32:
			conv(deprecated.Uint32, &format.IntType{BitWidth: 32})
		case decode.ColUint64, decode.ColInt64:
			conv(deprecated.Int64, &format.IntType{BitWidth: 64, IsSigned: true})
		case decode.ColString:
			conv(deprecated.UTF8, new(format.StringType))
		case decode.ColJSON:
			conv(deprecated.Json, new(format.JsonType))
		case decode.ColTime:
			// Not adjusted to UTC (the values are UTC all the same): DuckDB
			// reads an adjusted one as TIMESTAMPTZ, which keeps microseconds
			// only; this way it is TIMESTAMP_NS, every nanosecond kept. No
			// converted type has nanoseconds.
			e.LogicalType = format.LogicalType{Value: &format.TimestampType{Unit: format.TimeUnit{Value: new(format.NanoSeconds)}}}
		case decode.ColFlags:
			// A list of names: name (optional group, LIST) > list
			// (repeated group) > element (required string).
			e.Type = thrift.Null[format.Type]{}
			e.NumChildren = thrift.New(int32(1))
			conv(deprecated.List, new(format.ListType))
			el = append(el, e,
				format.SchemaElement{Name: "list", RepetitionType: thrift.New(format.Repeated), NumChildren: thrift.New(int32(1))})
			e = format.SchemaElement{Name: "element", RepetitionType: thrift.New(format.Required), Type: thrift.New(format.ByteArray)}
			conv(deprecated.UTF8, new(format.StringType))
			paths[i] = []string{name, "list", "element"}
		}
		if paths[i] == nil {
			paths[i] = []string{name}
		}
		el = append(el, e)
	}
	return el, paths
}

// write writes b to the file.
func (f *fileWriter) write(b []byte) error {
	n, err := f.w.Write(b)
	f.pos += int64(n)
	return err
}

// writeColumn adds column i of batch b to its chunk.
func (f *fileWriter) writeColumn(b *batch, i int, s *scratch) error {
	return f.chunks[i].add(b, i, s)
}

// flushColumn writes column i's last page and its dictionary page before
// the row group is cut, so that both column goroutines share this work.
func (f *fileWriter) flushColumn(i int, s *scratch) error {
	return f.chunks[i].finish(s)
}

// endGroup writes the row group's column chunks, in column order, once
// every column was flushed (flushColumn).
func (f *fileWriter) endGroup() error {
	if f.group == 0 {
		return nil
	}
	if !f.started {
		if err := f.write([]byte(magic)); err != nil {
			return err
		}
		f.started = true
	}
	rg := format.RowGroup{NumRows: int64(f.group), FileOffset: f.pos, Ordinal: int16(len(f.groups))}
	for i := range f.chunks {
		c := &f.chunks[i]
		start := f.pos
		md := format.ColumnMetaData{
			Type:                  c.phys,
			PathInSchema:          f.paths[i],
			Codec:                 format.Zstd,
			NumValues:             c.levels,
			TotalUncompressedSize: c.uncompressed + c.dictBytes,
			TotalCompressedSize:   int64(len(c.dictPage) + len(c.pages)),
			Statistics:            c.statistics(),
		}
		for e := format.Encoding(0); e < 32; e++ {
			if c.encodings&encBit(e) != 0 {
				md.Encoding = append(md.Encoding, e)
			}
		}
		if len(c.dictPage) > 0 {
			md.DictionaryPageOffset = f.pos
			if err := f.write(c.dictPage); err != nil {
				return err
			}
		}
		md.DataPageOffset = f.pos
		if err := f.write(c.pages); err != nil {
			return err
		}
		rg.Columns = append(rg.Columns, format.ColumnChunk{FileOffset: start, MetaData: md})
		rg.TotalByteSize += md.TotalUncompressedSize
		rg.TotalCompressedSize += md.TotalCompressedSize
		c.reset(c.col.encoding())
	}
	f.groups = append(f.groups, rg)
	f.rows += int64(f.group)
	f.group = 0
	return nil
}

// close cuts the last row group and writes the footer.
func (f *fileWriter) close(s *scratch) error {
	if f.group > 0 {
		for i := range f.chunks {
			if err := f.flushColumn(i, s); err != nil {
				return err
			}
		}
	}
	if err := f.endGroup(); err != nil {
		return err
	}
	if !f.started {
		if err := f.write([]byte(magic)); err != nil {
			return err
		}
	}
	md := format.FileMetaData{Version: 2, Schema: f.schema, NumRows: f.rows, RowGroups: f.groups, CreatedBy: "turtle"}
	for range f.chunks {
		md.ColumnOrders = append(md.ColumnOrders, format.ColumnOrder{Value: new(format.TypeDefinedOrder)})
	}
	b, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		return err
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(b)))
	return f.write(append(b, magic...))
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
func (c *column) flagRange(used uint32) (lo, hi []byte) {
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
