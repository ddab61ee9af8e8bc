package pcapio

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"strconv"
)

// PacketWriter is what both writers offer, for code that does not care
// which format it writes.
type PacketWriter interface {
	WritePacket(ci CaptureInfo, data []byte) error
}

var (
	_ PacketWriter = (*PcapWriter)(nil)
	_ PacketWriter = (*NgWriter)(nil)
)

// isBigEndian reports whether o writes the most significant byte first; nil
// means little endian.
func isBigEndian(o binary.ByteOrder) bool {
	if o == nil {
		return false
	}
	var b [2]byte
	o.PutUint16(b[:], 0x0102)
	return b[0] == 1
}

// byteOrder is what binary.LittleEndian and binary.BigEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func orderOf(big bool) byteOrder {
	if big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// PcapOptions configures a classic pcap file.
type PcapOptions struct {
	LinkType   LinkType
	Snaplen    int              // packets are cut to it; 0 means 262144
	Nanosecond bool             // ns timestamps (magic a1b23c4d) instead of µs
	ByteOrder  binary.ByteOrder // nil means little endian
	// ExactLength writes CaptureInfo.Length as it is, 0 included, for tools
	// that copy records (a damaged file's wire length of 0 stays 0);
	// otherwise a Length of 0 means len(data).
	ExactLength bool
	// KeepLong writes records longer than Snaplen whole, as editcap does:
	// the snapshot length is then only the header's field, and a tool that
	// copies records never cuts what the user did not ask to cut.
	KeepLong bool
}

// PcapWriter writes a classic pcap file, one Write call per record.
type PcapWriter struct {
	w       io.Writer
	o       byteOrder
	nano    bool
	exact   bool
	keep    bool
	snaplen int
	buf     []byte
}

// NewPcapWriter writes the file header to w and returns a writer for the
// records.
func NewPcapWriter(w io.Writer, opt PcapOptions) (*PcapWriter, error) {
	if opt.Snaplen < 0 || opt.Snaplen > maxPacketData {
		return nil, errors.New("pcapio: snaplen " + strconv.Itoa(opt.Snaplen) + " out of range 0 to " + strconv.Itoa(maxPacketData))
	}
	pw := &PcapWriter{w: w, o: orderOf(isBigEndian(opt.ByteOrder)), nano: opt.Nanosecond, snaplen: opt.Snaplen,
		exact: opt.ExactLength, keep: opt.KeepLong}
	if pw.snaplen == 0 {
		pw.snaplen = maxPacketData
	}
	magic := uint32(0xa1b2c3d4)
	if opt.Nanosecond {
		magic = 0xa1b23c4d
	}
	b := pw.o.AppendUint32(pw.buf[:0], magic)
	b = pw.o.AppendUint16(b, 2)
	b = pw.o.AppendUint16(b, 4)
	b = pw.o.AppendUint32(b, 0) // thiszone
	b = pw.o.AppendUint32(b, 0) // sigfigs
	b = pw.o.AppendUint32(b, uint32(pw.snaplen))
	b = pw.o.AppendUint32(b, uint32(opt.LinkType))
	pw.buf = b
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	return pw, nil
}

// WritePacket writes one record: data cut to the snapshot length, the wire
// length ci.Length (len(data) when 0) and ci.Timestamp, which must lie
// between 1970 and 2106. ci.CaptureLength is not consulted: data is what
// was captured.
func (pw *PcapWriter) WritePacket(ci CaptureInfo, data []byte) error {
	wire, err := wireLength(ci, data, pw.exact)
	if err != nil {
		return err
	}
	if len(data) > pw.snaplen && !pw.keep {
		data = data[:pw.snaplen]
	}
	sec := ci.Timestamp.Unix()
	if sec < 0 || sec > math.MaxUint32 {
		return errors.New("pcapio: timestamp " + ci.Timestamp.String() + " out of the pcap range 1970 to 2106")
	}
	frac := uint32(ci.Timestamp.Nanosecond())
	if !pw.nano {
		frac /= 1000
	}
	b := pw.o.AppendUint32(pw.buf[:0], uint32(sec))
	b = pw.o.AppendUint32(b, frac)
	b = pw.o.AppendUint32(b, uint32(len(data)))
	b = pw.o.AppendUint32(b, wire)
	b = append(b, data...)
	pw.buf = b
	_, err = pw.w.Write(b)
	return err
}

func wireLength(ci CaptureInfo, data []byte, exact bool) (uint32, error) {
	if len(data) > maxPacketData {
		return 0, errors.New("pcapio: packet of " + strconv.Itoa(len(data)) + " bytes exceeds the maximum " + strconv.Itoa(maxPacketData))
	}
	switch {
	case ci.Length == 0 && !exact:
		return uint32(len(data)), nil
	case ci.Length < 0 || int64(ci.Length) > math.MaxUint32:
		return 0, errors.New("pcapio: wire length " + strconv.Itoa(ci.Length) + " out of range")
	}
	return uint32(ci.Length), nil
}

