//go:build pcap

package filter

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/filter/internal/pcapref"
	"github.com/turtle-sniffer/turtle/internal/testcorpus"
	"github.com/turtle-sniffer/turtle/pcapio"
	"golang.org/x/net/bpf"
)

func dump(p []bpf.RawInstruction) string {
	var b strings.Builder
	for i, in := range p {
		fmt.Fprintf(&b, "(%03d) %-30v code=%#04x jt=%d jf=%d k=%#x\n", i, in.Disassemble(), in.Op, in.Jt, in.Jf, in.K)
	}
	return b.String()
}

func equalProg(a, b []bpf.RawInstruction) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestProgramsMatchLibpcap compiles every expression for every link type
// with libpcap and with this package, unoptimized and optimized, and wants
// the same refusals and the same programs, instruction for instruction.
func TestProgramsMatchLibpcap(t *testing.T) {
	var same, refused, failures int
	for _, opt := range []bool{false, true} {
		for _, link := range testLinks {
			for _, e := range exprs() {
				want, werr := pcapref.Compile(int(link), 262144, e, opt, false)
				got, gerr := compileRaw(e, link, 262144, Options{}, opt)
				switch {
				case werr != nil && gerr != nil:
					same++
				case werr != nil:
					failures++
					if failures <= 20 {
						t.Errorf("link %d opt %v %q: libpcap refuses (%v), we compile:\n%s", link, opt, e, werr, dump(got))
					}
				case gerr != nil:
					refused++
					t.Logf("link %d opt %v %q: we refuse (%v), libpcap compiles", link, opt, e, gerr)
				case !equalProg(want, got):
					failures++
					if failures <= 20 {
						t.Errorf("link %d opt %v %q: programs differ\nlibpcap:\n%s\nours:\n%s", link, opt, e, dump(want), dump(got))
					}
				default:
					same++
				}
			}
		}
	}
	t.Logf("%d identical (or both refused), %d refused by us only, %d failures", same, refused, failures)
}

// randExpr builds random expressions: mostly well-formed ones made of
// primitives, qualifier inheritance, parentheses, not/and/or and arithmetic,
// and some token soup to compare what the two parsers accept.
type randExpr struct{ seed uint64 }

func (r *randExpr) intn(n int) int {
	// xorshift64*: deterministic and independent of math/rand versions.
	r.seed ^= r.seed >> 12
	r.seed ^= r.seed << 25
	r.seed ^= r.seed >> 27
	return int((r.seed * 2685821657736338717) >> 33 % uint64(n))
}

func (r *randExpr) pick(s ...string) string { return s[r.intn(len(s))] }

// kinds of primitive, to pick operands that fit and bare values that may
// inherit the qualifiers.
const (
	kNone = iota
	kHost4
	kNet4
	kHost6
	kEther
	kPort
	kPortrange
	kProto
)

func (r *randExpr) operand(kind int) string {
	switch kind {
	case kHost4:
		return r.pick("10.0.0.1", "192.168.1.7", "10.0.0.2", "172.16.0.1", "10.1", "1.2.3.4")
	case kNet4:
		return r.pick("10.0.0.0/8", "192.168.0.0/16", "10", "172.16", "10.0.0.0 mask 255.0.0.0", "0.0.0.0/0", "10.1.2.0/24")
	case kHost6:
		return r.pick("::1", "fe80::1", "2001:db8::1", "2001:db8::/32", "fe80::/10", "::ffff:10.0.0.1")
	case kEther:
		return r.pick("00:11:22:33:44:55", "ff:ff:ff:ff:ff:ff", "0:1:2:3:4:5", "00-11-22-33-44-55", "0011.2233.4455")
	case kPort:
		return r.pick("80", "443", "53", "0x50", "(22)", "http", "domain", "ssh", "ntp", "0", "65535", "123")
	case kPortrange:
		return r.pick("1-1023", "6000-6010", "80", "5-1", "1024-65535", "http-https", "0-0")
	case kProto:
		return r.pick("6", "17", "1", "58", "47", "132", "\\tcp", "\\udp", "\\icmp", "\\sctp")
	}
	return r.pick("10.0.0.1", "::1", "80", "00:11:22:33:44:55")
}

