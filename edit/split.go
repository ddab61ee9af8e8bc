package edit

import (
	"bufio"
	"container/list"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/flow"
)

// SplitBy says how Split cuts a capture.
type SplitBy uint8

const (
	ByFlow  SplitBy = iota + 1 // one file per TCP or UDP conversation, both directions
	ByCount                    // a new file every N frames (as editcap -c)
	ByTime                     // a new file every D from the first frame's time (as editcap -i: a frame at exactly start+D still goes in the slice)
)

// OtherName is what {n} becomes for the frames of no TCP or UDP
// conversation when splitting by flow.
const OtherName = "other"

// Splitter writes frames to numbered files. Splitting by flow keeps at most
// MaxOpen files open (closing the least recently written and reopening it
// to append), and a closed file keeps no buffer, so memory grows by a few
// hundred bytes per conversation, never with their bytes; it makes at most
// MaxFiles files, after which the frames of new conversations go to the
// file of frames of no conversation (LimitHit says when).
type Splitter struct {
	// Inputs are the captures being split: a file name the pattern
	// makes that is one of them is refused, not truncated.
	Inputs []string

	by       SplitBy
	n        int
	d        time.Duration
	pattern  string
	sopt     SinkOptions
	maxOpen  int
	maxFiles int
	spare    []*bufio.Writer // buffers of closed files, for the next opened
	// LimitHit is called once, with the number of files, when a new
	// conversation finds MaxFiles files made: its frames, and those of
	// every later new one, go to the OtherName file. Nil says nothing.
	LimitHit func(files int)
	limitHit bool

	files []*splitFile
	flows map[flow.Key]*splitFile
	other *splitFile
	cur   *splitFile // count and time: the file being written
	inCur int
	start time.Time // time: the start of the current slice
	lru   *list.List
	pkt   decode.Packet
}

type splitFile struct {
	name string
	sink *Sink
	file *os.File
	bw   *bufio.Writer
	elem *list.Element // in lru while open
}

// NewSplitter checks the pattern: it must contain {n} (the file number,
// 0001 on, or OtherName) or gets -{n} before its extension.
//
// maxFiles bounds the files of a split by flow (0: no bound).
func NewSplitter(by SplitBy, n int, d time.Duration, pattern string, sopt SinkOptions, maxOpen, maxFiles int) (*Splitter, error) {
	switch {
	case by == ByCount && n < 1:
		return nil, errors.New("count " + strconv.Itoa(n) + ": want 1 or more frames per file")
	case by == ByTime && d <= 0:
		return nil, errors.New("time " + d.String() + ": want a positive duration")
	case pattern == "" || pattern == "-":
		return nil, errors.New("the output pattern must name files")
	}
	if !strings.Contains(pattern, "{n}") {
		ext := filepath.Ext(pattern)
		pattern = strings.TrimSuffix(pattern, ext) + "-{n}" + ext
	}
	s := &Splitter{by: by, n: n, d: d, pattern: pattern, sopt: sopt, maxOpen: max(maxOpen, 1), maxFiles: maxFiles,
		flows: map[flow.Key]*splitFile{}, lru: list.New()}
	s.pkt.SkipChecksums(true)
	return s, nil
}

// Files returns the names of the files written, in the order they were begun.
func (s *Splitter) Files() []string {
	names := make([]string, len(s.files))
	for i, f := range s.files {
		names[i] = f.name
	}
	return names
}

func (s *Splitter) newFile(tag string) *splitFile {
	f := &splitFile{name: strings.ReplaceAll(s.pattern, "{n}", tag), sink: NewSink(nil, s.sopt)}
	s.files = append(s.files, f)
	return f
}

func (s *Splitter) numbered() *splitFile {
	n := len(s.files) + 1
	if s.other != nil {
		n--
	}
	tag := strconv.Itoa(n)
	if len(tag) < 4 {
		tag = strings.Repeat("0", 4-len(tag)) + tag
	}
	return s.newFile(tag)
}

