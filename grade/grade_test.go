package grade

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Student endpoints of the forged sessions.
var (
	lo      = fixtures.Localhost
	client1 = netip.AddrPortFrom(lo, 40001)
	client2 = netip.AddrPortFrom(lo, 40002)
	udpSrv  = fixtures.UDPServer
	tcpSrv  = fixtures.TCPServer
	hello   = []byte("hello turtle\n")
	lo6     = netip.IPv6Loopback()
)

func v6(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(lo6, a.Port()) }

func mustLab(t *testing.T, name string, sets ...string) *Rubric {
	t.Helper()
	r, err := Lab(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sets {
		if err := r.Set(s); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func gradeBytes(t *testing.T, r *Rubric, data []byte) Result {
	t.Helper()
	res, err := GradeReader(r, "student", "student.pcap", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// expect checks a result's score and the exact message of every failed
// check; checks not in failed must pass.
func expect(t *testing.T, res Result, score float64, failed map[string]string) {
	t.Helper()
	if res.Error != "" {
		t.Fatalf("unexpected read error: %s", res.Error)
	}
	for _, c := range res.Checks {
		want, shouldFail := failed[c.ID]
		switch {
		case c.Passed && shouldFail:
			t.Errorf("check %s passed, want it failed with %q", c.ID, want)
		case !c.Passed && !shouldFail:
			t.Errorf("check %s failed: %s", c.ID, c.Message)
		case !c.Passed && c.Message != want:
			t.Errorf("check %s message:\n got: %s\nwant: %s", c.ID, c.Message, want)
		}
	}
	if res.Score != score {
		t.Errorf("score %v, want %v", res.Score, score)
	}
}

// udpGood is a correct UDP echo session.
func udpGood(s *fixtures.Session) {
	s.UDP(0, client1, udpSrv, hello)
	s.UDP(80*time.Microsecond, udpSrv, client1, hello)
}

// tcpGood is a correct TCP echo session.
func tcpGood(s *fixtures.Session) {
	s.TCP(client1, tcpSrv, 1000, 900000).Echo(0, hello, 0)
}

func TestLabsScoreFullMarksOnCorrectSessions(t *testing.T) {
	for _, tc := range []struct {
		lab   string
		build func(*fixtures.Session)
	}{
		{"udp-echo", udpGood},
		{"tcp-echo", tcpGood},
		{"tcp-concurrent", func(s *fixtures.Session) {
			fixtures.TCPEchoLab(s, 1, 3, hello, 2*time.Second, true, false)
		}},
		{"tcp-iterative", func(s *fixtures.Session) {
			fixtures.TCPEchoLab(s, 1, 3, hello, 2*time.Second, true, true)
		}},
		{"ping", func(s *fixtures.Session) {
			for seq := uint16(1); seq <= 3; seq++ {
				at := time.Duration(seq) * time.Second
				s.ICMPEcho(at, lo, lo, false, 0x2a, seq, hello)
				s.ICMPEcho(at+30*time.Microsecond, lo, lo, true, 0x2a, seq, hello)
			}
		}},
		{"tcp-echo", func(s *fixtures.Session) {
			// Segmentation does not matter: the client's message in 4-byte
			// segments, the second one captured before the first and the
			// third retransmitted; the echo in 5-byte segments.
			c := s.TCP(client1, tcpSrv, 0xfffffff0, 900000) // sequence numbers wrap
			c.Handshake(0)
			ms := time.Millisecond
			c.Segment(2*ms, true, fixtures.PSH|fixtures.ACK, hello[0:4])
			c.Segment(1*ms, true, fixtures.PSH|fixtures.ACK, hello[4:8])
			c.Segment(3*ms, true, fixtures.PSH|fixtures.ACK, hello[8:12])
			c.Retransmit(4*ms, true, hello[8:12])
			c.Segment(5*ms, true, fixtures.PSH|fixtures.ACK, hello[12:])
			c.Send(6*ms, false, hello, 5)
			c.Close(7*ms, true)
		}},
		{"udp-echo", func(s *fixtures.Session) { // IPv6
			s.UDP(0, v6(client1), v6(udpSrv), hello)
			s.UDP(80*time.Microsecond, v6(udpSrv), v6(client1), hello)
		}},
		{"tcp-echo", func(s *fixtures.Session) {
			s.TCP(v6(client1), v6(tcpSrv), 1000, 900000).Echo(0, hello, 0)
		}},
		{"ping", func(s *fixtures.Session) {
			for seq := uint16(1); seq <= 3; seq++ {
				at := time.Duration(seq) * time.Second
				s.ICMPEcho(at, lo6, lo6, false, 0x2a, seq, hello)
				s.ICMPEcho(at+30*time.Microsecond, lo6, lo6, true, 0x2a, seq, hello)
			}
		}},
		{"sniffer", func(s *fixtures.Session) {
			udpGood(s)
			s.TCP(client2, tcpSrv, 5, 7).Echo(time.Second, hello, 0)
			s.ICMPEcho(2*time.Second, lo, lo, false, 1, 1, nil)
			s.ICMPEcho(2*time.Second+time.Millisecond, lo, lo, true, 1, 1, nil)
		}},
	} {
		// Every link type a student's tool writes, in pcap and pcapng.
		for _, link := range []pcapio.LinkType{pcapio.LinkTypeEthernet, pcapio.LinkTypeLinuxSLL2,
			pcapio.LinkTypeLinuxSLL, pcapio.LinkTypeNull, pcapio.LinkTypeRaw} {
			for _, enc := range []fixtures.Encoding{fixtures.PcapMicro, fixtures.PcapNano, fixtures.PcapNG, fixtures.PcapNGBE} {
				s := fixtures.NewSession(link)
				tc.build(s)
				t.Run(tc.lab+"/"+string(enc)+"/"+itoa(int(link)), func(t *testing.T) {
					r := mustLab(t, tc.lab)
					res := gradeBytes(t, r, s.Bytes(enc))
					expect(t, res, r.MaxScore(), nil)
					if len(res.Warnings) > 0 {
						t.Errorf("warnings on a clean loopback capture (offloaded checksums): %q", res.Warnings)
					}
				})
			}
		}
	}
}
