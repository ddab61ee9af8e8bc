package decode

import (
	"math"
	"strconv"
	"testing"
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
