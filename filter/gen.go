package filter

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Code generation builds the same control-flow graph of basic blocks as
// libpcap's gencode.c for the link types and primitives supported here:
// same blocks, same statements, same scratch registers, same and/or/not
// plumbing. Reproducing it exactly (rather than writing a "cleaner"
// compiler) is what makes the result answer like tcpdump on every packet,
// truncated ones included: BPF rejects a packet whenever a load falls
// outside it, so which loads run, and in which order, is part of the
// meaning of a filter.

type stmt struct {
	code int
	k    uint32
}

type edge struct {
	id   int
	code int // branch opcode, negated for the false edge
	edom []uint32
	succ *block
	pred *block
	next *edge
}

type block struct {
	id      int
	stmts   []stmt
	s       stmt // the branch or return
	mark    int
	longjt  int
	longjf  int
	level   int
	offset  int
	sense   bool
	et, ef  edge
	head    *block
	link    *block
	dom     []uint32
	inEdges *edge
	def     uint32
	kill    uint32
	inUse   uint32
	outUse  uint32
	oval    uint32
	val     [nAtoms]uint32
}

func jt(b *block) *block { return b.et.succ }
func jf(b *block) *block { return b.ef.succ }

// arth is an arithmetic value under construction: the statements that
// compute it into scratch register regno, and the protocol checks (b) that
// must pass before they run.
type arth struct {
	b     *block
	s     []stmt
	regno int
}

// Link-layer header types as libpcap's DLT_ values.
const (
	dltNull     = 0
	dltEN10MB   = 1
	dltRaw      = 12
	dltLoop     = 108
	dltLinuxSLL = 113
	dltIPv4     = 228
	dltIPv6     = 229
	dltSLL2     = 276
)

const offsetNotSet = 0xffffffff

// Protocol numbers and Ethernet types used by the generator.
const (
	etherMTU         = 1500
	ethertypeIP      = 0x0800
	ethertypeARP     = 0x0806
	ethertypeRevARP  = 0x8035
	ethertypeIPv6    = 0x86dd
	ethertypeAtalk   = 0x809b
	ethertypeAARP    = 0x80f3
	ethertypeDN      = 0x6003
	ethertypeSCA     = 0x6007
	ethertypeLAT     = 0x6004
	ethertypeMOPDL   = 0x6001
	ethertypeMOPRC   = 0x6002
	ethertypeIPX     = 0x8137
	ethertype8021Q   = 0x8100
	ethertype8021AD  = 0x88a8
	ethertypeQinQ    = 0x9100
	ethertypeLoopbk  = 0x9000
	llcsapIP         = 0x06
	llcsapISONS      = 0xfe
	llcsapNetBEUI    = 0xf0
	llcsapIPX        = 0xe0
	llcsapSNAP       = 0xaa
	llcsap8021D      = 0x42
	sllP8023         = 0x0001
	sllP8022         = 0x0004
	sllOutgoing      = 4
	ipprotoICMP      = 1
	ipprotoIGMP      = 2
	ipprotoTCP       = 6
	ipprotoIGRP      = 9
	ipprotoUDP       = 17
	ipprotoFragment  = 44
	ipprotoAH        = 51
	ipprotoESP       = 50
	ipprotoICMPv6    = 58
	ipprotoPIM       = 103
	ipprotoVRRP      = 112
	ipprotoSCTP      = 132
	protoUndef       = -1
	iso8473CLNP      = 0x81
	iso9542ESIS      = 0x82
	iso10589ISIS     = 0x83
	isisL1LanIIH     = 15
	isisL2LanIIH     = 16
	isisPtpIIH       = 17
	isisL1LSP        = 18
	isisL2LSP        = 20
	isisL1CSNP       = 24
	isisL2CSNP       = 25
	isisL1PSNP       = 26
	isisL2PSNP       = 27
	bsdAFInet6BSD    = 24
	bsdAFInet6FBSD   = 28
	bsdAFInet6Darwin = 30
	afInet           = 2
)

// offset relative to: libpcap's e_offrel
const (
	orPacket = iota
	orLinkHdr
	orLinkType
	orLLC
	orLinkPL
	orLinkPLNoSNAP
	orTranIPv4
	orTranIPv6
)

// compileError is a refusal with the byte offset it is about.
type compileError struct {
	pos  int
	kind string // "syntax error", "unsupported", "invalid"
	msg  string
}

type compiler struct {
	dlt                                int
	snaplen                            uint32
	swapped                            bool
	names                              nameDB
	pos                                int // position of the primitive being generated, for errors
	err                                *compileError
	curMark                            int
	regused                            [memWords]bool
	curreg                             int
	vlanDep                            int
	nblocks                            int
	offLinkType, offLinkPL, offLinkHdr uint32
	offNL, offNLNoSNAP                 uint32
}

func (c *compiler) fail(kind, format string, args ...any) {
	if c.err == nil {
		c.err = &compileError{pos: c.pos, kind: kind, msg: fmt.Sprintf(format, args...)}
	}
}

// initLinktype sets the header offsets of the link type (init_linktype);
// dltOf admits only the link types it knows.
func (c *compiler) initLinktype() {
	switch c.dlt {
	case dltEN10MB:
		c.offLinkType, c.offLinkPL, c.offNL, c.offNLNoSNAP = 12, 14, 0, 3
	case dltNull, dltLoop:
		c.offLinkType, c.offLinkPL = 0, 4
	case dltRaw, dltIPv4, dltIPv6:
		c.offLinkType, c.offLinkPL = offsetNotSet, 0
	case dltLinuxSLL:
		c.offLinkType, c.offLinkPL = 14, 16
	case dltSLL2:
		c.offLinkType, c.offLinkPL = 0, 20
	}
}

func (c *compiler) newBlock(code int, k uint32) *block {
	c.nblocks++
	b := &block{s: stmt{code: code, k: k}}
	b.head = b
	return b
}

func (c *compiler) retBlock(v uint32) *block { return c.newBlock(clsRET|retK, v) }

// Backpatching: an unresolved block list is threaded through the jt (or,
// when sense is set, jf) fields, as in libpcap.
func backpatch(list, target *block) {
	for list != nil {
		var next *block
		if !list.sense {
			next = jt(list)
			list.et.succ = target
		} else {
			next = jf(list)
			list.ef.succ = target
		}
		list = next
	}
}

func merge(b0, b1 *block) {
	p := &b0
	for *p != nil {
		if !(*p).sense {
			p = &(*p).et.succ
		} else {
			p = &(*p).ef.succ
		}
	}
	*p = b1
}

func genAnd(b0, b1 *block) {
	backpatch(b0, b1.head)
	b0.sense = !b0.sense
	b1.sense = !b1.sense
	merge(b1, b0)
	b1.sense = !b1.sense
	b1.head = b0.head
}

func genOr(b0, b1 *block) {
	b0.sense = !b0.sense
	backpatch(b0, b1.head)
	b0.sense = !b0.sense
	merge(b1, b0)
	b1.head = b0.head
}

