// Package pcapio reads and writes capture files: classic pcap (µs and ns,
// either byte order) and pcapng (any number of sections and interfaces),
// optionally gzip-compressed, detected by content rather than by name.
//
// It is written by hand rather than on gopacket's pcapgo because turtle must
// read every file users bring, and pcapgo gets several of them wrong (link
// types above 255, binary if_tsresol, a later pcapng section with another
// link type, a plain io.EOF after a complete record header at the end of a
// cut file) and offers no zero-copy path over pcapng. The types here are
// small values in the style of net/netip.
//
// # Reading
//
// [NewReader] sniffs the first bytes: 1f 8b is gzip (decompressed on the
// fly, as Wireshark reads .pcap.gz), then the pcap magic (µs a1b2c3d4, ns
// a1b23c4d, the Kuznetzov variant a1b2cd34, each in either byte order) or
// the pcapng Section Header Block. It never seeks, so standard input works.
// [Reader.ZeroCopyReadPacketData] allocates nothing per packet;
// [Reader.ReadPacketData] returns a fresh copy.
//
// [NewMappedReader] maps a regular file of 1 MiB or more (an *os.File,
// standard input redirected from one included) rather than reading it, on
// Linux, macOS and the BSDs, 4 MiB at a time from its current offset:
// records are sliced from the kernel's pages with no copy, at most two
// windows are mapped by the Reader itself, and [Reader.Pin] lets a
// parallel consumer keep a window while it formats the packets in it;
// [Reader.PinRun] takes a classic pcap file's records a run at a time
// (the reading goroutine only checks their lengths) and [Run.Next] builds
// each packet's CaptureInfo on the goroutine that formats it.
// Everything else (pipes, small files, Windows, [NewReader]) goes through
// a 256 KiB buffer; what is read, and every error, is the same either way.
//
// Classic pcap is read as libpcap 1.10 reads it: the link type is the low
// 16 bits of the header field, the FCS bits above it (P, and the FCS length
// with or without P: the "junk" old writers leave) are exposed by
// [Reader.FCSLength]. Unlike libpcap, the reserved bits 16-25 and 27 must
// be zero: no writer sets them, so a header with them set is reported
// rather than guessed at (the draft standard says to ignore them; no file
// of tcpdump's corpus sets them). A record whose captured length exceeds the snapshot
// length is cut to the snapshot length (the rest of it is skipped), a
// captured length above the wire length and a captured length of 0 are kept
// as they are, versions 2.0 to 2.2 (and 543.0) have their length fields
// swapped back. Seconds are unsigned (valid to 2106).
//
// pcapng: every section may change byte order; every interface keeps its own
// link type, snapshot length, if_tsresol (decimal or binary, converted with
// integer arithmetic only) and if_tsoffset; Enhanced, Simple and obsolete
// Packet blocks yield packets, every other block (Name Resolution, Interface
// Statistics, custom, unknown) is checked for its framing and skipped.
// CaptureInfo.InterfaceIndex is the interface id within the packet's
// section; [Reader.Interfaces] lists every interface seen so far. Unlike
// libpcap, pcapio accepts interfaces of different link types, sections of
// different byte orders, and an EPB captured length above its interface's
// snapshot length (the bytes are in the block).
//
// # Errors
//
// A file that ends cleanly between two records or blocks ends with io.EOF.
// Any other failure is a *[FormatError] that matches either [ErrTruncated]
// (the data stops inside a header, record or block) or [ErrInvalid] (a
// field is wrong) with errors.Is, and names the byte offset (in the
// decompressed stream for gzip input) and the 1-based number of the record
// (classic pcap) or block (pcapng, the Section Header Block is block 1).
// After any error, every later call returns the same error. An error of the
// underlying reader is returned wrapped, as "read record R at byte offset
// O: <error>" (or block K). The messages are exact:
//
//	truncated: file header needs 4 bytes, file ends after N
//	truncated: file header needs 24 bytes, file ends after N            (pcap)
//	truncated: record R at byte offset O needs B bytes, file ends after N
//	truncated: block K at byte offset O needs B bytes, file ends after N
//	truncated: gzip header cut short
//	truncated: gzip stream cut at byte offset O (after record R)        (block K, or the file header)
//	invalid: not a capture file (magic 0x4c696365)
//	invalid: corrupt gzip stream at byte offset O: <gzip error>          (checksum, deflate data)
//	invalid: pcap file header: unsupported version 2.5 (want 2.0 to 2.4)
//	invalid: pcap file header: reserved link-type bits set (0x00ff0001)
//	invalid: record R at byte offset O: captured length C exceeds the maximum 262144
//	invalid: block K at byte offset O: unsupported pcapng version 1.1 (want 1.0 or 1.2)
//	invalid: block K at byte offset O: bad byte-order magic 0x12345678
//	invalid: block K at byte offset O: section header lengths differ (leading L, trailing T)
//	invalid: block K at byte offset O: block lengths differ (leading L, trailing T)
//	invalid: block K at byte offset O: block length L is not a multiple of 4
//	invalid: block K at byte offset O: block length L is below the minimum M for NAME blocks
//	invalid: block K at byte offset O: block length L exceeds the maximum M for NAME blocks
//	invalid: block K at byte offset O: interface id I has no interface (the section has N)
//	invalid: block K at byte offset O: more than 4096 interfaces in one section
//	invalid: block K at byte offset O: option at block offset P (code C, length L) overruns the block by X bytes
//	invalid: block K at byte offset O: option CODE has length L, want W
//	invalid: block K at byte offset O: if_tsresol 0xNN is out of range
//	invalid: block K at byte offset O: captured length C exceeds the maximum 262144
//	invalid: block K at byte offset O: captured length C overruns the block (room for D)
//
// A record or block is never allocated at the size it claims: packet data
// is bounded by 256 KiB (libpcap's limit for all but a few link types),
// parsed blocks by 1 MiB, skipped blocks (read in small pieces) by 16 MiB,
// interfaces by 4096 per section (if_name cut to 256 bytes), and buffers
// only grow as data actually arrives; mapped windows are 4 MiB.
//
// # Writing
//
// [PcapWriter] and [NgWriter] write one record or block per Write call on
// the underlying writer and keep nothing between calls, so there is nothing
// to flush: wrap a file in a bufio.Writer (and flush that) for speed, or
// write straight to a pipe for live output.
//
// Copying tools keep what a packet block says beyond its data:
// [Reader.PacketOptions] returns the raw option list of the packet just
// read (comments, flags, packet ids), [NgWriter.WritePacketOptions] writes
// it back in the output section's byte order, and [Reader.Section] with
// CaptureInfo.InterfaceIndex names the packet's interface among
// [Reader.Interfaces] (if_name, if_description and comments included);
// [Reader.SectionComments] and NgOptions.Comments carry a section's.
//
// # Frames and link headers
//
// A [Source] yields packets with their CaptureInfo ([Reader], a filter's
// Source, a live Handle); a [Frame] is one of them numbered, with the
// [LinkAddr] a live handle adds, as decode's formats, parquetfile, draw and
// follow take it. They live here, beside CaptureInfo, as gopacket keeps
// PacketDataSource and CaptureInfo at its root: live, filter and capture
// produce and pass on frames without importing the decoder that prints them.
//
// [LinuxSLL], [LinuxSLL2] and [Loopback] parse the pseudo-headers that some
// link types put before the network packet (tcpdump -i any, BSD loopback).
// No wire carries them: the kernel and libpcap make them up for a capture,
// and the LINKTYPE registry defines each with its number, so they sit next
// to [LinkType] (live reads a frame's address from them) rather than in a
// package of their own for three structs. Ethernet, VLAN tags and every
// protocol above are decode's.
package pcapio

