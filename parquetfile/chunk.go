package parquetfile

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding/delta"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/turtle-sniffer/turtle/decode"
)

// chunk builds one column's pages for the row group being written and
// keeps them, compressed, until the group is cut (fileWriter.endGroup).
//
// turtle assembles the pages itself, with parquet-go's encoders for the
// indices and deltas, its thrift and format packages for the headers and
// the footer. Apache Arrow's column writers, used before, took every
// definition level one at a time: a count and an RLE scan per level of
// each of the 145 columns for every row, 145 M levels per million frames,
// most of them null, and a statistics update, a copy and buffer
// bookkeeping per value (measured with callgrind on 200,000 IMIX frames:
// 27 % of all instructions were Arrow's, beside 18 % for ZSTD). Here a
// page's definition levels come from the rows that have a value (batch.at):
// one RLE run for a page all null or all present, a bitmap otherwise; and
// values go to the page as they are.
//
// A chunk is written by one column goroutine at a time (Writer.work).
type chunk struct {
	col    *column
	phys   format.Type
	maxDef int             // 0: required; 1: optional; 2: a list (flags)
	enc    format.Encoding // of the data pages written next

	// The page being filled.
	rows    int     // rows in the page (flat columns: its levels)
	present int     // rows with a value
	mixed   bool    // some rows with a value and some without: bits holds them
	bits    []byte  // flat optional columns, when mixed: a bit per row, set when it has a value
	defs    []uint8 // list columns: a definition level per entry
	reps    []uint8 // list columns: a repetition level per entry
	vals    []byte  // PLAIN values (booleans: a byte each, packed when the page is written)
	nums    []int64 // DELTA_BINARY_PACKED values
	idx     []int32 // dictionary indices

	// The row group's chunk.
	pages        []byte // its data pages, headers included
	dictPage     []byte // its dictionary page, header included, made when the group is cut
	dictBytes    int64  // dictPage's size before compression, header included
	levels       int64  // num_values: levels (flat columns: rows)
	nulls        int64
	uncompressed int64 // the data pages' sizes, headers included
	encodings    uint32
	stats        chunkStats
	dict         *dictColumn // string columns: the dictionary being built
	numDict      *numDict    // number columns but plainNumbers: the dictionary being built
	plain        bool        // the dictionary outgrew dictLimit: PLAIN for the rest of the group
	dictUsed     bool        // a data page holds indices: the chunk needs its dictionary page
}

// chunkStats are a chunk's minimum and maximum: unsigned numbers (the
// uint8 to uint32 columns, booleans), signed ones (INT64), or bytes.
type chunkStats struct {
	has        bool
	minU, maxU uint64
	minS, maxS int64
	minB, maxB []byte
}

func (s *chunkStats) unsigned(v uint64) {
	if !s.has {
		s.has, s.minU, s.maxU = true, v, v
		return
	}
	s.minU, s.maxU = min(s.minU, v), max(s.maxU, v)
}

func (s *chunkStats) signed(v int64) {
	if !s.has {
		s.has, s.minS, s.maxS = true, v, v
		return
	}
	s.minS, s.maxS = min(s.minS, v), max(s.maxS, v)
}

func (s *chunkStats) bytes(v []byte) {
	switch {
	case !s.has:
		s.has = true
		s.minB, s.maxB = append(s.minB[:0], v...), append(s.maxB[:0], v...)
	case bytes.Compare(v, s.minB) < 0:
		s.minB = append(s.minB[:0], v...)
	case bytes.Compare(v, s.maxB) > 0:
		s.maxB = append(s.maxB[:0], v...)
	}
}

// maxStatsSize is the largest minimum or maximum written, as Arrow's and
// parquet-mr's writers do (a payload's bytes are no use as a bound).
const maxStatsSize = 4096

// pageSize is the size past which a page is written: 64 KiB of values and
// levels (callgrind on 200,000 IMIX frames with Arrow's writer: pages of
// 16, 256 and 1,024 KiB took 1-2 % more instructions, and 16 KiB a file 3 %
// larger).
const pageSize = 64 << 10