func (r *randExpr) arith(depth int) string {
	if depth <= 0 || r.intn(3) == 0 {
		switch r.intn(7) {
		case 0, 1:
			return r.pick("0", "1", "2", "4", "13", "0x45", "0xff", "255", "0x1fff", "tcpflags", "tcp-syn", "icmptype", "icmp-echo", "6", "40")
		case 2:
			return "len"
		default:
			size := r.pick("", "", ":1", ":2", ":4")
			return r.pick("ether", "ip", "ip6", "tcp", "udp", "icmp", "icmp6", "arp", "sctp", "link", "igmp", "rarp") +
				"[" + r.arith(depth-1) + size + "]"
		}
	}
	switch r.intn(5) {
	case 0:
		return "(" + r.arith(depth-1) + ")"
	case 1:
		return "-" + r.arith(depth-1)
	}
	return r.arith(depth-1) + " " + r.pick("+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "&", "+") + " " + r.arith(depth-1)
}

// prim returns a primitive and its kind.
func (r *randExpr) prim() (string, int) {
	switch r.intn(12) {
	case 0:
		return r.pick("ip", "ip6", "arp", "rarp", "tcp", "udp", "icmp", "icmp6", "sctp", "igmp", "pim", "vrrp", "ah", "esp", "stp", "ipx", "iso", "isis", "l1", "atalk", "decnet", "aarp", "netbeui"), kNone
	case 1, 2:
		return r.arith(2) + " " + r.pick("=", "==", "!=", "<", "<=", ">", ">=") + " " + r.arith(2), kNone
	case 3:
		return r.pick("vlan", "vlan 10", "vlan 100", "less 100", "greater 64", "broadcast", "multicast",
			"ether broadcast", "ip multicast", "ip6 multicast", "ether multicast", "inbound", "outbound", "ifindex 1",
			"byte 9 = 6", "byte 0 > 3", "byte 12 < 9", "vlan and vlan"), kNone
	}
	dir := ""
	if r.intn(2) == 0 {
		dir = r.pick("src ", "dst ", "src or dst ", "src and dst ", "dst or src ", "dst and src ")
	}
	switch r.intn(9) {
	case 0:
		return r.pick("", "ip ", "arp ", "rarp ") + dir + r.pick("host ", "") + r.operand(kHost4), kHost4
	case 1:
		return r.pick("", "ip ", "arp ") + dir + "net " + r.operand(kNet4), kNet4
	case 2:
		return r.pick("", "ip6 ") + dir + r.pick("host ", "net ", "") + r.operand(kHost6), kHost6
	case 3:
		return r.pick("ether ", "link ") + dir + r.pick("host ", "") + r.operand(kEther), kEther
	case 4, 5:
		return r.pick("", "tcp ", "udp ", "sctp ") + dir + "port " + r.operand(kPort), kPort
	case 6:
		return r.pick("", "tcp ", "udp ") + dir + "portrange " + r.operand(kPortrange), kPortrange
	case 7:
		return r.pick("", "ip ", "ip6 ") + "proto " + r.operand(kProto), kProto
	}
	return r.pick("ether proto 0x800", "ether proto \\arp", "ether proto 0x86dd", "ether proto \\ip6", "iso proto \\isis", "ether proto 1000"), kNone
}

// expr returns an expression and the kind its qualifiers carry on.
func (r *randExpr) expr(depth int) (string, int) {
	if depth <= 0 {
		return r.prim()
	}
	switch r.intn(9) {
	case 0:
		e, k := r.expr(depth - 1)
		return "not " + e, k
	case 1:
		e, _ := r.expr(depth - 1)
		return "(" + e + ")", kNone
	case 2, 3:
		a, _ := r.expr(depth - 1)
		b, k := r.expr(depth - 1)
		return a + r.pick(" and ", " && ") + b, k
	case 4, 5:
		a, _ := r.expr(depth - 1)
		b, k := r.expr(depth - 1)
		return a + r.pick(" or ", " || ") + b, k
	case 6, 7:
		// bare operands inheriting the qualifiers
		e, k := r.prim()
		if k == kNone {
			return e, k
		}
		switch r.intn(3) {
		case 0:
			return e + r.pick(" and ", " or ", " and not ", " or not ") + r.operand(k), k
		case 1:
			return e + r.pick(" and (", " or (", " and not (") + r.operand(k) + r.pick(" or ", " and ", " or not ") + r.operand(k) + ")", k
		}
		return e + " or " + r.operand(k) + " or " + r.operand(k), k
	}
	return r.prim()
}

var soup = []string{"tcp", "udp", "ip", "ip6", "host", "net", "port", "src", "dst", "and", "or", "not", "!", "(", ")",
	"10.0.0.1", "80", "::1", "00:11:22:33:44:55", "proto", "ether", "[", "]", ":", "=", ">", "+", "-", "*", "len", "vlan",
	"less", "greater", "broadcast", "multicast", "&&", "||", "portrange", "mask", "255.0.0.0", "/", "8", "icmp", "tcpflags"}

func (r *randExpr) soup() string {
	n := 1 + r.intn(7)
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, soup[r.intn(len(soup))])
	}
	return strings.Join(parts, " ")
}

