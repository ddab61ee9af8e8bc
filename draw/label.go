package draw

import (
	"strconv"
	"time"

	"github.com/turtle-sniffer/turtle/decode"
)

// maxQuoted is how many bytes of a payload a label quotes.
const maxQuoted = 20

// appendFlags names a segment's flags as people say them: SYN, SYN-ACK,
// ACK, FIN-ACK, RST, RST-ACK. PSH is left out, and so is ACK on a data
// segment (the quoted payload says more).
func appendFlags(dst []byte, flags uint16, data bool) []byte {
	start := len(dst)
	for _, f := range [...]struct {
		bit  uint16
		name string
	}{{decode.TCPFlagSYN, "SYN"}, {decode.TCPFlagFIN, "FIN"}, {decode.TCPFlagRST, "RST"}, {decode.TCPFlagURG, "URG"}} {
		if flags&f.bit != 0 {
			if len(dst) > start {
				dst = append(dst, '-')
			}
			dst = append(dst, f.name...)
		}
	}
	if flags&decode.TCPFlagACK != 0 && (len(dst) > start || !data) {
		if len(dst) > start {
			dst = append(dst, '-')
		}
		dst = append(dst, "ACK"...)
	}
	return dst
}

// appendPayload quotes the first bytes of a payload, escaped so that only
// printable ASCII remains (\\, \", \r, \n, \t, \xNN), and its length:
// "Hello turtle" (12 B). size counts bytes the capture cut off too.
func appendPayload(dst, b []byte, size int) []byte {
	if size == 0 {
		return append(dst, "(0 B)"...)
	}
	dst = append(dst, '"')
	for i, c := range b {
		if i == maxQuoted {
			break
		}
		switch {
		case c == '\\' || c == '"':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, `\n`...)
		case c == '\r':
			dst = append(dst, `\r`...)
		case c == '\t':
			dst = append(dst, `\t`...)
		case c < 0x20 || c >= 0x7f:
			dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
		default:
			dst = append(dst, c)
		}
	}
	dst = append(dst, '"')
	if len(b) > maxQuoted || size > len(b) {
		dst = append(dst, "..."...)
	}
	dst = append(dst, " ("...)
	dst = appendInt(dst, int64(size))
	return append(dst, " B)"...)
}

const hex = "0123456789abcdef"

func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

// appendSeconds writes d as seconds with microseconds: 0.000169.
func appendSeconds(dst []byte, d time.Duration) []byte {
	if d < 0 {
		dst = append(dst, '-')
		d = -d
	}
	us := d / time.Microsecond
	dst = appendInt(dst, int64(us/1e6))
	dst = append(dst, '.')
	frac := int64(us % 1e6)
	for div := int64(100000); div > 0; div /= 10 {
		dst = append(dst, byte('0'+frac/div%10))
	}
	return dst
}

// span says a duration for people: "148 us", "620.4 ms", "1.361 s", "2m5s".
func span(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return strconv.FormatInt(int64(d/time.Microsecond), 10) + " us"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
	}
	return d.Round(time.Second).String()
}

// seconds is appendSeconds as a string.
func seconds(d time.Duration) string { return string(appendSeconds(nil, d)) }