// NgOptions configures a pcapng section.
type NgOptions struct {
	ByteOrder   binary.ByteOrder // nil means little endian
	Interfaces  []Interface      // Name, LinkType, Snaplen, TsResolution, TsOffset
	Application string           // shb_userappl; omitted when ""
	ExactLength bool             // as PcapOptions.ExactLength
	Comments    []string         // opt_comment values of the section header
	KeepLong    bool             // as PcapOptions.KeepLong, for each interface's snapshot length
	// Options, when not nil, is a section header's raw option list (as
	// Reader.SectionOptions returns it, in the byte order OptionsBE says),
	// written instead of Application and Comments: a copy keeps shb_hardware,
	// shb_os, shb_userappl and comments as they were.
	Options   []byte
	OptionsBE bool
}

// NgWriter writes a pcapng file, one Write call per block.
type NgWriter struct {
	w      io.Writer
	o      byteOrder
	ifaces []Interface
	exact  bool
	keep   bool
	buf    []byte
}

// NewNgWriter writes a Section Header Block and one Interface Description
// Block per interface of opt to w.
func NewNgWriter(w io.Writer, opt NgOptions) (*NgWriter, error) {
	nw := &NgWriter{w: w}
	if err := nw.NewSection(opt); err != nil {
		return nil, err
	}
	return nw, nil
}

// NewSection starts a new section, possibly in another byte order, with its
// own interfaces; later packets refer to these.
func (nw *NgWriter) NewSection(opt NgOptions) error {
	if len(opt.Application) > math.MaxUint16 {
		return errors.New("pcapio: application name longer than 65535 bytes")
	}
	nw.o = orderOf(isBigEndian(opt.ByteOrder))
	nw.exact = opt.ExactLength
	nw.keep = opt.KeepLong
	nw.ifaces = nw.ifaces[:0]
	b := nw.o.AppendUint32(nw.buf[:0], btSHB)
	b = nw.o.AppendUint32(b, 0) // length, patched by finish
	b = nw.o.AppendUint32(b, 0x1a2b3c4d)
	b = nw.o.AppendUint16(b, 1)
	b = nw.o.AppendUint16(b, 0)
	b = nw.o.AppendUint64(b, math.MaxUint64) // section length unknown
	if opt.Options != nil {
		var err error
		if b, err = nw.appendRawOptions(b, opt.Options, opt.OptionsBE, "section header", sectionNumeric); err != nil {
			return err
		}
		opt.Comments, opt.Application = nil, ""
	}
	for _, c := range opt.Comments {
		if len(c) > math.MaxUint16 {
			return errors.New("pcapio: comment longer than 65535 bytes")
		}
		b = nw.appendOption(b, optComment, []byte(c))
	}
	if opt.Application != "" {
		b = nw.appendOption(b, 4, []byte(opt.Application))
	}
	if opt.Application != "" || len(opt.Comments) > 0 {
		b = nw.appendOption(b, optEnd, nil)
	}
	if err := nw.finish(b); err != nil {
		return err
	}
	for _, ifc := range opt.Interfaces {
		if _, err := nw.AddInterface(ifc); err != nil {
			return err
		}
	}
	return nil
}

