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
// line is filled in place with word stores only, no copy calls and no
// branch per byte: the prefix as one 8-byte word, a partial escape left
// from the previous line as one 4-byte word shifted, whole escapes two to
// a word, and the start of an escape the line cuts as a whole 4-byte word.
// Stores that write past what they keep are overwritten by the next one;
// the buffer has 16 bytes of slack beyond the text for the last of them,
// and the returned slice ends at the text. Lines are short (18.5 escapes),
// so this per-line work, not the per-byte work, is most of the cost.
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
	dst = slices.Grow(dst, size+dataBlockSlack)
	out := dst[start : start+size+dataBlockSlack]
	var pw [8]byte
	copy(pw[:], prefix) // the formats' prefixes are 4 to 6 bytes
	prefixWord, np := binary.LittleEndian.Uint64(pw[:]), len(prefix)
	o, p := 0, 0 // write offset in out, position in the escape text
	if width == linePairWidth && np <= 8 {
		// The formats' 74-character lines: 37 bytes make two whole lines.
		for len(data)-p>>2 >= linePairBytes {
			o = appendLinePair(out, o, prefixWord, np, (*[linePairBytes]byte)(data[p>>2:]))
			p += 4 * linePairBytes
			lines -= 2
		}
	}
	for range lines {
		if np <= 8 {
			binary.LittleEndian.PutUint64(out[o:], prefixWord)
		} else {
			copy(out[o:], prefix)
		}
		o += np
		end := min(p+width, total)
		if r := p & 3; r != 0 { // the rest of the escape the last line cut
			binary.LittleEndian.PutUint32(out[o:], escapeWords[data[p>>2]]>>(8*r))
			o += 4 - r
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
		if p < end { // the start of an escape this line cuts
			binary.LittleEndian.PutUint32(out[o:], escapeWords[data[p>>2]])
			o += end - p
			p = end
		}
		out[o] = '\n'
		o++
	}
	return dst[:start+size]
}

// dataBlockSlack is the room appendDataBlock's last word stores may use
// past the end of the text.
const dataBlockSlack = 16

// The two lines of 74 characters that 37 bytes of data fill exactly:
// 18 escapes and the `\x` of the 19th, then its two digits and 18 more.
const (
	linePairBytes = 37
	linePairWidth = 74
)

// appendLinePair writes the two lines of in at out[o:] (prefix, text,
// newline each) and returns the offset after them. Every store has a
// constant offset into a fixed-size array, so there is one bounds check
// per line and no branch per byte.
func appendLinePair(out []byte, o int, prefixWord uint64, np int, in *[linePairBytes]byte) int {
	binary.LittleEndian.PutUint64(out[o:], prefixWord)
	o += np
	a := (*[linePairWidth + 1]byte)(out[o:])
	for k := 0; k < 18; k += 2 {
		binary.LittleEndian.PutUint64(a[4*k:], uint64(escapeWords[in[k]])|uint64(escapeWords[in[k+1]])<<32)
	}
	a[72], a[73], a[74] = '\\', 'x', '\n'
	o += linePairWidth + 1
	binary.LittleEndian.PutUint64(out[o:], prefixWord)
	o += np
	b := (*[linePairWidth + 1]byte)(out[o:])
	binary.LittleEndian.PutUint32(b[0:], escapeWords[in[18]]>>16)
	for k := 0; k < 18; k += 2 {
		binary.LittleEndian.PutUint64(b[2+4*k:], uint64(escapeWords[in[19+k]])|uint64(escapeWords[in[20+k]])<<32)
	}
	b[74] = '\n'
	return o + linePairWidth + 1
}
