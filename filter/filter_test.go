package filter

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/pcapio"
	"golang.org/x/net/bpf"
)

// findPacket returns the forged frame of a link type with that name, cut
// to n bytes when n >= 0.
func findPacket(t *testing.T, link pcapio.LinkType, name string, n int) testPacket {
	t.Helper()
	for _, p := range forgedPackets(link) {
		if p.name == name {
			if n >= 0 {
				p.data = p.data[:n]
			}
			return p
		}
	}
	t.Fatalf("no forged packet %q for link %d", name, link)
	return testPacket{}
}

type verdictCase struct {
	expr   string
	link   pcapio.LinkType
	packet string
	cut    int // captured bytes, -1 for all
	want   bool
}

const (
	eth     = pcapio.LinkTypeEthernet
	null    = pcapio.LinkTypeNull
	cooked1 = pcapio.LinkTypeLinuxSLL
	cooked2 = pcapio.LinkTypeLinuxSLL2
	raw     = pcapio.LinkTypeRaw
	raw4    = pcapio.LinkTypeIPv4
	raw6    = pcapio.LinkTypeIPv6
	loop    = pcapio.LinkTypeLoop
)

// verdictCases are answers libpcap gives (the pcap-tagged tests check
// them against libpcap too), chosen for the corners where a naive compiler
// goes wrong.
var verdictCases = []verdictCase{
	{"", eth, "junk", -1, true},
	{"tcp port 80", eth, "ipv4-tcp-syn-80", -1, true},
	{"tcp port 80", eth, "ipv4-tcp-synack-from-80", -1, true},
	{"tcp port 80", eth, "ipv4-udp-dns", -1, false},
	{"tcp port 80", eth, "ipv4-tcp-first-fragment", -1, true},
	{"tcp port 80", eth, "ipv4-tcp-later-fragment", -1, false}, // only first fragments have ports
	{"tcp port 80", eth, "ipv4-tcp-options", -1, true},         // header length from IHL
	{"tcp port 80", eth, "ipv4-tcp-ihl15", -1, true},
	{"tcp port 80", eth, "ipv6-tcp-syn-80", -1, true},
	{"tcp port 80", eth, "ipv6-hbh-tcp-80", -1, false},   // no extension header walk for ports
	{"tcp port 80", eth, "ipv6-frag0-tcp-80", -1, false}, // nor through a fragment header
	{"tcp", eth, "ipv6-frag0-tcp-80", -1, true},          // but "tcp" looks through one
	{"tcp", eth, "ipv6-hbh-tcp-80", -1, false},           // and only that one
	{"ip6 proto 17", eth, "ipv6-frag8-udp-53", -1, true},
	{"udp port 53", eth, "ipv6-frag8-udp-53", -1, false},
	{"port 53", eth, "ipv6-udp-dns", -1, true},
	{"port 53", eth, "ipv4-udp-dns", -1, true},
	{"port 9", eth, "ipv4-sctp", -1, true},
	{"port 9", eth, "ipv6-sctp", -1, true},
	{"tcp port 9", eth, "ipv4-sctp", -1, false},
	{"icmp", eth, "ipv4-icmp-echo", -1, true},
	{"icmp", eth, "ipv4-tcp-syn-80", -1, false},
	{"icmp", eth, "ipv6-icmp6-echo", -1, false},
	{"icmp6", eth, "ipv6-icmp6-echo", -1, true},
	{"icmp6", eth, "ipv6-frag0-icmp6", -1, true},
	{"icmp6", eth, "ipv6-hbh-icmp6", -1, false},
	{"icmp[icmptype] = icmp-echo", eth, "ipv4-icmp-echo", -1, true},
	{"icmp[icmptype] = icmp-echo", eth, "ipv4-icmp-echoreply", -1, false},
	{"icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply", eth, "ipv4-icmp-unreach", -1, true},
	{"icmp6[icmp6type] = icmp6-neighborsolicit", eth, "ipv6-icmp6-ns", -1, true},
	{"tcp and not port 22", eth, "ipv4-tcp-fin-22", -1, false},
	{"tcp and not port 22", eth, "ipv4-tcp-syn-80", -1, true},
	{"tcp and not port 22", eth, "ipv4-udp-dns", -1, false},
	{"tcp[tcpflags] & tcp-syn != 0", eth, "ipv4-tcp-syn-80", -1, true},
	{"tcp[tcpflags] & tcp-syn != 0", eth, "ipv4-tcp-rst", -1, false},
	{"tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn", eth, "ipv4-tcp-synack-from-80", -1, false},
	{"tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn", eth, "ipv4-tcp-syn-80", -1, true},
	{"tcp[tcpflags] & tcp-cwr != 0", eth, "ipv4-tcp-push-urg-ece-cwr", -1, true},
	{"tcp[13] = 2", eth, "ipv6-tcp-syn-80", -1, false}, // tcp[] is IPv4 only
	{"host 10.0.0.1", eth, "ipv4-tcp-syn-80", -1, true},
	{"host 10.0.0.1", eth, "arp-request", -1, true}, // host covers ARP and RARP
	{"ip host 10.0.0.1", eth, "arp-request", -1, false},
	{"src host 10.0.0.1", eth, "ipv4-tcp-synack-from-80", -1, false},
	{"dst host 10.0.0.1", eth, "ipv4-tcp-synack-from-80", -1, true},
	{"host 10.0.0.1 and not 10.0.0.2", eth, "ipv4-tcp-syn-80", -1, false},
	{"host 10.0.0.1 and not 10.0.0.2", eth, "ipv4-tcp-rst", -1, true},
	{"net 10.0.0.0/8", eth, "ipv4-icmp-echo", -1, true},
	{"net 192.168.1.0 mask 255.255.255.0", eth, "ipv4-tcp-fin-22", -1, true},
	{"net 192.168", eth, "ipv4-tcp-fin-22", -1, true},
	{"host 2001:db8::1", eth, "ipv6-tcp-syn-80", -1, true},
	{"net fe80::/10", eth, "ipv6-tcp-syn-80", -1, true},
	{"host ::1", eth, "ipv6-udp-dns", -1, true},
	{"port 80 or 443", eth, "ipv4-tcp-rst", -1, true},
	{"tcp port 80 or 443", eth, "ipv6-tcp-ack-from-443", -1, true},
	{"portrange 440-450", eth, "ipv4-tcp-rst", -1, true},
	{"portrange 450-440", eth, "ipv4-tcp-rst", -1, true},
	{"src portrange 1-1023", eth, "ipv4-tcp-syn-80", -1, false},
	{"ether host 00:11:22:33:44:55", eth, "ipv4-tcp-syn-80", -1, true},
	{"ether dst 00:11:22:33:44:55", eth, "ipv4-tcp-syn-80", -1, false},
	{"ether broadcast", eth, "ipv4-tcp-syn-80/bcast", -1, true},
	{"ether broadcast", eth, "ipv4-tcp-syn-80", -1, false},
	{"ether multicast", eth, "ipv4-tcp-syn-80/mcast", -1, true},
	{"ether multicast", eth, "ipv4-tcp-syn-80/bcast", -1, true},
	{"ip multicast", eth, "ipv4-udp-multicast", -1, true},
	{"ip6 multicast", eth, "ipv6-udp-multicast", -1, true},
	{"arp", eth, "arp-reply", -1, true},
	{"rarp", eth, "rarp-request", -1, true},
	{"ip", eth, "arp-reply", -1, false},
	{"ip proto 47", eth, "ipv4-gre", -1, true},
	{"proto \\tcp", eth, "ipv6-tcp-syn-80", -1, true},
	{"ether proto \\arp", eth, "arp-reply", -1, true},
	{"stp", eth, "llc-stp", -1, true},
	{"isis", eth, "llc-iso-isis-l1-iih", -1, true},
	{"l1", eth, "llc-iso-isis-l1-iih", -1, true},
	{"l2", eth, "llc-iso-isis-l1-iih", -1, false},
	{"ipx", eth, "llc-snap-ipx", -1, true},
	{"atalk", eth, "llc-snap-atalk", -1, true},
	{"vlan", eth, "ipv4-tcp-syn-80/vlan100", -1, true},
	{"vlan 100", eth, "ipv4-tcp-syn-80/vlan100", -1, true},
	{"vlan 100", eth, "ipv4-tcp-synack-from-80/vlan-prio", -1, true}, // priority bits ignored
	{"vlan 101", eth, "ipv4-tcp-syn-80/vlan100", -1, false},
	{"vlan and tcp port 80", eth, "ipv4-tcp-syn-80/vlan100", -1, true},
	{"tcp port 80", eth, "ipv4-tcp-syn-80/vlan100", -1, false},
	{"vlan 10 and vlan 20 and tcp", eth, "ipv4-tcp-synack-from-80/qinq", -1, true},
	{"vlan", eth, "ipv4-tcp-synack-from-80/vlan9100", -1, true},
	{"tcp port 80 or vlan", eth, "ipv4-tcp-syn-80/vlan100", -1, true},
	{"vlan or tcp port 80", eth, "ipv4-tcp-syn-80", -1, false}, // offsets shift after "vlan", even across "or"
	{"less 60", eth, "arp-request", -1, true},
	{"greater 60", eth, "arp-request", -1, false},
	{"len > 100", eth, "ipv4-tcp-syn-80", 30, false},
	{"less 100", eth, "ipv4-tcp-syn-80", 30, true},   // wire length, not captured
	{"greater 70", eth, "ipv4-tcp-syn-80", 30, true}, // wire length, not captured
	{"tcp port 80", eth, "ipv4-tcp-syn-80", 37, false},
	{"not tcp port 80", eth, "ipv4-tcp-syn-80", 37, false}, // a load past the end rejects
	{"ip or tcp port 80", eth, "ipv4-tcp-syn-80", 37, true},
	{"tcp[13] = 2 or not tcp[13] = 2", eth, "ipv4-tcp-syn-80", 40, true}, // the optimizer removes the test
	{"(tcp and tcp[13] = 2) or tcp", eth, "ipv4-tcp-syn-80", 40, true},   // libpcap's optimizer drops the load
	{"ip proto 1 or ip[100] = 5 or ip proto 17", eth, "ipv4-udp-dns", 40, true},
	{"ip[100] = 5 or ip proto 17", eth, "ipv4-udp-dns", 40, false},
	{"ether[0] / (ether[1] - 0x77) = 0", eth, "ipv4-tcp-syn-80", -1, false}, // division by zero rejects
	{"ip", null, "ipv4-tcp-syn-80", -1, true},
	{"ip6", null, "ipv6-tcp-syn-80", -1, true},        // family 30 (macOS)
	{"ip6", null, "ipv6-tcp-ack-from-443", -1, false}, // family 10 (Linux): not a BSD value
	{"tcp port 80", loop, "ipv4-tcp-syn-80", -1, true},
	{"ip6", loop, "ipv6-udp-dns", -1, true},
	{"tcp port 80", raw, "ipv4-tcp-syn-80", -1, true},
	{"ip6", raw, "ipv6-udp-dns", -1, true},
	{"ip", raw, "ipv6-udp-dns", -1, false},
	{"tcp port 80", raw4, "ipv4-tcp-syn-80", -1, true},
	{"ip", raw4, "ipv6-tcp-syn-80", -1, true}, // link type 228 is IPv4 by definition
	{"udp port 53", raw6, "ipv6-udp-dns", -1, true},
	{"udp port 53", cooked1, "ipv4-udp-dns", -1, true},
	{"udp port 53", cooked2, "ipv6-udp-dns", -1, true},
	{"outbound", cooked1, "ipv4-tcp-rst", -1, false},             // pkttype 3
	{"outbound", cooked1, "ipv4-tcp-push-urg-ece-cwr", -1, true}, // pkttype 4
	{"inbound", cooked2, "ipv4-tcp-push-urg-ece-cwr", -1, false},
	{"ifindex 1", cooked2, "ipv4-tcp-synack-from-80", -1, true},
	{"stp", cooked1, "llc-stp", -1, true},
}

