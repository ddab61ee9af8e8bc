package grade

import (
	"bytes"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/turtle-sniffer/turtle/internal/termsafe"
)

func (p params) serverOK(a netip.Addr) bool { return !p.hasServer || a.Unmap() == p.server }
func (p params) clientOK(a netip.Addr) bool { return !p.hasClient || a.Unmap() == p.client }

// messageOK reports whether the client's bytes are the lab's message,
// allowing a final newline; an empty message accepts anything.
func messageOK(head []byte, size int64, msg string) bool {
	if msg == "" {
		return true
	}
	if int64(len(head)) != size {
		return false // longer than maxHead: not a classroom message
	}
	b := bytes.TrimSuffix(bytes.TrimSuffix(head, []byte("\n")), []byte("\r"))
	return string(b) == msg || string(head) == msg
}

func portText(port uint16) string { return "port " + strconv.Itoa(int(port)) }

// --- UDP ---

func (p params) udpReqs(c *capture) []*udpReq {
	var out []*udpReq
	for i := range c.udp.reqs {
		r := &c.udp.reqs[i]
		if r.server.Port() == p.port && p.serverOK(r.server.Addr()) && p.clientOK(r.client.Addr()) {
			out = append(out, r)
		}
	}
	return out
}

// noUDP explains why no datagram to the lab port was found.
func noUDP(c *capture, p params, what string) string {
	msg := "no datagram to " + portText(p.port) + what
	for i := range c.udp.reqs {
		r := &c.udp.reqs[i]
		if r.server.Port() == p.port {
			return msg + "; the datagram in frame " + itoa(r.frame) + " went from " + r.client.Addr().String() +
				" to " + r.server.Addr().String() + ", not the lab's " + addrsText(p)
		}
	}
	if h := c.udp.others.text(); h != "" {
		return msg + "; UDP went to " + h + " instead"
	}
	if c.udp.strays.n > 0 {
		return msg + "; datagrams from " + portText(c.udp.strayPort) + " in " + c.udp.strays.String() +
			" answer no request: start the capture before the client"
	}
	return msg + "; " + inventory(c)
}

// addrsText names the addresses the rubric asks for.
func addrsText(p params) string {
	switch {
	case p.hasServer && p.hasClient:
		return "client " + p.client.String() + " and server " + p.server.String()
	case p.hasServer:
		return "server " + p.server.String()
	case p.hasClient:
		return "client " + p.client.String()
	}
	return "addresses"
}

// inventory says what the capture holds instead.
func inventory(c *capture) string {
	if c.frames == 0 {
		return "the capture has no frames"
	}
	on := ""
	if len(c.ifaces) > 0 {
		on = " on " + termsafe.Quote(c.ifaces[0])
	}
	if c.tcp.segs+c.udp.datagrams+len(c.icmp.reqs) == 0 {
		// None of the lab's kinds of traffic: say what the capture holds
		// instead, and where it was taken.
		var what []string
		if c.nd > 0 {
			what = append(what, plural(c.nd, "IPv6 neighbour-discovery frame"))
		}
		if c.mld > 0 {
			what = append(what, plural(c.mld, "IPv6 multicast listener report"))
		}
		if c.arp > 0 {
			what = append(what, plural(c.arp, "ARP frame"))
		}
		if other := c.frames - c.nd - c.mld - c.arp; other > 0 {
			if c.ipFrames == 0 && c.arp == 0 {
				what = append(what, plural(other, "frame")+" that hold no IPv4 or IPv6")
			} else {
				what = append(what, plural(other, "other frame"))
			}
		}
		return "the capture has " + plural(c.frames, "frame") + on + ", none of the lab's traffic: " + joinList(what) +
			"; capture on the interface the lab's traffic uses (lo for 127.0.0.1)"
	}
	return "the capture has " + plural(c.frames, "frame") + on + ": " + plural(c.tcp.segs, "TCP segment") + ", " +
		plural(c.udp.datagrams, "UDP datagram") + ", " + plural(len(c.icmp.reqs), "ICMP echo request")
}

