package decode

import (
	"strconv"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Basic is the classroom Basic Sniffer's format: each frame as Python prints
// a bytes object (b'...'), and for live frames the whole tuple that
// recvfrom returns on an AF_PACKET socket:
//
//	(b'...', ('lo', 2048, 4, 772, b'\x00\x00\x00\x00\x00\x00'))
//
// Every byte outside printable ASCII is escaped, so no control byte reaches
// a terminal.
type Basic struct{}

var _ Format = Basic{}

// AppendFrame appends the Basic line of f to dst.
func (Basic) AppendFrame(dst []byte, f *pcapio.Frame) []byte {
	if f.Live == nil {
		dst = AppendBytesRepr(dst, f.Data)
		return append(dst, '\n')
	}
	a := f.Live
	dst = append(dst, '(')
	dst = AppendBytesRepr(dst, f.Data)
	dst = append(dst, ", ("...)
	dst = appendStrRepr(dst, a.Interface)
	dst = append(dst, ", "...)
	dst = strconv.AppendUint(dst, uint64(a.Protocol), 10)
	dst = append(dst, ", "...)
	dst = strconv.AppendUint(dst, uint64(a.PacketType), 10)
	dst = append(dst, ", "...)
	dst = strconv.AppendUint(dst, uint64(a.HardwareType), 10)
	dst = append(dst, ", "...)
	dst = AppendBytesRepr(dst, a.HardwareAddr)
	return append(dst, "))\n"...)
}

// AppendBytesRepr appends Python's repr of a bytes object: single quotes
// unless b contains ' and no ", backslash, the quote, \t \n \r escaped,
// other bytes outside 0x20..0x7e as \xNN in lower case.
func AppendBytesRepr(dst []byte, b []byte) []byte {
	dst = append(dst, 'b')
	return appendRepr(dst, b)
}

// appendStrRepr appends Python's repr of an ASCII str (an interface name).
// Non-ASCII bytes are escaped as bytes would be, which keeps the output
// ASCII; Python would print them as characters.
func appendStrRepr(dst []byte, s string) []byte {
	return appendRepr(dst, s)
}

func appendRepr[T string | []byte](dst []byte, b T) []byte {
	quote := byte('\'')
	if containsByte(b, '\'') && !containsByte(b, '"') {
		quote = '"'
	}
	dst = append(dst, quote)
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == quote || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c < 0x20 || c > 0x7e:
			dst = append(dst, escapes[c][:]...)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, quote)
}

func containsByte[T string | []byte](b T, c byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] == c {
			return true
		}
	}
	return false
}
