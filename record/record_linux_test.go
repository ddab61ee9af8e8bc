//go:build linux

package record

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/golden/goldentest"
	"github.com/turtle-sniffer/turtle/pcapio"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("recording needs root: a network namespace (CAP_SYS_ADMIN) and a packet socket (CAP_NET_RAW); CI runs as root")
	}
}

// mustRecord records a scenario, trying again more often than the
// default when the machine is too busy (go test runs packages side by
// side, some of them flooding interfaces): what is tested is that stable
// recordings are identical, and unstable ones are caught.
func mustRecord(t *testing.T, name string, cfg *Config) *Recording {
	t.Helper()
	c := Config{Attempts: 5}
	if cfg != nil {
		c = *cfg
		c.Attempts = max(c.Attempts, 5)
	}
	r, err := Record(context.Background(), name, &c)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range r.Retried {
		t.Logf("recorded again after: %v", e)
	}
	return r
}

// Every scenario recorded twice gives the same frames, byte for byte but
// for what keeps the real spacing (frame timestamps, TCP timestamp option
// values and so the TCP checksum), the same turtle text, and the text of
// the committed fixture's golden. The golden belongs to the manifest
// (testdata/golden.list) and is only read here. With GOLDIE_UPDATE=1, a
// scenario whose text changed has its capture rewritten; the manifest then
// rewrites the golden (turtle golden update --only NAME).
func TestRecordTwice(t *testing.T) {
	needRoot(t)
	for _, sc := range List() {
		t.Run(sc.Name, func(t *testing.T) {
			a := mustRecord(t, sc.Name, nil)
			b := mustRecord(t, sc.Name, nil)
			if !a.Netns || !a.Normalized {
				t.Fatalf("recorded with netns %v, normalized %v; want both", a.Netns, a.Normalized)
			}
			if len(a.Frames) != len(b.Frames) {
				t.Fatalf("%d frames, then %d", len(a.Frames), len(b.Frames))
			}
			for i := range a.Frames {
				pa, pb := stable(t, a.LinkType, a.Frames[i].Data), stable(t, b.LinkType, b.Frames[i].Data)
				if !bytes.Equal(pa, pb) {
					t.Errorf("frame %d differs:\n%x\n%x", i+1, pa, pb)
				}
				decodeValid(t, a.Frames[i])
			}
			ta, err := a.Text()
			if err != nil {
				t.Fatal(err)
			}
			tb, err := b.Text()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ta, tb) {
				t.Errorf("the turtle text differs between two recordings:\n%s\n----\n%s", ta, tb)
			}
			again, err := Normalize(a.LinkType, a.Frames, NormalizeOptions{Ports: map[uint16]uint16{udpPort: udpPort, tcpPort: tcpPort}})
			if err != nil {
				t.Fatal(err)
			}
			for i := range again {
				if !bytes.Equal(again[i].Data, a.Frames[i].Data) {
					t.Errorf("frame %d: a normalized recording is not a fixed point of Normalize", i+1)
				}
			}
			committed := committedGolden(t, sc.Name)
			if bytes.Equal(committed, ta) {
				return
			}
			if goldentest.Updating() {
				updateCapture(t, a)
				return
			}
			t.Errorf("the recording prints differently from testdata/golden/%s.golden (rewrite the capture with GOLDIE_UPDATE=1, then its golden with turtle golden update --only %s):\n%s\n----\n%s",
				sc.Name, sc.Name, ta, committed)
		})
	}
}

// committedGolden returns the manifest's golden of a scenario's fixture.
func committedGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "golden", name+".golden"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// updateCapture rewrites the scenario's committed capture (only when its
// text changed: the capture's timestamps change on every recording). Its
// golden is the manifest's to rewrite.
func updateCapture(t *testing.T, r *Recording) {
	t.Helper()
	var pcap bytes.Buffer
	if err := r.WritePcap(&pcap); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "testdata", r.Scenario+".pcap"), pcap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("updated testdata/%s.pcap; now rewrite its golden: go run ./cmd/turtle golden update --only %s", r.Scenario, r.Scenario)
}

// stable returns a copy of an Ethernet/IPv4 frame without what keeps the
// real time: TCP timestamp option values (milliseconds since an arbitrary
// start, so two recordings may straddle a tick differently) and the TCP
// checksum that covers them (checked valid separately).
func stable(t *testing.T, lt pcapio.LinkType, frame []byte) []byte {
	t.Helper()
	b := bytes.Clone(frame)
	var p decode.Packet
	p.Decode(lt, b)
	if p.Layers&decode.LayerTCP == 0 {
		return b
	}
	binary.BigEndian.PutUint16(p.TCP.Segment[16:], 0)
	opts := p.TCP.Options
	for len(opts) > 1 && opts[0] != 0 {
		if opts[0] == 1 {
			opts = opts[1:]
			continue
		}
		n := int(opts[1])
		if n < 2 || n > len(opts) {
			t.Fatalf("malformed TCP options in %x", frame)
		}
		if opts[0] == 8 {
			clear(opts[2:n])
		}
		opts = opts[n:]
	}
	return b
}

// On the host's loopback (no namespace), with everyone else's traffic
// around, the scenarios keep only their own frames. The datagram
// scenarios print their golden text there too; TCP's teardown may take
// three segments instead of four without the namespace's quickack route,
// so only the scenario's own checks apply to it.
func TestRecordHostLoopback(t *testing.T) {
	needRoot(t)
	for _, name := range []string{"udp-echo", "icmp-ping", "udp-unreachable", "tcp-echo"} {
		t.Run(name, func(t *testing.T) {
			r := mustRecord(t, name, &Config{HostLoopback: true})
			if r.Netns {
				t.Fatal("recorded in a namespace, want the host's lo")
			}
			for _, p := range r.Frames {
				decodeValid(t, p)
			}
			if name == "tcp-echo" || goldentest.Updating() {
				return
			}
			text, err := r.Text()
			if err != nil {
				t.Fatal(err)
			}
			if want := committedGolden(t, name); !bytes.Equal(text, want) {
				t.Errorf("the recording on the host's lo prints differently from its golden:\n%s\n----\n%s", text, want)
			}
		})
	}
}

// Raw recordings keep what the kernel sent, real timestamps included.
func TestRecordRaw(t *testing.T) {
	needRoot(t)
	r := mustRecord(t, "udp-echo", &Config{Raw: true})
	if r.Normalized || len(r.Frames) != 2 {
		t.Fatalf("normalized %v, %d frames; want raw, 2", r.Normalized, len(r.Frames))
	}
	var d dissector
	if s, ok := d.summarize(r.LinkType, r.Frames[0].Data); !ok || s.dport != udpPort || s.payload != len(helloTurtle) {
		t.Errorf("raw datagram to port %d with %d bytes, want %d and %d", s.dport, s.payload, udpPort, len(helloTurtle))
	}
	if ts := r.Frames[0].Info.Timestamp; ts.Year() < 2020 {
		t.Errorf("raw timestamp %v, want the time of recording", ts)
	}
}

// Without the privilege to capture, recording fails with an error that
// says so (os.ErrPermission), before any traffic. As root this is tested
// on the binary run as nobody (cmd/turtle).
func TestRecordUnprivileged(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root; cmd/turtle's TestRecordAsNobody covers this")
	}
	_, err := Record(context.Background(), "udp-echo", nil)
	if !errors.Is(err, os.ErrPermission) {
		t.Fatalf("error %v, want one matching os.ErrPermission", err)
	}
}
