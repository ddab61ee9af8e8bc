package programs

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
)

// The sniffer labs' frames are drawn anew for every run and student, so
// that text recorded from an earlier run (or a classmate's) cannot score:
// the IPv4 unicast addresses (to 10.0.0.0/8), the TCP and UDP ports from
// 1024 on, the payloads of TCP and UDP (letters and digits of a text
// stay letters and digits; other bytes are shifted by one drawn amount,
// so "all 256 byte values" stays all of them) and the order of the
// frames. Lengths, flags and every branch the reference capture takes are
// kept; the checksums that were right are made right again. A run is
// repeated with its seed (turtle grade --seed).

// shuffleFrames reorders and rewrites the first n frames of ref (those
// after n, which make the classroom code raise, stay last and unchanged).
func shuffleFrames(ref []labFrame, n int, rng *rand.Rand) []labFrame {
	out := make([]labFrame, len(ref))
	copy(out, ref)
	addrs := map[uint32]uint32{}
	ports := map[uint16]uint16{}
	shift := byte(1 + rng.IntN(255))
	letters := rng.Perm(26)
	digits := rng.Perm(10)
	for i := range n {
		d := append([]byte(nil), out[i].Data...)
		rewriteIPv4(d, rng, addrs, ports, shift, letters, digits)
		out[i].Data = d
	}
	rng.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// studentRand is the generator of one student's frames in a run.
func studentRand(seed uint64, student string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(student))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

func rewriteIPv4(d []byte, rng *rand.Rand, addrs map[uint32]uint32, ports map[uint16]uint16, shift byte, letters, digits []int) {
	if len(d) < 34 || binary.BigEndian.Uint16(d[12:14]) != 0x0800 {
		return
	}
	ip := d[14:]
	ihl := int(ip[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(ip[2:4]))
	if ip[0]>>4 != 4 || ihl < 20 || total < ihl || total > len(ip) {
		return
	}
	ip = ip[:total]
	ipOK := sum16(ip[:ihl], 0) == 0xffff
	proto := ip[9]
	l4 := ip[ihl:]
	l4OK := false
	switch proto {
	case 6, 17:
		if (proto == 6 && len(l4) >= 20) || (proto == 17 && len(l4) >= 8) {
			ck := 16
			if proto == 17 {
				ck = 6
			}
			l4OK = binary.BigEndian.Uint16(l4[ck:]) != 0 && pseudoSum(ip, l4) == 0xffff
		}
	}
	for _, off := range []int{12, 16} {
		a := binary.BigEndian.Uint32(ip[off:])
		if a>>28 == 0xe || a == 0xffffffff { // multicast, broadcast: kept
			continue
		}
		b, ok := addrs[a]
		if !ok {
			b = 10<<24 | uint32(rng.IntN(1<<24-2)+1)
			addrs[a] = b
		}
		binary.BigEndian.PutUint32(ip[off:], b)
	}
	if proto == 6 || proto == 17 {
		hdr := 8
		if proto == 6 {
			if len(l4) < 20 {
				return
			}
			hdr = int(l4[12]>>4) * 4
		}
		if len(l4) < hdr || hdr < 8 {
			return
		}
		for _, off := range []int{0, 2} {
			p := binary.BigEndian.Uint16(l4[off:])
			if p < 1024 {
				continue
			}
			q, ok := ports[p]
			if !ok {
				q = uint16(1024 + rng.IntN(65536-1024))
				ports[p] = q
			}
			binary.BigEndian.PutUint16(l4[off:], q)
		}
		payload := l4[hdr:]
		text := len(payload) > 0
		for _, c := range payload {
			if c < 0x20 || c > 0x7e {
				text = false
				break
			}
		}
		for i, c := range payload {
			switch {
			case !text:
				payload[i] = c + shift
			case c >= 'a' && c <= 'z':
				payload[i] = 'a' + byte(letters[c-'a'])
			case c >= 'A' && c <= 'Z':
				payload[i] = 'A' + byte(letters[c-'A'])
			case c >= '0' && c <= '9':
				payload[i] = '0' + byte(digits[c-'0'])
			}
		}
		if l4OK {
			ck := 16
			if proto == 17 {
				ck = 6
			}
			l4[ck], l4[ck+1] = 0, 0
			s := ^uint16(pseudoSum(ip, l4))
			if s == 0 && proto == 17 {
				s = 0xffff
			}
			binary.BigEndian.PutUint16(l4[ck:], s)
		}
	}
	if ipOK {
		ip[10], ip[11] = 0, 0
		binary.BigEndian.PutUint16(ip[10:], ^uint16(sum16(ip[:ihl], 0)))
	}
}

// sum16 is the ones' complement sum of b (RFC 1071), folded, added to s.
func sum16(b []byte, s uint32) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return s
}

// pseudoSum is the sum of l4 with the IPv4 pseudo-header of ip.
func pseudoSum(ip, l4 []byte) uint32 {
	s := sum16(ip[12:20], 0)
	s += uint32(ip[9]) + uint32(len(l4))
	return sum16(l4, s)
}
