package pcapio

import (
	"bytes"
	"errors"
	"testing"
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestInvalidHeaders gives each damaged header its exact message.
func TestInvalidHeaders(t *testing.T) {
	eth := uint32(LinkTypeEthernet)
	okPcap := pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, eth)
	okSHB := shb(le, 1, 0, nil)                // 28 bytes
	okIDB := idb(le, LinkTypeEthernet, 0, nil) // 20 bytes, at 28
	four := []byte{1, 2, 3, 4}
	for _, c := range []struct {
		name string
		in   []byte
		kind error
		msg  string
	}{
		{"http", []byte("GET / HTTP/1.1\r\n"), ErrInvalid, "invalid: not a capture file (magic 0x47455420)"},
		{"short text", []byte("hi"), ErrInvalid, "invalid: not a capture file (magic 0x6869)"},
		{"empty", nil, ErrTruncated, "truncated: file header needs 4 bytes, file ends after 0"},
		{"short magic", []byte{0xd4, 0xc3}, ErrTruncated, "truncated: file header needs 4 bytes, file ends after 2"},
		{"short pcap header", okPcap[:10], ErrTruncated, "truncated: file header needs 24 bytes, file ends after 10"},
		{"pcap 1.4", pcapHeader(le, 0xa1b2c3d4, 1, 4, 65535, eth), ErrInvalid,
			"invalid: pcap file header: unsupported version 1.4 (want 2.0 to 2.4)"},
		{"pcap 2.5", pcapHeader(be, 0xa1b2c3d4, 2, 5, 65535, eth), ErrInvalid,
			"invalid: pcap file header: unsupported version 2.5 (want 2.0 to 2.4)"},
		{"reserved bits", pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, 0x00010001), ErrInvalid,
			"invalid: pcap file header: reserved link-type bits set (0x00010001)"},
		{"R bit", pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, 0x08000001), ErrInvalid,
			"invalid: pcap file header: reserved link-type bits set (0x08000001)"},
		{"record too big", cat(okPcap, pcapRecord(le, 1, 0, nil, 0), enc(le, 1, 0, 262145, 262145)), ErrInvalid,
			"invalid: record 2 at byte offset 40: captured length 262145 exceeds the maximum 262144"},
		{"record 4 GiB", cat(okPcap, enc(le, 1, 0, -1, -1)), ErrInvalid,
			"invalid: record 1 at byte offset 24: captured length 4294967295 exceeds the maximum 262144"},
		{"record cut", cat(okPcap, pcapRecord(le, 1, 0, make([]byte, 100), 100))[:24+40], ErrTruncated,
			"truncated: record 1 at byte offset 24 needs 116 bytes, file ends after 40"},
		{"record header cut", cat(okPcap, make([]byte, 9)), ErrTruncated,
			"truncated: record 1 at byte offset 24 needs 16 bytes, file ends after 9"},

		{"pcapng 0.1", shb(le, 0, 1, nil), ErrInvalid,
			"invalid: block 1 at byte offset 0: unsupported pcapng version 0.1 (want 1.0 or 1.2)"},
		{"pcapng 1.1", shb(be, 1, 1, nil), ErrInvalid,
			"invalid: block 1 at byte offset 0: unsupported pcapng version 1.1 (want 1.0 or 1.2)"},
		{"later section 2.0", cat(okSHB, okIDB, shb(be, 2, 0, nil)), ErrInvalid,
			"invalid: block 3 at byte offset 48: unsupported pcapng version 2.0 (want 1.0 or 1.2)"},
		{"shb lengths differ", cat(okSHB[:24], enc(le, 32)), ErrInvalid,
			"invalid: block 1 at byte offset 0: section header lengths differ (leading 28, trailing 32)"},
		{"bad byte-order magic", cat(okSHB[:8], enc(be, 0x1a2b3c4e), okSHB[12:]), ErrInvalid,
			"invalid: block 1 at byte offset 0: bad byte-order magic 0x1a2b3c4e"},
		{"shb cut", okSHB[:20], ErrTruncated,
			"truncated: block 1 at byte offset 0 needs 28 bytes, file ends after 20"},
		{"shb header cut", okSHB[:9], ErrTruncated,
			"truncated: block 1 at byte offset 0 needs 12 bytes, file ends after 9"},
		{"no interface", cat(okSHB, okIDB, epb(le, 1, 0, four, 4, nil)), ErrInvalid,
			"invalid: block 3 at byte offset 48: interface id 1 has no interface (the section has 1)"},
		{"packet before interface", cat(okSHB, epb(le, 0, 0, four, 4, nil)), ErrInvalid,
			"invalid: block 2 at byte offset 28: interface id 0 has no interface (the section has 0)"},
		{"interfaces reset by section", cat(okSHB, okIDB, shb(be, 1, 0, nil), epb(be, 0, 0, four, 4, nil)), ErrInvalid,
			"invalid: block 4 at byte offset 76: interface id 0 has no interface (the section has 0)"},
		{"simple packet before interface", cat(okSHB, block(le, btSPB, enc(le, 4, four))), ErrInvalid,
			"invalid: block 2 at byte offset 28: interface id 0 has no interface (the section has 0)"},
		{"idb option overrun", cat(okSHB, idb(le, 1, 0, enc(le, uint16(2), uint16(100), four))), ErrInvalid,
			"invalid: block 2 at byte offset 28: option at block offset 16 (code 2, length 100) overruns the block by 96 bytes"},
		{"shb option overrun", shb(le, 1, 0, enc(le, uint16(4), uint16(5), four)), ErrInvalid,
			"invalid: block 1 at byte offset 0: option at block offset 24 (code 4, length 5) overruns the block by 1 bytes"},
		{"epb option overrun", cat(okSHB, okIDB, epb(le, 0, 0, four, 4, enc(le, uint16(2), uint16(8), four))), ErrInvalid,
			"invalid: block 3 at byte offset 48: option at block offset 32 (code 2, length 8) overruns the block by 4 bytes"},
		{"length not multiple of 4", cat(okSHB, enc(le, btIDB, 22), make([]byte, 14)), ErrInvalid,
			"invalid: block 2 at byte offset 28: block length 22 is not a multiple of 4"},
		{"length below minimum", cat(okSHB, okIDB, block(le, btEPB, make([]byte, 12))), ErrInvalid,
			"invalid: block 3 at byte offset 48: block length 24 is below the minimum 32 for enhanced packet blocks"},
		{"length below 12", cat(okSHB, okIDB, enc(le, 7, 8)), ErrInvalid,
			"invalid: block 3 at byte offset 48: block length 8 is below the minimum 12 for type 0x00000007 blocks"},
		{"idb too long", cat(okSHB, enc(le, btIDB, 2<<20)), ErrInvalid,
			"invalid: block 2 at byte offset 28: block length 2097152 exceeds the maximum 1048576 for interface description blocks"},
		{"unknown block too long", cat(okSHB, enc(le, 7, 17<<20)), ErrInvalid,
			"invalid: block 2 at byte offset 28: block length 17825792 exceeds the maximum 16777216 for type 0x00000007 blocks"},
		{"lengths differ", cat(okSHB, okIDB[:16], enc(le, 24)), ErrInvalid,
			"invalid: block 2 at byte offset 28: block lengths differ (leading 20, trailing 24)"},
		{"skipped lengths differ", cat(okSHB, okIDB, block(le, btNRB, four)[:12], enc(le, 12)), ErrInvalid,
			"invalid: block 3 at byte offset 48: block lengths differ (leading 16, trailing 12)"},
		{"epb too big", cat(okSHB, okIDB, block(le, btEPB, enc(le, 0, 0, 0, 300000, 300000))), ErrInvalid,
			"invalid: block 3 at byte offset 48: captured length 300000 exceeds the maximum 262144"},
		{"epb overruns", cat(okSHB, okIDB, block(le, btEPB, enc(le, 0, 0, 0, 100, 100, make([]byte, 8)))), ErrInvalid,
			"invalid: block 3 at byte offset 48: captured length 100 overruns the block (room for 8)"},
		{"tsresol range", cat(okSHB, idb(le, 1, 0, opt(le, optTsResol, []byte{20}))), ErrInvalid,
			"invalid: block 2 at byte offset 28: if_tsresol 0x14 is out of range"},
		{"tsresol binary range", cat(okSHB, idb(le, 1, 0, opt(le, optTsResol, []byte{0x80 | 64}))), ErrInvalid,
			"invalid: block 2 at byte offset 28: if_tsresol 0xc0 is out of range"},
		{"tsresol length", cat(okSHB, idb(le, 1, 0, opt(le, optTsResol, []byte{6, 0}))), ErrInvalid,
			"invalid: block 2 at byte offset 28: option if_tsresol has length 2, want 1"},
		{"tsoffset length", cat(okSHB, idb(le, 1, 0, opt(le, optTsOffset, four))), ErrInvalid,
			"invalid: block 2 at byte offset 28: option if_tsoffset has length 4, want 8"},
		{"epb cut", cat(okSHB, okIDB, epb(le, 0, 0, make([]byte, 20), 20, nil))[:48+30], ErrTruncated,
			"truncated: block 3 at byte offset 48 needs 52 bytes, file ends after 30"},
		{"block header cut", cat(okSHB, okIDB, []byte{6, 0, 0, 0, 52}), ErrTruncated,
			"truncated: block 3 at byte offset 48 needs 8 bytes, file ends after 5"},
		{"skipped block cut", cat(okSHB, okIDB, block(le, 0x1234, make([]byte, 100))[:60]), ErrTruncated,
			"truncated: block 3 at byte offset 48 needs 112 bytes, file ends after 60"},
		{"huge skipped block cut", cat(okSHB, okIDB, enc(le, 0x1234, 16<<20), make([]byte, 1000)), ErrTruncated,
			"truncated: block 3 at byte offset 48 needs 16777216 bytes, file ends after 1008"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := readFile(t, c.in)
			if err == nil || err.Error() != c.msg {
				t.Fatalf("got  %v\nwant %s", err, c.msg)
			}
			if !isFormatErr(err, c.kind) {
				t.Fatalf("%v does not match %v", err, c.kind)
			}
			other := ErrTruncated
			if c.kind == ErrTruncated {
				other = ErrInvalid
			}
			if errors.Is(err, other) {
				t.Fatalf("%v matches %v too", err, other)
			}
		})
	}
}
