package grade

import (
	"net/netip"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Each way a student fails a lab, forged, with the score and the exact
// message of every failed check.
var failureCases = []struct {
	name   string
	lab    string
	sets   []string
	build  func(*fixtures.Session)
	enc    fixtures.Encoding // PcapMicro when ""
	score  float64
	failed map[string]string
}{
	{
		name: "udp wrong port", lab: "udp-echo",
		build: func(s *fixtures.Session) {
			srv := netip.AddrPortFrom(lo, 10002)
			s.UDP(0, client1, srv, hello)
			s.UDP(time.Millisecond, srv, client1, hello)
		},
		score: 0,
		failed: map[string]string{
			"request": "no datagram to port 10001; UDP went to port 10002 (frame 1) instead",
			"echo":    "no datagram to port 10001 to echo (the reason is under request)",
		},
	},
	{
		name: "udp no reply", lab: "udp-echo",
		build: func(s *fixtures.Session) {
			s.UDP(0, client1, udpSrv, hello)
			s.UDP(time.Second, client1, udpSrv, hello)
		},
		score: 4,
		failed: map[string]string{
			"echo": "no datagram back from port 10001 for the requests in frames 1–2",
		},
	},
	{
		name: "udp port unreachable", lab: "udp-echo",
		build: func(s *fixtures.Session) {
			s.UDP(0, client1, udpSrv, hello)
			s.PortUnreachable(20*time.Microsecond, client1, udpSrv, hello)
		},
		score: 4,
		failed: map[string]string{
			"echo": "frame 2 is ICMP port unreachable for the datagram in frame 1: nothing listened on port 10001",
		},
	},
	{
		name: "udp altered echo", lab: "udp-echo",
		build: func(s *fixtures.Session) {
			s.UDP(0, client1, udpSrv, hello)
			s.UDP(time.Millisecond, udpSrv, client1, []byte("HELLO turtle\n"))
		},
		score: 4,
		failed: map[string]string{
			"echo": "the reply in frame 2 differs from the request in frame 1 at offset 0: 'H' (0x48) where the request has 'h' (0x68)",
		},
	},
	{
		name: "udp reply from a new socket", lab: "udp-echo",
		build: func(s *fixtures.Session) {
			s.UDP(0, client1, udpSrv, hello)
			s.UDP(time.Millisecond, netip.AddrPortFrom(lo, 51515), client1, hello)
		},
		score: 4,
		failed: map[string]string{
			"echo": "the echo in frame 2 came from port 51515, not 10001: answer from the socket bound to the lab's port",
		},
	},
	{
		name: "udp wrong message", lab: "udp-echo", sets: []string{"message=hello"},
		build: udpGood,
		score: 6,
		failed: map[string]string{
			"request": "the datagram in frame 1 carries \"hello turtle\\n\"; the lab's message is \"hello\"",
		},
	},
	{
		name: "tcp wrong port", lab: "tcp-echo",
		build: func(s *fixtures.Session) {
			s.TCP(client1, netip.AddrPortFrom(lo, 12501), 1000, 2000).Echo(0, hello, 0)
		},
		score: 0,
		failed: map[string]string{
			"handshake": "no SYN to port 12500; the client connected to port 12501 (frame 1) instead",
			"data":      "no connection to port 12500 (the reason is under handshake)",
			"echo":      "no connection to port 12500 (the reason is under handshake)",
			"close":     "no connection to port 12500 (the reason is under handshake)",
		},
	},
	{
		name: "tcp no server: SYN retransmissions", lab: "tcp-echo",
		build: func(s *fixtures.Session) {
			c := s.TCP(client1, netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), 12500), 1000, 2000)
			c.SYN(0)
			c.SYN(time.Second)
			c.SYN(3 * time.Second)
		},
		score: 0,
		failed: map[string]string{
			"handshake": "no SYN-ACK from port 12500; frames 1–3 are SYN retransmissions",
			"data":      "no connection to port 12500 completed its handshake: no SYN-ACK from port 12500; frames 1–3 are SYN retransmissions",
			"echo":      "no connection to port 12500 completed its handshake: no SYN-ACK from port 12500; frames 1–3 are SYN retransmissions",
			"close":     "no connection to port 12500 completed its handshake: no SYN-ACK from port 12500; frames 1–3 are SYN retransmissions",
		},
	},
	{
		name: "tcp refused", lab: "tcp-echo",
		build: func(s *fixtures.Session) {
			s.TCP(client1, tcpSrv, 1000, 0).Refused(0)
		},
		score: 0,
		failed: map[string]string{
			"handshake": "the SYN in frame 1 was answered with RST (frame 2): nothing listened on port 12500",
			"data":      "no connection to port 12500 completed its handshake: the SYN in frame 1 was answered with RST (frame 2): nothing listened on port 12500",
			"echo":      "no connection to port 12500 completed its handshake: the SYN in frame 1 was answered with RST (frame 2): nothing listened on port 12500",
			"close":     "no connection to port 12500 completed its handshake: the SYN in frame 1 was answered with RST (frame 2): nothing listened on port 12500",
		},
	},
	{
		name: "tcp no reply", lab: "tcp-echo",
		build: func(s *fixtures.Session) {
			c := s.TCP(client1, tcpSrv, 1000, 2000)
			c.Handshake(0)
			c.Send(time.Millisecond, true, hello, 0)
			c.Close(5*time.Second, true)
		},
		score: 6,
		failed: map[string]string{
			"echo": "no data back from port 12500: the client's 13 bytes (frame 4) were never echoed",
		},
	},
	{
		name: "tcp altered echo, segmented", lab: "tcp-echo",
		build: func(s *fixtures.Session) {
			c := s.TCP(client1, tcpSrv, 1000, 2000)
			c.Handshake(0)
			c.Send(time.Millisecond, true, hello, 4)
			c.Send(2*time.Millisecond, false, []byte("hello tUrtle\n"), 5)
			c.Close(3*time.Millisecond, true)
		},
		score: 6,
		failed: map[string]string{
			"echo": "the echo differs from what the client sent at offset 7: 'U' (0x55) in frame 10 where the client sent 'u' (0x75) in frame 5",
		},
	},
	{
		name: "tcp short echo", lab: "tcp-echo",
		build: func(s *fixtures.Session) {
			c := s.TCP(client1, tcpSrv, 1000, 2000)
			c.Handshake(0)
			c.Send(time.Millisecond, true, hello, 0)
			c.Send(2*time.Millisecond, false, hello[:5], 0)
			c.Close(3*time.Millisecond, true)
		},
		score: 6,
		failed: map[string]string{
			"echo": "the server echoed 5 of the client's 13 bytes (frame 6)",
		},
	},
	{
		name: "tcp RST instead of FIN", lab: "tcp-echo",
		build: func(s *fixtures.Session) {
			c := s.TCP(client1, tcpSrv, 1000, 2000)
			c.Handshake(0)
			c.Send(time.Millisecond, true, hello, 0)
			c.Send(2*time.Millisecond, false, hello, 0)
			c.Reset(3*time.Millisecond, true)
		},
		score: 8,
		failed: map[string]string{
			"close": "the connection from port 40001 ended with RST from the client (frame 8) instead of FIN",
		},
	},
	{
		name: "tcp server never closes", lab: "tcp-echo",
		build: func(s *fixtures.Session) {
			c := s.TCP(client1, tcpSrv, 1000, 2000)
			c.Handshake(0)
			c.Send(time.Millisecond, true, hello, 0)
			c.Send(2*time.Millisecond, false, hello, 0)
			c.Segment(3*time.Millisecond, true, fixtures.FIN|fixtures.ACK, nil)
			c.Segment(3*time.Millisecond+20*time.Microsecond, false, fixtures.ACK, nil)
		},
		score: 8,
		failed: map[string]string{
			"close": "no FIN from port 12500: the server never closed its side of the connection from port 40001 (the client's FIN is frame 8)",
		},
	},
	{
		name: "tcp capture started late", lab: "tcp-echo",
		build: func(s *fixtures.Session) {
			c := s.TCP(client1, tcpSrv, 1000, 2000)
			c.Send(time.Millisecond, true, hello, 0)
			c.Send(2*time.Millisecond, false, hello, 0)
			c.Close(3*time.Millisecond, true)
		},
		score: 8,
		failed: map[string]string{
			"handshake": "the capture starts after the handshake (the connection from port 40001 first shows in frame 1): start capturing before the client connects",
		},
	},
	{
		name: "tcp wrong message", lab: "tcp-echo", sets: []string{"message=ping"},
		build: tcpGood,
		score: 8,
		failed: map[string]string{
			"data": "the client sent \"hello turtle\\n\" (frame 4); the lab's message is \"ping\"",
		},
	},
	{
		name: "concurrent lab, sequential clients", lab: "tcp-concurrent",
		build: func(s *fixtures.Session) {
			fixtures.TCPEchoLab(s, 2, 3, hello, 2*time.Second, false, false)
		},
		score: 5,
		failed: map[string]string{
			"concurrent": "the clients were never waiting together: the requests (frames 4, 14 and 24) were sent at +0s, +2.5s and +5.001s, and no 3 of them were waiting for their echoes at the same time, with the server's delay of 2s (its quickest answer); start each client while the others still wait for their echoes",
		},
	},
	{
		name: "concurrent lab, iterative server", lab: "tcp-concurrent",
		build: func(s *fixtures.Session) {
			fixtures.TCPEchoLab(s, 3, 3, hello, 2*time.Second, true, true)
		},
		score: 5,
		failed: map[string]string{
			"concurrent": "your 3 clients (requests in frames 4, 9 and 14, echoes in frames 16, 21 and 26) waited 2s, 4s and 6s for their echoes, with the server's delay of 2s (its quickest answer): each waited for the one before, so the server answered them one at a time",
		},
	},
	{
		name: "concurrent lab, no delay", lab: "tcp-concurrent",
		build: func(s *fixtures.Session) {
			fixtures.TCPEchoLab(s, 3, 3, hello, 0, true, false)
		},
		score: 5,
		failed: map[string]string{
			"concurrent": "the server answered in 60µs, too quickly to tell a concurrent server from an iterative one: run it with a delay of at least 100ms",
		},
	},
	{
		name: "concurrent lab, one client", lab: "tcp-concurrent",
		build: func(s *fixtures.Session) {
			fixtures.TCPEchoLab(s, 3, 1, hello, 2*time.Second, true, false)
		},
		score: 5,
		failed: map[string]string{
			"concurrent": "1 connection to port 12500 got an echo; the lab needs 3 clients at once",
		},
	},
	{
		name: "iterative lab, concurrent server", lab: "tcp-iterative",
		build: func(s *fixtures.Session) {
			fixtures.TCPEchoLab(s, 4, 3, hello, time.Second, true, false)
		},
		score: 5,
		failed: map[string]string{
			"iterative": "your 3 clients (requests in frames 4, 9 and 14, echoes in frames 16, 21 and 26) each waited about 1s for their echoes, with the server's delay of 1s (its quickest answer), though they were waiting at the same time: the server answered them together, concurrently",
		},
	},
	{
		name: "iterative lab, delay given", lab: "tcp-iterative", sets: []string{"delay=1s"},
		build: func(s *fixtures.Session) {
			fixtures.TCPEchoLab(s, 4, 3, hello, time.Second, true, false)
		},
		score: 5,
		failed: map[string]string{
			"iterative": "your 3 clients (requests in frames 4, 9 and 14, echoes in frames 16, 21 and 26) each waited about 1s for their echoes, with the server's delay of 1s, though they were waiting at the same time: the server answered them together, concurrently",
		},
	},
	{
		name: "iterative lab, server without the delay", lab: "tcp-iterative", sets: []string{"delay=2s"},
		build: func(s *fixtures.Session) {
			fixtures.TCPEchoLab(s, 4, 3, hello, 0, true, true)
		},
		score: 5,
		failed: map[string]string{
			"iterative": "the server answered in 60µs, not after the lab's delay of 2s: run it with a delay of 2s",
		},
	},
	{
		name: "sniffer on the wrong interface", lab: "sniffer", sets: []string{"interface=eth0"}, enc: fixtures.PcapNG,
		build: func(s *fixtures.Session) {
			udpGood(s)
			s.TCP(client2, tcpSrv, 5, 7).Echo(time.Second, hello, 0)
			s.ICMPEcho(2*time.Second, lo, lo, false, 1, 1, nil)
			s.ICMPEcho(2*time.Second+time.Millisecond, lo, lo, true, 1, 1, nil)
		},
		score: 9,
		failed: map[string]string{
			"frames": "the capture was taken on \"lo\", not \"eth0\"",
		},
	},
	{
		name: "ping unanswered", lab: "ping",
		build: func(s *fixtures.Session) {
			for seq := uint16(1); seq <= 4; seq++ {
				at := time.Duration(seq) * time.Second
				s.ICMPEcho(at, lo, lo, false, 0x2a, seq, hello)
				if seq < 3 {
					s.ICMPEcho(at+30*time.Microsecond, lo, lo, true, 0x2a, seq, hello)
				}
			}
		},
		score: 3,
		failed: map[string]string{
			"reply": "2 of 4 echo requests got no reply (id 0x2a, seq 3 and 4; frames 5–6)",
		},
	},
	{
		name: "ping reply with the wrong sequence", lab: "ping",
		build: func(s *fixtures.Session) {
			for seq := uint16(1); seq <= 3; seq++ {
				at := time.Duration(seq) * time.Second
				s.ICMPEcho(at, lo, lo, false, 0x2a, seq, hello)
				s.ICMPEcho(at+30*time.Microsecond, lo, lo, true, 0x2a, seq+100, hello)
			}
		},
		score: 3,
		failed: map[string]string{
			"reply": "3 of 3 echo requests got no reply (id 0x2a, seq 1, 2 and 3; frames 1, 3 and 5); the replies in frames 2, 4 and 6 match no request by id and sequence (id 0x2a, seq 101)",
		},
	},
	{
		name: "ping too few", lab: "ping",
		build: func(s *fixtures.Session) {
			s.ICMPEcho(0, lo, lo, false, 0x2a, 1, hello)
			s.ICMPEcho(30*time.Microsecond, lo, lo, true, 0x2a, 1, hello)
		},
		score: 0,
		failed: map[string]string{
			"request": "1 echo request (frame 1); the lab needs 3",
			"reply":   "1 echo request answered; the lab needs 3",
		},
	},
	{
		name: "sniffer without ping and udp", lab: "sniffer",
		build: tcpGood,
		score: 4,
		failed: map[string]string{
			"udp":  "no datagram to port 10001 to echo; the capture has 10 frames: 10 TCP segments, 0 UDP datagrams, 0 ICMP echo requests",
			"ping": "no ICMP echo request to answer; the capture has 10 frames: 10 TCP segments, 0 UDP datagrams, 0 ICMP echo requests",
		},
	},
}

func TestFailures(t *testing.T) {
	for _, tc := range failureCases {
		t.Run(tc.name, func(t *testing.T) {
			s := fixtures.NewSession(pcapio.LinkTypeEthernet)
			tc.build(s)
			r := mustLab(t, tc.lab, tc.sets...)
			enc := tc.enc
			if enc == "" {
				enc = fixtures.PcapMicro
			}
			res := gradeBytes(t, r, s.Bytes(enc))
			if tc.failed == nil { // a new case: print what to expect, for review
				t.Logf("score %v", res.Score)
				for _, c := range res.Failed() {
					t.Logf("%q: %q,", c.ID, c.Message)
				}
				t.Fatal("the case has no expectations")
			}
			expect(t, res, tc.score, tc.failed)
		})
	}
}
