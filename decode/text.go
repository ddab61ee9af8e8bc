package decode

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// Small appenders shared by the verbose, summary and json formats: every
// one appends to the caller's buffer, none allocates.

// The digits of hex text in either case.
const (
	lowerHex = "0123456789abcdef"
	upperHex = "0123456789ABCDEF"
)

// appendUint appends v in decimal. Header fields are mostly one to five
// digits: those are written from a table of digit pairs straight into dst
// (strconv.AppendUint formats into a scratch array and copies it). TCP
// sequence and acknowledgment numbers, nine or ten digits and three of the
// seven numbers of a summary line, are a head of one or two digits and
// eight more made at once by digits8 (20 % less time than two groups of
// four from the table, on the numbers of a summary line); longer numbers
// go through strconv.
func appendUint(dst []byte, v uint64) []byte {
	switch {
	case v < 10:
		return append(dst, byte('0'+v))
	case v < 100:
		return append(dst, digitPairs[2*v], digitPairs[2*v+1])
	case v < 1000:
		return append(dst, byte('0'+v/100), digitPairs[2*(v%100)], digitPairs[2*(v%100)+1])
	case v < 10000:
		hi, lo := v/100, v%100
		return append(dst, digitPairs[2*hi], digitPairs[2*hi+1], digitPairs[2*lo], digitPairs[2*lo+1])
	case v < 100000:
		hi, mid, lo := v/10000, v/100%100, v%100
		return append(dst, byte('0'+hi), digitPairs[2*mid], digitPairs[2*mid+1], digitPairs[2*lo], digitPairs[2*lo+1])
	case v < 100_000_000:
		return append4(appendUint(dst, v/10000), uint32(v%10000))
	case v < 10_000_000_000:
		n := len(dst)
		dst = slices.Grow(dst, 16)
		b := dst[n : n+16]
		hi, k := v/100_000_000, 1
		if hi < 10 {
			b[0] = byte('0' + hi)
		} else {
			b[0], b[1], k = digitPairs[2*hi], digitPairs[2*hi+1], 2
		}
		binary.LittleEndian.PutUint64(b[k:], digits8(uint32(v%100_000_000))|asciiZeros)
		return dst[:n+k+8]
	case v < 10_000_000_000_000_000:
		lo := uint32(v % 100_000_000)
		return append4(append4(appendUint(dst, v/100_000_000), lo/10000), lo%10000)
	}
	return strconv.AppendUint(dst, v, 10)
}

// asciiZeros turns eight digit values in a word into their characters.
const asciiZeros = 0x3030303030303030

// digits8 returns the eight decimal digits of v (below 10^8), leading
// zeros included, as byte values 0 to 9 in a little-endian word: its lowest
// byte is the first digit, so one 8-byte store writes them in order. v is
// split into halves of four digits (32-bit lanes), each half into two
// pairs (16-bit lanes), each pair into two digits (bytes); each division
// by 100 and by 10 is one multiplication and shift for all lanes at once,
// exact for the values a lane holds (below 10,000 and below 100).
func digits8(v uint32) uint64 {
	x := uint64(v/10000) | uint64(v%10000)<<32
	h := (x * 10486 >> 20) & 0x0000007f0000007f // /100 in each 32-bit lane
	x = h | (x-100*h)<<16
	t := (x * 103 >> 10) & 0x000f000f000f000f // /10 in each 16-bit lane
	return t | (x-10*t)<<8
}

// append4 appends v (below 10000) as exactly four digits.
func append4(dst []byte, v uint32) []byte {
	hi, lo := v/100, v%100
	return append(dst, digitPairs[2*hi], digitPairs[2*hi+1], digitPairs[2*lo], digitPairs[2*lo+1])
}

// digitPairs holds "00" to "99".
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

func appendInt(dst []byte, v int) []byte { return strconv.AppendInt(dst, int64(v), 10) }

// appendHex appends b as lower-case hex digits, no separators.
func appendHex(dst, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, lowerHex[c>>4], lowerHex[c&15])
	}
	return dst
}

// appendHexN appends v as "0x" and exactly digits lower-case hex digits.
func appendHexN(dst []byte, v uint64, digits int) []byte {
	dst = append(dst, '0', 'x')
	for i := digits - 1; i >= 0; i-- {
		dst = append(dst, lowerHex[(v>>(4*uint(i)))&15])
	}
	return dst
}

func appendIPv6(dst []byte, a [16]byte) []byte {
	return netip.AddrFrom16(a).AppendTo(dst)
}

// appendAddr appends an IPv4 address in dotted form or an IPv6 address in
// its RFC 5952 form.
func appendAddr(dst []byte, a netip.Addr) []byte {
	if a.Is4() {
		return appendIPv4(dst, a.As4())
	}
	return a.AppendTo(dst)
}

