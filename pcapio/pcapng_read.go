package pcapio

import (
	"bytes"
	"encoding/binary"
	"strconv"
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

// Limits on what one block may make the reader hold.
const (
	maxParsedBlock  = 1 << 20
	maxSkippedBlock = 16 << 20
	maxInterfaces   = 4096    // per section, and listed by Interfaces
	maxNameLen      = 256     // if_name bytes kept
	maxComments     = 64      // opt_comment values kept per section or interface
	maxRawOptions   = 1 << 20 // raw IDB option bytes kept for Interfaces, all interfaces together
)

// Option codes read.
const (
	optEnd      = 0
	optComment  = 1 // opt_comment, in any block
	optFlags    = 2 // epb_flags, pack_flags
	optIfName   = 2
	optIfDescr  = 3
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

// blockLimits returns the bounds of a block type's total length: blocks
// whose content is parsed are gathered in memory, so they get a tighter
// upper bound than blocks that are skipped.
func blockLimits(t uint32) (minLen, maxLen uint32) {
	switch t {
	case btEPB, btPB:
		return 32, maxParsedBlock
	case btSHB:
		return 28, maxParsedBlock
	case btIDB:
		return 20, maxParsedBlock
	case btSPB:
		return 16, maxParsedBlock
	}
	return 12, maxSkippedBlock
}

// blockName names a block type in messages.
func blockName(t uint32) string {
	switch t {
	case btSHB:
		return "section header"
	case btIDB:
		return "interface description"
	case btEPB:
		return "enhanced packet"
	case btPB:
		return "packet"
	case btSPB:
		return "simple packet"
	case btNRB:
		return "name resolution"
	case btISB:
		return "interface statistics"
	case btDSB:
		return "decryption secrets"
	case btCB, btCB2:
		return "custom"
	}
	return "type 0x" + hex32(t)
}

// openNG reads the first Section Header Block, then every block up to the
// first Interface Description Block so that LinkType is known before the
// first packet. A failure after the SHB is kept for the first read.
func (r *Reader) openNG() error {
	r.format = FormatPcapNG
	r.opening = true
	defer func() { r.opening = false }()
	if _, err := r.block(); err != nil {
		return err
	}
	for len(r.all) == 0 {
		h, _ := r.peek(8)
		if len(h) < 8 {
			break
		}
		if t := r.u32(h); t == btEPB || t == btPB || t == btSPB {
			break
		}
		if _, err := r.block(); err != nil {
			r.err = err
			break
		}
	}
	return nil
}

// block reads one block; for a packet block it returns the packet (data is
// non-nil, possibly empty) and fills r.cur, for any other block nil data.
func (r *Reader) block() ([]byte, error) {
	off, n := r.offset(), r.nrec+1
	h, err := r.peek(8)
	if len(h) < 8 {
		return nil, r.shortErr("block", n, off, 8, len(h), err)
	}
	r.nrec = n
	btype := r.u32(h)
	if btype == btSHB { // the same in both byte orders; the next field says which
		if h, err = r.peek(12); len(h) < 12 {
			return nil, r.shortErr("block", n, off, 12, len(h), err)
		}
		switch bom := binary.BigEndian.Uint32(h[8:]); bom {
		case 0x1a2b3c4d:
			r.be = true
		case 0x4d3c2b1a:
			r.be = false
		default:
			return nil, invalidErr("block", n, off, "bad byte-order magic 0x"+hex32(bom))
		}
	}
	blen := r.u32(h[4:])
	minLen, maxLen := blockLimits(btype)
	switch {
	case blen < minLen:
		return nil, invalidErr("block", n, off, "block length "+utoa(blen)+
			" is below the minimum "+utoa(minLen)+" for "+blockName(btype)+" blocks")
	case blen%4 != 0:
		return nil, invalidErr("block", n, off, "block length "+utoa(blen)+" is not a multiple of 4")
	case blen > maxLen:
		return nil, invalidErr("block", n, off, "block length "+utoa(blen)+
			" exceeds the maximum "+utoa(maxLen)+" for "+blockName(btype)+" blocks")
	}
	switch btype {
	case btSHB, btIDB, btEPB, btPB, btSPB:
	case btCB:
		if r.CustomBlock == nil && !r.opening || blen > maxParsedBlock {
			return nil, r.skipBlock(n, off, blen)
		}
	default:
		return nil, r.skipBlock(n, off, blen)
	}
	blk := r.take(int(blen))
	if blk == nil {
		return nil, r.shortErr("block", n, off, int(blen), r.got, r.rerr)
	}
	if trail := r.u32(blk[blen-4:]); trail != blen {
		what := "block lengths differ"
		if btype == btSHB {
			what = "section header lengths differ"
		}
		return nil, invalidErr("block", n, off, what+" (leading "+utoa(blen)+", trailing "+utoa(trail)+")")
	}
	body := blk[8 : blen-4]
	switch btype {
	case btCB:
		if r.CustomBlock != nil {
			r.CustomBlock(blk)
		} else if r.earlyBytes+len(blk) <= maxRawOptions { // NewReader's read-ahead: kept for EarlyCustomBlocks
			r.earlyBytes += len(blk)
			r.early = append(r.early, append([]byte(nil), blk...))
		}
		return nil, nil
	case btEPB, btPB:
		return r.packet(n, body, btype == btPB)
	}
	b := ngBlock{r: r, n: n, off: off, body: body}
	switch btype {
	case btSHB:
		return nil, b.section()
	case btIDB:
		return nil, b.iface()
	}
	return b.simplePacket()
}

// skipBlock consumes a block that carries no packet, checking its trailer.
func (r *Reader) skipBlock(n int, off int64, blen uint32) error {
	d, err := r.skip(int(blen) - 4)
	if d < int(blen)-4 {
		return r.shortErr("block", n, off, int(blen), d, err)
	}
	t := r.take(4)
	if t == nil {
		return r.shortErr("block", n, off, int(blen), d+r.got, r.rerr)
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

// section starts a new section: its byte order is already set by block.
func (b *ngBlock) section() error {
	r := b.r
	major, minor := r.u16(b.body[4:]), r.u16(b.body[6:])
	if !(major == 1 && (minor == 0 || minor == 2)) {
		return b.invalid("unsupported pcapng version " + strconv.Itoa(int(major)) + "." +
			strconv.Itoa(int(minor)) + " (want 1.0 or 1.2)")
	}
	var comments []string
	for pos := 16; ; {
		code, val, ok, err := b.option(&pos)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if code == optComment && len(comments) < maxComments {
			comments = append(comments, string(bytes.TrimRight(val, "\x00")))
		}
	}
	r.section++
	r.ifaces = r.ifaces[:0]
	r.comments = comments
	r.shbOpts = append([]byte{}, b.body[16:]...)
	return nil
}

// iface adds an interface to the current section.
func (b *ngBlock) iface() error {
	r := b.r
	if len(r.ifaces) >= maxInterfaces {
		return b.invalid("more than " + strconv.Itoa(maxInterfaces) + " interfaces in one section")
	}
	link, snap := LinkType(r.u16(b.body)), r.u32(b.body[4:])
	var name, descr string
	var comment string
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
			name = r.intern(bytes.TrimRight(val[:min(len(val), maxNameLen)], "\x00"))
		case optComment:
			if len(r.all) < maxInterfaces && len(comment) < 1<<16 {
				if comment != "" {
					comment += "\n"
				}
				comment += string(bytes.TrimRight(val, "\x00"))
			}
		case optIfDescr:
			descr = string(bytes.TrimRight(val[:min(len(val), maxNameLen)], "\x00"))
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
		ifc := Interface{Name: name, Description: descr, Comment: comment, LinkType: link, Snaplen: int(snap),
			TsResolution: res, TsOffset: offset, Section: r.section, Index: len(r.ifaces) - 1}
		if raw := b.body[8:]; r.rawKept+len(raw) <= maxRawOptions {
			r.rawKept += len(raw)
			ifc.Options, ifc.OptionsBE = append([]byte{}, raw...), r.be
		}
		r.all = append(r.all, ifc)
	}
	return nil
}

// intern returns b as a string, allocating only for names not seen before:
// files repeat the same few interface names section after section.
func (r *Reader) intern(b []byte) string {
	if s, ok := r.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(r.names) < maxInterfaces {
		if r.names == nil {
			r.names = make(map[string]string)
		}
		r.names[s] = s
	}
	return s
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
// layout otherwise, and flags (epb_flags, pack_flags) as option 2. It makes
// an ngBlock only to report an error. ZeroCopyReadPacketData reads most
// Enhanced Packet Blocks inline and must agree with it, down to which blocks
// it refuses (TestFastPathMatchesBlock).
func (r *Reader) packet(n int, body []byte, obsolete bool) ([]byte, error) {
	id := r.u32(body)
	if obsolete {
		id = uint32(r.u16(body))
	}
	if id >= uint32(len(r.ifaces)) {
		return nil, r.justRead(n, body).noIface(id)
	}
	caplen, wire := r.u32(body[12:]), r.u32(body[16:])
	if caplen > maxPacketData {
		return nil, r.justRead(n, body).tooBig(caplen)
	}
	if room := len(body) - 20; int(caplen) > room {
		return nil, r.justRead(n, body).invalid("captured length " + utoa(caplen) +
			" overruns the block (room for " + strconv.Itoa(room) + ")")
	}
	dir := DirectionUnknown
	r.opts = body[min(20+pad4(int(caplen)), len(body)):]
	// The option walk of b.option, inlined by hand for the per-packet path.
	for pos := 20 + pad4(int(caplen)); pos+4 <= len(body); {
		code, l := r.u16(body[pos:]), int(r.u16(body[pos+2:]))
		if code == optEnd {
			break
		}
		if pos+4+l > len(body) {
			_, _, _, err := r.justRead(n, body).option(&pos) // reports the overrun
			return nil, err
		}
		if code == optFlags && l == 4 {
			switch r.u32(body[pos+4:]) & 3 {
			case 1:
				dir = DirectionInbound
			case 2:
				dir = DirectionOutbound
			}
		}
		pos += 4 + pad4(l)
	}
	f := &r.ifaces[id]
	t := uint64(r.u32(body[4:]))<<32 | uint64(r.u32(body[8:]))
	sec, ns := f.split(t)
	r.cur = packetMeta{sec: sec, nsec: ns, wire: int(wire), index: int(id), link: f.link, dir: dir}
	return body[20 : 20+caplen : 20+caplen], nil
}

// justRead describes the block n with the given body, just consumed.
func (r *Reader) justRead(n int, body []byte) *ngBlock {
	return &ngBlock{r: r, n: n, off: r.offset() - int64(len(body)+12), body: body}
}

// simplePacket reads a Simple Packet Block: interface 0, no timestamp (the
// epoch plus if_tsoffset, as libpcap reports it), and a captured length
// that is the wire length cut to the snapshot length and the block.
func (b *ngBlock) simplePacket() ([]byte, error) {
	r, body := b.r, b.body
	if len(r.ifaces) == 0 {
		return nil, b.noIface(0)
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
		return nil, b.tooBig(caplen)
	}
	r.cur = packetMeta{sec: f.offset, wire: int(wire), link: f.link, noTime: true}
	r.opts = nil
	return body[4 : 4+caplen : 4+caplen], nil
}