func udpRequest(c *capture, p params) (bool, string) {
	reqs := p.udpReqs(c)
	if len(reqs) == 0 {
		return false, noUDP(c, p, "")
	}
	if p.message == "" {
		return true, ""
	}
	for _, r := range reqs {
		if messageOK(r.head, int64(r.size), p.message) {
			return true, ""
		}
	}
	r := reqs[0]
	return false, "the datagram in frame " + itoa(r.frame) + " carries " + quote(r.head) +
		"; the lab's message is " + quote([]byte(p.message))
}

func udpEcho(c *capture, p params) (bool, string) {
	reqs := p.udpReqs(c)
	if len(reqs) == 0 {
		return false, noUDP(c, p, " to echo")
	}
	good := 0
	for _, r := range reqs {
		if r.bad != 0 {
			return false, badUDPReply(r)
		}
		if r.reply != 0 {
			good++
		}
	}
	if good > 0 {
		for _, r := range reqs {
			if r.reply != 0 && r.cut {
				c.addReview(c.snapText() + ": the echo of the datagram in frame " + itoa(r.frame) + " (" +
					plural(r.size, "byte") + ") was compared on the bytes captured, its length from the headers")
				break
			}
		}
		return true, ""
	}
	for _, r := range reqs {
		if r.unreach != 0 {
			return false, "frame " + itoa(r.unreach) + " is ICMP port unreachable for the datagram in frame " +
				itoa(r.frame) + ": nothing listened on " + portText(r.server.Port())
		}
	}
	for _, r := range reqs {
		if r.otherPort != 0 {
			return false, "the echo in frame " + itoa(r.otherPort) + " came from " + portText(r.otherPortN) +
				", not " + itoa(int(r.server.Port())) + ": answer from the socket bound to the lab's port"
		}
	}
	if len(reqs) == 1 && reqs[0].frame == c.frames {
		return false, "the capture ends in frame " + itoa(c.frames) + ", right after the request: keep capturing until the client has its echo"
	}
	if c.udp.strays.n > 0 && c.udp.strayPort == p.port {
		r := reqs[0]
		msg := "the reply in frame " + itoa(c.udp.strays.head()) + " went to " + portText(c.udp.strayTo.Port()) +
			", not to the client's " + portText(r.client.Port()) + " (the request in frame " + itoa(r.frame) + " came from it)"
		if c.udp.strayUnreach != 0 {
			msg += "; the client's host answered ICMP port unreachable (frame " + itoa(c.udp.strayUnreach) + "): nothing listened there"
		}
		return false, msg + "; reply to the address recvfrom() returned"
	}
	frames := make([]int, 0, len(reqs))
	for _, r := range reqs {
		frames = append(frames, r.frame)
	}
	what := "the request in "
	if len(frames) > 1 {
		what = "the requests in "
	}
	return false, "no datagram back from " + portText(p.port) + " for " + what + frameList(frames)
}

func badUDPReply(r *udpReq) string {
	head := "the reply in frame " + itoa(r.bad)
	req := "the request in frame " + itoa(r.frame)
	switch {
	case r.badAt >= 0 && r.badAt < r.badSize && r.badAt < len(r.head):
		return head + " differs from " + req + " at offset " + itoa(r.badAt) + ": " + byteText(r.badGot) +
			" where the request has " + byteText(r.head[r.badAt])
	case r.badSize != r.size:
		return head + " has " + plural(r.badSize, "byte") + "; " + req + " had " + itoa(r.size)
	}
	return head + " differs from " + req + " after offset " + itoa(maxHead)
}

// --- TCP ---

func (p params) conns(c *capture) []*tcpConn {
	var out []*tcpConn
	for _, k := range c.tcp.conns {
		if k.key.server.Port() == p.port && p.serverOK(k.key.server.Addr()) && p.clientOK(k.key.client.Addr()) {
			out = append(out, k)
		}
	}
	return out
}

