package pcapio

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"time"
)

// pcapng block types.
const (
	btSHB = 0x0a0d0d0a
	btIDB = 1
	btPB  = 2 // obsolete Packet Block
	btSPB = 3
	btNRB = 4
	btISB = 5
	btEPB = 6
	btDSB = 10
	btCB  = 0x00000bad
	btCB2 = 0x40000bad
)

// Limits on block lengths: blocks whose content is parsed are gathered in
// memory, so they get a tighter bound than blocks that are skipped.
const (
	maxParsedBlock  = 1 << 20
	maxSkippedBlock = 16 << 20
	maxInterfaces   = 1 << 16 // per section, and listed by Interfaces
)

// Option codes read.
const (
	optEnd      = 0
	optFlags    = 2 // epb_flags, pack_flags
	optIfName   = 2
	optTsResol  = 9
	optTsOffset = 14
)

// ngIface is one interface of the current section.
type ngIface struct {
	clock
	link LinkType
	name string
	snap uint32
}

// blockInfo returns a block type's name for messages and its length bounds.
func blockInfo(t uint32) (name string, minLen, maxLen uint32) {
	switch t {
	case btSHB:
		return "section header", 28, maxParsedBlock
	case btIDB:
		return "interface description", 20, maxParsedBlock
	case btEPB:
		return "enhanced packet", 32, maxParsedBlock
	case btPB:
		return "packet", 32, maxParsedBlock
	case btSPB:
		return "simple packet", 16, maxParsedBlock
	case btNRB:
		return "name resolution", 12, maxSkippedBlock
	case btISB:
		return "interface statistics", 12, maxSkippedBlock
	case btDSB:
		return "decryption secrets", 12, maxSkippedBlock
	case btCB, btCB2:
		return "custom", 12, maxSkippedBlock
	}
	return "type 0x" + hex32(t), 12, maxSkippedBlock
}

// openNG reads the first Section Header Block, then every block up to the
// first Interface Description Block so that LinkType is known before the
// first packet. A failure after the SHB is kept for the first read.
func (r *Reader) openNG() error {
	r.format = FormatPcapNG
	if _, _, err := r.block(); err != nil {
		return err
	}
	for len(r.all) == 0 {
		h, _ := r.br.Peek(8)
		if len(h) < 8 {
			break
		}
		if t := r.u32(h); t == btEPB || t == btPB || t == btSPB {
			break
		}
		if _, _, err := r.block(); err != nil {
			r.err = err
			break
		}
	}
	return nil
}

// nextNG reads blocks until one holds a packet.
func (r *Reader) nextNG() ([]byte, CaptureInfo, error) {
	for {
		data, ci, err := r.block()
		if err != nil {
			return r.fail(err)
		}
		if data != nil {
			return data, ci, nil
		}
	}
}

// block reads one block; for a packet block it returns the packet (data is
// non-nil, possibly empty), for any other block nil data.
func (r *Reader) block() ([]byte, CaptureInfo, error) {
	off, n := r.off, r.nrec+1
	h, err := r.br.Peek(8)
	if len(h) < 8 {
		return nil, CaptureInfo{}, r.shortErr("block", n, off, 8, len(h), err)
	}
	r.nrec = n
	btype := r.u32(h)
	if btype == btSHB { // the same in both byte orders; the next field says which
		if h, err = r.br.Peek(12); len(h) < 12 {
			return nil, CaptureInfo{}, r.shortErr("block", n, off, 12, len(h), err)
		}
		switch bom := binary.BigEndian.Uint32(h[8:]); bom {
		case 0x1a2b3c4d:
			r.be = true
		case 0x4d3c2b1a:
			r.be = false
		default:
			return nil, CaptureInfo{}, invalidErr("block", n, off, "bad byte-order magic 0x"+hex32(bom))
		}
	}
	blen := r.u32(h[4:])
	name, minLen, maxLen := blockInfo(btype)
	switch {
	case blen < minLen:
		return nil, CaptureInfo{}, invalidErr("block", n, off, "block length "+utoa(blen)+
			" is below the minimum "+utoa(minLen)+" for a "+name+" block")
	case blen%4 != 0:
		return nil, CaptureInfo{}, invalidErr("block", n, off, "block length "+utoa(blen)+" is not a multiple of 4")
	case blen > maxLen:
		return nil, CaptureInfo{}, invalidErr("block", n, off, "block length "+utoa(blen)+
			" exceeds the maximum "+utoa(maxLen)+" for a "+name+" block")
	}
	switch btype {
	case btSHB, btIDB, btEPB, btPB, btSPB:
	default:
		return nil, CaptureInfo{}, r.skipBlock(n, off, blen)
	}
	blk, got, err := r.take(int(blen))
	if got < int(blen) {
		return nil, CaptureInfo{}, r.shortErr("block", n, off, int(blen), got, err)
	}
	if trail := r.u32(blk[blen-4:]); trail != blen {
		what := "block lengths differ"
		if btype == btSHB {
			what = "section header lengths differ"
		}
		return nil, CaptureInfo{}, invalidErr("block", n, off, what+" (leading "+utoa(blen)+", trailing "+utoa(trail)+")")
	}
	b := ngBlock{r: r, n: n, off: off, body: blk[8 : blen-4]}
	switch btype {
	case btSHB:
		return nil, CaptureInfo{}, b.section()
	case btIDB:
		return nil, CaptureInfo{}, b.iface()
	case btSPB:
		return b.simplePacket()
	}
	return b.packet(btype == btPB)
}

