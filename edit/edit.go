// Package edit selects, cuts, converts, merges and splits capture files: the
// work behind turtle edit and turtle split (and the copy turtle anonymize
// writes), turning a large mixed capture into a small deterministic
// fixture. Copy is one capture written from several (OpenInputs, Header,
// a Selector, a rewrite, WriteFile); Spec and SplitSpec check a selection
// and a split as a command line gives them, so the commands only parse
// flags and report.
//
// It is a package of its own because that work belongs to no other stage:
// pcapio reads and writes one file at a time, filter answers for one frame,
// decode names fields; edit strings them together over many inputs and
// outputs. Frames stream through it one at a time: a merge holds one
// pending frame per input (in a heap keyed by timestamp, as mergecap picks
// the earliest, the first input winning a tie), never a file.
//
// Its selections agree with Wireshark's tools frame for frame (the tests run
// editcap and mergecap when they are installed): --frames as editcap -r,
// the time window as editcap -A/-B (from inclusive, to exclusive), a snaplen
// as editcap -s (the wire length is kept), duplicate removal as editcap -d
// (a frame is dropped when its captured length and MD5 match one of the 4
// frames before it that reached the check, duplicates included).
package edit

import (
	"crypto/md5"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/turtle-sniffer/turtle/filter"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Frame is one packet on its way through. Data and Opts are the reader's
// zero-copy views: valid until its input is read again.
type Frame struct {
	Data    []byte
	CI      pcapio.CaptureInfo
	Opts    []byte // pcapng packet options (Reader.PacketOptions)
	OptsBE  bool   // Opts are big-endian
	Input   int    // index of the input it came from
	Section int    // its pcapng section in that input
}

// Range is an inclusive range of 1-based frame numbers; Last 0 means to the
// end.
type Range struct{ First, Last int }

// ParseRanges reads a frame list such as "1-10,15,40-".
func ParseRanges(s string) ([]Range, error) {
	var rs []Range
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, errors.New("empty item in frame list " + strconv.Quote(s))
		}
		a, b, isRange := strings.Cut(part, "-")
		first, err := strconv.Atoi(a)
		if err != nil || first < 1 {
			return nil, errors.New("frame list " + strconv.Quote(s) + ": " + strconv.Quote(part) + " is not a frame number (from 1) or a range N-M, N-")
		}
		r := Range{First: first, Last: first}
		if isRange {
			r.Last = 0
			if b != "" {
				if r.Last, err = strconv.Atoi(b); err != nil || r.Last < first {
					return nil, errors.New("frame list " + strconv.Quote(s) + ": " + strconv.Quote(part) + " is not a range N-M with M >= N")
				}
			}
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// ParseTime reads a time for --from and --to: RFC 3339 ("2026-01-05T09:00:00Z",
// fractions allowed), "2026-01-05 09:00:00[.fraction]" in UTC, or Unix
// seconds with an optional fraction ("1767603600.25").
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02 15:04:05.999999999", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, nil
	}
	sec, frac, _ := strings.Cut(s, ".")
	if n, err := strconv.ParseInt(sec, 10, 64); err == nil && len(frac) <= 9 {
		ns := 0
		if frac != "" {
			f, err := strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
			if err != nil || f < 0 {
				return time.Time{}, errors.New("time " + strconv.Quote(s) + ": bad fraction")
			}
			ns = f
		}
		return time.Unix(n, int64(ns)).UTC(), nil
	}
	return time.Time{}, errors.New("time " + strconv.Quote(s) + " is not RFC 3339 (2026-01-05T09:00:00Z), \"2026-01-05 09:00:00\" (UTC) or Unix seconds")
}

// Options select and cut frames.
type Options struct {
	Frames   []Range   // keep only these frame numbers (numbered in output order before any other selection); nil keeps all
	Count    int       // stop after this many frames written; 0 means no limit
	Filter   string    // tcpdump filter expression; "" keeps all
	From, To time.Time // keep From <= timestamp < To; a zero value is no bound
	Snaplen  int       // cut frames to this many bytes, keeping the wire length; 0 keeps all
	Dedup    bool      // drop exact duplicates as editcap -d
}