func TestVerdicts(t *testing.T) {
	for _, c := range verdictCases {
		p := findPacket(t, c.link, c.packet, c.cut)
		f, err := New(c.expr, c.link, 262144)
		if err != nil {
			t.Errorf("New(%q, %d): %v", c.expr, c.link, err)
			continue
		}
		if got := f.Matches(p.data, p.wire); got != c.want {
			t.Errorf("%q on link %d, %s (%d of %d bytes): got %v, want %v", c.expr, c.link, c.packet, len(p.data), p.wire, got, c.want)
		}
	}
}

func TestNilFilterMatchesAll(t *testing.T) {
	var f *Filter
	if !f.Matches(nil, 0) {
		t.Error("nil filter rejects")
	}
}

// checkKernelLimits checks what the kernel's verifier would: at most 4096
// instructions, jumps forward inside the program, scratch cells in range,
// a return at the end; and that x/net/bpf assembles it back unchanged.
func checkKernelLimits(t testing.TB, expr string, raw []bpf.RawInstruction) {
	t.Helper()
	if len(raw) == 0 || len(raw) > maxInsns {
		t.Fatalf("%q: %d instructions", expr, len(raw))
	}
	for pc, in := range raw {
		rest := len(raw) - pc - 1
		switch {
		case in.Op == clsJMP|jmpJA:
			if int(in.K) >= rest {
				t.Fatalf("%q: instruction %d jumps out", expr, pc)
			}
		case bpfClass(int(in.Op)) == clsJMP:
			if int(in.Jt) >= rest || int(in.Jf) >= rest {
				t.Fatalf("%q: instruction %d jumps out", expr, pc)
			}
		case bpfClass(int(in.Op)) == clsLD && bpfMode(int(in.Op)) == modeMEM,
			bpfClass(int(in.Op)) == clsLDX && bpfMode(int(in.Op)) == modeMEM,
			bpfClass(int(in.Op)) == clsST, bpfClass(int(in.Op)) == clsSTX:
			if in.K >= memWords {
				t.Fatalf("%q: instruction %d uses scratch cell %d", expr, pc, in.K)
			}
		}
	}
	if bpfClass(int(raw[len(raw)-1].Op)) != clsRET {
		t.Fatalf("%q: does not end with a return", expr)
	}
	insts := disassemble(raw)
	back, err := bpf.Assemble(insts)
	if err != nil {
		t.Fatalf("%q: bpf.Assemble: %v", expr, err)
	}
	if len(back) != len(raw) {
		t.Fatalf("%q: bpf.Assemble changed the length", expr)
	}
	for i := range back {
		if back[i] != withoutUnusedK(raw[i]) {
			t.Fatalf("%q: bpf.Assemble changed instruction %d: %v to %v", expr, i, raw[i], back[i])
		}
	}
	if _, err := decode(raw); err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
}

