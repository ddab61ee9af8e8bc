package grade

import (
	"bytes"
	"hash/maphash"
	"net/netip"
	"time"
)

// maxHead is how many bytes of a request or stream are kept to show a
// student what was sent and where an echo first differs.
const maxHead = 1024

// hashSeed hashes payloads and frames; comparisons happen within one
// process, so one random seed serves every goroutine.
var hashSeed = maphash.MakeSeed()

// udpReq is one datagram to a lab port and what came back for it.
type udpReq struct {
	frame          int
	at             time.Time
	client, server netip.AddrPort
	size           int
	sum            uint64
	head           []byte // first maxHead bytes

	cut        bool // the snapshot length cut it: only its first bytes were compared
	reply      int  // frame of the identical reply from the server's port
	bad        int  // frame of a different reply from the server's port
	badSize    int
	badAt      int  // offset of the first differing byte; -1 when beyond head
	badGot     byte // the reply's byte there
	unreach    int  // frame of an ICMP port unreachable for it
	otherPort  int  // frame of an identical reply from another port
	otherPortN uint16
}

// udpState keeps the datagrams to lab ports and the ports used instead.
type udpState struct {
	reqs         []udpReq
	pending      map[netip.AddrPort][]int // client endpoint → indexes of unanswered requests
	dropped      int                      // requests beyond maxTracked
	datagrams    int                      // every UDP datagram, lab port or not
	strays       frameSet                 // datagrams from a lab port that answer no request
	strayPort    uint16
	strayTo      netip.AddrPort // where the first stray went
	strayUnreach int            // ICMP port unreachable quoting the first stray
	others       portHints      // server-looking ports that are not the lab's
}

func (u *udpState) init() {
	u.pending = map[netip.AddrPort][]int{}
}

// packet takes one datagram: its ports, the payload bytes captured and
// the payload's size on the wire (more when the snapshot length cut it).
func (u *udpState) packet(c *capture, sport, dport uint16, payload []byte, size int, p packet) {
	src := netip.AddrPortFrom(p.src.Unmap(), sport)
	dst := netip.AddrPortFrom(p.dst.Unmap(), dport)
	u.datagrams++
	switch {
	case c.ports.isUDP(dst.Port()):
		u.request(src, dst, payload, size, p)
	case c.ports.isUDP(src.Port()):
		u.reply(src, dst, payload, size, p)
	default:
		if !u.otherReply(src, dst, payload, size, p) && dst.Port() < src.Port() {
			u.others.add(dst.Port(), p.frame)
		}
	}
}

func (u *udpState) request(client, server netip.AddrPort, payload []byte, size int, p packet) {
	if len(u.reqs) >= maxTracked {
		u.dropped++
		return
	}
	r := udpReq{frame: p.frame, at: p.ts, client: client, server: server, size: size,
		sum: maphash.Bytes(hashSeed, payload)}
	r.head = append([]byte(nil), payload[:min(len(payload), maxHead)]...)
	r.cut = len(payload) < size
	u.reqs = append(u.reqs, r)
	u.pending[client] = append(u.pending[client], len(u.reqs)-1)
}

// reply matches a datagram from a lab port with the oldest request of its
// client that it echoes; failing that it counts against the oldest request.
func (u *udpState) reply(server, client netip.AddrPort, payload []byte, size int, p packet) {
	idx := u.pending[client]
	sum := maphash.Bytes(hashSeed, payload)
	for i, k := range idx {
		r := &u.reqs[k]
		if r.server != server {
			continue
		}
		if r.size == size && r.sum == sum {
			r.reply = p.frame
			u.pending[client] = append(idx[:i:i], idx[i+1:]...)
			return
		}
	}
	for i, k := range idx {
		r := &u.reqs[k]
		if r.server != server {
			continue
		}
		r.bad, r.badSize, r.badAt = p.frame, size, -1
		n := min(len(payload), len(r.head))
		for j := 0; j < n; j++ {
			if payload[j] != r.head[j] {
				r.badAt, r.badGot = j, payload[j]
				break
			}
		}
		if r.badAt < 0 && n < len(r.head) {
			r.badAt = n // the reply is a prefix of the request, or longer
		}
		u.pending[client] = append(idx[:i:i], idx[i+1:]...)
		return
	}
	if u.strays.n == 0 {
		u.strayPort, u.strayTo = server.Port(), client
	}
	u.strays.add(p.frame)
}

// otherReply recognises the classic mistake of answering from a new
// socket: the request's exact bytes coming back from another port.
func (u *udpState) otherReply(src, dst netip.AddrPort, payload []byte, size int, p packet) bool {
	idx, ok := u.pending[dst]
	if !ok {
		return false
	}
	sum := maphash.Bytes(hashSeed, payload)
	for _, k := range idx {
		r := &u.reqs[k]
		if r.server.Addr() == src.Addr() && r.size == size && r.sum == sum && r.otherPort == 0 {
			r.otherPort, r.otherPortN = p.frame, src.Port()
			return true
		}
	}
	return false
}

// unreachable records an ICMP port unreachable quoting a datagram from
// client to server.
func (u *udpState) unreachable(client, server netip.AddrPort, frame int) {
	if u.strays.n > 0 && client.Port() == u.strayPort && server == u.strayTo && u.strayUnreach == 0 {
		u.strayUnreach = frame // the stray reply was refused
		return
	}
	for _, k := range u.pending[client] {
		r := &u.reqs[k]
		if r.server == server && r.unreach == 0 {
			r.unreach = frame
			return
		}
	}
}

// portHints counts traffic to ports other than the lab's, bounded to a
// few ports, to tell a student which port they used instead.
type portHints struct {
	ports  [6]uint16
	frames [6]frameSet
	n      int
}

func (h *portHints) add(port uint16, frame int) {
	for i := 0; i < h.n; i++ {
		if h.ports[i] == port {
			h.frames[i].add(frame)
			return
		}
	}
	if h.n < len(h.ports) {
		h.ports[h.n] = port
		h.frames[h.n].add(frame)
		h.n++
	}
}

// text is "port 10002 (frames 1–2)" or "ports 10002 (frame 1) and 10003
// (frame 3)"; "" when there were none.
func (h *portHints) text() string {
	if h.n == 0 {
		return ""
	}
	var b bytes.Buffer
	if h.n == 1 {
		b.WriteString("port ")
	} else {
		b.WriteString("ports ")
	}
	for i := 0; i < h.n; i++ {
		if i > 0 {
			if i == h.n-1 {
				b.WriteString(" and ")
			} else {
				b.WriteString(", ")
			}
		}
		b.WriteString(itoa(int(h.ports[i])))
		b.WriteString(" (")
		b.WriteString(h.frames[i].String())
		b.WriteString(")")
	}
	return b.String()
}
