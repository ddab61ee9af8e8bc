package golden

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Frame is one captured frame with its own copy of the data.
type Frame struct {
	Info pcapio.CaptureInfo
	Data []byte
}

// Container is a capture file format that the containers check re-encodes
// each capture in. Reading the file back must give the text of the
// original packets as the container keeps them.
type Container struct {
	Name string // "pcap", "pcap-ns", "pcap-be", "pcapng"
	// Encode writes pkts to w as one capture file. An error wrapping
	// errors.ErrUnsupported (several link types for classic pcap, a
	// timestamp before 1970) skips the container for that case.
	Encode func(w io.Writer, pkts []Frame) error
	// Keep returns what the container keeps of a packet's info:
	// timestamps cut to its resolution, fields it has no place for zeroed.
	Keep func(ci pcapio.CaptureInfo) pcapio.CaptureInfo
}

// DefaultContainers returns the re-encodings of --containers: classic pcap
// in µs and in ns, little- and big-endian, and pcapng with ns timestamps
// in both byte orders. It is the project's one list of container
// encodings: the tests that print a capture in every encoding use it too.
func DefaultContainers() []Container {
	return []Container{
		pcapContainer("pcap", false, nil),
		pcapContainer("pcap-ns", true, nil),
		pcapContainer("pcap-be", false, binary.BigEndian),
		pcapContainer("pcap-ns-be", true, binary.BigEndian),
		{Name: "pcapng", Encode: ngEncoder(nil), Keep: keepWireLength},
		{Name: "pcapng-be", Encode: ngEncoder(binary.BigEndian), Keep: keepWireLength},
	}
}

func pcapContainer(name string, nano bool, order binary.ByteOrder) Container {
	unit := time.Microsecond
	if nano {
		unit = time.Nanosecond
	}
	return Container{
		Name: name,
		Encode: func(w io.Writer, pkts []Frame) error {
			link := pcapio.LinkTypeEthernet
			if len(pkts) > 0 {
				link = pkts[0].Info.LinkType
			}
			for i := range pkts {
				ci := &pkts[i].Info
				if ci.LinkType != link {
					return fmt.Errorf("packet %d: link type %d after %d: classic pcap has one link type: %w",
						i+1, ci.LinkType, link, errors.ErrUnsupported)
				}
				if sec := ci.Timestamp.Unix(); sec < 0 || sec > math.MaxUint32 {
					return fmt.Errorf("packet %d: timestamp %s is outside classic pcap's 1970 to 2106: %w",
						i+1, ci.Timestamp, errors.ErrUnsupported)
				}
			}
			pw, err := pcapio.NewPcapWriter(w, pcapio.PcapOptions{LinkType: link, Nanosecond: nano, ByteOrder: order})
			if err != nil {
				return err
			}
			for i := range pkts {
				if err := pw.WritePacket(pkts[i].Info, pkts[i].Data); err != nil {
					return fmt.Errorf("packet %d: %w", i+1, err)
				}
			}
			return nil
		},
		Keep: func(ci pcapio.CaptureInfo) pcapio.CaptureInfo {
			ci = keepWireLength(ci)
			ci.Timestamp = ci.Timestamp.Truncate(unit)
			ci.InterfaceIndex, ci.InterfaceName, ci.Direction = 0, "", pcapio.DirectionUnknown
			return ci
		},
	}
}

// keepWireLength is what every writer does with a wire length of 0: it
// writes the captured length instead.
func keepWireLength(ci pcapio.CaptureInfo) pcapio.CaptureInfo {
	if ci.Length == 0 {
		ci.Length = ci.CaptureLength
	}
	return ci
}

// ngEncoder returns the encoder of pcapng in the given byte order (nil:
// little-endian).
func ngEncoder(order binary.ByteOrder) func(w io.Writer, pkts []Frame) error {
	return func(w io.Writer, pkts []Frame) error { return encodeNg(w, pkts, order) }
}

// encodeNg writes pkts as pcapng with ns timestamps, keeping every
// packet's interface index, name, link type and direction: a packet whose
// index was defined differently earlier (a later section of the original)
// starts a new section.
func encodeNg(w io.Writer, pkts []Frame, order binary.ByteOrder) error {
	type iface struct {
		link pcapio.LinkType
		name string
	}
	var ifaces []iface
	nw, err := pcapio.NewNgWriter(w, pcapio.NgOptions{Application: "turtle golden --containers", ByteOrder: order})
	if err != nil {
		return err
	}
	epoch := time.Unix(0, 0)
	for i := range pkts {
		ci := &pkts[i].Info
		if ci.Timestamp.Before(epoch) {
			return fmt.Errorf("packet %d: timestamp %s is before 1970: %w", i+1, ci.Timestamp, errors.ErrUnsupported)
		}
		idx := ci.InterfaceIndex
		if idx < 0 || idx > 1<<16 {
			return fmt.Errorf("packet %d: interface index %d: %w", i+1, idx, errors.ErrUnsupported)
		}
		want := iface{ci.LinkType, ci.InterfaceName}
		if idx < len(ifaces) && ifaces[idx] != want {
			// An interface, once written, cannot change within a section.
			if err := nw.NewSection(pcapio.NgOptions{ByteOrder: order}); err != nil {
				return err
			}
			ifaces = ifaces[:0]
		}
		for len(ifaces) <= idx { // placeholders below idx, then idx itself
			ifc := iface{link: ci.LinkType}
			if len(ifaces) == idx {
				ifc = want
			}
			if _, err := nw.AddInterface(pcapio.Interface{Name: ifc.name, LinkType: ifc.link,
				TsResolution: pcapio.ResolutionNano}); err != nil {
				return err
			}
			ifaces = append(ifaces, ifc)
		}
		if err := nw.WritePacket(*ci, pkts[i].Data); err != nil {
			return fmt.Errorf("packet %d: %w", i+1, err)
		}
	}
	return nil
}

