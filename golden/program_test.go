package golden

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// outputCompare, fed the output in pieces of any size, reaches the verdict
// compare reaches on the whole text: the same first frame, diff, counts.
func TestOutputCompareMatchesCompare(t *testing.T) {
	goldens, _ := filepath.Glob("../testdata/golden/*.golden")
	if len(goldens) == 0 {
		t.Fatal("no goldens in ../testdata/golden")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	mutations := []func([]byte) []byte{
		func(b []byte) []byte { return b },
		func(b []byte) []byte { return nil },
		func(b []byte) []byte { return b[:rng.IntN(len(b)+1)] },
		func(b []byte) []byte { return append(bytes.Clone(b), b[:rng.IntN(len(b)+1)]...) },
		func(b []byte) []byte {
			c := bytes.Clone(b)
			if len(c) > 0 {
				c[rng.IntN(len(c))] ^= 0x20
			}
			return c
		},
		func(b []byte) []byte { // a line removed
			lines := bytes.SplitAfter(b, []byte("\n"))
			if len(lines) < 2 {
				return b
			}
			i := rng.IntN(len(lines))
			return bytes.Join(append(lines[:i:i], lines[i+1:]...), nil)
		},
		func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) },
	}
	for _, name := range goldens {
		golden, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"turtle", "verbose", "basic", "other"} {
			fr := FramingOf(format)
			for mi, mutate := range mutations {
				for _, g := range [][]byte{golden, bytes.ReplaceAll(golden, []byte("\n"), []byte("\r\n"))} {
					got := mutate(golden)
					want := compare("golden", fr, g, got)
					s := newOutputCompare(fr, g)
					for rest := got; len(rest) > 0; {
						n := min(len(rest), 1+rng.IntN(200))
						s.Write(rest[:n])
						rest = rest[n:]
					}
					d, frames := s.finish()
					if !reflect.DeepEqual(d, want) || frames != len(fr.pieces(got)) {
						t.Fatalf("%s as %s, mutation %d: stream %+v (%d frames), whole %+v", name, format, mi, d, frames, want)
					}
				}
			}
		}
	}
}