// AddInterface writes an Interface Description Block to the current section
// and returns its interface id, for CaptureInfo.InterfaceIndex.
func (nw *NgWriter) AddInterface(ifc Interface) (int, error) {
	if ifc.Snaplen < 0 || int64(ifc.Snaplen) > math.MaxUint32 {
		return 0, errors.New("pcapio: snaplen " + strconv.Itoa(ifc.Snaplen) + " out of range")
	}
	if len(ifc.Name) > math.MaxUint16 {
		return 0, errors.New("pcapio: interface name longer than 65535 bytes")
	}
	if ifc.TsResolution != 0 && !ifc.TsResolution.IsValid() {
		return 0, errors.New("pcapio: invalid timestamp resolution")
	}
	b := nw.o.AppendUint32(nw.buf[:0], btIDB)
	b = nw.o.AppendUint32(b, 0)
	b = nw.o.AppendUint16(b, uint16(ifc.LinkType))
	b = nw.o.AppendUint16(b, 0)
	b = nw.o.AppendUint32(b, uint32(ifc.Snaplen))
	if ifc.Options != nil {
		var err error
		if b, err = nw.appendRawOptions(b, ifc.Options, ifc.OptionsBE, "interface", ifaceNumeric); err != nil {
			return 0, err
		}
		if err := nw.finish(b); err != nil {
			return 0, err
		}
		nw.ifaces = append(nw.ifaces, ifc)
		return len(nw.ifaces) - 1, nil
	}
	opts := false
	if ifc.Name != "" {
		b, opts = nw.appendOption(b, optIfName, []byte(ifc.Name)), true
	}
	if len(ifc.Description) > math.MaxUint16 {
		return 0, errors.New("pcapio: interface description longer than 65535 bytes")
	}
	if ifc.Description != "" {
		b, opts = nw.appendOption(b, optIfDescr, []byte(ifc.Description)), true
	}
	if len(ifc.Comment) > math.MaxUint16 {
		return 0, errors.New("pcapio: comment longer than 65535 bytes")
	}
	if ifc.Comment != "" {
		b, opts = nw.appendOption(b, optComment, []byte(ifc.Comment)), true
	}
	if ifc.TsResolution.IsValid() && ifc.TsResolution != ResolutionMicro {
		b, opts = nw.appendOption(b, optTsResol, []byte{ifc.TsResolution.Code()}), true
	}
	if ifc.TsOffset != 0 {
		b, opts = nw.appendOption(b, optTsOffset, nw.o.AppendUint64(nil, uint64(ifc.TsOffset))), true
	}
	if opts {
		b = nw.appendOption(b, optEnd, nil)
	}
	if err := nw.finish(b); err != nil {
		return 0, err
	}
	nw.ifaces = append(nw.ifaces, ifc)
	return len(nw.ifaces) - 1, nil
}

// WritePacket writes an Enhanced Packet Block on interface
// ci.InterfaceIndex of the current section: data cut to the interface's
// snapshot length, the wire length ci.Length (len(data) when 0), the
// timestamp in the interface's resolution, and epb_flags when ci.Direction
// is known.
func (nw *NgWriter) WritePacket(ci CaptureInfo, data []byte) error {
	return nw.writeEPB(ci, data, nil, false)
}

// WritePacketOptions writes an Enhanced Packet Block as WritePacket does,
// but with the option list opts (as Reader.PacketOptions returns it, in the
// byte order bigEndian says) instead of one made from ci.Direction. Options
// are re-encoded in the section's byte order: the numeric ones pcapng
// defines for packets (epb_flags, epb_dropcount, epb_packetid, epb_queue)
// and a custom option's enterprise number are swapped, the others (comments,
// hashes, verdicts, unknown codes) copied as they are. A malformed list is
// an error, never written.
func (nw *NgWriter) WritePacketOptions(ci CaptureInfo, data, opts []byte, bigEndian bool) error {
	return nw.writeEPB(ci, data, opts, bigEndian)
}

func (nw *NgWriter) writeEPB(ci CaptureInfo, data, opts []byte, optsBE bool) error {
	if ci.InterfaceIndex < 0 || ci.InterfaceIndex >= len(nw.ifaces) {
		return errors.New("pcapio: interface " + strconv.Itoa(ci.InterfaceIndex) + " not in this section (" +
			strconv.Itoa(len(nw.ifaces)) + " interfaces)")
	}
	ifc := &nw.ifaces[ci.InterfaceIndex]
	wire, err := wireLength(ci, data, nw.exact)
	if err != nil {
		return err
	}
	if ifc.Snaplen > 0 && len(data) > ifc.Snaplen && !nw.keep {
		data = data[:ifc.Snaplen]
	}
	t, ok := ticks(ci.Timestamp, ifc.TsResolution, ifc.TsOffset)
	if !ok {
		res := ifc.TsResolution
		if !res.IsValid() {
			res = ResolutionMicro // the zero value: pcapng's default
		}
		return errors.New("pcapio: timestamp " + ci.Timestamp.String() + " not representable in " + res.String())
	}
	b := nw.o.AppendUint32(nw.buf[:0], btEPB)
	b = nw.o.AppendUint32(b, 0)
	b = nw.o.AppendUint32(b, uint32(ci.InterfaceIndex))
	b = nw.o.AppendUint32(b, uint32(t>>32))
	b = nw.o.AppendUint32(b, uint32(t))
	b = nw.o.AppendUint32(b, uint32(len(data)))
	b = nw.o.AppendUint32(b, wire)
	b = append(b, data...)
	b = append(b, zeros[:pad4(len(data))-len(data)]...)
	if opts != nil {
		var err error
		if b, err = nw.appendOptions(b, opts, optsBE); err != nil {
			return err
		}
		return nw.finish(b)
	}
	if ci.Direction == DirectionInbound || ci.Direction == DirectionOutbound {
		b = nw.o.AppendUint16(b, optFlags)
		b = nw.o.AppendUint16(b, 4)
		b = nw.o.AppendUint32(b, uint32(ci.Direction)) // 1 inbound, 2 outbound
		b = nw.o.AppendUint32(b, 0)                    // opt_endofopt
	}
	return nw.finish(b)
}