// withoutUnusedK clears the K field of instructions that do not use it:
// libpcap's optimizer leaves stale values there (a "tax" that was an
// "ldx M[1]" keeps K=1), which x/net/bpf drops when reassembling.
func withoutUnusedK(in bpf.RawInstruction) bpf.RawInstruction {
	op := int(in.Op)
	switch {
	case bpfClass(op) == clsMISC, op == clsALU|aluNEG, op == clsRET|retA,
		bpfClass(op) == clsALU && bpfSrc(op) == srcX, bpfClass(op) == clsJMP && bpfSrc(op) == srcX,
		bpfClass(op) <= clsLDX && bpfMode(op) == modeLEN:
		in.K = 0
	}
	return in
}

func TestProgramsFitKernel(t *testing.T) {
	n := 0
	for _, link := range testLinks {
		for _, e := range exprs() {
			f, err := New(e, link, 65535)
			if err != nil {
				var fe *Error
				if !errors.As(err, &fe) || fe.Expr != e || !strings.HasPrefix(err.Error(), "filter ") {
					t.Errorf("%q: error %v is not a *Error about the expression", e, err)
				}
				continue
			}
			checkKernelLimits(t, e, f.RawInstructions())
			n++
		}
	}
	t.Logf("%d programs checked", n)
}