func genNot(b *block) { b.sense = !b.sense }

func (c *compiler) finish(p *block) *block {
	backpatch(p, c.retBlock(c.snaplen))
	p.sense = !p.sense
	backpatch(p, c.retBlock(0))
	return p.head
}

// Loads and comparisons.

func (c *compiler) loadAbs(base, off uint32, size int) []stmt {
	return []stmt{{code: clsLD | modeABS | size, k: base + off}}
}

func (c *compiler) loadA(rel int, off uint32, size int) []stmt {
	switch rel {
	case orPacket:
		return []stmt{{code: clsLD | modeABS | size, k: off}}
	case orLinkHdr:
		return c.loadAbs(c.offLinkHdr, off, size)
	case orLLC:
		return c.loadAbs(c.offLinkPL, off, size)
	case orLinkPL:
		return c.loadAbs(c.offLinkPL, c.offNL+off, size)
	case orLinkPLNoSNAP:
		return c.loadAbs(c.offLinkPL, c.offNLNoSNAP+off, size)
	case orLinkType:
		return c.loadAbs(c.offLinkType, off, size)
	case orTranIPv4:
		return []stmt{
			{code: clsLDX | modeMSH | szB, k: c.offLinkPL + c.offNL},
			{code: clsLD | modeIND | size, k: c.offLinkPL + c.offNL + off},
		}
	case orTranIPv6:
		return c.loadAbs(c.offLinkPL, c.offNL+40+off, size)
	}
	panic("filter: bad offset base")
}

func (c *compiler) ncmp(rel int, off uint32, size int, mask uint32, jtype int, reverse bool, v uint32) *block {
	s := c.loadA(rel, off, size)
	if mask != 0xffffffff {
		s = append(s, stmt{code: clsALU | aluAND | srcK, k: mask})
	}
	b := c.newBlock(clsJMP|jtype|srcK, v)
	b.stmts = s
	if reverse && (jtype == jmpJGT || jtype == jmpJGE) {
		genNot(b)
	}
	return b
}

func (c *compiler) cmp(rel int, off uint32, size int, v uint32) *block {
	return c.ncmp(rel, off, size, 0xffffffff, jmpJEQ, false, v)
}
func (c *compiler) cmpGT(rel int, off uint32, size int, v uint32) *block {
	return c.ncmp(rel, off, size, 0xffffffff, jmpJGT, false, v)
}
func (c *compiler) cmpGE(rel int, off uint32, size int, v uint32) *block {
	return c.ncmp(rel, off, size, 0xffffffff, jmpJGE, false, v)
}
func (c *compiler) cmpLT(rel int, off uint32, size int, v uint32) *block {
	return c.ncmp(rel, off, size, 0xffffffff, jmpJGE, true, v)
}
func (c *compiler) cmpLE(rel int, off uint32, size int, v uint32) *block {
	return c.ncmp(rel, off, size, 0xffffffff, jmpJGT, true, v)
}
func (c *compiler) mcmp(rel int, off uint32, size int, v, mask uint32) *block {
	return c.ncmp(rel, off, size, mask, jmpJEQ, false, v)
}

// bcmp compares a byte string, four bytes at a time from the end.
func (c *compiler) bcmp(rel int, off uint32, v []byte) *block {
	var b *block
	size := uint32(len(v))
	for size >= 4 {
		tmp := c.cmp(rel, off+size-4, szW, binary.BigEndian.Uint32(v[size-4:]))
		if b != nil {
			genAnd(b, tmp)
		}
		b = tmp
		size -= 4
	}
	for size >= 2 {
		tmp := c.cmp(rel, off+size-2, szH, uint32(binary.BigEndian.Uint16(v[size-2:])))
		if b != nil {
			genAnd(b, tmp)
		}
		b = tmp
		size -= 2
	}
	if size > 0 {
		tmp := c.cmp(rel, off, szB, uint32(v[0]))
		if b != nil {
			genAnd(b, tmp)
		}
		b = tmp
	}
	return b
}

func (c *compiler) uncond(rsense bool) *block {
	k := uint32(1)
	if rsense {
		k = 0
	}
	b := c.newBlock(clsJMP|jmpJEQ|srcK, 0)
	b.stmts = []stmt{{code: clsLD | modeIMM, k: k}}
	return b
}

func (c *compiler) genTrue() *block  { return c.uncond(true) }
func (c *compiler) genFalse() *block { return c.uncond(false) }

// Link-layer type tests.

func (c *compiler) etherLinktype(p uint32) *block {
	switch p {
	case llcsapISONS, llcsapIP, llcsapNetBEUI:
		b0 := c.cmpGT(orLinkType, 0, szH, etherMTU)
		genNot(b0)
		b1 := c.cmp(orLLC, 0, szH, p<<8|p)
		genAnd(b0, b1)
		return b1
	case llcsapIPX:
		b0 := c.cmp(orLLC, 0, szB, llcsapIPX)
		b1 := c.cmp(orLLC, 0, szH, 0xffff)
		genOr(b0, b1)
		b0 = c.snap(0x000000, ethertypeIPX)
		genOr(b0, b1)
		b0 = c.cmpGT(orLinkType, 0, szH, etherMTU)
		genNot(b0)
		genAnd(b0, b1)
		b0 = c.cmp(orLinkType, 0, szH, ethertypeIPX)
		genOr(b0, b1)
		return b1
	case ethertypeAtalk, ethertypeAARP:
		b0 := c.cmpGT(orLinkType, 0, szH, etherMTU)
		genNot(b0)
		var b1 *block
		if p == ethertypeAtalk {
			b1 = c.snap(0x080007, ethertypeAtalk)
		} else {
			b1 = c.snap(0x000000, ethertypeAARP)
		}
		genAnd(b0, b1)
		b0 = c.cmp(orLinkType, 0, szH, p)
		genOr(b0, b1)
		return b1
	}
	if p <= etherMTU {
		b0 := c.cmpGT(orLinkType, 0, szH, etherMTU)
		genNot(b0)
		b1 := c.cmp(orLinkType, 2, szB, p)
		genAnd(b0, b1)
		return b1
	}
	return c.cmp(orLinkType, 0, szH, p)
}

