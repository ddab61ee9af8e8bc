package decode

import "encoding/binary"

// DNSMessage is a DNS message: its header and its first MaxDNSRecords
// records, questions first. Names are not copied: DNSRecord holds their
// offsets in Msg and the formats expand them (compression included) as
// they print.
type DNSMessage struct {
	Msg                                []byte
	TCP                                bool // carried over TCP (after a length prefix)
	ID, Flags                          uint16
	QDCount, ANCount, NSCount, ARCount uint16
	Records                            [MaxDNSRecords]DNSRecord
	NumRecords                         int
}

// MaxDNSRecords is how many records a DNSMessage keeps; the counts in the
// header say how many more there were.
const MaxDNSRecords = 32

// DNS sections, in message order.
const (
	DNSQuestion uint8 = iota
	DNSAnswer
	DNSAuthority
	DNSAdditional
)

// DNSRecord is a question (Section DNSQuestion: no TTL, no data) or a
// resource record.
type DNSRecord struct {
	Section     uint8
	NameOff     int // offset of the owner name in Msg
	Type, Class uint16
	TTL         uint32
	Data        []byte // RDATA
	DataOff     int    // offset of Data in Msg, for names inside it
}

const (
	dnsHeaderLen  = 12
	dnsMaxPtrs    = 64  // compression pointers followed per name
	dnsMaxNameLen = 255 // presentation limit of RFC 1035
)

// DNS header flag bits in DNSMessage.Flags.
const (
	dnsQR = 1 << 15
	dnsAA = 1 << 10
	dnsTC = 1 << 9
	dnsRD = 1 << 8
	dnsRA = 1 << 7
	dnsAD = 1 << 5
	dnsCD = 1 << 4
)

// dnsFlagNames names the header flags in the order dig prints them.
var dnsFlagNames = [...]struct {
	bit  uint16
	name string
}{{dnsQR, "QR"}, {dnsAA, "AA"}, {dnsTC, "TC"}, {dnsRD, "RD"}, {dnsRA, "RA"}, {dnsAD, "AD"}, {dnsCD, "CD"}}

func (p *Packet) decodeDNS(b []byte, tcp bool) {
	d := &p.DNS
	if len(b) < dnsHeaderLen {
		p.truncated(ProblemDNS, "", len(b), dnsHeaderLen)
		return
	}
	d.Msg, d.TCP = b, tcp
	d.ID = binary.BigEndian.Uint16(b[0:2])
	d.Flags = binary.BigEndian.Uint16(b[2:4])
	d.QDCount = binary.BigEndian.Uint16(b[4:6])
	d.ANCount = binary.BigEndian.Uint16(b[6:8])
	d.NSCount = binary.BigEndian.Uint16(b[8:10])
	d.ARCount = binary.BigEndian.Uint16(b[10:12])
	d.NumRecords = 0
	p.Layers |= LayerDNS
	off := dnsHeaderLen
	counts := [4]uint16{d.QDCount, d.ANCount, d.NSCount, d.ARCount}
	for sec, n := range counts {
		for i := 0; i < int(n); i++ {
			if d.NumRecords == MaxDNSRecords {
				return
			}
			r := &d.Records[d.NumRecords]
			r.Section, r.NameOff = uint8(sec), off
			end, bad := skipDNSName(b, off)
			if bad != "" {
				if bad == "truncated" {
					p.truncated(ProblemDNS, "name", len(b), end+1)
				} else {
					p.invalid(ProblemDNS, "name", off, bad)
				}
				return
			}
			off = end
			need := 4
			if r.Section != DNSQuestion {
				need = 10
			}
			if len(b) < off+need {
				p.truncated(ProblemDNS, "record", len(b), off+need)
				return
			}
			r.Type = binary.BigEndian.Uint16(b[off:])
			r.Class = binary.BigEndian.Uint16(b[off+2:])
			r.TTL, r.Data, r.DataOff = 0, nil, 0
			off += need
			if r.Section != DNSQuestion {
				r.TTL = binary.BigEndian.Uint32(b[off-6:])
				n := int(binary.BigEndian.Uint16(b[off-2:]))
				if len(b) < off+n {
					p.truncated(ProblemDNS, "record data", len(b), off+n)
					return
				}
				r.Data, r.DataOff = b[off:off+n], off
				off += n
			}
			d.NumRecords++
		}
	}
}

// skipDNSName returns the offset after the name at off in msg (after its
// first compression pointer, if any), having checked that the whole name
// can be expanded: bad is "truncated" when msg ends inside it, or why it is
// invalid.
func skipDNSName(msg []byte, off int) (end int, bad string) {
	end = -1
	ptrs, length := 0, 0
	for {
		if off >= len(msg) {
			return off, "truncated"
		}
		c := int(msg[off])
		switch c & 0xc0 {
		case 0x00:
			if c == 0 {
				if end < 0 {
					end = off + 1
				}
				return end, ""
			}
			length += c + 1
			if length > dnsMaxNameLen {
				return off, "name longer than 255 bytes"
			}
			if off+1+c > len(msg) {
				return off + c, "truncated"
			}
			off += 1 + c
		case 0xc0:
			if off+2 > len(msg) {
				return off + 1, "truncated"
			}
			if end < 0 {
				end = off + 2
			}
			ptrs++
			if ptrs > dnsMaxPtrs {
				return off, "compression loop"
			}
			off = int(binary.BigEndian.Uint16(msg[off:]) & 0x3fff)
		default:
			return off, "bad label type"
		}
	}
}