// noTCP explains why no connection to the lab port was found.
func noTCP(c *capture, p params) string {
	msg := "no SYN to " + portText(p.port)
	for _, k := range c.tcp.conns {
		if k.key.server.Port() == p.port {
			return msg + " from " + addrsText(p) + "; the connection in frame " + itoa(k.firstFrame) + " went from " +
				k.key.client.Addr().String() + " to " + k.key.server.Addr().String()
		}
	}
	if h := c.tcp.others.text(); h != "" {
		return msg + "; the client connected to " + h + " instead"
	}
	return msg + "; " + inventory(c)
}

// stage orders connections by how far their handshake got.
func stage(k *tcpConn) int {
	switch {
	case k.established():
		return 5
	case k.midstream && k.flows[toServer].bytes+k.flows[toClient].bytes > 0:
		return 4
	case k.synAck.n > 0:
		return 3
	case k.refused != 0:
		return 2
	case k.syn.n > 0:
		return 1
	}
	return 0
}

// best returns the connection that got furthest, the earliest among equals.
func best(ks []*tcpConn, rank func(*tcpConn) int) *tcpConn {
	var b *tcpConn
	for _, k := range ks {
		if b == nil || rank(k) > rank(b) {
			b = k
		}
	}
	return b
}

func tcpHandshake(c *capture, p params) (bool, string) {
	ks := p.conns(c)
	if len(ks) == 0 {
		return false, noTCP(c, p)
	}
	k := best(ks, stage)
	switch stage(k) {
	case 5:
		return true, ""
	case 4:
		return false, "the capture starts after the handshake (the connection from " + portText(k.key.client.Port()) +
			" first shows in frame " + itoa(k.firstFrame) + "): start capturing before the client connects"
	case 3:
		return false, "no ACK from the client after the SYN-ACK in frame " + itoa(k.synAck.head())
	case 2:
		return false, "the SYN in frame " + itoa(k.syn.head()) + " was answered with RST (frame " + itoa(k.refused) +
			"): nothing listened on " + portText(p.port)
	case 1:
		if k.syn.n > 1 {
			return false, "no SYN-ACK from " + portText(p.port) + "; " + k.syn.String() + " are SYN retransmissions"
		}
		return false, "no SYN-ACK from " + portText(p.port) + " for the SYN in frame " + itoa(k.syn.head())
	}
	return false, "no SYN to " + portText(p.port) + " (the first segment of the connection, frame " +
		itoa(k.firstFrame) + ", is not a SYN)"
}

// open returns the connections that carried a conversation: handshake
// done, or already going when the capture started.
func open(ks []*tcpConn) []*tcpConn {
	var out []*tcpConn
	for _, k := range ks {
		if stage(k) >= 4 {
			out = append(out, k)
		}
	}
	return out
}

// noOpen explains why no connection is open.
func noOpen(c *capture, p params, ks []*tcpConn) string {
	if len(ks) == 0 {
		return "no connection to " + portText(p.port) + strings.TrimPrefix(noTCP(c, p), "no SYN to "+portText(p.port))
	}
	_, why := tcpHandshake(c, p)
	return "no connection to " + portText(p.port) + " completed its handshake: " + why
}

// span names a connection's frames: "frames 1–3 and 7".
func span(k *tcpConn) string {
	if k.lastFrame == k.firstFrame {
		return "frame " + itoa(k.firstFrame)
	}
	return "frames " + itoa(k.firstFrame) + " to " + itoa(k.lastFrame)
}