func (c *compiler) sllLinktype(p uint32) *block {
	switch p {
	case llcsapISONS, llcsapIP, llcsapNetBEUI:
		b0 := c.cmp(orLinkType, 0, szH, sllP8022)
		b1 := c.cmp(orLLC, 0, szH, p<<8|p)
		genAnd(b0, b1)
		return b1
	case llcsapIPX:
		b0 := c.cmp(orLLC, 0, szB, llcsapIPX)
		b1 := c.snap(0x000000, ethertypeIPX)
		genOr(b0, b1)
		b0 = c.cmp(orLinkType, 0, szH, sllP8022)
		genAnd(b0, b1)
		b0 = c.cmp(orLinkType, 0, szH, sllP8023)
		genOr(b0, b1)
		b0 = c.cmp(orLinkType, 0, szH, ethertypeIPX)
		genOr(b0, b1)
		return b1
	case ethertypeAtalk, ethertypeAARP:
		b0 := c.cmp(orLinkType, 0, szH, sllP8022)
		var b1 *block
		if p == ethertypeAtalk {
			b1 = c.snap(0x080007, ethertypeAtalk)
		} else {
			b1 = c.snap(0x000000, ethertypeAARP)
		}
		genAnd(b0, b1)
		b0 = c.cmp(orLinkType, 0, szH, p)
		genOr(b0, b1)
		return b1
	}
	if p <= etherMTU {
		b0 := c.cmp(orLinkType, 0, szH, sllP8022)
		b1 := c.cmp(orLinkHdr, c.offLinkPL, szB, p)
		genAnd(b0, b1)
		return b1
	}
	return c.cmp(orLinkType, 0, szH, p)
}

func (c *compiler) snap(orgcode, ptype uint32) *block {
	v := []byte{llcsapSNAP, llcsapSNAP, 0x03, byte(orgcode >> 16), byte(orgcode >> 8), byte(orgcode), byte(ptype >> 8), byte(ptype)}
	return c.bcmp(orLLC, 0, v)
}

func (c *compiler) loopbackLinktype(af uint32) *block {
	if c.dlt == dltNull {
		if c.swapped {
			af = af>>24 | af>>8&0xff00 | af<<8&0xff0000 | af<<24
		}
		// The family is in the writer's byte order, which the file
		// rules take to be this host's; BPF loads big-endian.
		var b [4]byte
		binary.NativeEndian.PutUint32(b[:], af)
		af = binary.BigEndian.Uint32(b[:])
	}
	return c.cmp(orLinkHdr, 0, szW, af)
}

func (c *compiler) linktype(p uint32) *block {
	switch c.dlt {
	case dltEN10MB:
		return c.etherLinktype(p)
	case dltLinuxSLL:
		return c.sllLinktype(p)
	case dltRaw:
		switch p {
		case ethertypeIP:
			return c.mcmp(orLinkHdr, 0, szB, 0x40, 0xf0)
		case ethertypeIPv6:
			return c.mcmp(orLinkHdr, 0, szB, 0x60, 0xf0)
		}
		return c.genFalse()
	case dltIPv4:
		if p == ethertypeIP {
			return c.genTrue()
		}
		return c.genFalse()
	case dltIPv6:
		if p == ethertypeIPv6 {
			return c.genTrue()
		}
		return c.genFalse()
	case dltNull, dltLoop:
		switch p {
		case ethertypeIP:
			return c.loopbackLinktype(afInet)
		case ethertypeIPv6:
			// Capture files: any of the BSDs' AF_INET6 values.
			b0 := c.loopbackLinktype(bsdAFInet6BSD)
			b1 := c.loopbackLinktype(bsdAFInet6FBSD)
			genOr(b0, b1)
			b0 = c.loopbackLinktype(bsdAFInet6Darwin)
			genOr(b0, b1)
			return b1
		}
		return c.genFalse()
	}
	// Linux cooked v2: gen_linktype's default case compares the type
	// field, LLC SAP values included.
	return c.cmp(orLinkType, 0, szH, p)
}

// Hosts and networks.

func (c *compiler) hostop(addr, mask uint32, dir uint8, proto uint32, srcOff, dstOff uint32) *block {
	var off uint32
	switch dir {
	case qSrc:
		off = srcOff
	case qDst:
		off = dstOff
	case qAnd:
		b0 := c.hostop(addr, mask, qSrc, proto, srcOff, dstOff)
		b1 := c.hostop(addr, mask, qDst, proto, srcOff, dstOff)
		genAnd(b0, b1)
		return b1
	default: // qDefault, qOr
		b0 := c.hostop(addr, mask, qSrc, proto, srcOff, dstOff)
		b1 := c.hostop(addr, mask, qDst, proto, srcOff, dstOff)
		genOr(b0, b1)
		return b1
	}
	b0 := c.linktype(proto)
	b1 := c.mcmp(orLinkPL, off, szW, addr, mask)
	genAnd(b0, b1)
	return b1
}

func (c *compiler) hostop6(addr, mask [16]byte, dir uint8, srcOff, dstOff uint32) *block {
	var off uint32
	switch dir {
	case qSrc:
		off = srcOff
	case qDst:
		off = dstOff
	case qAnd:
		b0 := c.hostop6(addr, mask, qSrc, srcOff, dstOff)
		b1 := c.hostop6(addr, mask, qDst, srcOff, dstOff)
		genAnd(b0, b1)
		return b1
	default:
		b0 := c.hostop6(addr, mask, qSrc, srcOff, dstOff)
		b1 := c.hostop6(addr, mask, qDst, srcOff, dstOff)
		genOr(b0, b1)
		return b1
	}
	w := func(b [16]byte, i int) uint32 { return binary.BigEndian.Uint32(b[4*i:]) }
	b1 := c.mcmp(orLinkPL, off+12, szW, w(addr, 3), w(mask, 3))
	b0 := c.mcmp(orLinkPL, off+8, szW, w(addr, 2), w(mask, 2))
	genAnd(b0, b1)
	b0 = c.mcmp(orLinkPL, off+4, szW, w(addr, 1), w(mask, 1))
	genAnd(b0, b1)
	b0 = c.mcmp(orLinkPL, off+0, szW, w(addr, 0), w(mask, 0))
	genAnd(b0, b1)
	b0 = c.linktype(ethertypeIPv6)
	genAnd(b0, b1)
	return b1
}

var protoNames = map[uint8]string{
	qLink: "link", qIP: "ip", qARP: "arp", qRARP: "rarp", qSCTP: "sctp", qTCP: "tcp", qUDP: "udp",
	qICMP: "icmp", qIGMP: "igmp", qIGRP: "igrp", qAtalk: "atalk", qDECnet: "decnet", qLAT: "lat",
	qSCA: "sca", qMOPRC: "moprc", qMOPDL: "mopdl", qIPv6: "ip6", qICMPv6: "icmp6", qAH: "ah",
	qESP: "esp", qPIM: "pim", qVRRP: "vrrp", qAARP: "aarp", qISO: "iso", qESIS: "esis",
	qISIS: "isis", qCLNP: "clnp", qSTP: "stp", qIPX: "ipx", qNetBEUI: "netbeui", qISISL1: "l1",
	qISISL2: "l2", qISISIIH: "iih", qISISSNP: "snp", qISISCSN: "csnp", qISISPSN: "psnp",
	qISISLSP: "lsp", qRadio: "radio", qCARP: "carp",
}