import (
	"time"
)

// LinkType is a capture file's link-layer header type, as registered at
// tcpdump.org (LINKTYPE_*). Only its low 16 bits are meaningful.
type LinkType uint16

// Link types that turtle decodes beyond their name.
const (
	LinkTypeNull      LinkType = 0   // BSD loopback, host-order 4-byte family
	LinkTypeEthernet  LinkType = 1   // IEEE 802.3 Ethernet
	LinkTypeRaw       LinkType = 101 // raw IPv4 or IPv6, version from the first nibble
	LinkTypeLoop      LinkType = 108 // OpenBSD loopback, big-endian 4-byte family
	LinkTypeLinuxSLL  LinkType = 113 // Linux cooked capture v1 (tcpdump -i any, old)
	LinkTypeIPv4      LinkType = 228 // raw IPv4
	LinkTypeIPv6      LinkType = 229 // raw IPv6
	LinkTypeLinuxSLL2 LinkType = 276 // Linux cooked capture v2 (tcpdump -i any)
)

// Direction is the direction of a packet when the capture records it
// (pcapng epb_flags, or AF_PACKET's packet type); the zero value is unknown.
type Direction uint8

const (
	DirectionUnknown Direction = iota
	DirectionInbound
	DirectionOutbound
)

// CaptureInfo describes one captured packet. Captured length and wire length
// travel together from the reader to the printer.
type CaptureInfo struct {
	Timestamp      time.Time // UTC, nanosecond precision where the file has it
	CaptureLength  int       // bytes of the packet in the file (len of the data)
	Length         int       // bytes of the packet on the wire
	LinkType       LinkType  // link type of the packet's interface
	InterfaceIndex int       // pcapng interface id; 0 for classic pcap
	InterfaceName  string    // pcapng if_name, or the live interface; "" when unknown
	Direction      Direction // from epb_flags or the live socket
	// NoTimestamp is set for a pcapng Simple Packet Block, which carries no
	// time: Timestamp is then the epoch plus if_tsoffset, as libpcap
	// reports it, and the formats print no time.
	NoTimestamp bool
}