func tcpData(c *capture, p params) (bool, string) {
	all := p.conns(c)
	ks := open(all)
	if len(ks) == 0 {
		return false, noOpen(c, p, all)
	}
	var sent []*tcpConn
	for _, k := range ks {
		if k.flows[toServer].bytes > 0 {
			sent = append(sent, k)
		}
	}
	if len(sent) == 0 {
		k := ks[0]
		return false, "the client sent no data on the connection from " + portText(k.key.client.Port()) + " (" + span(k) + ")"
	}
	for _, k := range sent {
		if messageOK(k.head, k.Bytes[toServer], p.message) {
			return true, ""
		}
	}
	// Cut by the snapshot length: the bytes captured must agree with the
	// message, and the length on the wire must be the message's; the rest
	// cannot be compared, which is said, not failed.
	for _, k := range sent {
		if k.cutBytes[toServer] == 0 || len(k.cuts[toServer]) == 0 {
			continue
		}
		known := min(k.cuts[toServer][0].from, int64(len(k.head)))
		n := k.Bytes[toServer]
		msg := []byte(p.message)
		if bytes.HasPrefix(msg, k.head[:known]) && (n == int64(len(msg)) || n == int64(len(msg))+1 || n == int64(len(msg))+2) {
			c.addReview(c.snapText() + ": the message was compared on its first " + plural(int(known), "byte") +
				" captured (" + k.flows[toServer].frames.String() + "), its length from the headers")
			return true, ""
		}
	}
	k := sent[0]
	return false, "the client sent " + quote(k.head) + " (" + k.flows[toServer].frames.String() +
		"); the lab's message is " + quote([]byte(p.message))
}

// echoProblem says what is wrong with a connection's echo, or "", and
// adds to c's review reasons what the capture could not show: bytes cut by
// the snapshot length, holes the capture has (counted by sequence numbers,
// acknowledged by the other side).
func echoProblem(c *capture, k *tcpConn, port uint16) string {
	lostIn, lostBack := k.lost(toServer), k.lost(toClient)
	sent, back := k.Bytes[toServer]+lostIn, k.Bytes[toClient]+lostBack
	var review []string
	if lostIn+lostBack > 0 {
		var parts []string
		for _, d := range []struct {
			n    int64
			dir  int
			who  string
			peer string
		}{{lostIn, toServer, "the client", "the server"}, {lostBack, toClient, "the server", "the client"}} {
			if d.n == 0 {
				continue
			}
			where := "at the end of the capture, after frame " + itoa(k.lastFrame)
			switch {
			case k.Gaps[d.dir] == 1:
				where = "a hole right before frame " + itoa(k.hole[d.dir])
			case k.Gaps[d.dir] > 1:
				where = itoa(k.Gaps[d.dir]) + " holes, the first right before frame " + itoa(k.hole[d.dir])
			}
			parts = append(parts, strconv.FormatInt(d.n, 10)+" bytes "+d.who+" sent ("+where+", acknowledged by "+d.peer+")")
		}
		review = append(review, "the capture misses "+strings.Join(parts, " and ")+
			": packets the capture dropped, not the server's fault; the echo was counted by sequence numbers")
	}
	if cut := max(k.cutBytes[toServer], k.cutBytes[toClient]); cut > 0 && back > 0 {
		review = append(review, c.snapText()+": "+strconv.FormatInt(min(cut, back), 10)+" of the "+
			strconv.FormatInt(back, 10)+" bytes echoed ("+k.cutFrames.String()+") were counted from the headers, not compared")
	}
	why := ""
	switch {
	case k.mismatch:
		why = "the echo differs from what the client sent at offset " + strconv.FormatInt(k.misAt, 10) + ": " +
			byteText(k.misGot) + " in frame " + itoa(k.misFrame) + " where the client sent " + byteText(k.misSent) +
			" in frame " + itoa(k.misCFrame)
	case back == 0 && k.flows[toServer].lastData >= c.frames-1 && k.flows[toClient].rst == 0:
		why = "the capture ends in frame " + itoa(c.frames) + ", right after the request (" + k.flows[toServer].frames.String() +
			"): keep capturing until the client has its echo"
	case back == 0:
		why = "no data back from " + portText(port) + ": the client's " + plural(int(sent), "byte") + " (" +
			k.flows[toServer].frames.String() + ") were never echoed"
		if r := k.flows[toClient].rst; r != 0 {
			why += "; the server reset the connection in frame " + itoa(r)
		}
	case back < sent:
		why = "the server echoed " + strconv.FormatInt(back, 10) + " of the client's " + plural(int(sent), "byte") +
			" (" + k.flows[toClient].frames.String() + ")"
	case back > sent:
		why = "the server sent " + plural(int(back), "byte") + " (" + k.flows[toClient].frames.String() +
			") for the client's " + strconv.FormatInt(sent, 10)
	}
	if why == "" || lostIn+lostBack > 0 {
		for _, r := range review {
			c.addReview(r)
		}
	}
	return why
}

