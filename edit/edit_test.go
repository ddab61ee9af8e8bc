package edit

import (
	"bytes"
	"io"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/pcapio"
)

func TestParseRanges(t *testing.T) {
	rs, err := ParseRanges("1-10, 15,40-")
	if err != nil || len(rs) != 3 || rs[0] != (Range{1, 10}) || rs[1] != (Range{15, 15}) || rs[2] != (Range{40, 0}) {
		t.Fatalf("%v %v", rs, err)
	}
	for _, bad := range []string{"", "0", "3-2", "a", "1,,2", "-5", "1-x"} {
		if _, err := ParseRanges(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 1, 5, 9, 0, 0, 250_000_000, time.UTC)
	for _, s := range []string{"2026-01-05T09:00:00.25Z", "2026-01-05T10:00:00.25+01:00", "2026-01-05 09:00:00.25",
		"2026-01-05T09:00:00.25", "1767603600.25"} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v", s, got, err)
		}
	}
	if _, err := ParseTime("yesterday"); err == nil {
		t.Error("yesterday accepted")
	}
}

// forgeCapture writes frames with the given timestamps (in µs) to a pcap in memory.
func forgeCapture(t *testing.T, input int, ts []int) *pcapio.Reader {
	var buf bytes.Buffer
	w, _ := pcapio.NewPcapWriter(&buf, pcapio.PcapOptions{LinkType: 1, Nanosecond: true})
	for i, us := range ts {
		w.WritePacket(pcapio.CaptureInfo{Timestamp: time.Unix(0, int64(us)*1000)}, []byte{byte(input), byte(i), byte(i >> 8)})
	}
	r, err := pcapio.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The heap merge equals a stable sort of all frames by (time, input), each
// input's own order kept even where its timestamps go backwards.
func TestMergeOrder(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	var in []Input
	var want []key
	for i := 0; i < 37; i++ {
		var ts []int
		for j := 0; j < rnd.IntN(50); j++ {
			ts = append(ts, rnd.IntN(100))
		}
		sort.Ints(ts)
		if i%5 == 0 && len(ts) > 2 {
			ts[1], ts[2] = ts[2]+5, ts[1] // a backwards step
		}
		in = append(in, Input{R: forgeCapture(t, i, ts)})
		for j, v := range ts {
			want = append(want, key{v, i, j})
		}
	}
	// mergecap's rule, simulated: repeatedly take the head with the least time.
	heads := make([]int, len(in))
	var expect []key
	for {
		best := -1
		for i := range in {
			if heads[i] >= countOf(want, i) {
				continue
			}
			k := nth(want, i, heads[i])
			if best < 0 || k.ts < nth(want, best, heads[best]).ts {
				best = i
			}
		}
		if best < 0 {
			break
		}
		expect = append(expect, nth(want, best, heads[best]))
		heads[best]++
	}
	m := NewMerger(in, false)
	for i := 0; ; i++ {
		f, err := m.Next()
		if err == io.EOF {
			if i != len(expect) {
				t.Fatalf("%d frames, want %d", i, len(expect))
			}
			return
		}
		e := expect[i]
		if f.Input != e.input || int(f.Data[1])|int(f.Data[2])<<8 != e.idx {
			t.Fatalf("frame %d: input %d #%d, want input %d #%d", i, f.Input, f.Data[1], e.input, e.idx)
		}
	}
}

// key is a frame of TestMergeOrder: its time, input and number there.
type key struct{ ts, input, idx int }

func countOf(ks []key, input int) int {
	n := 0
	for _, k := range ks {
		if k.input == input {
			n++
		}
	}
	return n
}

func nth(ks []key, input, j int) key {
	for _, k := range ks {
		if k.input == input {
			if j == 0 {
				return k
			}
			j--
		}
	}
	panic("no such frame")
}

func TestSelectorDedupWindow(t *testing.T) {
	s, _ := NewSelector(Options{Dedup: true}, nil)
	frames := []string{"a", "b", "a", "c", "d", "e", "f", "a", "a"}
	// "a" at 3 is within 4 of "a" at 1: dropped; "a" at 8 is 5 after the
	// "a" at 3 (which stayed in the window though dropped): kept; at 9 dropped.
	want := []bool{true, true, false, true, true, true, true, true, false}
	for i, d := range frames {
		keep, _, _ := s.Keep(&Frame{Data: []byte(d)})
		if keep != want[i] {
			t.Errorf("frame %d %q: keep %v, want %v", i+1, d, keep, want[i])
		}
	}
}
