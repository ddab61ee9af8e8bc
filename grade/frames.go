package grade

import (
	"strconv"
	"strings"
	"time"
)

// maxListed is how many frame numbers a frameSet keeps; messages name
// these and count the rest.
const maxListed = 8

// frameSet remembers the first frames of something and how many there
// were, so that a message can name them without the state growing with the
// capture.
type frameSet struct {
	first [maxListed]int
	n     int
}

func (f *frameSet) add(frame int) {
	if f.n < maxListed {
		f.first[f.n] = frame
	}
	f.n++
}

// head returns the first frame, or 0.
func (f *frameSet) head() int {
	if f.n == 0 {
		return 0
	}
	return f.first[0]
}

// String names the frames: "frame 3", "frames 1–3", "frames 1, 4–6 and 12
// more". Runs of consecutive numbers are joined with an en dash.
func (f frameSet) String() string {
	if f.n == 0 {
		return "no frames"
	}
	k := min(f.n, maxListed)
	return framesText(f.first[:k], f.n-k)
}

// framesText writes "frame N" or "frames ..." for the given numbers (in
// increasing order) and says how many more there were.
func framesText(nums []int, more int) string {
	var b strings.Builder
	if len(nums) == 1 && more == 0 {
		return "frame " + strconv.Itoa(nums[0])
	}
	b.WriteString("frames ")
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		if i > 0 {
			if j+1 == len(nums) && more == 0 {
				b.WriteString(" and ")
			} else {
				b.WriteString(", ")
			}
		}
		b.WriteString(strconv.Itoa(nums[i]))
		if j > i {
			b.WriteString("–")
			b.WriteString(strconv.Itoa(nums[j]))
		}
		i = j + 1
	}
	if more > 0 {
		b.WriteString(" and ")
		b.WriteString(strconv.Itoa(more))
		b.WriteString(" more")
	}
	return b.String()
}

// frameList names an arbitrary list of frame numbers (sorted here).
func frameList(nums []int) string {
	s := append([]int(nil), nums...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if len(s) > maxListed {
		return framesText(s[:maxListed], len(s)-maxListed)
	}
	return framesText(s, 0)
}

// quote shows bytes of a message for people: printable text in quotes,
// other bytes escaped, long text cut.
func quote(b []byte) string {
	const max = 40
	cut := ""
	if len(b) > max {
		b, cut = b[:max], "…"
	}
	return strconv.Quote(string(b)) + cut
}

// byteText names one byte: 'o' (0x6f).
func byteText(c byte) string {
	h := "0x" + strconv.FormatUint(uint64(c)|0x100, 16)[1:]
	if c >= 0x20 && c < 0x7f {
		return "'" + string(rune(c)) + "' (" + h + ")"
	}
	return h
}

// durText prints a duration to a useful precision: 2s, 1.5s, 250ms, 0.3ms.
func durText(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// plural returns "1 request" or "3 requests".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func itoa(n int) string { return strconv.Itoa(n) }
