package edit

import (
	"io"
	"slices"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Input is one capture being read.
type Input struct {
	Name string
	R    *pcapio.Reader
}

// Merger yields the frames of several inputs: by timestamp (as mergecap:
// the earliest pending frame first, the lower input index on a tie, each
// input's own order kept), or one input after the other (Append, as
// mergecap -a). It holds one pending frame per input, so memory does not
// grow with the inputs' sizes.
type Merger struct {
	in      []Input
	append  bool
	pending []Frame
	key     []int64 // pending frame's timestamp in ns
	heap    []int   // inputs with a pending frame, earliest on top
	last    int     // input whose frame was returned last; -1 none
	cur     int     // append: the input being read
	started bool
	// Damaged is called once for an input that fails to read to its end
	// (a *pcapio.FormatError or an I/O error); its frames before the damage
	// were passed on and the other inputs go on. Nil ignores damage.
	Damaged func(input int, err error)
}

// NewMerger returns a Merger over in; append concatenates instead of merging.
func NewMerger(in []Input, append bool) *Merger {
	return &Merger{in: in, append: append, pending: make([]Frame, len(in)), key: make([]int64, len(in)), last: -1}
}

// Inputs returns the inputs.
func (m *Merger) Inputs() []Input { return m.in }

// read fills pending[i]; false at the end or on damage.
func (m *Merger) read(i int) bool {
	r := m.in[i].R
	data, ci, err := r.ZeroCopyReadPacketData()
	if err != nil {
		if err != io.EOF && m.Damaged != nil {
			m.Damaged(i, err)
		}
		return false
	}
	m.pending[i] = Frame{Data: data, CI: ci, Opts: r.PacketOptions(), OptsBE: r.BigEndian(), Input: i, Section: r.Section()}
	m.key[i] = ci.Timestamp.UnixNano()
	return true
}

// Next returns the next frame, valid until the next call; io.EOF at the end.
func (m *Merger) Next() (*Frame, error) {
	if m.append {
		for m.cur < len(m.in) {
			if m.read(m.cur) {
				return &m.pending[m.cur], nil
			}
			m.cur++
		}
		return nil, io.EOF
	}
	if !m.started {
		m.started = true
		for i := range m.in {
			if m.read(i) {
				m.push(i)
			}
		}
	} else if m.last >= 0 {
		if m.read(m.last) {
			m.push(m.last)
		}
		m.last = -1
	}
	if len(m.heap) == 0 {
		return nil, io.EOF
	}
	i := m.pop()
	m.last = i
	return &m.pending[i], nil
}

func (m *Merger) less(a, b int) bool {
	return m.key[a] < m.key[b] || m.key[a] == m.key[b] && a < b
}

func (m *Merger) push(i int) {
	h := append(m.heap, i)
	for c := len(h) - 1; c > 0; {
		p := (c - 1) / 2
		if !m.less(h[c], h[p]) {
			break
		}
		h[c], h[p] = h[p], h[c]
		c = p
	}
	m.heap = h
}

func (m *Merger) pop() int {
	h := m.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for p := 0; ; {
		c := 2*p + 1
		if c >= n {
			break
		}
		if c+1 < n && m.less(h[c+1], h[c]) {
			c++
		}
		if !m.less(h[c], h[p]) {
			break
		}
		h[c], h[p] = h[p], h[c]
		p = c
	}
	m.heap = h
	return top
}

// MergedHeader is the header of the file that merges inputs, by
// mergecap's rules: the first input's format (unless format is given),
// byte order (be: 0 the input's, 1 little, 2 big) and link type, the
// largest snapshot length of any interface (at most pcapio.MaxSnaplen,
// and cut when frames are cut), every input's first section's comments
// once each, and each input's interfaces.
func MergedHeader(inputs []Input, format pcapio.Format, be int, cut int) SinkOptions {
	first := inputs[0].R
	if format == pcapio.FormatUnknown {
		format = first.Format()
	}
	opt := SinkOptions{Format: format, BigEndian: first.BigEndian(), Link: first.LinkType(), Inputs: len(inputs),
		Interfaces: func(i int) []pcapio.Interface { return inputs[i].R.Interfaces() }}
	if len(inputs) == 1 && first.Format() == pcapio.FormatPcapNG {
		opt.SectionOptions, opt.SectionOptionsBE = first.SectionOptions(), first.BigEndian()
	}
	if be != 0 {
		opt.BigEndian = be == 2
	}
	for _, in := range inputs { // the largest snapshot length of any interface, as mergecap
		for _, ifc := range in.R.Interfaces() {
			opt.Snaplen = max(opt.Snaplen, ifc.Snaplen)
		}
		for _, c := range in.R.SectionComments() { // each input's first section's comments
			if !slices.Contains(opt.Comments, c) {
				opt.Comments = append(opt.Comments, c)
			}
		}
	}
	if opt.Snaplen <= 0 || opt.Snaplen > pcapio.MaxSnaplen {
		opt.Snaplen = pcapio.MaxSnaplen
	}
	if cut > 0 {
		opt.Snaplen = min(opt.Snaplen, cut)
	}
	return opt
}