// skipBlock consumes a block that carries no packet, checking its trailer.
func (r *Reader) skipBlock(n int, off int64, blen uint32) error {
	d, err := r.skip(int(blen) - 4)
	if d < int(blen)-4 {
		return r.shortErr("block", n, off, int(blen), d, err)
	}
	t, got, err := r.take(4)
	if got < 4 {
		return r.shortErr("block", n, off, int(blen), d+got, err)
	}
	if trail := r.u32(t); trail != blen {
		return invalidErr("block", n, off, "block lengths differ (leading "+utoa(blen)+", trailing "+utoa(trail)+")")
	}
	return nil
}

func utoa(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// ngBlock is one block being parsed: body is what lies between the block
// length and the trailing length, so body offset i is block offset 8+i.
type ngBlock struct {
	r    *Reader
	n    int
	off  int64
	body []byte
}

func (b *ngBlock) invalid(what string) error { return invalidErr("block", b.n, b.off, what) }

// option returns the option at body offset *pos and advances past it; ok
// is false at the end of the list (no bytes left, or opt_endofopt).
func (b *ngBlock) option(pos *int) (code uint16, val []byte, ok bool, err error) {
	p := *pos
	if len(b.body)-p < 4 {
		return 0, nil, false, nil
	}
	code, l := b.r.u16(b.body[p:]), int(b.r.u16(b.body[p+2:]))
	if code == optEnd {
		return 0, nil, false, nil
	}
	if over := p + 4 + l - len(b.body); over > 0 {
		return 0, nil, false, b.invalid("option at block offset " + strconv.Itoa(8+p) + " (code " +
			strconv.Itoa(int(code)) + ", length " + strconv.Itoa(l) + ") overruns the block by " +
			strconv.Itoa(over) + " bytes")
	}
	*pos = p + 4 + pad4(l)
	return code, b.body[p+4 : p+4+l], true, nil
}

func pad4(n int) int { return (n + 3) &^ 3 }

// checkOptions walks an option list only to validate its framing.
func (b *ngBlock) checkOptions(pos int) error {
	for {
		_, _, ok, err := b.option(&pos)
		if !ok {
			return err
		}
	}
}

// section starts a new section: its byte order is already set by block.
func (b *ngBlock) section() error {
	r := b.r
	major, minor := r.u16(b.body[4:]), r.u16(b.body[6:])
	if !(major == 1 && (minor == 0 || minor == 2)) {
		return b.invalid("unsupported pcapng version " + strconv.Itoa(int(major)) + "." +
			strconv.Itoa(int(minor)) + " (want 1.0 or 1.2)")
	}
	if err := b.checkOptions(16); err != nil {
		return err
	}
	r.section++
	r.ifaces = r.ifaces[:0]
	return nil
}

// iface adds an interface to the current section.
func (b *ngBlock) iface() error {
	r := b.r
	if len(r.ifaces) >= maxInterfaces {
		return b.invalid("more than " + strconv.Itoa(maxInterfaces) + " interfaces in one section")
	}
	link, snap := LinkType(r.u16(b.body)), r.u32(b.body[4:])
	var name string
	var res Resolution
	var offset int64
	for pos := 8; ; {
		code, val, ok, err := b.option(&pos)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch code {
		case optIfName:
			name = string(bytes.TrimRight(val, "\x00"))
		case optTsResol:
			if len(val) != 1 {
				return b.invalid("option if_tsresol has length " + strconv.Itoa(len(val)) + ", want 1")
			}
			var ok bool
			if res, ok = resolutionFromCode(val[0]); !ok {
				return b.invalid("if_tsresol 0x" + hex32(uint32(val[0]))[6:] + " is out of range")
			}
		case optTsOffset:
			if len(val) != 8 {
				return b.invalid("option if_tsoffset has length " + strconv.Itoa(len(val)) + ", want 8")
			}
			offset = int64(r.u64(val))
		}
	}
	r.ifaces = append(r.ifaces, ngIface{clock: newClock(res, offset), link: link, name: name, snap: snap})
	if len(r.all) < maxInterfaces {
		r.all = append(r.all, Interface{Name: name, LinkType: link, Snaplen: int(snap),
			TsResolution: res, TsOffset: offset, Section: r.section, Index: len(r.ifaces) - 1})
	}
	return nil
}

func (b *ngBlock) noIface(id uint32) error {
	return b.invalid("interface id " + utoa(id) + " has no interface (the section has " +
		strconv.Itoa(len(b.r.ifaces)) + ")")
}

func (b *ngBlock) tooBig(caplen uint32) error {
	return b.invalid("captured length " + utoa(caplen) + " exceeds the maximum " + strconv.Itoa(maxPacketData))
}

// packet reads an Enhanced Packet Block, or an obsolete Packet Block (whose
// interface id is 16 bits followed by a drop count). Both have the same
// layout otherwise, and flags (epb_flags, pack_flags) as option 2.
func (b *ngBlock) packet(obsolete bool) ([]byte, CaptureInfo, error) {
	r, body := b.r, b.body
	id := r.u32(body)
	if obsolete {
		id = uint32(r.u16(body))
	}
	if id >= uint32(len(r.ifaces)) {
		return nil, CaptureInfo{}, b.noIface(id)
	}
	caplen, wire := r.u32(body[12:]), r.u32(body[16:])
	if caplen > maxPacketData {
		return nil, CaptureInfo{}, b.tooBig(caplen)
	}
	if room := len(body) - 20; int(caplen) > room {
		return nil, CaptureInfo{}, b.invalid("captured length " + utoa(caplen) +
			" overruns the block (room for " + strconv.Itoa(room) + ")")
	}
	dir := DirectionUnknown
	for pos := 20 + pad4(int(caplen)); pos < len(body); {
		code, val, ok, err := b.option(&pos)
		if err != nil {
			return nil, CaptureInfo{}, err
		}
		if !ok {
			break
		}
		if code == optFlags && len(val) == 4 {
			switch r.u32(val) & 3 {
			case 1:
				dir = DirectionInbound
			case 2:
				dir = DirectionOutbound
			}
		}
	}
	f := &r.ifaces[id]
	t := uint64(r.u32(body[4:]))<<32 | uint64(r.u32(body[8:]))
	return body[20 : 20+caplen], CaptureInfo{
		Timestamp:      f.time(t),
		CaptureLength:  int(caplen),
		Length:         int(wire),
		LinkType:       f.link,
		InterfaceIndex: int(id),
		InterfaceName:  f.name,
		Direction:      dir,
	}, nil
}

// simplePacket reads a Simple Packet Block: interface 0, no timestamp (the
// epoch plus if_tsoffset, as libpcap reports it), and a captured length
// that is the wire length cut to the snapshot length and the block.
func (b *ngBlock) simplePacket() ([]byte, CaptureInfo, error) {
	r, body := b.r, b.body
	if len(r.ifaces) == 0 {
		return nil, CaptureInfo{}, b.noIface(0)
	}
	f := &r.ifaces[0]
	wire := r.u32(body)
	caplen := wire
	if f.snap != 0 && caplen > f.snap {
		caplen = f.snap
	}
	if room := uint32(len(body) - 4); caplen > room {
		caplen = room
	}
	if caplen > maxPacketData {
		return nil, CaptureInfo{}, b.tooBig(caplen)
	}
	return body[4 : 4+caplen], CaptureInfo{
		Timestamp:     time.Unix(f.offset, 0).UTC(),
		CaptureLength: int(caplen),
		Length:        int(wire),
		LinkType:      f.link,
		InterfaceName: f.name,
	}, nil
}