// scratch is one column goroutine's buffers and ZSTD encoder.
type scratch struct {
	body, comp, enc []byte
	zstd            *zstd.Encoder
}

func newScratch() *scratch {
	enc, err := zstd.NewWriter(nil, zstdOptions...)
	if err != nil {
		panic(err) // the options are constants
	}
	return &scratch{zstd: enc}
}

// zstdOptions make the page encoder: the fastest level, a 1 MiB window
// (a page is compressed alone and holds 64 KiB: klauspost's default 8 MiB
// window took a 16 MiB history buffer per encoder), no checksum (ZSTD makes
// it optional and readers check one only when a frame has it: 1.3 % of the
// CPU).
var zstdOptions = []zstd.EOption{zstd.WithWindowSize(1 << 20), zstd.WithZeroFrames(true),
	zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
	zstd.WithAllLitEntropyCompression(true), zstd.WithEncoderCRC(false), zstd.WithLowerEncoderMem(true)}

// encBit is e's bit in chunk.encodings.
func encBit(e format.Encoding) uint32 { return 1 << uint(e) }

// addRows adds n rows to a flat column's page, those in at having a value.
func (c *chunk) addRows(n int, at []uint16) {
	k := len(at)
	switch {
	case c.maxDef == 0 || !c.mixed && k == 0 && c.present == 0:
		// required, or still all null
	case !c.mixed && k == n && c.present == c.rows:
		// still all present
	default:
		if !c.mixed {
			c.mixed = true
			c.bits = append(c.bits[:0], make([]byte, (c.rows+7)/8)...)
			if c.present > 0 { // all present so far
				for r := range c.rows {
					c.bits[r>>3] |= 1 << (r & 7)
				}
			}
		}
		if need := (c.rows + n + 7) / 8; need > len(c.bits) {
			c.bits = append(c.bits, make([]byte, need-len(c.bits))...)
		}
		for _, r := range at {
			row := c.rows + int(r)
			c.bits[row>>3] |= 1 << (row & 7)
		}
	}
	c.present += k
	c.rows += n
}

// pageFull tells whether the page is past pageSize.
func (c *chunk) pageFull() bool {
	return len(c.vals)+8*len(c.nums)+4*len(c.idx)+c.rows/8+len(c.defs)/2 >= pageSize
}

// add writes the values of column i in batch b to the page, and the page
// out when it is full.
func (c *chunk) add(b *batch, i int, s *scratch) error {
	at := b.rowsOf(i)
	if c.col.typ == decode.ColFlags {
		c.addFlags(b.rows, at, b.numsOf(i))
	} else {
		c.addRows(b.rows, at)
		switch c.col.typ {
		case decode.ColUint8, decode.ColUint16, decode.ColUint32:
			if d := c.numDict; d != nil && !c.plain {
				for _, v := range b.numsOf(i) {
					c.idx = append(c.idx, d.entry(uint32(v)))
				}
				if len(d.vals) > numDictLimit {
					if err := c.giveUpDictionary(s); err != nil {
						return err
					}
				}
				break
			}
			for _, v := range b.numsOf(i) {
				c.vals = binary.LittleEndian.AppendUint32(c.vals, uint32(v))
				c.stats.unsigned(uint64(uint32(v)))
			}
		case decode.ColUint64, decode.ColInt64, decode.ColTime:
			delta := c.enc == format.DeltaBinaryPacked
			for _, v := range b.numsOf(i) {
				if delta {
					c.nums = append(c.nums, int64(v))
				} else {
					c.vals = binary.LittleEndian.AppendUint64(c.vals, v)
				}
				c.stats.signed(int64(v))
			}
		case decode.ColBool:
			for _, v := range b.numsOf(i) {
				c.vals = append(c.vals, byte(v&1))
				c.stats.unsigned(v & 1)
			}
		default:
			if c.dict != nil && !c.plain {
				for _, v := range b.bytes[i] {
					c.idx = append(c.idx, c.dict.entry(v))
				}
				if len(c.dict.vals) > dictLimit {
					if err := c.giveUpDictionary(s); err != nil {
						return err
					}
				}
				break
			}
			for _, v := range b.bytes[i] {
				c.vals = binary.LittleEndian.AppendUint32(c.vals, uint32(len(v)))
				c.vals = append(c.vals, v...)
				c.stats.bytes(v)
			}
		}
	}
	if c.pageFull() {
		return c.writePage(s)
	}
	return nil
}

