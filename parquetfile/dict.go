package parquetfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// dictColumn dictionary-encodes a string column itself, one row group at a
// time, and hands Arrow the dictionary and the indices once, when the row
// group is cut (Arrow's WriteDictIndices, the path its own pqarrow takes
// for dictionary arrays). Arrow's WriteBatch hashes every value into its
// memo table (xxh3 and a compare, 8 % of the CPU on 1M IMIX frames: the
// file name, the link name and four addresses per frame); here a value
// met recently (the file, the link name, a flow's addresses) costs a
// cheap hash and a compare (entry), and the others a Go map lookup
// (measured on 1M IMIX frames with callgrind: 2.6 % of the instructions
// fewer than the map alone with a compare to the previous value). Written by one
// column goroutine at a time (Writer.work), like the column's Arrow writer.
//
// A dictionary that passes dictLimit bytes (many distinct http_line
// values) gives the row group's values to WriteBatch and leaves the rest of
// the row group to it: Arrow then falls back to PLAIN as it did before.
type dictColumn struct {
	index    map[string]int32      // value -> entry
	vals     []byte                // the entries, concatenated
	offs     []int32               // entry k is vals[offs[k]:offs[k+1]]
	seen     *[dictCacheSize]int32 // entry+1 of a value recently met, by dictSlot; 0: none
	idx      []int32               // per row of the group: its entry, 0 when null
	def      []int16               // per row: its definition level (optional columns)
	valid    []byte                // per row: a bit set when it has a value
	rows     int
	required bool
	arrow    bool  // the rest of the row group goes to WriteBatch
	empty    int64 // the encoder's estimate of a page without values, once write put the dictionary
}

// dictLimit is Arrow's default dictionary page size limit
// (parquet.DefaultDictionaryPageSizeLimit), past which it falls back to
// PLAIN. A variable so that the tests take the fallback on small captures.
var dictLimit = 1 << 20

func newDictColumn(required bool) *dictColumn {
	return &dictColumn{index: map[string]int32{}, offs: []int32{0}, seen: new([dictCacheSize]int32), required: required}
}

// dictCacheSize is the number of slots of dictColumn.seen, a power of two.
const dictCacheSize = 1 << 12

// dictSlot is v's slot in dictColumn.seen: a multiplicative hash of its
// first and last 8 bytes and its length, a few instructions where the Go
// map's string hash and probe take some 60 (an IMIX capture has a few
// hundred addresses, which the slots hold without many collisions).
func dictSlot(v []byte) int {
	var x uint64
	if n := len(v); n >= 8 {
		x = binary.LittleEndian.Uint64(v) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(v[n-8:]), 29)
	} else {
		for _, c := range v {
			x = x<<8 | uint64(c)
		}
	}
	x ^= uint64(len(v))
	return int((x * 0x9e3779b97f4a7c15) >> (64 - 12))
}

// entry returns v's entry, adding it if it is new. A value met recently
// (the file and link name: every row; a flow's addresses) costs a hash and
// a compare; the others a Go map lookup.
func (d *dictColumn) entry(v []byte) int32 {
	slot := &d.seen[dictSlot(v)]
	if k := *slot - 1; k >= 0 && bytes.Equal(v, d.vals[d.offs[k]:d.offs[k+1]]) {
		return k
	}
	k, ok := d.index[string(v)]
	if !ok {
		k = int32(len(d.offs) - 1)
		d.index[string(v)] = k
		d.vals = append(d.vals, v...)
		d.offs = append(d.offs, int32(len(d.vals)))
	}
	*slot = k + 1
	return k
}

// add takes the column's values of a batch of rows: at, the rows that have
// one, and vals. It reports false once the dictionary is past dictLimit.
func (d *dictColumn) add(rows int, at []uint16, vals [][]byte) bool {
	base := d.rows
	d.rows += rows
	d.idx = append(d.idx, make([]int32, rows)...)
	if !d.required {
		d.def = append(d.def, make([]int16, rows)...)
		if n := (d.rows + 7) / 8; n > len(d.valid) {
			d.valid = append(d.valid, make([]byte, n-len(d.valid))...)
		}
	}
	for k, r := range at {
		row := base + int(r)
		d.idx[row] = d.entry(vals[k])
		if !d.required {
			d.def[row] = 1
			d.valid[row>>3] |= 1 << (row & 7)
		}
	}
	return len(d.vals) <= dictLimit
}