func (c *compiler) host(addr, mask uint32, proto, dir, typ uint8) *block {
	typestr := "host"
	if typ == qNet {
		typestr = "net"
	}
	switch proto {
	case qDefault:
		b0 := c.host(addr, mask, qIP, dir, typ)
		b1 := c.host(addr, mask, qARP, dir, typ)
		genOr(b0, b1)
		b0 = c.host(addr, mask, qRARP, dir, typ)
		genOr(b1, b0)
		return b0
	case qIP:
		return c.hostop(addr, mask, dir, ethertypeIP, 12, 16)
	case qRARP:
		return c.hostop(addr, mask, dir, ethertypeRevARP, 14, 24)
	case qARP:
		return c.hostop(addr, mask, dir, ethertypeARP, 14, 24)
	case qLink:
		c.fail("invalid", "link-layer modifier applied to %s", typestr)
	case qIPv6:
		c.fail("invalid", "'ip6' modifier applied to ip host")
	case qDECnet:
		c.fail("unsupported", "DECnet addresses are not supported")
	case qAtalk, qLAT, qSCA, qMOPRC, qMOPDL, qAARP, qISO, qIPX:
		c.fail("invalid", "%s host filtering not implemented", strings.ToUpper(protoNames[proto]))
	default:
		c.fail("invalid", "'%s' modifier applied to %s", protoNames[proto], typestr)
	}
	return c.genFalse()
}

func (c *compiler) host6(addr, mask [16]byte, proto, dir, typ uint8) *block {
	typestr := "host"
	if typ == qNet {
		typestr = "net"
	}
	switch proto {
	case qDefault, qIPv6:
		return c.hostop6(addr, mask, dir, 8, 24)
	case qLink:
		c.fail("invalid", "link-layer modifier applied to ip6 %s", typestr)
	case qAtalk:
		c.fail("invalid", "AppleTalk modifier applied to ip6 %s", typestr)
	default:
		c.fail("invalid", "'%s' modifier applied to ip6 %s", protoNames[proto], typestr)
	}
	return c.genFalse()
}

func (c *compiler) ehostop(eaddr []byte, dir uint8) *block {
	switch dir {
	case qSrc:
		return c.bcmp(orLinkHdr, 6, eaddr)
	case qDst:
		return c.bcmp(orLinkHdr, 0, eaddr)
	case qAnd:
		b0 := c.ehostop(eaddr, qSrc)
		b1 := c.ehostop(eaddr, qDst)
		genAnd(b0, b1)
		return b1
	default:
		b0 := c.ehostop(eaddr, qSrc)
		b1 := c.ehostop(eaddr, qDst)
		genOr(b0, b1)
		return b1
	}
}

// Protocols.

func (c *compiler) protoAbbrev(proto uint8) *block {
	switch proto {
	case qSCTP:
		return c.genProto(ipprotoSCTP, qDefault, qDefault)
	case qTCP:
		return c.genProto(ipprotoTCP, qDefault, qDefault)
	case qUDP:
		return c.genProto(ipprotoUDP, qDefault, qDefault)
	case qICMP:
		return c.genProto(ipprotoICMP, qIP, qDefault)
	case qIGMP:
		return c.genProto(ipprotoIGMP, qIP, qDefault)
	case qIGRP:
		return c.genProto(ipprotoIGRP, qIP, qDefault)
	case qPIM:
		return c.genProto(ipprotoPIM, qDefault, qDefault)
	case qVRRP, qCARP:
		return c.genProto(ipprotoVRRP, qIP, qDefault)
	case qIP:
		return c.linktype(ethertypeIP)
	case qARP:
		return c.linktype(ethertypeARP)
	case qRARP:
		return c.linktype(ethertypeRevARP)
	case qLink:
		c.fail("invalid", "link layer applied in wrong context")
		return c.genFalse()
	case qAtalk:
		return c.linktype(ethertypeAtalk)
	case qAARP:
		return c.linktype(ethertypeAARP)
	case qDECnet:
		return c.linktype(ethertypeDN)
	case qSCA:
		return c.linktype(ethertypeSCA)
	case qLAT:
		return c.linktype(ethertypeLAT)
	case qMOPDL:
		return c.linktype(ethertypeMOPDL)
	case qMOPRC:
		return c.linktype(ethertypeMOPRC)
	case qIPv6:
		return c.linktype(ethertypeIPv6)
	case qICMPv6:
		return c.genProto(ipprotoICMPv6, qIPv6, qDefault)
	case qAH:
		return c.genProto(ipprotoAH, qDefault, qDefault)
	case qESP:
		return c.genProto(ipprotoESP, qDefault, qDefault)
	case qISO:
		return c.linktype(llcsapISONS)
	case qESIS:
		return c.genProto(iso9542ESIS, qISO, qDefault)
	case qISIS:
		return c.genProto(iso10589ISIS, qISO, qDefault)
	case qISISL1:
		return c.isisChain(isisL1LanIIH, isisPtpIIH, isisL1LSP, isisL1CSNP, isisL1PSNP)
	case qISISL2:
		return c.isisChain(isisL2LanIIH, isisPtpIIH, isisL2LSP, isisL2CSNP, isisL2PSNP)
	case qISISIIH:
		return c.isisChain(isisL1LanIIH, isisL2LanIIH, isisPtpIIH)
	case qISISLSP:
		return c.isisChain(isisL1LSP, isisL2LSP)
	case qISISSNP:
		return c.isisChain(isisL1CSNP, isisL2CSNP, isisL1PSNP, isisL2PSNP)
	case qISISCSN:
		return c.isisChain(isisL1CSNP, isisL2CSNP)
	case qISISPSN:
		return c.isisChain(isisL1PSNP, isisL2PSNP)
	case qCLNP:
		return c.genProto(iso8473CLNP, qISO, qDefault)
	case qSTP:
		return c.linktype(llcsap8021D)
	case qIPX:
		return c.linktype(llcsapIPX)
	case qNetBEUI:
		return c.linktype(llcsapNetBEUI)
	case qRadio:
		c.fail("invalid", "'radio' is not a valid protocol type")
	}
	return c.genFalse()
}

// isisChain ors IS-IS PDU type tests the way libpcap does: the first two
// into b1, then each next one in front of it.
func (c *compiler) isisChain(types ...uint32) *block {
	b0 := c.genProto(types[0], qISIS, qDefault)
	b1 := c.genProto(types[1], qISIS, qDefault)
	genOr(b0, b1)
	for _, t := range types[2:] {
		b0 = c.genProto(t, qISIS, qDefault)
		genOr(b0, b1)
	}
	return b1
}

func (c *compiler) ipfrag() *block {
	b := c.newBlock(clsJMP|jmpJSET|srcK, 0x1fff)
	b.stmts = c.loadA(orLinkPL, 6, szH)
	genNot(b)
	return b
}