// giveUpDictionary writes the page being filled and makes the rest of the
// row group PLAIN: too many distinct values (http_line, ports in a port
// scan); the pages written so far keep their indices.
func (c *chunk) giveUpDictionary(s *scratch) error {
	if err := c.writePage(s); err != nil {
		return err
	}
	c.plain, c.enc = true, format.Plain
	return nil
}

// addFlags adds a list column's rows: per row no entry but a null (level
// 0), an empty list (1) or one entry per name (2), repeated after the
// first. A row's entries come from flagList, built once per combination of
// bits.
func (c *chunk) addFlags(rows int, at []uint16, nums []uint64) {
	next := 0
	var used uint32
	for k, r := range at {
		if n := int(r) - next; n > 0 {
			c.defs, c.reps = append(c.defs, zeroLevels[:n]...), append(c.reps, zeroLevels[:n]...)
		}
		next = int(r) + 1
		l := c.col.flagList(uint16(nums[k]))
		if len(l.idx) == 0 {
			c.defs, c.reps = append(c.defs, 1), append(c.reps, 0)
			continue
		}
		used |= l.used
		c.idx = append(c.idx, l.idx...)
		c.defs, c.reps = append(c.defs, twoLevels[:len(l.idx)]...), append(c.reps, listRepLevels[:len(l.idx)]...)
	}
	if n := rows - next; n > 0 {
		c.defs, c.reps = append(c.defs, zeroLevels[:n]...), append(c.reps, zeroLevels[:n]...)
	}
	c.rows += rows
	c.present += len(at)
	c.col.flagsUsed |= used
}

// zeroLevels are the levels of null rows, read-only.
var zeroLevels [batchRows]uint8

// twoLevels and listRepLevels are the definition and repetition levels of
// a list's entries (as many as a column has flags), read-only.
var twoLevels, listRepLevels = listLevels()

func listLevels() (def, rep []uint8) {
	n := 0
	for _, c := range decode.Columns {
		n = max(n, len(c.Flags))
	}
	def, rep = make([]uint8, n), make([]uint8, n)
	for i := range n {
		def[i], rep[i] = 2, uint8(min(i, 1))
	}
	return def, rep
}

// writePage compresses the page being filled and adds it to the chunk.
func (c *chunk) writePage(s *scratch) error {
	if c.rows == 0 {
		return nil
	}
	body := s.body[:0]
	levels, values := c.rows, c.present
	if c.maxDef == 2 {
		levels, values = len(c.defs), len(c.idx)
		body = appendLevelBlock(body, c.reps, 1)
		body = appendLevelBlock(body, c.defs, 2)
	} else if c.maxDef == 1 {
		body = c.appendDefLevels(body)
	}
	c.nulls += int64(levels - values)
	enc := c.enc
	if values == 0 {
		enc = format.Plain // no values: no dictionary needed
	}
	var err error
	switch {
	case enc == format.RLEDictionary:
		c.dictUsed = true
		width := indexWidth(c.dictEntries())
		body = append(body, byte(width))
		enc := rle.Encoding{BitWidth: width}
		if s.enc, err = enc.EncodeInt32(s.enc, c.idx); err != nil {
			return err
		}
		body = append(body, s.enc...)
	case enc == format.DeltaBinaryPacked:
		var enc delta.BinaryPackedEncoding
		if s.enc, err = enc.EncodeInt64(s.enc, c.nums); err != nil {
			return err
		}
		body = append(body, s.enc...)
	case c.col.typ == decode.ColBool:
		body = appendBits(body, c.vals)
	default:
		body = append(body, c.vals...)
	}
	s.body = body
	hdr := format.PageHeader{
		Type:                 format.DataPage,
		UncompressedPageSize: int32(len(body)),
		DataPageHeader: thrift.New(format.DataPageHeader{
			NumValues:               int32(levels),
			Encoding:                enc,
			DefinitionLevelEncoding: format.RLE,
			RepetitionLevelEncoding: format.RLE,
		}),
	}
	n, err := c.appendPage(s, &hdr, body)
	if err != nil {
		return err
	}
	c.uncompressed += n
	c.levels += int64(levels)
	c.encodings |= encBit(enc)
	if c.maxDef > 0 {
		c.encodings |= encBit(format.RLE)
	}
	c.rows, c.present, c.mixed = 0, 0, false
	c.bits, c.defs, c.reps, c.vals, c.nums, c.idx = c.bits[:0], c.defs[:0], c.reps[:0], c.vals[:0], c.nums[:0], c.idx[:0]
	return nil
}