// TestAgainstXNetVM runs our programs through golang.org/x/net/bpf's VM
// too, on whole frames (that VM has no separate wire length) and programs
// without NegateA (which it does not implement).
func TestAgainstXNetVM(t *testing.T) {
	n := 0
	for _, link := range testLinks {
		packets := forgedPackets(link)
		for _, e := range exprs() {
			f, err := New(e, link, 65535)
			if err != nil {
				continue
			}
			neg := false
			for _, in := range f.raw {
				neg = neg || in.Op == clsALU|aluNEG
			}
			if neg {
				continue
			}
			vm, err := bpf.NewVM(f.Instructions())
			if err != nil {
				t.Fatalf("%q: x/net/bpf: %v", e, err)
			}
			for _, p := range packets {
				want, err := vm.Run(p.data)
				if err != nil {
					t.Fatalf("%q: x/net/bpf: %v", e, err)
				}
				if got := f.Matches(p.data, len(p.data)); got != (want != 0) {
					t.Fatalf("%q on link %d, %s %x: we say %v, x/net/bpf %d", e, link, p.name, p.data, got, want)
				}
				n++
			}
		}
	}
	t.Logf("%d verdicts agree with x/net/bpf", n)
}

func TestErrors(t *testing.T) {
	cases := []struct {
		expr string
		col  int
		msg  string // substring of Error()
	}{
		{"tcp port 80 and foo", 17, `unknown port 'foo'`},
		{"host foo", 6, "host names are not supported"},
		{"src example.com", 5, "host names are not supported"},
		{"tcp port 80 and", 16, "syntax error at column 16"},
		{"tcp and 10.0.0.1", 9, "syntax error"},
		{"ip6 host 10.0.0.1", 10, "'ip6' modifier applied to ip host"},
		{"port 65536", 6, "illegal port number 65536 > 65535"},
		{"mpls", 1, "unsupported at column 1"},
		{"ip and pppoes", 8, "unsupported"},
		{"ip6 protochain 6", 5, "protochain is not supported"},
		{"ether[0:3] = 1", 1, "data size must be 1, 2, or 4"},
		{"tcp[0] / 0 = 1", 8, "division by zero"},
		{"ip broadcast", 1, "netmask not known"},
		{"vlan 4096", 1, "VLAN tag 4096"},
		{"byte 0 & 1", 1, "unsupported"},
		{"ip and not ip", 0, "expression rejects all packets"},
		{"ether[0xffffffff] = 1", 0, "ancillary data"},
		{"08", 1, "non-octal digit"},
		{"tcp port 80 and ¢", 17, "illegal character"},
		{"gateway foo", 1, "gateway is not supported"},
	}
	for _, c := range cases {
		_, err := Compile(c.expr, eth, 65535)
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("%q: got %v, want a *Error", c.expr, err)
			continue
		}
		if fe.Column != c.col || !strings.Contains(err.Error(), c.msg) || fe.Expr != c.expr {
			t.Errorf("%q: got %q (column %d), want column %d and %q", c.expr, err, fe.Column, c.col, c.msg)
		}
	}
	if _, err := Compile("tcp", 147, 65535); err == nil || !strings.Contains(err.Error(), "link type 147") {
		t.Errorf("unknown link type: got %v", err)
	}
	if _, err := Compile("tcp", eth, 0); err == nil {
		t.Error("snaplen 0 accepted")
	}
	for _, e := range hostNameExprs {
		if _, err := Compile(e, eth, 65535); err == nil {
			t.Errorf("%q compiled; host names must be refused", e)
		}
	}
}