func (c *compiler) genProto(v uint32, proto, dir uint8) *block {
	if dir != qDefault {
		c.fail("invalid", "direction applied to 'proto'")
		return c.genFalse()
	}
	switch proto {
	case qDefault:
		b0 := c.genProto(v, qIP, dir)
		b1 := c.genProto(v, qIPv6, dir)
		genOr(b0, b1)
		return b1
	case qLink:
		return c.linktype(v)
	case qIP:
		b0 := c.linktype(ethertypeIP)
		b1 := c.cmp(orLinkPL, 9, szB, v)
		genAnd(b0, b1)
		return b1
	case qIPv6:
		b0 := c.linktype(ethertypeIPv6)
		b2 := c.cmp(orLinkPL, 6, szB, ipprotoFragment)
		b1 := c.cmp(orLinkPL, 40, szB, v)
		genAnd(b2, b1)
		b2 = c.cmp(orLinkPL, 6, szB, v)
		genOr(b2, b1)
		genAnd(b0, b1)
		return b1
	case qISO:
		b0 := c.linktype(llcsapISONS)
		b1 := c.cmp(orLinkPLNoSNAP, 0, szB, v)
		genAnd(b0, b1)
		return b1
	case qISIS:
		b0 := c.genProto(iso10589ISIS, qISO, qDefault)
		b1 := c.cmp(orLinkPLNoSNAP, 4, szB, v)
		genAnd(b0, b1)
		return b1
	case qARP, qRARP:
		c.fail("invalid", "%s does not encapsulate another protocol", protoNames[proto])
	case qAtalk, qDECnet:
		c.fail("invalid", "%s encapsulation is not specifiable", strings.ToUpper(protoNames[proto]))
	case qLAT, qSCA, qMOPRC, qMOPDL:
		c.fail("invalid", "%s does not encapsulate another protocol", strings.ToUpper(protoNames[proto]))
	case qCLNP:
		c.fail("invalid", "'clnp proto' is not supported")
	default:
		c.fail("invalid", "'%s proto' is bogus", protoNames[proto])
	}
	return c.genFalse()
}

// Ports.

func (c *compiler) portop(port, proto uint32, dir uint8, rng bool, port2 uint32) *block {
	tmp := c.cmp(orLinkPL, 9, szB, proto)
	b0 := c.ipfrag()
	genAnd(tmp, b0)
	atom := func(off uint32) *block {
		if rng {
			return c.portrangeAtom(orTranIPv4, off, port, port2)
		}
		return c.cmp(orTranIPv4, off, szH, port)
	}
	b1 := c.portDir(atom, dir)
	genAnd(b0, b1)
	return b1
}

func (c *compiler) portDir(atom func(off uint32) *block, dir uint8) *block {
	switch dir {
	case qSrc:
		return atom(0)
	case qDst:
		return atom(2)
	case qAnd:
		tmp := atom(0)
		b1 := atom(2)
		genAnd(tmp, b1)
		return b1
	default:
		tmp := atom(0)
		b1 := atom(2)
		genOr(tmp, b1)
		return b1
	}
}

func (c *compiler) portrangeAtom(rel int, off, v1, v2 uint32) *block {
	if v1 > v2 {
		v1, v2 = v2, v1
	}
	b1 := c.cmpGE(rel, off, szH, v1)
	b2 := c.cmpLE(rel, off, szH, v2)
	genAnd(b1, b2)
	return b2
}

func (c *compiler) port(port uint32, ipProto int, dir uint8, rng bool, port2 uint32) *block {
	b0 := c.linktype(ethertypeIP)
	var b1 *block
	if ipProto == protoUndef {
		tmp := c.portop(port, ipprotoTCP, dir, rng, port2)
		b1 = c.portop(port, ipprotoUDP, dir, rng, port2)
		genOr(tmp, b1)
		tmp = c.portop(port, ipprotoSCTP, dir, rng, port2)
		genOr(tmp, b1)
	} else {
		b1 = c.portop(port, uint32(ipProto), dir, rng, port2)
	}
	genAnd(b0, b1)
	return b1
}

func (c *compiler) portop6(port, proto uint32, dir uint8, rng bool, port2 uint32) *block {
	b0 := c.cmp(orLinkPL, 6, szB, proto)
	atom := func(off uint32) *block {
		if rng {
			return c.portrangeAtom(orTranIPv6, off, port, port2)
		}
		return c.cmp(orTranIPv6, off, szH, port)
	}
	b1 := c.portDir(atom, dir)
	genAnd(b0, b1)
	return b1
}

func (c *compiler) port6(port uint32, ipProto int, dir uint8, rng bool, port2 uint32) *block {
	b0 := c.linktype(ethertypeIPv6)
	var b1 *block
	if ipProto == protoUndef {
		tmp := c.portop6(port, ipprotoTCP, dir, rng, port2)
		b1 = c.portop6(port, ipprotoUDP, dir, rng, port2)
		genOr(tmp, b1)
		tmp = c.portop6(port, ipprotoSCTP, dir, rng, port2)
		genOr(tmp, b1)
	} else {
		b1 = c.portop6(port, uint32(ipProto), dir, rng, port2)
	}
	genAnd(b0, b1)
	return b1
}

// bothPorts is "port" or "portrange" over IPv4 then IPv6.
func (c *compiler) bothPorts(p1, p2 uint32, ipProto int, dir uint8, rng bool) *block {
	b := c.port(p1, ipProto, dir, rng, p2)
	genOr(c.port6(p1, ipProto, dir, rng, p2), b)
	return b
}

// Primitives with an address, name or number.

func (c *compiler) genID(n *nID) *block {
	c.pos = n.pos
	q := n.q
	switch n.kind {
	case tNum:
		return c.ncode("", n.num, q)
	case tHID:
		if n.cidr {
			return c.mcode(n.s1, "", n.num, q)
		}
		if n.mask {
			return c.mcode(n.s1, n.s2, 0, q)
		}
		switch q.addr {
		case qPort:
			c.fail("invalid", "'port' modifier applied to ip host")
		case qPortrange:
			c.fail("invalid", "'portrange' modifier applied to ip host")
		case qProto:
			c.fail("invalid", "'proto' modifier applied to ip host")
		case qProtochain:
			c.fail("invalid", "'protochain' modifier applied to ip host")
		default:
			return c.ncode(n.s1, 0, q)
		}
		return c.genFalse()
	case tHID6:
		masklen := uint32(128)
		if n.cidr {
			masklen = n.num
		}
		return c.mcode6(n.s1, masklen, q)
	case tEID:
		return c.ecode(n.s1, q)
	case tAID:
		c.fail("unsupported", "ARCnet addresses are not supported")
		return c.genFalse()
	}
	return c.scode(n.s1, q)
}

// atoin parses a dotted decimal address of 1 to 4 parts (libpcap's
// __pcap_atoin) and returns it with its length in bits.
func (c *compiler) atoin(s string) (uint32, int, bool) {
	var addr uint32
	bits := 0
	for _, part := range strings.Split(s, ".") {
		if part == "" || strings.IndexFunc(part, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			c.fail("unsupported", "address %s: only decimal parts are supported", s)
			return 0, 0, false
		}
		v, err := strconv.ParseUint(part, 10, 32)
		if err != nil || v > 255 {
			c.fail("invalid", "invalid IPv4 address '%s'", s)
			return 0, 0, false
		}
		addr = addr<<8 | uint32(v)
		bits += 8
	}
	return addr, bits, true
}