// Containers are checked in batches of packets, each batch re-encoded as
// a capture of its own, so that memory holds one batch whatever the size
// of the capture.
const (
	batchPackets = 1024
	batchBytes   = 1 << 20
)

// checkContainers reads the first n packets of the capture at path again,
// re-encodes them in every container, batch by batch, and compares the
// text read back with the text of the packets as the container keeps them.
func checkContainers(r *Result, opt Options, format decode.Format, fr Framing, path string, n int, s *scratch) {
	containers := opt.Encoders
	if containers == nil {
		containers = DefaultContainers()
	}
	type state struct {
		d          *Diff
		want, got  int // frames so far
		skip, fail bool
	}
	states := make([]state, len(containers))
	var errs []error
	err := func() error {
		f, err := inputfile.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		src, err := capture.NewSource(f, capture.Options{})
		if err != nil {
			return err
		}
		pr := src.Reader()
		var pkts []Frame
		kept := make([]Frame, 0, batchPackets)
		for base := 0; base < n; base += len(pkts) {
			pkts = pkts[:0]
			size := 0
			for len(pkts) < batchPackets && size < batchBytes && base+len(pkts) < n {
				data, ci, err := pr.ReadPacketData()
				if err != nil {
					return err
				}
				pkts = append(pkts, Frame{Info: ci, Data: data})
				size += len(data)
			}
			for k, c := range containers {
				st := &states[k]
				if st.skip || st.fail {
					continue
				}
				s.file.Reset()
				if err := c.Encode(&s.file, pkts); err != nil {
					if errors.Is(err, errors.ErrUnsupported) {
						r.Skipped = append(r.Skipped, c.Name+": "+err.Error())
						st.skip = true
					} else {
						errs = append(errs, fmt.Errorf("encode as %s: %w", c.Name, err))
						st.fail = true
					}
					continue
				}
				kept = kept[:0]
				for i := range pkts {
					kept = append(kept, Frame{Info: c.Keep(pkts[i].Info), Data: pkts[i].Data})
				}
				s.text.Reset()
				if err := printNumbered(format, &s.text, &sliceSource{pkts: kept}, base); err != nil {
					errs = append(errs, fmt.Errorf("print packets kept by %s: %w", c.Name, err))
					st.fail = true
					continue
				}
				want := bytes.Clone(s.text.Bytes())
				s.text.Reset()
				err := func() error {
					rb, err := capture.NewSource(bytes.NewReader(s.file.Bytes()), capture.Options{})
					if err != nil {
						return err
					}
					return printNumbered(format, &s.text, rb, base)
				}()
				if err != nil {
					errs = append(errs, fmt.Errorf("read back the capture re-encoded as %s: %w", c.Name, err))
					st.fail = true
					continue
				}
				got := s.text.Bytes()
				if d := compare(c.Name, fr, want, got); d != nil {
					if st.d == nil {
						st.d = d
						d.Index += st.want
					} else {
						st.d.Changed += d.Changed
					}
					st.want += d.Want
					st.got += d.Got
				} else {
					w := len(fr.pieces(want))
					st.want += w
					st.got += w
				}
			}
		}
		return nil
	}()
	if err != nil {
		errs = append(errs, fmt.Errorf("read the capture again for the containers: %w", err))
	}
	for k := range states {
		if d := states[k].d; d != nil && !states[k].skip {
			d.Want, d.Got = states[k].want, states[k].got
			r.Diffs = append(r.Diffs, d)
		}
	}
	if len(errs) > 0 {
		r.Err = errors.Join(append([]error{r.Err}, errs...)...)
	}
}

// printNumbered prints every packet of src to w, numbering the frames
// from base+1.
func printNumbered(format decode.Format, w io.Writer, src pcapio.Source, base int) error {
	p := &decode.Printer{Format: format, W: w}
	var f pcapio.Frame
	for f.Number = base + 1; ; f.Number++ {
		data, ci, err := src.ZeroCopyReadPacketData()
		if err == io.EOF {
			return p.Flush()
		}
		if err != nil {
			return err
		}
		f.Data, f.Info = data, ci
		if err := p.Print(&f); err != nil {
			return err
		}
	}
}

// sliceSource yields packets from memory, as a pcapio.Source.
type sliceSource struct {
	pkts []Frame
	next int
}

func (s *sliceSource) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	if s.next == len(s.pkts) {
		return nil, pcapio.CaptureInfo{}, io.EOF
	}
	p := &s.pkts[s.next]
	s.next++
	return p.Data, p.Info, nil
}
