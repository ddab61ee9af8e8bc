package grade

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// sketchCap bounds the hashes one sketch keeps.
const sketchCap = 2048

// sketch is a bounded sample of a set of frame hashes that two captures
// can be compared on: it keeps the hashes whose top `level` bits are zero,
// and raises the level (halving the sample) whenever it holds more than
// sketchCap. Two sketches compare at the higher of their levels, where
// both samples are the same hash-chosen subset, and the shared count scales
// back by 2^level. Hand-written because it is a dozen lines and no
// dependency offers this adaptive sampling.
type sketch struct {
	level  uint8
	set    map[uint64]struct{}
	sorted []uint64 // after finish
}

func (s *sketch) init() { s.set = make(map[uint64]struct{}) }

func (s *sketch) add(h uint64) {
	if s.level > 0 && h>>(64-s.level) != 0 {
		return
	}
	s.set[h] = struct{}{}
	for len(s.set) > sketchCap && s.level < 63 {
		s.level++
		for k := range s.set {
			if k>>(64-s.level) != 0 {
				delete(s.set, k)
			}
		}
	}
}

func (s *sketch) finish() {
	s.sorted = make([]uint64, 0, len(s.set))
	for k := range s.set {
		s.sorted = append(s.sorted, k)
	}
	slices.Sort(s.sorted)
	s.set = nil
}

// at returns the sample at a level at least s.level.
func (s *sketch) at(level uint8) []uint64 {
	if level == s.level || level == 0 {
		return s.sorted
	}
	out := make([]uint64, 0, len(s.sorted)>>(level-s.level)+1)
	for _, h := range s.sorted {
		if h>>(64-level) == 0 {
			out = append(out, h)
		}
	}
	return out
}

// size is the estimated number of distinct hashes added.
func (s *sketch) size() int { return len(s.sorted) << s.level }

// shared estimates how many hashes a and b have in common; exact says the
// estimate is a count (both sketches kept everything).
func shared(a, b *sketch) (n int, exact bool) {
	level := max(a.level, b.level)
	x, y := a.at(level), b.at(level)
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] < y[j]:
			i++
		case x[i] > y[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n << level, level == 0
}

// fingerprint is what copy detection compares: the frames' bytes, and
// their MAC addresses with their timestamps. Broadcast and multicast
// frames are left out: every student on a shared segment captures the
// same ones.
type fingerprint struct {
	frames  sketch // hash of each unicast frame's bytes
	stamps  sketch // hash of each frame's timestamp and MAC addresses
	nFrames int
}

func (f *fingerprint) init() {
	f.frames.init()
	f.stamps.init()
}

// add takes one frame and its decoding: the MAC addresses and packet
// types come from decode's link layers.
func (f *fingerprint) add(data []byte, ci pcapio.CaptureInfo, d *decode.Packet) {
	f.nFrames++
	var b [8 + 20]byte
	var mac []byte
	group := false
	switch {
	case d.Layers&decode.LayerEthernet != 0:
		copy(b[8:], d.Eth.Dst[:])
		copy(b[14:], d.Eth.Src[:])
		mac = b[8:20]
		group = d.Eth.Dst[0]&1 != 0 // broadcast or multicast
	case d.Layers&decode.LayerSLL != 0:
		mac = d.SLL.Addr
		group = d.SLL.PacketType == 1 || d.SLL.PacketType == 2
	case d.Layers&decode.LayerSLL2 != 0:
		mac = d.SLL2.Addr
		group = d.SLL2.PacketType == 1 || d.SLL2.PacketType == 2
	}
	if !group {
		f.frames.add(maphash.Bytes(hashSeed, data))
	}
	binary.BigEndian.PutUint64(b[:8], uint64(ci.Timestamp.UnixNano()))
	n := copy(b[8:], mac)
	f.stamps.add(maphash.Bytes(hashSeed, b[:8+n]))
}

func (f *fingerprint) finish() {
	f.frames.finish()
	f.stamps.finish()
}

// similar returns why two captures look copied, or "" when they do not:
// at least half of the smaller one's frames (and at least two) identical,
// or with identical MAC addresses and timestamps.
func similar(a, b *fingerprint) string {
	frames := overlap(&a.frames, &b.frames, "identical")
	if strings.HasPrefix(frames, "all ") {
		return frames // a copy of the whole file: the timestamps add nothing
	}
	stamps := overlap(&a.stamps, &b.stamps, "with identical MAC addresses and timestamps")
	switch {
	case frames == "":
		return stamps
	case stamps == "":
		return frames
	}
	return frames + "; " + stamps
}

func overlap(a, b *sketch, what string) string {
	n, exact := shared(a, b)
	small := min(a.size(), b.size())
	if n < 2 || 2*n < small {
		return ""
	}
	if exact && n == a.size() && n == b.size() {
		return "all " + strconv.Itoa(n) + " frames " + what
	}
	about := ""
	if !exact {
		about = "about "
	}
	if n >= small {
		return about + strconv.Itoa(n) + " frames " + what + " (all of the smaller capture)"
	}
	return about + strconv.Itoa(n) + " of " + strconv.Itoa(small) + " frames " + what
}