func (c *compiler) ncode(s string, v uint32, q qual) *block {
	proto, dir := q.proto, q.dir
	vlen := 32
	if s != "" {
		var ok bool
		if v, vlen, ok = c.atoin(s); !ok {
			return c.genFalse()
		}
	}
	if q.proto == qDECnet && q.addr != qUndef {
		c.fail("unsupported", "DECnet addresses are not supported")
		return c.genFalse()
	}
	switch q.addr {
	case qDefault, qHost, qNet:
		if proto == qLink {
			c.fail("invalid", "illegal link layer address")
			return c.genFalse()
		}
		mask := uint32(0xffffffff)
		if s == "" && q.addr == qNet {
			for v != 0 && v&0xff000000 == 0 {
				v <<= 8
				mask <<= 8
			}
		} else {
			v <<= 32 - vlen
			mask <<= 32 - vlen
		}
		return c.host(v, mask, proto, dir, q.addr)
	case qPort, qPortrange:
		what := "port"
		if q.addr == qPortrange {
			what = "portrange"
		}
		ipProto, ok := c.portProto(proto)
		if !ok {
			c.fail("invalid", "illegal qualifier of '%s'", what)
			return c.genFalse()
		}
		if v > 65535 {
			c.fail("invalid", "illegal port number %d > 65535", v)
			return c.genFalse()
		}
		return c.bothPorts(v, v, ipProto, dir, q.addr == qPortrange)
	case qGateway:
		c.fail("invalid", "'gateway' requires a name")
	case qProto:
		return c.genProto(v, proto, dir)
	case qProtochain:
		c.fail("unsupported", "protochain is not supported")
	default:
		c.fail("syntax error", "a bare address or number needs a qualifier such as host or port")
	}
	return c.genFalse()
}

func (c *compiler) portProto(proto uint8) (int, bool) {
	switch proto {
	case qUDP:
		return ipprotoUDP, true
	case qTCP:
		return ipprotoTCP, true
	case qSCTP:
		return ipprotoSCTP, true
	case qDefault:
		return protoUndef, true
	}
	return 0, false
}

func (c *compiler) mcode(s1, s2 string, masklen uint32, q qual) *block {
	n, nlen, ok := c.atoin(s1)
	if !ok {
		return c.genFalse()
	}
	n <<= 32 - nlen
	var m uint32
	if s2 != "" {
		mv, mlen, ok := c.atoin(s2)
		if !ok {
			return c.genFalse()
		}
		m = mv << (32 - mlen)
		if n&^m != 0 {
			c.fail("invalid", "non-network bits set in \"%s mask %s\"", s1, s2)
			return c.genFalse()
		}
	} else {
		if masklen > 32 {
			c.fail("invalid", "mask length must be <= 32")
			return c.genFalse()
		}
		if masklen != 0 {
			m = 0xffffffff << (32 - masklen)
		}
		if n&^m != 0 {
			c.fail("invalid", "non-network bits set in \"%s/%d\"", s1, masklen)
			return c.genFalse()
		}
	}
	if q.addr != qNet {
		c.fail("invalid", "Mask syntax for networks only")
		return c.genFalse()
	}
	if q.proto == qDECnet {
		c.fail("unsupported", "DECnet addresses are not supported")
		return c.genFalse()
	}
	return c.host(n, m, q.proto, q.dir, q.addr)
}

func (c *compiler) mcode6(s string, masklen uint32, q qual) *block {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() {
		c.fail("invalid", "invalid ip6 address %s", s)
		return c.genFalse()
	}
	addr := a.As16()
	if masklen > 128 {
		c.fail("invalid", "mask length must be <= 128")
		return c.genFalse()
	}
	var mask [16]byte
	for i := uint32(0); i < masklen/8; i++ {
		mask[i] = 0xff
	}
	if masklen%8 != 0 {
		mask[masklen/8] = byte(0xff << (8 - masklen%8))
	}
	for i := range addr {
		if addr[i]&^mask[i] != 0 {
			c.fail("invalid", "non-network bits set in \"%s/%d\"", s, masklen)
			return c.genFalse()
		}
	}
	switch q.addr {
	case qDefault, qHost:
		if masklen != 128 {
			c.fail("invalid", "Mask syntax for networks only")
			return c.genFalse()
		}
		fallthrough
	case qNet:
		return c.host6(addr, mask, q.proto, q.dir, q.addr)
	}
	c.fail("invalid", "invalid qualifier against IPv6 address")
	return c.genFalse()
}

func (c *compiler) ecode(s string, q qual) *block {
	if (q.addr == qHost || q.addr == qDefault) && q.proto == qLink {
		e := etherAton(s)
		if c.dlt != dltEN10MB {
			c.fail("invalid", "ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel")
			return c.genFalse()
		}
		return c.ehostop(e, q.dir)
	}
	c.fail("invalid", "ethernet address used in non-ether expression")
	return c.genFalse()
}