// mutate edits a valid expression a little, to compare what the two
// parsers accept near the edge of the grammar.
func (r *randExpr) mutate(e string) string {
	toks := strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ", "[", " [ ", "]", " ] ").Replace(e))
	if len(toks) == 0 {
		return e
	}
	for n := 1 + r.intn(2); n > 0; n-- {
		i := r.intn(len(toks))
		switch r.intn(5) {
		case 0:
			toks = append(toks[:i], toks[i+1:]...)
		case 1:
			toks = append(toks[:i+1], toks[i:]...)
		case 2:
			if i+1 < len(toks) {
				toks[i], toks[i+1] = toks[i+1], toks[i]
			}
		case 3:
			toks = append(toks[:i], append([]string{soup[r.intn(len(soup))]}, toks[i:]...)...)
		case 4:
			toks[i] = soup[r.intn(len(soup))]
		}
		if len(toks) == 0 {
			return ""
		}
	}
	return strings.Join(toks, " ")
}

// TestRandomProgramsMatchLibpcap is TestProgramsMatchLibpcap over random
// expressions.
func TestRandomProgramsMatchLibpcap(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	if v, err := strconv.Atoi(os.Getenv("FILTER_RANDOM_N")); err == nil {
		n = v // longer runs by hand: FILTER_RANDOM_N=500000
	}
	seed := uint64(0x9e3779b97f4a7c15)
	if v, err := strconv.ParseUint(os.Getenv("FILTER_RANDOM_SEED"), 0, 64); err == nil && v != 0 {
		seed = v
	}
	r := &randExpr{seed: seed}
	links := []int{1, 276, 101, 0, 113, 228, 229, 108}
	var same, refused, bothErr, failures int
	for i := 0; i < n; i++ {
		var e string
		switch {
		case i%4 == 3:
			e = r.soup()
		case i%4 == 2:
			e, _ = r.expr(1 + r.intn(3))
			e = r.mutate(e)
			for _, tok := range lex(e) {
				if tok.kind == tID {
					// A name moved next to "host" would make libpcap
					// query DNS.
					e = "ip"
				}
			}
		default:
			e, _ = r.expr(1 + r.intn(3))
		}
		link := links[i%len(links)]
		opt := i%5 != 0
		want, werr := pcapref.Compile(link, 65535, e, opt, false)
		got, gerr := compileRaw(e, pcapioLink(link), 65535, Options{}, opt)
		switch {
		case werr != nil && gerr != nil:
			bothErr++
		case werr != nil:
			failures++
			if failures <= 10 {
				t.Errorf("link %d opt %v %q: libpcap refuses (%v), we compile", link, opt, e, werr)
			}
		case gerr != nil:
			refused++
			if refused <= 30 {
				t.Logf("link %d opt %v %q: we refuse (%v)", link, opt, e, gerr)
			}
		case !equalProg(want, got):
			failures++
			if failures <= 10 {
				t.Errorf("link %d opt %v %q: programs differ\nlibpcap:\n%s\nours:\n%s", link, opt, e, dump(want), dump(got))
			}
		default:
			same++
		}
	}
	t.Logf("%d random expressions: %d identical, %d refused by both, %d refused by us only, %d failures", n, same, bothErr, refused, failures)
}

