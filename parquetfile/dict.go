package parquetfile

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// dictColumn is the dictionary of a string column in the row group being
// written (its data pages hold indices into it: chunk.add, and
// chunk.finish writes it as the dictionary page). A value met recently (the
// file, the link name, a flow's addresses) costs a cheap hash and a compare
// (entry), the others a Go map lookup (measured on 1M IMIX frames with
// callgrind: 2.6 % of the instructions fewer than the map alone with a
// compare to the previous value). Used by one column goroutine at a time
// (Writer.work), like its chunk.
type dictColumn struct {
	index map[string]int32      // value -> entry
	vals  []byte                // the entries, concatenated
	offs  []int32               // entry k is vals[offs[k]:offs[k+1]]
	seen  *[dictCacheSize]int32 // entry+1 of a value recently met, by dictSlot; 0: none
}

// dictLimit is the size past which a dictionary is given up for the rest
// of the row group, Arrow's and parquet-mr's default dictionary page size
// limit (many distinct http_line values). A variable so that the tests
// take the fallback on small captures.
var dictLimit = 1 << 20

func newDictColumn() *dictColumn {
	return &dictColumn{index: map[string]int32{}, offs: []int32{0}, seen: new([dictCacheSize]int32)}
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

// entry returns v's entry, adding it if it is new.
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

// entries returns how many entries the dictionary has.
func (d *dictColumn) entries() int { return len(d.offs) - 1 }

// value returns entry k.
func (d *dictColumn) value(k int) []byte { return d.vals[d.offs[k]:d.offs[k+1]] }

// reset empties the dictionary for the next row group.
func (d *dictColumn) reset() {
	clear(d.index)
	d.vals, d.offs = d.vals[:0], d.offs[:1]
	clear(d.seen[:])
}