func tcpEcho(c *capture, p params) (bool, string) {
	all := p.conns(c)
	ks := open(all)
	if len(ks) == 0 {
		return false, noOpen(c, p, all)
	}
	good, first := 0, ""
	for _, k := range ks {
		if k.Bytes[toServer]+k.lost(toServer) == 0 {
			continue
		}
		why := echoProblem(c, k, p.port)
		switch {
		case k.mismatch:
			return false, why
		case why == "":
			good++
		case first == "":
			first = why
		}
	}
	switch {
	case good > 0:
		return true, ""
	case first != "":
		return false, first
	}
	return false, "the client sent no data to echo on " + portText(p.port)
}

func tcpClose(c *capture, p params) (bool, string) {
	all := p.conns(c)
	ks := open(all)
	if len(ks) == 0 {
		return false, noOpen(c, p, all)
	}
	rank := func(k *tcpConn) int {
		r := 0
		if k.flows[toServer].bytes > 0 {
			r += 2
		}
		if k.flows[toServer].fin != 0 || k.flows[toClient].fin != 0 {
			r++
		}
		return r
	}
	for _, k := range ks {
		cf, sf := k.flows[toServer].fin, k.flows[toClient].fin
		if cf != 0 && sf != 0 && k.flows[toServer].rst == 0 && k.flows[toClient].rst == 0 {
			return true, ""
		}
	}
	k := best(ks, rank)
	who := "the connection from " + portText(k.key.client.Port())
	cr, sr := k.flows[toServer].rst, k.flows[toClient].rst
	cf, sf := k.flows[toServer].fin, k.flows[toClient].fin
	switch {
	case cr != 0 && (sr == 0 || cr < sr):
		return false, who + " ended with RST from the client (frame " + itoa(cr) + ") instead of FIN"
	case sr != 0:
		return false, who + " ended with RST from " + portText(p.port) + " (frame " + itoa(sr) + ") instead of FIN"
	case cf != 0:
		return false, "no FIN from " + portText(p.port) + ": the server never closed its side of " + who +
			" (the client's FIN is frame " + itoa(cf) + ")"
	case sf != 0:
		return false, "no FIN from the client: it never closed its side of " + who + " (the server's FIN is frame " +
			itoa(sf) + ")"
	}
	return false, "the capture ends before " + who + " closes (its last segment is frame " + itoa(k.lastFrame) + ")"
}

// exchange is one connection's request and the first byte of its echo.
type exchange struct {
	req, echo           time.Time
	reqFrame, echoFrame int
}

