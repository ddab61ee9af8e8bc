package edit

import (
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// LinkTypesError refuses to write frames of several link types to classic
// pcap, which has one per file.
type LinkTypesError struct{ Links []pcapio.LinkType }

func (e *LinkTypesError) Error() string {
	names := make([]string, len(e.Links))
	for i, l := range e.Links {
		names[i] = LinkTypeString(l)
	}
	return "pcap holds one link type, and the frames have " + strings.Join(names, ", ") +
		": write pcapng (--to-format pcapng) or select frames of one link type"
}

// LinkTypeString names a link type by number and, for the common ones, name.
func LinkTypeString(l pcapio.LinkType) string {
	n := strconv.Itoa(int(l))
	switch l {
	case pcapio.LinkTypeNull:
		return n + " (BSD loopback)"
	case pcapio.LinkTypeEthernet:
		return n + " (Ethernet)"
	case pcapio.LinkTypeRaw:
		return n + " (raw IP)"
	case pcapio.LinkTypeLoop:
		return n + " (OpenBSD loopback)"
	case pcapio.LinkTypeLinuxSLL:
		return n + " (Linux cooked)"
	case pcapio.LinkTypeIPv4:
		return n + " (raw IPv4)"
	case pcapio.LinkTypeIPv6:
		return n + " (raw IPv6)"
	case pcapio.LinkTypeLinuxSLL2:
		return n + " (Linux cooked v2)"
	case 105:
		return n + " (IEEE 802.11)"
	case 127:
		return n + " (802.11 radiotap)"
	}
	return n
}

// CheckPcapLinks returns a *LinkTypesError when the interfaces known so far
// have more than one link type, so that a conversion to pcap is refused
// before anything is written (a pcapng file whose later interfaces differ
// is refused when their first frame arrives).
func CheckPcapLinks(in []Input) error {
	var links []pcapio.LinkType
	for _, i := range in {
		for _, f := range i.R.Interfaces() {
			if !slices.Contains(links, f.LinkType) {
				links = append(links, f.LinkType)
			}
		}
	}
	if len(links) > 1 {
		return &LinkTypesError{Links: links}
	}
	return nil
}

// SinkOptions describe the output file.
type SinkOptions struct {
	Format    pcapio.Format // FormatPcapMicro, FormatPcapNano or FormatPcapNG
	BigEndian bool
	Snaplen   int // classic pcap header's snapshot length; 0 means 262144
	// Link is the link type of a classic pcap file that gets no frame.
	Link pcapio.LinkType
	// Interfaces returns the interfaces of an input, as Reader.Interfaces:
	// pcapng output describes each interface a frame comes from once.
	Interfaces func(input int) []pcapio.Interface
	// Comments are the output section's comments (pcapng).
	Comments []string
	// Inputs is the number of inputs: pcapng output describes every
	// interface of each (at the latest when it is closed), in the order
	// of the input's own, so that one input's interface ids stay as they
	// were, as editcap keeps them.
	Inputs int
	// SectionOptions, when not nil, is the raw option list of the output
	// section's header (Reader.SectionOptions of a single pcapng input, in
	// the byte order SectionOptionsBE says), written instead of Comments
	// and the application name: shb_hardware, shb_os and shb_userappl stay.
	SectionOptions   []byte
	SectionOptionsBE bool
}

// Sink writes frames to one output file. Its writer may be swapped between
// frames (SetWriter), which split uses to close and reopen files.
type Sink struct {
	opt     SinkOptions
	w       swapWriter
	pw      *pcapio.PcapWriter
	nw      *pcapio.NgWriter
	link    pcapio.LinkType
	ifs     map[ifKey]int
	lastKey ifKey
	lastID  int
	// Frames counts the frames written.
	Frames int
}

type ifKey struct{ input, section, index int }

type swapWriter struct{ w io.Writer }

func (s *swapWriter) Write(b []byte) (int, error) { return s.w.Write(b) }

// NewSink returns a Sink writing to w; nothing is written before the first
// frame or Close.
func NewSink(w io.Writer, opt SinkOptions) *Sink {
	return &Sink{opt: opt, w: swapWriter{w}, ifs: map[ifKey]int{}, lastID: -1}
}

// SetWriter makes later frames go to w (a file reopened for appending).
func (s *Sink) SetWriter(w io.Writer) { s.w.w = w }

// Started reports whether the file header has been written.
func (s *Sink) Started() bool { return s.pw != nil || s.nw != nil }

func (s *Sink) order() binary.ByteOrder {
	if s.opt.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func (s *Sink) start(link pcapio.LinkType) error {
	var err error
	switch s.opt.Format {
	case pcapio.FormatPcapNG:
		s.nw, err = pcapio.NewNgWriter(&s.w, pcapio.NgOptions{ByteOrder: s.order(), Application: "turtle", Comments: s.opt.Comments,
			ExactLength: true, KeepLong: true, Options: s.opt.SectionOptions, OptionsBE: s.opt.SectionOptionsBE})
	case pcapio.FormatPcapMicro, pcapio.FormatPcapNano:
		s.link = link
		s.pw, err = pcapio.NewPcapWriter(&s.w, pcapio.PcapOptions{LinkType: link, Snaplen: s.opt.Snaplen,
			Nanosecond: s.opt.Format == pcapio.FormatPcapNano, ByteOrder: s.order(), ExactLength: true, KeepLong: true})
	default:
		err = errors.New("unknown output format " + s.opt.Format.String())
	}
	return err
}

// Write writes one frame.
func (s *Sink) Write(f *Frame) error {
	if !s.Started() {
		if err := s.start(f.CI.LinkType); err != nil {
			return err
		}
	}
	if s.pw != nil {
		if f.CI.LinkType != s.link {
			return &LinkTypesError{Links: []pcapio.LinkType{s.link, f.CI.LinkType}}
		}
		s.Frames++
		return s.pw.WritePacket(f.CI, f.Data)
	}
	k := ifKey{f.Input, f.Section, f.CI.InterfaceIndex}
	id := s.lastID
	if k != s.lastKey || id < 0 {
		var ok bool
		if id, ok = s.ifs[k]; !ok {
			var err error
			if id, err = s.addInterfaces(k, f.CI.LinkType, f.CI.InterfaceName); err != nil {
				return err
			}
		}
		s.lastKey, s.lastID = k, id
	}
	ci := f.CI
	ci.InterfaceIndex = id
	s.Frames++
	if f.Opts != nil {
		return s.nw.WritePacketOptions(ci, f.Data, f.Opts, f.OptsBE)
	}
	return s.nw.WritePacket(ci, f.Data)
}

// addInterfaces describes the interface k, after every interface of its
// input and section listed before it that is not described yet, so that a
// single input's interface ids are kept; it returns k's id in the output.
func (s *Sink) addInterfaces(k ifKey, link pcapio.LinkType, name string) (int, error) {
	var list []pcapio.Interface
	if s.opt.Interfaces != nil {
		list = s.opt.Interfaces(k.input)
	}
	for _, c := range list {
		if c.Section != k.section || c.Index > k.index {
			continue
		}
		ck := ifKey{k.input, c.Section, c.Index}
		if _, ok := s.ifs[ck]; ok {
			continue
		}
		id, err := s.nw.AddInterface(c)
		if err != nil {
			return 0, err
		}
		s.ifs[ck] = id
	}
	if id, ok := s.ifs[k]; ok {
		return id, nil
	}
	id, err := s.nw.AddInterface(pcapio.Interface{LinkType: link, Name: name}) // not listed (beyond the reader's 4096)
	if err != nil {
		return 0, err
	}
	s.ifs[k] = id
	return id, nil
}

// WriteCustomBlock copies a pcapng Custom Block (Reader.CustomBlock, in the
// byte order be says) to pcapng output; other formats have no place for one
// and skip it.
func (s *Sink) WriteCustomBlock(block []byte, be bool) error {
	if s.opt.Format != pcapio.FormatPcapNG {
		return nil
	}
	if !s.Started() {
		if err := s.start(s.opt.Link); err != nil {
			return err
		}
	}
	return s.nw.WriteCustomBlock(block, be)
}

// Close writes the file header when no frame was written and, in pcapng,
// describes the interfaces of the inputs that no frame used, as editcap
// keeps them.
func (s *Sink) Close() error {
	if !s.Started() {
		if err := s.start(s.opt.Link); err != nil {
			return err
		}
	}
	if s.nw == nil || s.opt.Interfaces == nil {
		return nil
	}
	for i := 0; i < s.opt.Inputs; i++ {
		for _, c := range s.opt.Interfaces(i) {
			k := ifKey{i, c.Section, c.Index}
			if _, ok := s.ifs[k]; ok {
				continue
			}
			if _, err := s.addInterfaces(k, c.LinkType, c.Name); err != nil {
				return err
			}
		}
	}
	s.lastID = -1
	return nil
}