// appendPage compresses body and appends the page, its header first, to
// c.pages (to c.dictPage for a dictionary page). It returns the page's size
// before compression, header included.
func (c *chunk) appendPage(s *scratch, hdr *format.PageHeader, body []byte) (int64, error) {
	s.comp = s.zstd.EncodeAll(body, s.comp[:0])
	hdr.CompressedPageSize = int32(len(s.comp))
	h, err := thrift.Marshal(new(thrift.CompactProtocol), hdr)
	if err != nil {
		return 0, err
	}
	dst := &c.pages
	if hdr.Type == format.DictionaryPage {
		dst = &c.dictPage
	}
	*dst = append(append(*dst, h...), s.comp...)
	return int64(len(h) + len(body)), nil
}

// appendDefLevels appends a flat optional column's definition levels as a
// V1 page has them: their length, then one RLE run when the page is all
// null or all present, else the rows' bits as one bit-packed run (with
// bit width 1, eight levels a byte, the first in the lowest bit).
func (c *chunk) appendDefLevels(dst []byte) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	switch {
	case !c.mixed:
		dst = binary.AppendUvarint(dst, uint64(c.rows)<<1)
		dst = append(dst, byte(min(c.present, 1)))
	default:
		groups := (c.rows + 7) / 8
		dst = binary.AppendUvarint(dst, uint64(groups)<<1|1)
		dst = append(dst, c.bits[:groups]...)
	}
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// appendLevelBlock appends levels of the given bit width (1 or 2) as a V1
// page has them: their length, then one RLE run when they are all the
// same, else one bit-packed run.
func appendLevelBlock(dst []byte, levels []uint8, width int) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	same := true
	for _, l := range levels {
		if l != levels[0] {
			same = false
			break
		}
	}
	if same {
		dst = binary.AppendUvarint(dst, uint64(len(levels))<<1)
		v := byte(0)
		if len(levels) > 0 {
			v = levels[0]
		}
		dst = append(dst, v)
	} else {
		groups := (len(levels) + 7) / 8
		dst = binary.AppendUvarint(dst, uint64(groups)<<1|1)
		for g := range groups {
			var x uint16
			for k := range 8 {
				if i := g*8 + k; i < len(levels) {
					x |= uint16(levels[i]) << (k * width)
				}
			}
			dst = append(dst, byte(x))
			if width == 2 {
				dst = append(dst, byte(x>>8))
			}
		}
	}
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// appendBits appends booleans (a byte 0 or 1 each) packed as PLAIN has
// them: eight a byte, the first in the lowest bit.
func appendBits(dst, vals []byte) []byte {
	for g := 0; g < len(vals); g += 8 {
		var x byte
		for k, v := range vals[g:min(g+8, len(vals))] {
			x |= v << k
		}
		dst = append(dst, x)
	}
	return dst
}

// indexWidth is the bit width of indices into a dictionary of n entries
// (at least 1: a width of 0 is allowed, but not every reader takes it).
func indexWidth(n int) int { return max(bits.Len(uint(max(n, 1)-1)), 1) }

