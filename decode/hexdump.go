package decode

// AppendHexRows appends b as rows of 16 bytes, each after prefix:
//
//	0000  48 65 6c 6c 6f 20 74 75  72 74 6c 65              Hello turtle
//
// the offset of the row's first byte (offset plus its position in b) in
// digits lower-case hex digits, the bytes in hex with an extra space after
// the eighth, and the bytes as ASCII with every byte outside printable
// ASCII shown as '.'. digits 0 means 4, or 8 when b is longer than 64 KiB.
// It is the project's one hex dump: the verbose format's payloads and
// turtle follow's hex output.
func AppendHexRows(dst []byte, prefix string, offset int64, digits int, b []byte) []byte {
	if digits <= 0 {
		digits = 4
		if len(b) > 0x10000 {
			digits = 8
		}
	}
	for i := 0; i < len(b); i += 16 {
		row := b[i:min(i+16, len(b))]
		off := offset + int64(i)
		dst = append(dst, prefix...)
		for d := digits - 1; d >= 0; d-- {
			dst = append(dst, lowerHex[(off>>(4*uint(d)))&15])
		}
		dst = append(dst, ' ')
		for j := range 16 {
			if j == 8 {
				dst = append(dst, ' ')
			}
			if j < len(row) {
				dst = append(dst, ' ', lowerHex[row[j]>>4], lowerHex[row[j]&15])
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