func TestEmptyExpressionAcceptsAll(t *testing.T) {
	for _, e := range []string{"", "  \t\n"} {
		prog, err := Compile(e, eth, 1234)
		if err != nil {
			t.Fatal(err)
		}
		if len(prog) != 1 || prog[0] != (bpf.RetConstant{Val: 1234}) {
			t.Errorf("%q: got %v", e, prog)
		}
	}
}

func TestNames(t *testing.T) {
	dir := t.TempDir()
	services := filepath.Join(dir, "services")
	protocols := filepath.Join(dir, "protocols")
	os.WriteFile(services, []byte("# comment\nhttp 80/tcp www\nhttp 80/udp\nssh 22/tcp\nsyslog 514/udp\nweird 7/tcp\nweird 9/udp\n"), 0o600)
	os.WriteFile(protocols, []byte("tcp 6 TCP # comment\nudp 17 UDP\n"), 0o600)
	db := nameDB{services: readServices(services), protocols: readProtocols(protocols)}
	for _, c := range []struct {
		name  string
		port  uint32
		proto int
		ok    bool
	}{
		{"http", 80, protoUndef, true}, {"www", 80, ipprotoTCP, true}, {"ssh", 22, ipprotoTCP, true},
		{"syslog", 514, ipprotoUDP, true}, {"weird", 7, ipprotoTCP, true}, {"nope", 0, 0, false},
	} {
		port, proto, ok := db.port(c.name)
		if port != c.port || proto != c.proto || ok != c.ok {
			t.Errorf("port(%q) = %d, %d, %v", c.name, port, proto, ok)
		}
	}
	if p1, p2, proto, ok := db.portrange("ssh-http"); !ok || p1 != 22 || p2 != 80 || proto != protoUndef {
		t.Errorf("portrange(ssh-http) = %d %d %d %v", p1, p2, proto, ok)
	}
	if p1, p2, _, ok := db.portrange("10-20"); !ok || p1 != 10 || p2 != 20 {
		t.Errorf("portrange(10-20) = %d %d %v", p1, p2, ok)
	}
	if v, ok := db.proto("TCP"); !ok || v != 6 {
		t.Errorf("proto(TCP) = %d %v", v, ok)
	}
}

func TestMatchesDoesNotAllocate(t *testing.T) {
	f, err := New("tcp port 80 and tcp[tcpflags] & tcp-syn != 0 or (ip[2:2] - len) / 2 > 10", eth, 65535)
	if err != nil {
		t.Fatal(err)
	}
	p := findPacket(t, eth, "ipv4-tcp-syn-80", -1)
	if n := testing.AllocsPerRun(100, func() { f.Matches(p.data, p.wire) }); n != 0 {
		t.Errorf("Matches allocates %v times per frame", n)
	}
}