// clock formats timestamps, caching the text of the last second seen: in
// a capture most frames share their second with the one before.
type clock struct {
	sec  int64
	text [19]byte // "2006-01-02T15:04:05"
	ok   bool
	fits bool // the year of sec has four digits
}

// appendRFC3339 appends t in UTC as RFC 3339 with 9 fractional digits:
// "2026-01-05T09:00:00.000001234Z". A time whose year does not fit in four
// digits (RFC 3339 has no other) is written as seconds since the epoch
// with 9 fractional digits instead: "253402300800.539464000".
func (c *clock) appendRFC3339(dst []byte, t time.Time) []byte {
	d, ok := c.date(t)
	if !ok {
		return appendEpochSeconds(dst, t)
	}
	dst = append(dst, d...)
	dst = appendNanos(dst, t)
	return append(dst, 'Z')
}

// appendTimeOfDay appends the UTC time of day with ns: "09:00:00.000001234".
func (c *clock) appendTimeOfDay(dst []byte, t time.Time) []byte {
	d, ok := c.date(t)
	if !ok { // the time of day is still well defined past year 9999
		h, m, s := t.UTC().Clock()
		dst = append(dst, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
		return appendNanos(dst, t)
	}
	dst = append(dst, d[11:]...)
	return appendNanos(dst, t)
}

// date returns "2006-01-02T15:04:05" for t, and false when the year does
// not fit in four digits.
func (c *clock) date(t time.Time) ([]byte, bool) {
	if s := t.Unix(); !c.ok || s != c.sec {
		b := t.UTC().AppendFormat(c.text[:0], "2006-01-02T15:04:05")
		c.fits = len(b) == len(c.text) && b[0] != '-'
		c.sec, c.ok = s, true
	}
	return c.text[:], c.fits
}

// appendEpochSeconds appends t as seconds since the epoch with 9
// fractional digits ("-1.500000000" is half a second before -1).
func appendEpochSeconds(dst []byte, t time.Time) []byte {
	sec, ns := t.Unix(), int64(t.Nanosecond())
	if sec < 0 && ns > 0 {
		sec, ns = sec+1, 1_000_000_000-ns
		if sec == 0 {
			dst = append(dst, '-')
		}
	}
	if sec < 0 {
		dst = append(dst, '-')
		dst = appendUint(dst, uint64(-sec))
	} else {
		dst = appendUint(dst, uint64(sec))
	}
	return appendNanos(dst, time.Unix(0, ns))
}

func appendNanos(dst []byte, t time.Time) []byte {
	ns := uint32(t.Nanosecond()) // below 1e9
	n := len(dst)
	dst = slices.Grow(dst, 10)
	b := dst[n : n+10]
	b[0], b[1] = '.', byte('0'+ns/100_000_000)
	binary.LittleEndian.PutUint64(b[2:], digits8(ns%100_000_000)|asciiZeros)
	return dst[:n+10]
}

// printable reports whether c is printable ASCII (space to tilde).
func printable(c byte) bool { return c >= 0x20 && c < 0x7f }

// appendPrintable appends b with every byte outside printable ASCII shown
// as '.', so no control byte reaches a terminal.
func appendPrintable[T string | []byte](dst []byte, b T) []byte {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !printable(c) {
			c = '.'
		}
		dst = append(dst, c)
	}
	return dst
}

// lowerHexColon and upperHexColon hold every byte's two hex digits and a
// colon, little-endian (appendMAC).
var lowerHexColon, upperHexColon = hexColons(lowerHex), hexColons(upperHex)

func hexColons(hex string) (w [256]uint32) {
	for i := range w {
		w[i] = uint32(hex[i>>4]) | uint32(hex[i&15])<<8 | ':'<<16
	}
	return w
}

// appendMAC appends b as hex pairs joined by ':', as link-layer addresses
// are written, with the digits of hex: lowerHex (the verbose, summary and
// json formats) or upperHex (the turtle format). An empty b, as a cooked
// header with no address records, is "-".
func appendMAC(dst, b []byte, hex string) []byte {
	if len(b) == 0 {
		return append(dst, '-')
	}
	if len(b) == 6 { // Ethernet: 17 bytes stored at once, 3 per byte
		pairs := &lowerHexColon
		if hex == upperHex {
			pairs = &upperHexColon
		}
		n := len(dst)
		dst = slices.Grow(dst, 20)[:n+17]
		o := (*[20]byte)(dst[n : n+20])
		le := binary.LittleEndian
		le.PutUint32(o[0:], pairs[b[0]])
		le.PutUint32(o[3:], pairs[b[1]])
		le.PutUint32(o[6:], pairs[b[2]])
		le.PutUint32(o[9:], pairs[b[3]])
		le.PutUint32(o[12:], pairs[b[4]])
		le.PutUint32(o[15:], pairs[b[5]]) // its colon is past the end
		return dst
	}
	for i, c := range b {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, hex[c>>4], hex[c&15])
	}
	return dst
}
