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

// numDict is the dictionary of a number column (uint8 to uint32) in the row
// group being written, as dictColumn is a string column's: a compare to the
// last value met (constant columns, runs), else a probe of an open-address
// table kept at most half full.
type numDict struct {
	vals  []uint32 // the entries
	slots []uint64 // value<<32 | entry+1; 0: free
	last  uint64   // the slot of the last value met, 0 before
}

// numDictLimit is the most entries a number dictionary takes in a row
// group: 4,096 entries are a 16 KiB dictionary page and indices of 12 bits
// at most, where PLAIN takes 32 before ZSTD. A column with more (ports in a
// port scan) is PLAIN for the rest of the group. A variable so that the
// tests take that path.
var numDictLimit = 1 << 12

func newNumDict() *numDict { return &numDict{slots: make([]uint64, 64)} }

// entry returns v's entry, adding it if it is new.
func (d *numDict) entry(v uint32) int32 {
	if d.last != 0 && uint32(d.last>>32) == v {
		return int32(uint32(d.last)) - 1
	}
	mask := uint64(len(d.slots) - 1)
	h := numSlot(v) & mask
	for {
		s := d.slots[h]
		if s == 0 {
			break
		}
		if uint32(s>>32) == v {
			d.last = s
			return int32(uint32(s)) - 1
		}
		h = (h + 1) & mask
	}
	k := int32(len(d.vals))
	d.vals = append(d.vals, v)
	s := uint64(v)<<32 | uint64(k+1)
	d.slots[h], d.last = s, s
	if 2*len(d.vals) > len(d.slots) {
		d.grow()
	}
	return k
}

func numSlot(v uint32) uint64 { return (uint64(v) * 0x9e3779b97f4a7c15) >> 32 }

// grow doubles the table.
func (d *numDict) grow() {
	old := d.slots
	d.slots = make([]uint64, 2*len(old))
	mask := uint64(len(d.slots) - 1)
	for _, s := range old {
		if s == 0 {
			continue
		}
		h := numSlot(uint32(s>>32)) & mask
		for d.slots[h] != 0 {
			h = (h + 1) & mask
		}
		d.slots[h] = s
	}
}

// reset empties the dictionary for the next row group.
func (d *numDict) reset() {
	clear(d.slots)
	d.vals, d.last = d.vals[:0], 0
}
