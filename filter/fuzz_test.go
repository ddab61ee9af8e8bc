package filter

import (
	"testing"
)

// FuzzCompile feeds arbitrary expressions to the compiler: it must not
// panic, and whatever it accepts must pass the kernel's checks, assemble
// with x/net/bpf, and run over frames without panicking.
func FuzzCompile(f *testing.F) {
	for _, e := range exprs() {
		f.Add(e)
	}
	packets := map[int][]testPacket{}
	for i, link := range testLinks {
		ps := forgedPackets(link)
		packets[i] = withTruncations(ps[:min(len(ps), 8)], 17)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > 512 {
			return // keep each input cheap; length adds nothing new
		}
		for i, link := range testLinks {
			fl, err := New(expr, link, 65535)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("%q: error %T %v is not a *Error", expr, err, err)
				}
				continue
			}
			checkKernelLimits(t, expr, fl.RawInstructions())
			for _, p := range packets[i] {
				fl.Matches(p.data, p.wire)
			}
		}
	})
}

// FuzzMatches runs a few programs over arbitrary frames: the interpreter
// must not panic whatever the bytes and lengths.
func FuzzMatches(f *testing.F) {
	var filters []*Filter
	for _, e := range []string{"tcp port 80", "tcp[tcp[0]] = 1", "ip[ip[0] * 1000] = 1", "icmp6[0] = 1",
		"ether[len - 1] = 0", "vlan and ip[ip[9]:4] = 7", "ip[0] / (ip[1] - 3) = 1", "ether[0] << ether[1] = 0"} {
		fl, err := New(e, eth, 65535)
		if err != nil {
			f.Fatal(err)
		}
		filters = append(filters, fl)
	}
	for _, p := range forgedPackets(eth)[:20] {
		f.Add(p.data, p.wire)
	}
	f.Fuzz(func(t *testing.T, data []byte, wire int) {
		for _, fl := range filters {
			fl.Matches(data, wire)
		}
	})
}