// verdictStats counts comparisons.
type verdictStats struct {
	exprs, refused, comparisons, xnet int
}

// compareVerdicts runs expr over packets with libpcap's program (through
// libpcap's bpf_filter, and through golang.org/x/net/bpf's VM when the
// whole frame was captured, as that VM takes the captured length for the
// wire length) and with ours, and reports the first difference.
func compareVerdicts(t *testing.T, what string, link int, swapped bool, expr string, packets []testPacket, st *verdictStats) bool {
	t.Helper()
	want, werr := pcapref.Compile(link, 262144, expr, true, swapped)
	if werr != nil {
		return true
	}
	f, err := NewOptions(expr, pcapioLink(link), 262144, Options{Swapped: swapped})
	if err != nil {
		st.refused++
		return true
	}
	st.exprs++
	ref := pcapref.NewProgram(want)
	defer ref.Free()
	insts := make([]bpf.Instruction, len(want))
	for i, r := range want {
		insts[i] = r.Disassemble()
	}
	// x/net/bpf's VM does not implement NegateA.
	var vm *bpf.VM
	neg := false
	for _, in := range want {
		neg = neg || in.Op == clsALU|aluNEG
	}
	if !neg {
		var err error
		if vm, err = bpf.NewVM(insts); err != nil {
			t.Errorf("%s link %d %q: x/net/bpf refuses libpcap's program: %v", what, link, expr, err)
			return false
		}
	}
	for i, p := range packets {
		w := ref.Run(p.data, p.wire) != 0
		g := f.Matches(p.data, p.wire)
		st.comparisons++
		if w != g {
			t.Errorf("%s link %d %q: packet %d %s (captured %d of %d bytes) %x: libpcap says %v, we say %v\nprogram:\n%s",
				what, link, expr, i, p.name, len(p.data), p.wire, p.data, w, g, dump(want))
			return false
		}
		if vm != nil && len(p.data) == p.wire {
			n, err := vm.Run(p.data)
			st.xnet++
			if err != nil || (n != 0) != w {
				t.Errorf("%s link %d %q: packet %d %s %x: x/net/bpf VM says %d (%v), bpf_filter %v", what, link, expr, i, p.name, p.data, n, err, w)
				return false
			}
		}
	}
	return true
}

// TestVerdictsMatchLibpcap runs every expression over forged frames of
// every link type, whole and cut short.
func TestVerdictsMatchLibpcap(t *testing.T) {
	var st verdictStats
	failures := 0
	for _, link := range testLinks {
		packets := withTruncations(forgedPackets(link), 1)
		for _, e := range exprs() {
			if !compareVerdicts(t, "forged", int(link), false, e, packets, &st) {
				if failures++; failures > 10 {
					t.Fatal("too many failures")
				}
			}
		}
		if link == pcapio.LinkTypeNull {
			for _, e := range exprs() {
				compareVerdicts(t, "forged swapped", int(link), true, e, packets, &st)
			}
		}
	}
	t.Logf("forged frames: %d expression compilations × their link's frames = %d verdicts compared with libpcap's bpf_filter (%d also with x/net/bpf), %d refused by us", st.exprs, st.comparisons, st.xnet, st.refused)
}

// corpusFile is the readable frames of one capture file.
type corpusFile struct {
	name    string
	link    int
	swapped bool
	packets []testPacket
}

