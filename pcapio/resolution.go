package pcapio

import (
	"math/bits"
	"strconv"
	"time"
)

// Resolution is a timestamp unit, 10^-n or 2^-n seconds, as pcapng's
// if_tsresol option encodes it. The zero value is not a valid resolution;
// in an Interface it stands for the pcapng default, 1 µs.
type Resolution uint16

// Common resolutions.
const (
	ResolutionMicro Resolution = 0x100 | 6 // 10^-6 s, classic pcap and the pcapng default
	ResolutionNano  Resolution = 0x100 | 9 // 10^-9 s
)

// DecimalResolution returns the resolution 10^-n seconds (0 <= n <= 19).
func DecimalResolution(n int) Resolution {
	if n < 0 || n > 19 {
		return 0
	}
	return Resolution(0x100 | n)
}

// BinaryResolution returns the resolution 2^-n seconds (0 <= n <= 63).
func BinaryResolution(n int) Resolution {
	if n < 0 || n > 63 {
		return 0
	}
	return Resolution(0x180 | n)
}

// resolutionFromCode decodes an if_tsresol byte; ok is false when the unit
// does not fit in 64 bits (10^-20 and finer, 2^-64 and finer).
func resolutionFromCode(c byte) (Resolution, bool) {
	if c&0x80 != 0 {
		r := BinaryResolution(int(c & 0x7f))
		return r, r != 0
	}
	r := DecimalResolution(int(c))
	return r, r != 0
}

// IsValid reports whether r is a resolution rather than the zero value.
func (r Resolution) IsValid() bool {
	if r&^0xff != 0x100 {
		return false
	}
	if r.Binary() {
		return r.Exponent() <= 63
	}
	return r.Exponent() <= 19
}

// Code returns the if_tsresol byte of r (bit 7 set for 2^-n).
func (r Resolution) Code() byte { return byte(r) }

// Binary reports whether r is a power of 2.
func (r Resolution) Binary() bool { return r&0x80 != 0 }

// Exponent returns n of 10^-n or 2^-n.
func (r Resolution) Exponent() int { return int(r & 0x7f) }

// TicksPerSecond returns 10^n or 2^n; 0 for the zero value.
func (r Resolution) TicksPerSecond() uint64 {
	if !r.IsValid() {
		return 0
	}
	if r.Binary() {
		return 1 << r.Exponent()
	}
	u := uint64(1)
	for range r.Exponent() {
		u *= 10
	}
	return u
}

// String returns "10^-6 s" or "2^-20 s" ("invalid" for the zero value).
func (r Resolution) String() string {
	if !r.IsValid() {
		return "invalid"
	}
	base := "10^-"
	if r.Binary() {
		base = "2^-"
	}
	return base + strconv.Itoa(r.Exponent()) + " s"
}

// clock converts ticks of one interface's resolution to time. It holds the
// divisors precomputed so the per-packet path is a division and a multiply.
type clock struct {
	units  uint64 // ticks per second
	shift  uint   // n of 2^-n when binary
	binary bool
	mul    uint64 // ns per tick, decimal resolutions coarser than 1 ns
	div    uint64 // ticks per ns, decimal resolutions finer than 1 ns
	offset int64  // if_tsoffset
}

func newClock(r Resolution, offset int64) clock {
	if !r.IsValid() {
		r = ResolutionMicro
	}
	c := clock{units: r.TicksPerSecond(), offset: offset}
	switch {
	case r.Binary():
		c.binary, c.shift = true, uint(r.Exponent())
	case r.Exponent() <= 9:
		c.mul = 1_000_000_000 / c.units
	default:
		c.div = c.units / 1_000_000_000
	}
	return c
}

// time converts a tick count to UTC time.
func (c *clock) time(t uint64) time.Time {
	sec, ns := c.split(t)
	return time.Unix(sec, ns).UTC()
}

// split converts a tick count to seconds and nanoseconds since the epoch,
// truncating to the nanosecond as libpcap does; binary fractions are scaled
// in 128 bits, so exactly.
func (c *clock) split(t uint64) (int64, int64) {
	// Inlined fast paths: constant divisors compile to multiplications.
	switch c.units {
	case 1_000_000:
		return int64(t/1_000_000) + c.offset, int64(t%1_000_000) * 1000
	case 1_000_000_000:
		return int64(t/1_000_000_000) + c.offset, int64(t % 1_000_000_000)
	}
	return c.splitAny(t)
}

func (c *clock) splitAny(t uint64) (int64, int64) {
	sec, frac := t/c.units, t%c.units
	var ns uint64
	switch {
	case c.binary:
		hi, lo := bits.Mul64(frac, 1_000_000_000)
		ns = hi<<(64-c.shift) | lo>>c.shift // shift 0: units 1, frac 0
	case c.mul != 0:
		ns = frac * c.mul
	default:
		ns = frac / c.div
	}
	return int64(sec) + c.offset, int64(ns)
}

// ticks converts t to a tick count of resolution r, the inverse of
// clock.time: where a tick is finer than 1 ns the count is rounded up so
// that reading it back truncates to t exactly. ok is false for times before
// 1970 (after offset) or beyond 64 bits of ticks.
func ticks(t time.Time, r Resolution, offset int64) (uint64, bool) {
	if !r.IsValid() {
		r = ResolutionMicro
	}
	sec := t.Unix() - offset
	if sec < 0 {
		return 0, false
	}
	ns := uint64(t.Nanosecond())
	units := r.TicksPerSecond()
	hi, whole := bits.Mul64(uint64(sec), units)
	if hi != 0 {
		return 0, false
	}
	var frac uint64
	switch {
	case r.Binary():
		phi, plo := bits.Mul64(ns, units) // ns < 2^30, so phi < 1e9
		q, rem := bits.Div64(phi, plo, 1_000_000_000)
		if rem != 0 && units > 1_000_000_000 {
			q++
		}
		frac = q
	case r.Exponent() <= 9:
		frac = ns / (1_000_000_000 / units)
	default:
		frac = ns * (units / 1_000_000_000)
	}
	sum, carry := bits.Add64(whole, frac, 0)
	if carry != 0 {
		return 0, false
	}
	return sum, true
}
