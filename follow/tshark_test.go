package follow

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// reusedTuples forges clients that each connect twice from one fixed
// source port, the second time after the first connection ended with an
// orderly close, a client reset or a server reset, and a client whose SYN
// is retransmitted (the same connection). Every second connection sends
// "second" and gets "SECOND" back.
func reusedTuples() []byte {
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	ms := time.Millisecond
	ends := []func(c *fixtures.Conn, at time.Duration){
		func(c *fixtures.Conn, at time.Duration) { c.Close(at, true) },
		func(c *fixtures.Conn, at time.Duration) { c.Reset(at, true) },
		func(c *fixtures.Conn, at time.Duration) { c.Reset(at, false) },
	}
	for i, end := range ends {
		at := time.Duration(i) * 100 * ms
		client := fixtures.ClientPort(3, i)
		c := s.TCP(client, fixtures.TCPServer, uint32(1000+i), uint32(900000+i))
		c.Handshake(at)
		c.Send(at+1*ms, true, []byte("first"), 0)
		c.Send(at+2*ms, false, []byte("FIRST"), 0)
		end(c, at+3*ms)
		c = s.TCP(client, fixtures.TCPServer, uint32(3000000000+i), uint32(2000000000+i))
		c.Handshake(at + 10*ms)
		c.Send(at+11*ms, true, []byte("second"), 0)
		c.Send(at+12*ms, false, []byte("SECOND"), 0)
		c.Close(at+13*ms, true)
	}
	c := s.TCP(fixtures.ClientPort(3, 9), fixtures.TCPServer, 77, 88)
	c.SYN(400 * ms)
	c.Echo(401*ms, []byte("once"), 0)
	return s.Bytes(fixtures.PcapMicro)
}

// A 4-tuple used again after a close or a reset is a new stream, numbered
// as Wireshark's tcp.stream numbers it; a retransmitted SYN is not. The
// stream numbers and the frames of each stream are tshark's.
func TestReusedTupleStreamsAreTsharks(t *testing.T) {
	data := reusedTuples()
	r, err := pcapio.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string // per stream: its frames, the bytes of its client
	_, err = Run(r, Options{
		Select: func(*Stream) bool { return true },
		Chunk: func(s *Stream, c Chunk) error {
			for len(got) <= s.Index {
				got = append(got, [2]string{})
			}
			if c.Dir == ClientToServer {
				got[s.Index][1] += string(c.Data)
			}
			return nil
		},
		End: func(s *Stream) error {
			got[s.Index][0] = strconv.Itoa(s.Packets[0] + s.Packets[1])
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantBytes := []string{"first", "second", "first", "second", "first", "second", "once"}
	if len(got) != len(wantBytes) {
		t.Fatalf("%d streams, want %d: %q", len(got), len(wantBytes), got)
	}
	for i, w := range wantBytes {
		if got[i][1] != w {
			t.Errorf("stream %d: the client sent %q, want %q", i, got[i][1], w)
		}
	}

	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("needs tshark (apt-get install tshark): ", err)
	}
	path := filepath.Join(t.TempDir(), "reused.pcap")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tshark, "-n", "-r", path, "-Y", "tcp", "-T", "fields", "-e", "tcp.stream").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var frames []int // per tcp.stream, its frames
	for _, line := range strings.Fields(string(out)) {
		n, err := strconv.Atoi(line)
		if err != nil {
			t.Fatalf("tshark tcp.stream %q: %v", line, err)
		}
		for len(frames) <= n {
			frames = append(frames, 0)
		}
		frames[n]++
	}
	if len(frames) != len(got) {
		t.Fatalf("tshark numbers %d streams (frames %v), follow %d", len(frames), frames, len(got))
	}
	for i, n := range frames {
		if got[i][0] != strconv.Itoa(n) {
			t.Errorf("stream %d: %s frames, tshark %d", i, got[i][0], n)
		}
	}
}
