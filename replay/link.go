package replay

import (
	"encoding/binary"
	"fmt"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// The addresses of a synthesized Ethernet header: locally administered
// unicast (bit 1 of the first byte set, bit 0 clear), so that no real
// device owns them and no switch treats them as multicast.
var (
	SynthSrc = [6]byte{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}
	SynthDst = [6]byte{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}
)

const ethHdrLen = 14

// Linux's protocol numbers for frames without an EtherType (if_ether.h).
const (
	ethP8023 = 0x0001 // raw 802.3 (Novell)
	ethP8022 = 0x0004 // 802.2 LLC
)

// Supported reports whether frames of link type lt can go out of an
// Ethernet device: Ethernet as they are, the others behind a synthesized
// Ethernet header.
func Supported(lt pcapio.LinkType) bool {
	switch lt {
	case pcapio.LinkTypeEthernet, pcapio.LinkTypeLinuxSLL, pcapio.LinkTypeLinuxSLL2,
		pcapio.LinkTypeRaw, pcapio.LinkTypeIPv4, pcapio.LinkTypeIPv6,
		pcapio.LinkTypeNull, pcapio.LinkTypeLoop:
		return true
	}
	return false
}

// BSD address families of IPv6 in null/loop headers (NetBSD/OpenBSD 24,
// FreeBSD 28, macOS 30), as libpcap accepts them.
func bsdFamilyType(af uint32) (uint16, bool) {
	switch af {
	case 2:
		return 0x0800, true
	case 24, 28, 30:
		return 0x86dd, true
	}
	return 0, false
}

// ToEthernet appends to dst the Ethernet frame that carries the frame
// data of link type lt, and returns it:
//
//   - Ethernet: data as it is (refused below 14 bytes, which the kernel
//     would pad rather than send as is).
//   - Linux cooked v1 (SLL) and v2 (SLL2): the cooked header is replaced by
//     SynthDst, SynthSrc and the header's protocol as EtherType; Linux's
//     ETH_P_802_2 and ETH_P_802_3 (an 802.2 LLC or raw 802.3 payload)
//     become an 802.3 length field instead; other protocols below 0x0600
//     (CAN, ...) have no Ethernet form and are refused.
//   - raw IP (101, 228, 229): the header is prepended, EtherType 0x0800 or
//     0x86dd from the IP version nibble (or from the link type).
//   - null (0) and OpenBSD loop (108): the 4-byte address family (host
//     order for null, read either way as libpcap does; big-endian for loop)
//     is replaced by the header, AF_INET giving 0x0800 and the IPv6
//     families 0x86dd.
//
// A frame whose link header is cut short, or whose protocol has no
// EtherType, is an error that says so; nothing is guessed.
func ToEthernet(dst []byte, lt pcapio.LinkType, data []byte) ([]byte, error) {
	var (
		etype   uint16
		payload []byte
	)
	switch lt {
	case pcapio.LinkTypeEthernet:
		if len(data) < ethHdrLen {
			// The kernel would pad it with zeros rather than send it as is.
			return dst, fmt.Errorf("%d-byte frame is shorter than an Ethernet header (14 bytes)", len(data))
		}
		return append(dst, data...), nil
	case pcapio.LinkTypeLinuxSLL:
		if len(data) < 16 {
			//lint:ignore ST1005 Linux is a proper noun
			return dst, fmt.Errorf("Linux cooked header cut short (%d of 16 bytes)", len(data))
		}
		etype, payload = binary.BigEndian.Uint16(data[14:16]), data[16:]
	case pcapio.LinkTypeLinuxSLL2:
		if len(data) < 20 {
			//lint:ignore ST1005 Linux is a proper noun
			return dst, fmt.Errorf("Linux cooked v2 header cut short (%d of 20 bytes)", len(data))
		}
		etype, payload = binary.BigEndian.Uint16(data[0:2]), data[20:]
	case pcapio.LinkTypeRaw, pcapio.LinkTypeIPv4, pcapio.LinkTypeIPv6:
		if len(data) == 0 {
			return dst, fmt.Errorf("empty raw IP frame")
		}
		switch {
		case lt == pcapio.LinkTypeIPv4 || lt == pcapio.LinkTypeRaw && data[0]>>4 == 4:
			etype = 0x0800
		case lt == pcapio.LinkTypeIPv6 || lt == pcapio.LinkTypeRaw && data[0]>>4 == 6:
			etype = 0x86dd
		default:
			return dst, fmt.Errorf("raw IP frame of IP version %d", data[0]>>4)
		}
		payload = data
	case pcapio.LinkTypeNull, pcapio.LinkTypeLoop:
		if len(data) < 4 {
			return dst, fmt.Errorf("loopback header cut short (%d of 4 bytes)", len(data))
		}
		af := binary.BigEndian.Uint32(data)
		if lt == pcapio.LinkTypeNull && af&0xffff0000 != 0 {
			af = binary.LittleEndian.Uint32(data) // written on the other byte order
		}
		var ok bool
		if etype, ok = bsdFamilyType(af); !ok {
			return dst, fmt.Errorf("loopback address family %d has no EtherType", af)
		}
		payload = data[4:]
	default:
		return dst, fmt.Errorf("link type %d cannot be sent out of an Ethernet device", lt)
	}
	if etype < 0x0600 {
		if etype != ethP8023 && etype != ethP8022 {
			return dst, fmt.Errorf("cooked protocol 0x%04x has no EtherType", etype)
		}
		if len(payload) > 1500 {
			return dst, fmt.Errorf("802.3 payload of %d bytes does not fit a length field", len(payload))
		}
		etype = uint16(len(payload))
	}
	dst = append(dst, SynthDst[:]...)
	dst = append(dst, SynthSrc[:]...)
	dst = binary.BigEndian.AppendUint16(dst, etype)
	return append(dst, payload...), nil
}
