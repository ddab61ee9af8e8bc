package decode

import (
	"encoding/binary"
	"slices"
)

// escapes holds the four characters `\xNN` (lower-case hex) of every byte;
// escapeWords holds the same four bytes as one little-endian word, so the
// whole-escape loop stores a word per byte.
var escapes, escapeWords = func() (t [256][4]byte, w [256]uint32) {
	const hex = "0123456789abcdef"
	for i := range t {
		t[i] = [4]byte{'\\', 'x', hex[i>>4], hex[i&15]}
		w[i] = binary.LittleEndian.Uint32(t[i][:])
	}
	return t, w
}()

// appendDataBlock appends data as the classroom format_multi_line does: the
// bytes as `\xNN` escapes, cut into lines of exactly width characters
// (80 - len(prefix), made even), each line prefixed. Escapes are split
// across lines when the width calls for it (74 characters hold 18.5 of
// them). Empty data is one empty line.
//
// The text's size is known in advance, so the buffer grows once and each
// line is filled in place: a partial escape left from the previous line,
// whole escapes a word at a time, and the start of an escape the line cuts.
func appendDataBlock(dst []byte, prefix string, data []byte) []byte {
	if len(data) == 0 {
		return append(dst, '\n')
	}
	width := 80 - len(prefix)
	if width%2 == 1 {
		width--
	}
	total := 4 * len(data) // characters of escape text
	lines := (total + width - 1) / width
	size := total + lines*(len(prefix)+1)
	start := len(dst)
	dst = slices.Grow(dst, size)[:start+size]
	out := dst[start:]
	o, p := 0, 0 // write offset in out, position in the escape text
	for range lines {
		o += copy(out[o:], prefix)
		end := min(p+width, total)
		if r := p & 3; r != 0 {
			o += copy(out[o:], escapes[data[p>>2]][r:])
			p += 4 - r
		}
		whole := (end - p) >> 2
		src := data[p>>2 : p>>2+whole]
		seg := out[o : o+4*whole]
		k := 0
		for ; k+4 <= len(src); k += 4 { // four escapes, two 8-byte stores
			w := seg[4*k : 4*k+16]
			binary.LittleEndian.PutUint64(w[0:8], uint64(escapeWords[src[k]])|uint64(escapeWords[src[k+1]])<<32)
			binary.LittleEndian.PutUint64(w[8:16], uint64(escapeWords[src[k+2]])|uint64(escapeWords[src[k+3]])<<32)
		}
		for ; k+2 <= len(src); k += 2 {
			binary.LittleEndian.PutUint64(seg[4*k:], uint64(escapeWords[src[k]])|uint64(escapeWords[src[k+1]])<<32)
		}
		if k < len(src) {
			binary.LittleEndian.PutUint32(seg[4*k:], escapeWords[src[k]])
		}
		o += 4 * whole
		p += 4 * whole
		if p < end {
			o += copy(out[o:], escapes[data[p>>2]][:end-p])
			p = end
		}
		out[o] = '\n'
		o++
	}
	return dst
}