// Format names a capture file format.
type Format uint8

const (
	FormatUnknown Format = iota
	FormatPcapMicro
	FormatPcapNano
	FormatPcapNG
)

// String returns a short name: "pcap", "pcap-ns", "pcapng" or "unknown".
func (f Format) String() string {
	switch f {
	case FormatPcapMicro:
		return "pcap"
	case FormatPcapNano:
		return "pcap-ns"
	case FormatPcapNG:
		return "pcapng"
	}
	return "unknown"
}

// Interface describes one capture interface: the single implicit one of a
// classic pcap file, or a pcapng Interface Description Block. Writers use
// Name, Description, Comment, LinkType, Snaplen, TsResolution, TsOffset and
// Options; readers fill all.
type Interface struct {
	Name         string     // if_name; "" when the file has none
	Description  string     // if_description; "" when the file has none
	Comment      string     // opt_comment; several are joined by newlines (and written back as one)
	LinkType     LinkType   // link type of its packets
	Snaplen      int        // snapshot length from the file; 0 means none
	TsResolution Resolution // timestamp unit; the zero value means the pcapng default, 1 µs
	TsOffset     int64      // if_tsoffset, seconds added to every timestamp
	Section      int        // 0-based pcapng section (set by the reader)
	Index        int        // interface id within its section (set by the reader)
	// Options is the block's raw option list in the byte order OptionsBE
	// says (set by the pcapng reader while the raw lists kept stay under
	// 1 MiB). A writer given it writes it instead of the fields above
	// (which must then agree with it: the reader fills both), so a copy
	// keeps if_os, an explicit if_tsresol and every other option.
	Options   []byte
	OptionsBE bool
}

// MaxSnaplen is the largest snapshot length turtle reads, writes, captures
// or filters for: libpcap's MAXIMUM_SNAPLEN (262144). It is the one copy
// of that number; the others name it.
const MaxSnaplen = 256 * 1024

// maxPacketData bounds the bytes one record may claim: a record above it is
// an error, never an allocation of its size.
const maxPacketData = MaxSnaplen