// dictEntries is how many entries the column's dictionary has.
func (c *chunk) dictEntries() int {
	switch {
	case c.dict != nil:
		return c.dict.entries()
	case c.numDict != nil:
		return len(c.numDict.vals)
	}
	return len(c.col.flags)
}

// finish writes the last page and the dictionary page of the row group:
// the work of the cut that both column goroutines share (endGroup then
// only copies bytes out, in column order).
func (c *chunk) finish(s *scratch) error {
	if err := c.writePage(s); err != nil {
		return err
	}
	if !c.dictUsed {
		return nil
	}
	// The dictionary: PLAIN entries.
	body := s.body[:0]
	n := 0
	switch {
	case c.numDict != nil:
		n = len(c.numDict.vals)
		for _, v := range c.numDict.vals {
			body = binary.LittleEndian.AppendUint32(body, v)
		}
	case c.dict != nil:
		n = c.dict.entries()
		for k := range n {
			v := c.dict.value(k)
			body = binary.LittleEndian.AppendUint32(body, uint32(len(v)))
			body = append(body, v...)
		}
	default:
		n = len(c.col.flags)
		for _, v := range c.col.flags {
			body = binary.LittleEndian.AppendUint32(body, uint32(len(v)))
			body = append(body, v...)
		}
	}
	s.body = body
	hdr := format.PageHeader{
		Type:                 format.DictionaryPage,
		UncompressedPageSize: int32(len(body)),
		DictionaryPageHeader: thrift.New(format.DictionaryPageHeader{NumValues: int32(n), Encoding: format.Plain}),
	}
	size, err := c.appendPage(s, &hdr, body)
	c.dictBytes = size
	c.encodings |= encBit(format.Plain)
	return err
}

// statistics are the chunk's statistics as the footer has them.
func (c *chunk) statistics() format.Statistics {
	st := format.Statistics{NullCount: c.nulls}
	switch {
	case c.dict != nil && c.dict.entries() > 0:
		// Every entry is some row's value in this row group.
		for k := range c.dict.entries() {
			c.stats.bytes(c.dict.value(k))
		}
	case c.numDict != nil:
		for _, v := range c.numDict.vals {
			c.stats.unsigned(uint64(v))
		}
	case c.col.typ == decode.ColFlags && c.col.flagsUsed != 0:
		lo, hi := c.col.flagRange(c.col.flagsUsed)
		c.stats.bytes(lo)
		c.stats.bytes(hi)
	}
	if !c.stats.has {
		return st
	}
	switch c.phys {
	case format.Int32:
		st.MinValue = binary.LittleEndian.AppendUint32(nil, uint32(c.stats.minU))
		st.MaxValue = binary.LittleEndian.AppendUint32(nil, uint32(c.stats.maxU))
	case format.Int64:
		st.MinValue = binary.LittleEndian.AppendUint64(nil, uint64(c.stats.minS))
		st.MaxValue = binary.LittleEndian.AppendUint64(nil, uint64(c.stats.maxS))
	case format.Boolean:
		st.MinValue, st.MaxValue = []byte{byte(c.stats.minU)}, []byte{byte(c.stats.maxU)}
	default:
		// Each left out when past maxStatsSize, as Arrow does.
		if len(c.stats.minB) <= maxStatsSize {
			st.MinValue = bytes.Clone(c.stats.minB)
		}
		if len(c.stats.maxB) <= maxStatsSize {
			st.MaxValue = bytes.Clone(c.stats.maxB)
		}
	}
	return st
}

// reset empties the chunk for the next row group.
func (c *chunk) reset(enc format.Encoding) {
	c.pages, c.dictPage = c.pages[:0], c.dictPage[:0]
	c.dictBytes, c.levels, c.nulls, c.uncompressed, c.encodings = 0, 0, 0, 0, 0
	c.stats.has = false
	c.col.flagsUsed = 0
	c.enc, c.plain, c.dictUsed = enc, false, false
	if c.dict != nil {
		c.dict.reset()
	}
	if c.numDict != nil {
		c.numDict.reset()
	}
}