var zeros [3]byte

// appendOptions appends a raw packet option list in nw's byte order and
// closes it with opt_endofopt (an empty list adds nothing).
func (nw *NgWriter) appendOptions(b, opts []byte, be bool) ([]byte, error) {
	return nw.appendRawOptions(b, opts, be, "packet", packetNumeric)
}

// packetNumeric returns the width of an Enhanced Packet Block option that is
// a number (epb_flags, epb_queue: 4; epb_dropcount, epb_packetid: 8), 0 for
// the others.
func packetNumeric(code uint16, l int) int {
	switch {
	case (code == optFlags || code == 6) && l == 4:
		return 4
	case (code == 4 || code == 5) && l == 8:
		return 8
	}
	return 0
}

// ifaceNumeric is packetNumeric for an Interface Description Block:
// if_speed, if_tsoffset, if_txspeed, if_rxspeed (8), if_tzone (4).
func ifaceNumeric(code uint16, l int) int {
	switch {
	case (code == 8 || code == optTsOffset || code == 16 || code == 17) && l == 8:
		return 8
	case code == 10 && l == 4:
		return 4
	}
	return 0
}

// sectionNumeric: a section header's options are strings.
func sectionNumeric(uint16, int) int { return 0 }

// appendRawOptions appends a raw option list (in the byte order be says)
// in nw's byte order and closes it with opt_endofopt (an empty list adds
// nothing). numeric says which options are numbers to swap; a custom
// option's enterprise number is swapped too, the others (strings, hashes,
// addresses, unknown codes) are copied as they are. A malformed list is an
// error, never written.
func (nw *NgWriter) appendRawOptions(b, opts []byte, be bool, what string, numeric func(uint16, int) int) ([]byte, error) {
	in := orderOf(be)
	start := len(b)
	for len(opts) >= 4 {
		code, l := in.Uint16(opts), int(in.Uint16(opts[2:]))
		if code == optEnd {
			break
		}
		if 4+l > len(opts) {
			return b[:start], errors.New("pcapio: " + what + " option " + strconv.Itoa(int(code)) + " of length " +
				strconv.Itoa(l) + " overruns the list by " + strconv.Itoa(4+l-len(opts)) + " bytes")
		}
		val := opts[4 : 4+l]
		b = nw.o.AppendUint16(b, code)
		b = nw.o.AppendUint16(b, uint16(l))
		v := len(b)
		b = append(b, val...)
		if in != nw.o {
			switch {
			case (code == 2988 || code == 2989 || code == 19372 || code == 19373) && l >= 4: // custom: PEN
				nw.o.PutUint32(b[v:], in.Uint32(val))
			case numeric(code, l) == 4:
				nw.o.PutUint32(b[v:], in.Uint32(val))
			case numeric(code, l) == 8:
				nw.o.PutUint64(b[v:], in.Uint64(val))
			}
		}
		b = append(b, zeros[:pad4(l)-l]...)
		opts = opts[min(4+pad4(l), len(opts)):]
	}
	if len(b) > start {
		b = nw.o.AppendUint32(b, 0) // opt_endofopt
	}
	return b, nil
}

// WriteCustomBlock writes a copyable Custom Block (type 0x00000BAD) as
// Reader.CustomBlock hands it over: the whole block, in the byte order be
// says. Its enterprise number is re-encoded in the section's byte order,
// its data copied as it is (only its owner knows its layout).
func (nw *NgWriter) WriteCustomBlock(block []byte, be bool) error {
	in := orderOf(be)
	if len(block) < 16 || len(block)%4 != 0 || in.Uint32(block) != btCB || int(in.Uint32(block[4:])) != len(block) {
		return errors.New("pcapio: not a whole custom block")
	}
	b := nw.o.AppendUint32(nw.buf[:0], btCB)
	b = nw.o.AppendUint32(b, 0)
	b = nw.o.AppendUint32(b, in.Uint32(block[8:]))
	b = append(b, block[12:len(block)-4]...)
	return nw.finish(b)
}

// appendOption appends one option, padded to 4 bytes.
func (nw *NgWriter) appendOption(b []byte, code uint16, val []byte) []byte {
	b = nw.o.AppendUint16(b, code)
	b = nw.o.AppendUint16(b, uint16(len(val)))
	b = append(b, val...)
	return append(b, zeros[:pad4(len(val))-len(val)]...)
}

// finish adds the trailing length, patches the leading one and writes the
// block.
func (nw *NgWriter) finish(b []byte) error {
	n := uint32(len(b) + 4)
	b = nw.o.AppendUint32(b, n)
	nw.o.PutUint32(b[4:], n)
	nw.buf = b
	_, err := nw.w.Write(b)
	return err
}
