package decode

// appendHexRows appends b as rows of 16 bytes, each prefixed:
//
//	0000  48 65 6c 6c 6f 20 74 75  72 74 6c 65              Hello turtle
//
// the offset (4 hex digits, 8 when b is longer than 64 KiB), the bytes in
// hex with an extra space after the eighth, and the bytes as ASCII with
// every byte outside printable ASCII shown as '.'.
func appendHexRows(dst []byte, prefix string, b []byte) []byte {
	digits := 4
	if len(b) > 0x10000 {
		digits = 8
	}
	for off := 0; off < len(b); off += 16 {
		row := b[off:min(off+16, len(b))]
		dst = append(dst, prefix...)
		for i := digits - 1; i >= 0; i-- {
			dst = append(dst, lowerHex[(off>>(4*uint(i)))&15])
		}
		dst = append(dst, ' ')
		for i := range 16 {
			if i == 8 {
				dst = append(dst, ' ')
			}
			if i < len(row) {
				dst = append(dst, ' ', lowerHex[row[i]>>4], lowerHex[row[i]&15])
			} else {
				dst = append(dst, "   "...)
			}
		}
		dst = append(dst, "  "...)
		dst = appendPrintable(dst, row)
		dst = append(dst, '\n')
	}
	return dst
}
