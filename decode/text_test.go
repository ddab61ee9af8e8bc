package decode

import (
	"math"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// TestAppendUint checks the hand-made decimal against strconv at every
// change of length and around it.
func TestAppendUint(t *testing.T) {
	vals := []uint64{0, math.MaxUint32, math.MaxUint64, math.MaxUint64 - 1}
	for p := uint64(1); p <= 1e19 && p != 0; p *= 10 {
		vals = append(vals, p-1, p, p+1, 2*p-1, 9*p+p-1)
		if p > math.MaxUint64/10 {
			break
		}
	}
	for v := uint64(0); v < 200000; v += 7 {
		vals = append(vals, v, v*10007, v*100003007)
	}
	for _, v := range vals {
		if got, want := string(appendUint([]byte("x"), v)), "x"+strconv.FormatUint(v, 10); got != want {
			t.Fatalf("appendUint(%d) = %q, want %q", v, got, want)
		}
	}
}

// TestAppendNanos checks the nine digits of the fraction against
// strconv's, at each digit's every value.
func TestAppendNanos(t *testing.T) {
	for p := 1; p < 1e9; p *= 10 {
		for d := range 10 {
			for _, ns := range []int{d * p, d*p + 1, d*p + p - 1, 999_999_999 - d*p} {
				want := "x." + strconv.Itoa(1e9 + ns)[1:]
				if got := string(appendNanos([]byte("x"), time.Unix(1, int64(ns)))); got != want {
					t.Fatalf("appendNanos(%d ns) = %q, want %q", ns, got, want)
				}
			}
		}
	}
}

// TestAppendIPv4 checks the dotted form against netip's for every octet
// in every position, next to octets of every length.
func TestAppendIPv4(t *testing.T) {
	for pos := range 4 {
		for v := range 256 {
			for _, other := range []byte{0, 7, 42, 255} {
				a := [4]byte{other, other, other, other}
				a[pos] = byte(v)
				if got, want := string(appendIPv4([]byte("x"), a)), "x"+netip.AddrFrom4(a).String(); got != want {
					t.Fatalf("appendIPv4(%v) = %q, want %q", a, got, want)
				}
			}
		}
	}
}