// readCorpus reads the capture files of $TURTLE_CORPUS/tcpdump with
// gopacket's pcapgo (our own reader is written elsewhere), keeping files of
// link types this package compiles for.
func readCorpus(t *testing.T, maxPerFile int) []corpusFile {
	names := testcorpus.Files(t, "*.pcap*")
	var files []corpusFile
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil || len(raw) < 24 {
			continue
		}
		var rd interface {
			ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
			LinkType() layers.LinkType
		}
		swapped := false
		switch {
		case bytes.Equal(raw[:4], []byte{0x0a, 0x0d, 0x0d, 0x0a}):
			r, err := pcapgo.NewNgReader(bytes.NewReader(raw), pcapgo.DefaultNgReaderOptions)
			if err != nil {
				continue
			}
			if r.NInterfaces() != 1 {
				continue // per-interface link types: keep it simple
			}
			rd = r
			swapped = binary.NativeEndian.Uint32(raw[8:]) != 0x1a2b3c4d
		default:
			r, err := pcapgo.NewReader(bytes.NewReader(raw))
			if err != nil {
				continue
			}
			rd = r
			m := binary.NativeEndian.Uint32(raw[:4])
			swapped = m != 0xa1b2c3d4 && m != 0xa1b23c4d
		}
		link := int(rd.LinkType())
		if _, ok := dltOf(pcapio.LinkType(link)); !ok {
			continue
		}
		cf := corpusFile{name: filepath.Base(name), link: link, swapped: swapped}
		for len(cf.packets) < maxPerFile {
			data, ci, err := rd.ReadPacketData()
			if err != nil {
				break
			}
			cf.packets = append(cf.packets, testPacket{fmt.Sprintf("%s#%d", cf.name, len(cf.packets)), data, ci.Length})
		}
		if len(cf.packets) > 0 {
			files = append(files, cf)
		}
	}
	return files
}

// TestCorpusVerdictsMatchLibpcap runs the expressions over the frames of
// the tcpdump test captures.
func TestCorpusVerdictsMatchLibpcap(t *testing.T) {
	files := readCorpus(t, 3000)
	// All frames of a link type (and byte order) together.
	type key struct {
		link    int
		swapped bool
	}
	groups := map[key][]testPacket{}
	nfiles := map[key]int{}
	for _, f := range files {
		k := key{f.link, f.swapped}
		groups[k] = append(groups[k], f.packets...)
		nfiles[k]++
	}
	all := exprs()
	var st verdictStats
	failures := 0
	for k, packets := range groups {
		t.Logf("link %d swapped %v: %d files, %d frames", k.link, k.swapped, nfiles[k], len(packets))
		for _, e := range all {
			if !compareVerdicts(t, "corpus", k.link, k.swapped, e, packets, &st) {
				if failures++; failures > 10 {
					t.Fatal("too many failures")
				}
			}
		}
	}
	t.Logf("corpus: %d files, %d expression compilations × their link's frames = %d verdicts compared with libpcap (%d also with x/net/bpf), %d refused by us",
		len(files), st.exprs, st.comparisons, st.xnet, st.refused)
}

// TestVerdictCasesAreLibpcaps checks the expectations of the default-build
// TestVerdicts against libpcap itself.
func TestVerdictCasesAreLibpcaps(t *testing.T) {
	for _, c := range verdictCases {
		p := findPacket(t, c.link, c.packet, c.cut)
		prog, err := pcapref.Compile(int(c.link), 262144, c.expr, true, false)
		if err != nil {
			t.Errorf("%q: libpcap: %v", c.expr, err)
			continue
		}
		ref := pcapref.NewProgram(prog)
		if got := ref.Run(p.data, p.wire) != 0; got != c.want {
			t.Errorf("%q on link %d, %s: libpcap says %v, the table %v", c.expr, c.link, c.packet, got, c.want)
		}
		ref.Free()
	}
}

// TestSwappedProgramsMatchLibpcap compares programs for null/loopback
// capture files of the other byte order.
func TestSwappedProgramsMatchLibpcap(t *testing.T) {
	for _, e := range exprs() {
		want, werr := pcapref.Compile(0, 65535, e, true, true)
		got, gerr := compileRaw(e, pcapio.LinkTypeNull, 65535, Options{Swapped: true}, true)
		if (werr == nil) != (gerr == nil) && werr == nil {
			t.Logf("%q: we refuse (%v)", e, gerr)
		} else if werr != nil && gerr == nil {
			t.Errorf("%q: libpcap refuses (%v), we compile", e, werr)
		} else if werr == nil && !equalProg(want, got) {
			t.Errorf("%q: programs differ\nlibpcap:\n%s\nours:\n%s", e, dump(want), dump(got))
		}
	}
}

func pcapioLink(l int) pcapio.LinkType { return pcapio.LinkType(l) }