// open makes f writable, closing the least recently used file when too
// many are open.
func (s *Splitter) open(f *splitFile) error {
	if f.elem != nil {
		s.lru.MoveToFront(f.elem)
		return nil
	}
	if s.lru.Len() >= s.maxOpen {
		if err := s.closeFile(s.lru.Back().Value.(*splitFile)); err != nil {
			return err
		}
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if !f.sink.Started() {
		if err := capture.CheckOutput(f.name, s.Inputs); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if f.sink.Started() {
		flag = os.O_WRONLY | os.O_APPEND
	}
	file, err := os.OpenFile(f.name, flag, 0o644)
	if err != nil {
		return err
	}
	f.file = file
	if n := len(s.spare); n > 0 {
		f.bw, s.spare = s.spare[n-1], s.spare[:n-1]
		f.bw.Reset(file)
	} else {
		f.bw = bufio.NewWriterSize(file, 64<<10)
	}
	f.sink.SetWriter(f.bw)
	f.elem = s.lru.PushFront(f)
	return nil
}

func (s *Splitter) closeFile(f *splitFile) error {
	if f.elem == nil {
		return nil
	}
	s.lru.Remove(f.elem)
	f.elem = nil
	err := f.sink.Close()
	if e := f.bw.Flush(); err == nil {
		err = e
	}
	if e := f.file.Close(); err == nil {
		err = e
	}
	f.bw.Reset(nil)
	s.spare = append(s.spare, f.bw) // at most maxOpen buffers exist
	f.bw, f.file = nil, nil
	return err
}

// Write writes a frame to its file.
func (s *Splitter) Write(fr *Frame) error {
	var f *splitFile
	switch s.by {
	case ByCount:
		if s.cur == nil || s.inCur == s.n {
			if s.cur != nil {
				if err := s.closeFile(s.cur); err != nil {
					return err
				}
			}
			s.cur, s.inCur = s.numbered(), 0
		}
		s.inCur++
		f = s.cur
	case ByTime:
		ts := fr.CI.Timestamp
		if s.cur == nil {
			s.start = ts
		}
		if s.cur == nil || ts.After(s.start.Add(s.d)) {
			if s.cur != nil {
				if err := s.closeFile(s.cur); err != nil {
					return err
				}
			}
			for ts.After(s.start.Add(s.d)) { // skip empty slices, writing no empty file
				s.start = s.start.Add(s.d)
			}
			s.cur = s.numbered()
		}
		f = s.cur
	default:
		k, ok := s.flow(fr)
		if ok && s.flows[k] == nil && s.maxFiles > 0 && len(s.files) >= s.maxFiles {
			if !s.limitHit && s.LimitHit != nil {
				s.LimitHit(len(s.files))
			}
			s.limitHit, ok = true, false
		}
		if !ok {
			if s.other == nil {
				s.other = s.newFile(OtherName)
			}
			f = s.other
		} else if f = s.flows[k]; f == nil {
			f = s.numbered()
			s.flows[k] = f
		}
	}
	if err := s.open(f); err != nil {
		return err
	}
	return f.sink.Write(fr)
}

// flow returns the frame's conversation: protocol and the two endpoints in
// a fixed order, so both directions have one key.
func (s *Splitter) flow(fr *Frame) (flow.Key, bool) {
	p := &s.pkt
	p.Decode(fr.CI.LinkType, fr.Data)
	a, b, proto, ok := flow.Endpoints(p)
	if !ok {
		return flow.Key{}, false
	}
	return flow.NewKey(proto, a, b), true
}

// Close finishes every file.
func (s *Splitter) Close() error {
	var first error
	for _, f := range s.files {
		var err error
		if f.elem != nil {
			err = s.closeFile(f)
		} else if !f.sink.Started() {
			err = s.open(f) // a file that got no frame still gets its header
			if err == nil {
				err = s.closeFile(f)
			}
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// Copy writes every frame of m to the split's files and closes them; it
// returns the frames written. On an error writing one, the files are
// closed and the error returned.
func (s *Splitter) Copy(m *Merger) (frames int, err error) {
	for {
		f, err := m.Next()
		if err == io.EOF {
			break
		}
		if err == nil {
			err = s.Write(f)
		}
		if err != nil {
			s.Close()
			return frames, err
		}
		frames++
	}
	return frames, s.Close()
}