// etherAton parses the Ethernet address forms the scanner accepted.
func etherAton(s string) []byte {
	var e []byte
	for i := 0; i < len(s); {
		if s[i] == ':' || s[i] == '.' || s[i] == '-' {
			i++
		}
		d := hexVal(s[i])
		i++
		if i < len(s) && isHex(s[i]) {
			d = d<<4 | hexVal(s[i])
			i++
		}
		e = append(e, d)
	}
	return e
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// scode handles a name: a port or protocol name from the system's
// services and protocols files, as libpcap does through getaddrinfo and
// getprotobyname. Host, network and Ethernet host names are refused: their
// meaning would depend on DNS at the time of compiling.
func (c *compiler) scode(name string, q qual) *block {
	proto, dir := q.proto, q.dir
	switch q.addr {
	case qNet:
		c.fail("unsupported", "network names are not supported (%q); use an address", name)
	case qDefault, qHost:
		if proto == qLink {
			c.fail("unsupported", "Ethernet host names are not supported (%q); use an address", name)
		} else {
			c.fail("unsupported", "host names are not supported (%q); use an address", name)
		}
	case qPort, qPortrange:
		what := "port"
		if q.addr == qPortrange {
			what = "portrange"
		}
		if proto != qDefault && proto != qUDP && proto != qTCP && proto != qSCTP {
			c.fail("invalid", "illegal qualifier of '%s'", what)
			return c.genFalse()
		}
		var p1, p2 uint32
		var real int
		var ok bool
		if q.addr == qPort {
			p1, real, ok = c.names.port(name)
			p2 = p1
		} else {
			p1, p2, real, ok = c.names.portrange(name)
		}
		if !ok {
			if q.addr == qPort {
				c.fail("invalid", "unknown port '%s'", name)
			} else {
				c.fail("invalid", "unknown port in range '%s'", name)
			}
			return c.genFalse()
		}
		in := ""
		if q.addr == qPortrange {
			in = " in range"
		}
		want := map[uint8]int{qUDP: ipprotoUDP, qTCP: ipprotoTCP, qSCTP: ipprotoSCTP}[proto]
		if proto != qDefault {
			if real != protoUndef && real != want {
				c.fail("invalid", "port%s '%s' is %s", in, name, map[int]string{ipprotoUDP: "udp", ipprotoTCP: "tcp", ipprotoSCTP: "sctp"}[real])
				return c.genFalse()
			}
			real = want
		}
		if p1 > 65535 || p2 > 65535 {
			big := p1
			if p1 <= 65535 {
				big = p2
			}
			c.fail("invalid", "illegal port number %d > 65535", big)
			return c.genFalse()
		}
		return c.bothPorts(p1, p2, real, dir, q.addr == qPortrange)
	case qGateway:
		c.fail("unsupported", "gateway is not supported")
	case qProto:
		v, ok := c.lookupProto(name, proto)
		if !ok {
			return c.genFalse()
		}
		return c.genProto(v, proto, dir)
	case qProtochain:
		c.fail("unsupported", "protochain is not supported")
	default:
		c.fail("syntax error", "a bare name needs a qualifier such as host or port")
	}
	return c.genFalse()
}

var eprotoNames = map[string]uint32{
	"aarp": ethertypeAARP, "arp": ethertypeARP, "atalk": ethertypeAtalk, "decnet": ethertypeDN,
	"ip": ethertypeIP, "ip6": ethertypeIPv6, "lat": ethertypeLAT, "loopback": ethertypeLoopbk,
	"mopdl": ethertypeMOPDL, "moprc": ethertypeMOPRC, "rarp": ethertypeRevARP, "sca": ethertypeSCA,
}

var llcNames = map[string]uint32{"iso": llcsapISONS, "stp": llcsap8021D, "ipx": llcsapIPX, "netbeui": llcsapNetBEUI}

func (c *compiler) lookupProto(name string, proto uint8) (uint32, bool) {
	switch proto {
	case qDefault, qIP, qIPv6:
		v, ok := c.names.proto(name)
		if !ok {
			c.fail("invalid", "unknown ip proto '%s'", name)
		}
		return v, ok
	case qLink:
		if v, ok := eprotoNames[name]; ok {
			return v, true
		}
		if v, ok := llcNames[name]; ok {
			return v, true
		}
		c.fail("invalid", "unknown ether proto '%s'", name)
		return 0, false
	case qISO:
		switch name {
		case "esis":
			return iso9542ESIS, true
		case "isis":
			return iso10589ISIS, true
		case "clnp":
			return iso8473CLNP, true
		}
		c.fail("invalid", "unknown osi proto '%s'", name)
		return 0, false
	}
	c.fail("invalid", "unknown protocol: %s", name)
	return 0, false
}

// Arithmetic.

func (c *compiler) allocReg() int {
	for n := memWords; n > 0; n-- {
		if c.regused[c.curreg] {
			c.curreg = (c.curreg + 1) % memWords
		} else {
			c.regused[c.curreg] = true
			return c.curreg
		}
	}
	c.fail("unsupported", "too many registers needed to evaluate expression")
	return 0
}

func (c *compiler) freeReg(n int) { c.regused[n] = false }

func xferToX(a *arth) stmt { return stmt{code: clsLDX | modeMEM, k: uint32(a.regno)} }
func xferToA(a *arth) stmt { return stmt{code: clsLD | modeMEM, k: uint32(a.regno)} }

func (c *compiler) genArth(n arthNode) *arth {
	switch n := n.(type) {
	case *aNum:
		r := c.allocReg()
		return &arth{s: []stmt{{code: clsLD | modeIMM, k: n.v}, {code: clsST, k: uint32(r)}}, regno: r}
	case *aLen:
		r := c.allocReg()
		return &arth{s: []stmt{{code: clsLD | modeLEN}, {code: clsST, k: uint32(r)}}, regno: r}
	case *aLoad:
		inst := c.genArth(n.idx)
		c.pos = n.pos
		return c.genLoad(n.proto, inst, n.size)
	case *aNeg:
		a := c.genArth(n.a)
		a.s = append(a.s, xferToA(a), stmt{code: clsALU | aluNEG}, stmt{code: clsST, k: uint32(a.regno)})
		return a
	case *aBin:
		a0 := c.genArth(n.a0)
		a1 := c.genArth(n.a1)
		c.pos = n.pos
		first := a1.s[0]
		if first.code == clsLD|modeIMM {
			switch {
			case n.op == aluDIV && first.k == 0:
				c.fail("invalid", "division by zero")
			case n.op == aluMOD && first.k == 0:
				c.fail("invalid", "modulus by zero")
			case (n.op == aluLSH || n.op == aluRSH) && first.k > 31:
				c.fail("invalid", "shift by more than 31 bits")
			}
		}
		a0.s = append(a0.s, a1.s...)
		a0.s = append(a0.s, xferToX(a1), xferToA(a0), stmt{code: clsALU | srcX | n.op})
		c.freeReg(a0.regno)
		c.freeReg(a1.regno)
		a0.regno = c.allocReg()
		a0.s = append(a0.s, stmt{code: clsST, k: uint32(a0.regno)})
		return a0
	}
	panic("filter: bad arithmetic node")
}

func (c *compiler) genLoad(proto uint8, inst *arth, size uint32) *arth {
	regno := c.allocReg()
	c.freeReg(inst.regno)
	var sizeCode int
	switch size {
	case 1:
		sizeCode = szB
	case 2:
		sizeCode = szH
	case 4:
		sizeCode = szW
	default:
		c.fail("invalid", "data size must be 1, 2, or 4")
		return inst
	}
	switch proto {
	case qLink:
		inst.s = append(inst.s, xferToX(inst), stmt{code: clsLD | modeIND | sizeCode, k: c.offLinkHdr})
	case qIP, qARP, qRARP, qAtalk, qDECnet, qSCA, qLAT, qMOPRC, qMOPDL, qIPv6:
		inst.s = append(inst.s, xferToX(inst), stmt{code: clsLD | modeIND | sizeCode, k: c.offLinkPL + c.offNL})
		b := c.protoAbbrev(proto)
		if inst.b != nil {
			genAnd(inst.b, b)
		}
		inst.b = b
	case qSCTP, qTCP, qUDP, qICMP, qIGMP, qIGRP, qPIM, qVRRP, qCARP:
		inst.s = append(inst.s,
			stmt{code: clsLDX | modeMSH | szB, k: c.offLinkPL + c.offNL},
			xferToA(inst),
			stmt{code: clsALU | aluADD | srcX},
			stmt{code: clsMISC | miscTAX},
			stmt{code: clsLD | modeIND | sizeCode, k: c.offLinkPL + c.offNL})
		b := c.ipfrag()
		genAnd(c.protoAbbrev(proto), b)
		if inst.b != nil {
			genAnd(inst.b, b)
		}
		genAnd(c.protoAbbrev(qIP), b)
		inst.b = b
	case qICMPv6:
		b := c.protoAbbrev(qIPv6)
		if inst.b != nil {
			genAnd(inst.b, b)
		}
		inst.b = b
		b = c.cmp(orLinkPL, 6, szB, 58)
		genAnd(inst.b, b)
		inst.b = b
		inst.s = append(inst.s, xferToX(inst), stmt{code: clsLD | modeIND | sizeCode, k: c.offLinkPL + c.offNL + 40})
	case qRadio:
		c.fail("invalid", "radio information not present in capture")
		return inst
	default:
		c.fail("invalid", "unsupported index operation")
		return inst
	}
	inst.regno = regno
	inst.s = append(inst.s, stmt{code: clsST, k: uint32(regno)})
	return inst
}

func (c *compiler) genRelation(n *nRel) *block {
	a0 := c.genArth(n.a0)
	a1 := c.genArth(n.a1)
	c.pos = n.pos
	s := append(a0.s, a1.s...)
	s = append(s, xferToX(a1), xferToA(a0))
	var b *block
	if n.op == jmpJEQ {
		s = append(s, stmt{code: clsALU | aluSUB | srcX})
		b = c.newBlock(clsJMP|jmpJEQ|srcK, 0)
	} else {
		b = c.newBlock(clsJMP|n.op|srcX, 0)
	}
	if n.reversed {
		genNot(b)
	}
	b.stmts = s
	c.freeReg(a0.regno)
	c.freeReg(a1.regno)
	var tmp *block
	if a0.b != nil {
		if a1.b != nil {
			genAnd(a0.b, a1.b)
			tmp = a1.b
		} else {
			tmp = a0.b
		}
	} else {
		tmp = a1.b
	}
	if tmp != nil {
		genAnd(tmp, b)
	}
	return b
}

// Other primitives.

func (c *compiler) genOther(n *nOther) *block {
	c.pos = n.pos
	switch n.kind {
	case tBroadcast:
		switch n.proto {
		case qDefault, qLink:
			if c.dlt != dltEN10MB {
				c.fail("invalid", "not a broadcast link")
				return c.genFalse()
			}
			return c.ehostop([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, qDst)
		case qIP:
			c.fail("invalid", "netmask not known, so 'ip broadcast' not supported")
			return c.genFalse()
		}
		c.fail("invalid", "only link-layer/IP broadcast filters supported")
	case tMulticast:
		switch n.proto {
		case qDefault, qLink:
			if c.dlt == dltEN10MB {
				b0 := c.newBlock(clsJMP|jmpJSET|srcK, 1)
				b0.stmts = c.loadA(orLinkHdr, 0, szB)
				return b0
			}
		case qIP:
			b0 := c.linktype(ethertypeIP)
			b1 := c.cmpGE(orLinkPL, 16, szB, 224)
			genAnd(b0, b1)
			return b1
		case qIPv6:
			b0 := c.linktype(ethertypeIPv6)
			b1 := c.cmp(orLinkPL, 24, szB, 255)
			genAnd(b0, b1)
			return b1
		}
		c.fail("invalid", "link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel")
	case tLess:
		b := c.newBlock(clsJMP|jmpJGT|srcK, n.n1)
		b.stmts = []stmt{{code: clsLD | modeLEN}}
		genNot(b)
		return b
	case tGreater:
		b := c.newBlock(clsJMP|jmpJGE|srcK, n.n1)
		b.stmts = []stmt{{code: clsLD | modeLEN}}
		return b
	case tByte:
		switch n.op {
		case '=':
			return c.cmp(orLinkHdr, n.n1, szB, n.n2)
		case '<':
			return c.cmpLT(orLinkHdr, n.n1, szB, n.n2)
		case '>':
			return c.cmpGT(orLinkHdr, n.n1, szB, n.n2)
		}
		// libpcap compiles "byte N & M" and "byte N | M" without loading
		// the byte; refuse rather than copy that.
		c.fail("unsupported", "'byte %d %c %d' is not supported (libpcap does not load the byte); use ether[%d] %c %d != 0", n.n1, n.op, n.n2, n.n1, n.op, n.n2)
	case tInbound, tOutbound:
		var b *block
		switch c.dlt {
		case dltLinuxSLL:
			b = c.cmp(orLinkHdr, 0, szH, sllOutgoing)
		case dltSLL2:
			b = c.cmp(orLinkHdr, 10, szB, sllOutgoing)
		default:
			c.fail("invalid", "inbound/outbound not supported on %s when reading savefiles", dltName(c.dlt))
			return c.genFalse()
		}
		if n.kind == tInbound {
			genNot(b)
		}
		return b
	case tIfindex:
		if c.dlt != dltSLL2 {
			c.fail("invalid", "ifindex not supported on %s when reading savefiles", dltName(c.dlt))
			return c.genFalse()
		}
		return c.cmp(orLinkHdr, 4, szW, n.n1)
	case tVLAN:
		if c.dlt != dltEN10MB {
			c.fail("invalid", "no VLAN support for %s", dltName(c.dlt))
			return c.genFalse()
		}
		b0 := c.linktype(ethertype8021Q)
		b1 := c.linktype(ethertype8021AD)
		genOr(b0, b1)
		b0 = b1
		b1 = c.linktype(ethertypeQinQ)
		genOr(b0, b1)
		b0 = b1
		if n.has {
			if n.n1 > 0x0fff {
				c.fail("invalid", "VLAN tag %d greater than maximum %d", n.n1, 0x0fff)
				return c.genFalse()
			}
			b1 := c.mcmp(orLinkPL, 0, szH, n.n1, 0x0fff)
			genAnd(b0, b1)
			b0 = b1
		}
		c.offLinkPL += 4
		c.offLinkType += 4
		c.vlanDep++
		return b0
	}
	return c.genFalse()
}

func dltName(dlt int) string {
	switch dlt {
	case dltNull:
		return "BSD loopback"
	case dltEN10MB:
		return "Ethernet"
	case dltRaw:
		return "Raw IP"
	case dltLoop:
		return "OpenBSD loopback"
	case dltLinuxSLL:
		return "Linux cooked v1"
	case dltIPv4:
		return "Raw IPv4"
	case dltIPv6:
		return "Raw IPv6"
	case dltSLL2:
		return "Linux cooked v2"
	}
	return "DLT " + strconv.Itoa(dlt)
}

// gen walks the tree in yacc's reduction order.
func (c *compiler) gen(n node) *block {
	switch n := n.(type) {
	case *nAnd:
		b0 := c.gen(n.l)
		b1 := c.gen(n.r)
		genAnd(b0, b1)
		return b1
	case *nOr:
		b0 := c.gen(n.l)
		b1 := c.gen(n.r)
		genOr(b0, b1)
		return b1
	case *nNot:
		b := c.gen(n.x)
		genNot(b)
		return b
	case *nID:
		return c.genID(n)
	case *nProto:
		c.pos = n.pos
		return c.protoAbbrev(n.proto)
	case *nRel:
		return c.genRelation(n)
	case *nOther:
		return c.genOther(n)
	}
	panic("filter: bad syntax node")
}