// tcpTiming tells a concurrent server from an iterative one by when
// simultaneous requests are answered: together, or one delay apart.
func tcpTiming(c *capture, p params, concurrent bool) (bool, string) {
	all := p.conns(c)
	ks := open(all)
	if len(ks) == 0 {
		return false, noOpen(c, p, all)
	}
	var xs []exchange
	for _, k := range ks {
		in, out := &k.flows[toServer], &k.flows[toClient]
		if in.bytes > 0 && out.bytes > 0 && !out.firstAt.Before(in.firstAt) {
			xs = append(xs, exchange{in.firstAt, out.firstAt, in.firstFrame, out.firstFrame})
		}
	}
	if len(xs) < p.clients {
		return false, plural(len(xs), "connection") + " to " + portText(p.port) + " got an echo; the lab needs " +
			itoa(p.clients) + " clients at once"
	}
	sort.SliceStable(xs, func(i, j int) bool { return xs[i].req.Before(xs[j].req) })
	quickest := xs[0].echo.Sub(xs[0].req)
	for _, x := range xs {
		quickest = min(quickest, x.echo.Sub(x.req))
	}
	delay, estimated := p.delay, p.delay == 0
	if estimated {
		delay = quickest
	} else if quickest < delay/2 {
		return false, "the server answered in " + durText(quickest) + ", not after the lab's delay of " + durText(delay) +
			": run it with a delay of " + durText(delay)
	}
	if delay < p.minDelay {
		return false, "the server answered in " + durText(delay) + ", too quickly to tell a concurrent server from an iterative one: run it with a delay of at least " + durText(p.minDelay)
	}
	// Concurrency is judged by overlap in service, not by a start window:
	// a chain is a run of exchanges, taken in the order they were answered,
	// each sent while the one answered before it still had at least half a
	// delay to wait for its echo. For each such request an iterative server
	// could answer no sooner than that earlier echo plus a delay; a
	// concurrent one answers a delay after the request. The answer is
	// counted as concurrent when it came closer to the second than to the
	// first. The order of the answers, not of the requests, is the one that
	// counts: requests sent together reach an iterative server in any order
	// (it accepts them as it will), and one answered first is not evidence
	// that a later one was served together with it.
	sort.SliceStable(xs, func(i, j int) bool { return xs[i].echo.Before(xs[j].echo) })
	half := delay / 2
	var chain, cur []exchange
	var together, curTogether []bool // per member after the first: answered concurrently
	latest := time.Time{}
	for _, x := range xs {
		if len(cur) > 0 && latest.Sub(x.req) >= half {
			slack := latest.Sub(x.req)
			cur = append(cur, x)
			curTogether = append(curTogether, x.echo.Sub(x.req) < delay+slack/2)
		} else {
			cur, curTogether = []exchange{x}, nil
			latest = time.Time{}
		}
		if x.echo.After(latest) {
			latest = x.echo
		}
		if len(cur) > len(chain) {
			chain, together = append([]exchange(nil), cur...), append([]bool(nil), curTogether...)
		}
	}
	delayText := "the server's delay of " + durText(delay)
	if estimated {
		delayText += " (its quickest answer)"
	}
	if len(chain) < p.clients {
		sort.SliceStable(xs, func(i, j int) bool { return xs[i].req.Before(xs[j].req) })
		frames := make([]int, 0, len(xs))
		times := make([]string, 0, len(xs))
		for _, x := range xs {
			frames = append(frames, x.reqFrame)
			times = append(times, "+"+durText(x.req.Sub(xs[0].req)))
		}
		return false, "the clients were never waiting together: the requests (" + frameList(frames) + ") were sent at " +
			joinList(times) + ", and no " + itoa(p.clients) + " of them were waiting for their echoes at the same time, with " +
			delayText + "; start each client while the others still wait for their echoes"
	}
	reqFrames := make([]int, len(chain))
	echoFrames := make([]int, len(chain))
	waits := make([]string, len(chain))
	for i, x := range chain {
		reqFrames[i], echoFrames[i] = x.reqFrame, x.echoFrame
		waits[i] = durText(x.echo.Sub(x.req))
	}
	concurrentN := 0
	for _, t := range together {
		if t {
			concurrentN++
		}
	}
	who := "your " + itoa(len(chain)) + " clients (requests in " + frameList(reqFrames) + ", echoes in " + frameList(echoFrames) + ")"
	if concurrent {
		if concurrentN+1 >= p.clients {
			return true, ""
		}
		return false, who + " waited " + joinList(waits) + " for their echoes, with " + delayText +
			": each waited for the one before, so the server answered them one at a time"
	}
	if concurrentN == 0 {
		return true, ""
	}
	return false, who + " each waited " + waitText(chain, waits, delay) + " for their echoes, with " + delayText +
		", though they were waiting at the same time: the server answered them together, concurrently"
}

// waitText is "about 1s" when every wait is within a quarter delay of the
// others, else the list of waits.
func waitText(xs []exchange, waits []string, delay time.Duration) string {
	lo, hi := xs[0].echo.Sub(xs[0].req), xs[0].echo.Sub(xs[0].req)
	for _, x := range xs {
		w := x.echo.Sub(x.req)
		lo, hi = min(lo, w), max(hi, w)
	}
	if hi-lo < delay/4 {
		return "about " + durText(lo)
	}
	return joinList(waits)
}