// appendDNSName appends the name at off in msg in presentation form
// ("www.example.com."; "." for the root). Label bytes outside printable
// ASCII, dots and backslashes inside labels are escaped as \DDD, as
// dig does. A name that cannot be expanded ends in "...".
func appendDNSName(dst, msg []byte, off int) []byte {
	ptrs, n := 0, 0
	for off < len(msg) {
		c := int(msg[off])
		switch c & 0xc0 {
		case 0x00:
			if c == 0 {
				if n == 0 {
					dst = append(dst, '.')
				}
				return dst
			}
			if off+1+c > len(msg) {
				return append(dst, "..."...)
			}
			for _, ch := range msg[off+1 : off+1+c] {
				if ch <= ' ' || ch >= 0x7f || ch == '.' || ch == '\\' || ch == '"' {
					dst = append(dst, '\\', '0'+ch/100, '0'+ch/10%10, '0'+ch%10)
					continue
				}
				dst = append(dst, ch)
			}
			dst = append(dst, '.')
			n++
			off += 1 + c
		case 0xc0:
			ptrs++
			if off+2 > len(msg) || ptrs > dnsMaxPtrs {
				return append(dst, "..."...)
			}
			off = int(binary.BigEndian.Uint16(msg[off:]) & 0x3fff)
		default:
			return append(dst, "..."...)
		}
	}
	return append(dst, "..."...)
}

func dnsTypeName(t uint16) string {
	switch t {
	case 1:
		return "A"
	case 2:
		return "NS"
	case 5:
		return "CNAME"
	case 6:
		return "SOA"
	case 12:
		return "PTR"
	case 13:
		return "HINFO"
	case 15:
		return "MX"
	case 16:
		return "TXT"
	case 28:
		return "AAAA"
	case 33:
		return "SRV"
	case 35:
		return "NAPTR"
	case 41:
		return "OPT"
	case 43:
		return "DS"
	case 46:
		return "RRSIG"
	case 47:
		return "NSEC"
	case 48:
		return "DNSKEY"
	case 64:
		return "SVCB"
	case 65:
		return "HTTPS"
	case 99:
		return "SPF"
	case 252:
		return "AXFR"
	case 255:
		return "ANY"
	case 257:
		return "CAA"
	}
	return ""
}

func dnsRcodeName(r uint16) string {
	switch r {
	case 0:
		return "NoError"
	case 1:
		return "FormErr"
	case 2:
		return "ServFail"
	case 3:
		return "NXDomain"
	case 4:
		return "NotImp"
	case 5:
		return "Refused"
	}
	return ""
}

func dnsSectionName(s uint8) string {
	switch s {
	case DNSQuestion:
		return "question"
	case DNSAnswer:
		return "answer"
	case DNSAuthority:
		return "authority"
	}
	return "additional"
}

// appendDNSData appends a record's RDATA in presentation form for the
// types turtle knows (addresses, names, MX, SRV, SOA, TXT); other types,
// and data that does not fit its type, as hex.
func appendDNSData(dst []byte, d *DNSMessage, r *DNSRecord) []byte {
	data := r.Data
	switch r.Type {
	case 1:
		if len(data) == 4 {
			return appendIPv4(dst, [4]byte(data))
		}
	case 28:
		if len(data) == 16 {
			return appendIPv6(dst, [16]byte(data))
		}
	case 2, 5, 12:
		if _, bad := skipDNSName(d.Msg, r.DataOff); bad == "" {
			return appendDNSName(dst, d.Msg, r.DataOff)
		}
	case 15:
		if len(data) > 2 {
			if _, bad := skipDNSName(d.Msg, r.DataOff+2); bad == "" {
				dst = appendUint(dst, uint64(binary.BigEndian.Uint16(data)))
				dst = append(dst, ' ')
				return appendDNSName(dst, d.Msg, r.DataOff+2)
			}
		}
	case 33:
		if len(data) > 6 {
			if _, bad := skipDNSName(d.Msg, r.DataOff+6); bad == "" {
				for i := 0; i < 6; i += 2 {
					dst = appendUint(dst, uint64(binary.BigEndian.Uint16(data[i:])))
					dst = append(dst, ' ')
				}
				return appendDNSName(dst, d.Msg, r.DataOff+6)
			}
		}
	case 6:
		end1, bad1 := skipDNSName(d.Msg, r.DataOff)
		if bad1 == "" {
			end2, bad2 := skipDNSName(d.Msg, end1)
			if bad2 == "" && end2+20 == r.DataOff+len(data) {
				dst = appendDNSName(dst, d.Msg, r.DataOff)
				dst = append(dst, ' ')
				dst = appendDNSName(dst, d.Msg, end1)
				for i := end2; i < end2+20; i += 4 {
					dst = append(dst, ' ')
					dst = appendUint(dst, uint64(binary.BigEndian.Uint32(d.Msg[i:])))
				}
				return dst
			}
		}
	case 16:
		if txtWellFormed(data) {
			for i := 0; len(data) > 0; i++ {
				n := int(data[0])
				if i > 0 {
					dst = append(dst, ' ')
				}
				dst = append(dst, '"')
				for _, ch := range data[1 : 1+n] {
					if ch == '"' || ch == '\\' {
						dst = append(dst, '\\', ch)
						continue
					}
					if ch < ' ' || ch >= 0x7f {
						dst = append(dst, '\\', '0'+ch/100, '0'+ch/10%10, '0'+ch%10)
						continue
					}
					dst = append(dst, ch)
				}
				dst = append(dst, '"')
				data = data[1+n:]
			}
			return dst
		}
	}
	return appendHex(dst, data)
}

// txtWellFormed reports whether data is a sequence of length-prefixed
// strings that ends exactly at its end.
func txtWellFormed(b []byte) bool {
	for len(b) > 0 {
		n := int(b[0])
		if 1+n > len(b) {
			return false
		}
		b = b[1+n:]
	}
	return true
}