// values returns the row group's values so far, in order, for WriteBatch.
func (d *dictColumn) values(dst []parquet.ByteArray) []parquet.ByteArray {
	for row, k := range d.idx[:d.rows] {
		if d.required || d.def[row] == 1 {
			dst = append(dst, d.vals[d.offs[k]:d.offs[k+1]])
		}
	}
	return dst
}

// defLevels returns the definition levels of the row group so far, nil for
// a required column.
func (d *dictColumn) defLevels() []int16 {
	if d.required {
		return nil
	}
	return d.def[:d.rows]
}

// dictEncoder is the part of Arrow's dictionary encoder (internal to its
// module) that WriteDictIndices needs first.
type dictEncoder interface {
	PutDictionary(arrow.Array) error
	NumEntries() int
}

var errNoDictEncoder = errors.New("parquet: the column writer has no dictionary encoder")

// write hands the row group's dictionary and indices to cw. The encoder
// keeps the dictionary array, so it gets copies of the entries: reset
// reuses them.
func (d *dictColumn) write(cw *file.ByteArrayColumnChunkWriter) error {
	if d.rows == 0 || d.arrow {
		return nil
	}
	enc, ok := cw.CurrentEncoder().(dictEncoder)
	if !ok {
		return errNoDictEncoder
	}
	entries := len(d.offs) - 1
	dict := array.NewBinaryData(array.NewData(arrow.BinaryTypes.Binary, entries,
		[]*memory.Buffer{nil, memory.NewBufferBytes(bytes.Clone(arrow.Int32Traits.CastToBytes(d.offs))), memory.NewBufferBytes(bytes.Clone(d.vals))}, nil, 0, 0))
	defer dict.Release()
	if err := enc.PutDictionary(dict); err != nil {
		return err
	}
	if enc.NumEntries() != entries {
		return errNoDictEncoder // not possible: the entries are distinct
	}
	d.empty = cw.EstimatedBufferedValueBytes()
	var valid *memory.Buffer
	nulls := 0
	if !d.required {
		valid = memory.NewBufferBytes(d.valid[:(d.rows+7)/8])
		for _, l := range d.def[:d.rows] {
			nulls += int(1 - l)
		}
	}
	if st := cw.PageStatistics(); st != nil {
		// As Arrow's pqarrow does for dictionary arrays: the min and max
		// of the entries, every one of which is some row's value.
		st.IncNulls(int64(nulls))
		st.IncNumValues(int64(d.rows - nulls))
		if err := st.UpdateFromArrow(dict, false); err != nil {
			return err
		}
	}
	ind := array.NewInt32Data(array.NewData(arrow.PrimitiveTypes.Int32, d.rows,
		[]*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(d.idx[:d.rows]))}, nil, nulls, 0))
	defer ind.Release()
	return cw.WriteDictIndices(ind, d.defLevels(), nil)
}

// toArrow gives the row group's values so far to WriteBatch: the
// dictionary outgrew dictLimit, Arrow's writer takes the rest of the group.
func (d *dictColumn) toArrow(cw *file.ByteArrayColumnChunkWriter, s *arrowScratch) error {
	d.arrow = true
	s.ba = d.values(s.ba[:0])
	_, err := cw.WriteBatch(s.ba, d.defLevels(), nil)
	return err
}

// reset empties the column for the next row group.
func (d *dictColumn) reset() {
	clear(d.index)
	d.vals, d.offs = d.vals[:0], d.offs[:1]
	clear(d.seen[:])
	d.idx, d.def, d.rows, d.arrow, d.empty = d.idx[:0], d.def[:0], 0, false, 0
	clear(d.valid)
	d.valid = d.valid[:0]
}