func joinList(s []string) string {
	if len(s) > maxListed {
		s = append(s[:maxListed:maxListed], "…")
	}
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			if i == len(s)-1 {
				b.WriteString(" and ")
			} else {
				b.WriteString(", ")
			}
		}
		b.WriteString(x)
	}
	return b.String()
}

// --- ICMP ---

func (p params) pings(c *capture) []*pingReq {
	var out []*pingReq
	for i := range c.icmp.reqs {
		r := &c.icmp.reqs[i]
		if p.serverOK(r.key.dst) && p.clientOK(r.key.src) {
			out = append(out, r)
		}
	}
	return out
}

func noPing(c *capture, p params, what string) string {
	if len(c.icmp.reqs) > 0 {
		r := c.icmp.reqs[0]
		return "no ICMP echo request" + what + " between the lab's " + addrsText(p) + "; the request in frame " +
			itoa(r.frame) + " went from " + r.key.src.String() + " to " + r.key.dst.String()
	}
	return "no ICMP echo request" + what + "; " + inventory(c)
}

func icmpRequest(c *capture, p params) (bool, string) {
	rs := p.pings(c)
	if len(rs) == 0 {
		return false, noPing(c, p, "")
	}
	if len(rs) >= p.count {
		return true, ""
	}
	frames := make([]int, len(rs))
	for i, r := range rs {
		frames[i] = r.frame
	}
	return false, plural(len(rs), "echo request") + " (" + frameList(frames) + "); the lab needs " + itoa(p.count)
}

func icmpReply(c *capture, p params) (bool, string) {
	rs := p.pings(c)
	if len(rs) == 0 {
		return false, noPing(c, p, " to answer")
	}
	var missing []*pingReq
	for _, r := range rs {
		if r.reply == 0 {
			missing = append(missing, r)
		}
	}
	answered := len(rs) - len(missing)
	if len(missing) == 0 && answered >= p.count {
		return true, ""
	}
	if len(missing) == 0 {
		return false, plural(answered, "echo request") + " answered; the lab needs " + itoa(p.count)
	}
	frames := make([]int, len(missing))
	seqs := make([]string, 0, len(missing))
	for i, r := range missing {
		frames[i] = r.frame
		if i < maxListed {
			seqs = append(seqs, itoa(int(r.key.seq)))
		}
	}
	if len(missing) > maxListed {
		seqs = append(seqs, "…")
	}
	msg := itoa(len(missing)) + " of " + plural(len(rs), "echo request") + " got no reply (id 0x" +
		strconv.FormatUint(uint64(missing[0].key.id), 16) + ", seq " + joinList(seqs) + "; " + frameList(frames) + ")"
	if c.icmp.strays.n > 0 {
		k := c.icmp.strayKey
		msg += "; the replies in " + c.icmp.strays.String() + " match no request by id and sequence (id 0x" +
			strconv.FormatUint(uint64(k.id), 16) + ", seq " + itoa(int(k.seq)) + ")"
	}
	if c.icmp.unreach.n > 0 {
		msg += "; " + c.icmp.unreach.String() + ": destination unreachable"
	}
	if c.sums.icmp.n > 0 {
		msg += "; bad ICMP checksum in " + c.sums.icmp.String()
	}
	return false, msg
}

// --- the capture itself ---

func frames(c *capture, p params) (bool, string) {
	if p.iface != "" {
		found := false
		for _, n := range c.ifaces {
			found = found || n == p.iface
		}
		if !found {
			if len(c.ifaces) == 0 {
				return false, "the capture names no interface (classic pcap); the lab wants one taken on " +
					strconv.Quote(p.iface) + ", saved as pcapng"
			}
			return false, "the capture was taken on " + strconv.Quote(c.ifaces[0]) + ", not " + strconv.Quote(p.iface)
		}
	}
	if c.ipFrames >= p.count {
		return true, ""
	}
	if c.ipFrames == 0 {
		return false, inventory(c)
	}
	return false, "the capture has " + plural(c.ipFrames, "IP frame") + "; the lab needs " + itoa(p.count)
}