// dupWindow is editcap -d's window: the current frame and the 4 before it.
const dupWindow = 5

// Selector applies Options to a stream of frames.
type Selector struct {
	opt     Options
	number  int // frames seen
	written int
	maxNum  int // highest frame number any range keeps; 0 when one is open-ended
	filters map[filterKey]*filter.Filter
	swapped func(input int) bool
	dup     [dupWindow]struct {
		len int
		sum [md5.Size]byte
	}
	dupCur int
	// Duplicates counts the frames dropped as duplicates.
	Duplicates int
}

type filterKey struct {
	link    pcapio.LinkType
	swapped bool
}

// NewSelector checks the options. swapped reports, for an input, whether
// its null/loopback headers are in the other byte order (filter.FileOptions);
// nil means never.
func NewSelector(opt Options, swapped func(input int) bool) (*Selector, error) {
	s := &Selector{opt: opt, swapped: swapped, filters: map[filterKey]*filter.Filter{}}
	for _, r := range opt.Frames {
		if r.Last == 0 {
			s.maxNum = 0
			break
		}
		s.maxNum = max(s.maxNum, r.Last)
	}
	if opt.Snaplen < 0 {
		return nil, errors.New("snaplen " + strconv.Itoa(opt.Snaplen) + " is negative")
	}
	if !opt.From.IsZero() && !opt.To.IsZero() && !opt.From.Before(opt.To) {
		return nil, errors.New("the time window is empty: --from must be before --to")
	}
	for i := range s.dup {
		s.dup[i].len = -1
	}
	return s, nil
}

// Keep reports whether f goes out, cutting f.Data to the snaplen when it
// does. done is true when no later frame can be kept (the count is reached,
// or the last frame number listed is passed). err is a filter that cannot
// be compiled for the frame's link type.
func (s *Selector) Keep(f *Frame) (keep, done bool, err error) {
	if s.opt.Count > 0 && s.written >= s.opt.Count {
		return false, true, nil
	}
	s.number++
	if s.opt.Frames != nil {
		if s.maxNum > 0 && s.number > s.maxNum {
			return false, true, nil
		}
		if !s.inRanges(s.number) {
			return false, false, nil
		}
	}
	ts := f.CI.Timestamp
	if !s.opt.From.IsZero() && ts.Before(s.opt.From) {
		return false, false, nil
	}
	if !s.opt.To.IsZero() && !ts.Before(s.opt.To) {
		return false, false, nil
	}
	if s.opt.Filter != "" {
		k := filterKey{f.CI.LinkType, s.swapped != nil && s.swapped(f.Input)}
		flt, ok := s.filters[k]
		if !ok {
			if flt, err = filter.NewOptions(s.opt.Filter, k.link, pcapio.MaxSnaplen, filter.Options{Swapped: k.swapped}); err != nil {
				return false, true, err
			}
			s.filters[k] = flt
		}
		if !flt.Matches(f.Data, f.CI.Length) {
			return false, false, nil
		}
	}
	if s.opt.Snaplen > 0 && len(f.Data) > s.opt.Snaplen {
		f.Data = f.Data[:s.opt.Snaplen]
		f.CI.CaptureLength = s.opt.Snaplen
	}
	if s.opt.Dedup && s.duplicate(f.Data) {
		s.Duplicates++
		return false, false, nil
	}
	s.written++
	return true, false, nil
}

func (s *Selector) inRanges(n int) bool {
	for _, r := range s.opt.Frames {
		if n >= r.First && (r.Last == 0 || n <= r.Last) {
			return true
		}
	}
	return false
}

// duplicate is editcap's is_duplicate: the frame's length and MD5 take the
// next slot of the window, then are compared with every other slot.
func (s *Selector) duplicate(data []byte) bool {
	s.dupCur = (s.dupCur + 1) % dupWindow
	e := &s.dup[s.dupCur]
	e.len, e.sum = len(data), md5.Sum(data)
	for i := range s.dup {
		if i != s.dupCur && s.dup[i].len == e.len && s.dup[i].sum == e.sum {
			return true
		}
	}
	return false
}
