package follow

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"

	"github.com/turtle-sniffer/turtle/flow/tcpstream"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// frames is a pcapio.Source over forged frames.
type frames struct {
	fs []fixtures.Frame
	i  int
}

func (s *frames) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	if s.i == len(s.fs) {
		return nil, pcapio.CaptureInfo{}, io.EOF
	}
	f := s.fs[s.i]
	ci := pcapio.CaptureInfo{Timestamp: fixtures.Timestamp(s.i), CaptureLength: len(f.Data), Length: len(f.Data), LinkType: f.LinkType}
	s.i++
	return f.Data, ci, nil
}

func conversations() *frames { return &frames{fs: fixtures.TCPConversations()} }

func TestStreams(t *testing.T) {
	streams, err := Run(conversations(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 3 {
		t.Fatalf("%d streams, want 3", len(streams))
	}
	c := fixtures.Conversation
	s := streams[0]
	if s.Index != 0 || s.Client.String() != "10.0.0.1:51000" || s.Server.String() != "10.0.0.2:80" {
		t.Errorf("stream 0 endpoints: %d %s %s", s.Index, s.Client, s.Server)
	}
	want := Stream{Stream: tcpstream.Stream{
		Bytes:              [2]int64{int64(len(c.Request)), int64(len(c.Response) + len(c.Tail))},
		Retransmitted:      [2]int{1, 0},
		RetransmittedBytes: [2]int64{26, 0},
		OutOfOrder:         [2]int{1, 0},
		Gaps:               [2]int{0, 1},
		Missing:            [2]int64{0, int64(len(c.Lost))},
	}, State: StateClosed}
	if s.Bytes != want.Bytes || s.Retransmitted != want.Retransmitted || s.RetransmittedBytes != want.RetransmittedBytes ||
		s.OutOfOrder != want.OutOfOrder || s.Gaps != want.Gaps || s.Missing != want.Missing || s.State != want.State || s.MidStream {
		t.Errorf("stream 0:\n got %+v\nwant %+v", *s, want)
	}
	if s := streams[1]; s.Server.Port() != 443 || s.Bytes != [2]int64{int64(len(c.TLS)), 0} || s.State != StateReset {
		t.Errorf("stream 1: %+v", *s)
	}
	if s := streams[2]; s.Server.Port() != 22 || !s.MidStream || s.State != StateOpen ||
		s.Bytes != [2]int64{int64(len(c.SSH)), int64(len(c.SSHReply))} {
		t.Errorf("stream 2: %+v", *s)
	}
}

// follow writes one stream's bytes in the given format.
func follow(t *testing.T, f Format, index int) (out, report string) {
	t.Helper()
	var o, r bytes.Buffer
	w := &Writer{W: &o, Report: &r, Format: f}
	_, err := Run(conversations(), Options{
		Select: func(s *Stream) bool { return s.Index == index },
		Chunk:  w.Chunk,
		End:    w.End,
	})
	if err != nil {
		t.Fatal(err)
	}
	return o.String(), r.String()
}

// The bytes come out in order, whole, the gap shown and never filled.
func TestFollowASCII(t *testing.T) {
	out, report := follow(t, ASCII, 0)
	if report != "" {
		t.Errorf("ascii wrote to the report: %q", report)
	}
	g := goldie.New(t, goldie.WithFixtureDir("testdata/golden"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "follow-ascii-stream-0", []byte(out))
	if strings.Contains(out, fixtures.Conversation.Lost) {
		t.Error("the lost segment's bytes appear")
	}
	for _, b := range []byte(out) {
		if b < 0x20 && b != '\n' || b >= 0x7f {
			t.Fatalf("control byte %#02x in ascii output", b)
		}
	}
}

func TestFollowHex(t *testing.T) {
	out, _ := follow(t, Hex, 0)
	g := goldie.New(t, goldie.WithFixtureDir("testdata/golden"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "follow-hex-stream-0", []byte(out))
}

// Raw output is exactly the delivered bytes, in capture order; the gap and
// the summary go to the report.
func TestFollowRaw(t *testing.T) {
	out, report := follow(t, Raw, 0)
	c := fixtures.Conversation
	if want := c.Request + c.Response + c.Tail; out != want {
		t.Errorf("raw:\n got %q\nwant %q", out, want)
	}
	if !strings.Contains(report, "# < 10 bytes missing (not captured) at offset 39\n") || !strings.Contains(report, "# end of stream 0:") {
		t.Errorf("report: %q", report)
	}
}

func TestList(t *testing.T) {
	streams, err := Run(conversations(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteList(&b, streams); err != nil {
		t.Fatal(err)
	}
	g := goldie.New(t, goldie.WithFixtureDir("testdata/golden"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "follow-list", b.Bytes())
}

func TestASCIIEscapes(t *testing.T) {
	got := string(appendASCII(nil, '>', []byte("a\\b\r\n\tz\x00\x1b\xff")))
	want := "> a\\\\b\\r\\n\n> \\tz\\x00\\x1b\\xff\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// Bytes lost just before a FIN are reported from the FIN's sequence
// number: no segment follows the hole to show it.
func TestTrailingGap(t *testing.T) {
	fs := fixtures.TCPConversations()
	c := fixtures.Conversation
	var kept []fixtures.Frame
	for _, f := range fs {
		if !bytes.Contains(f.Data, []byte(c.Tail)) {
			kept = append(kept, f)
		}
	}
	if len(kept) != len(fs)-1 {
		t.Fatal("the tail segment is not in the fixture")
	}
	var out bytes.Buffer
	w := &Writer{W: &out, Format: ASCII}
	streams, err := Run(&frames{fs: kept}, Options{Select: func(s *Stream) bool { return s.Index == 0 }, Chunk: w.Chunk, End: w.End})
	if err != nil {
		t.Fatal(err)
	}
	s := streams[0]
	lost := int64(len(c.Lost) + len(c.Tail))
	if s.Gaps[1] != 1 || s.Missing[1] != lost || s.Bytes[1] != int64(len(c.Response)) || s.State != StateClosed {
		t.Errorf("stream 0: %+v", *s)
	}
	if want := "# < " + strconv.FormatInt(lost, 10) + " bytes missing (not captured) at offset 39\n"; !strings.Contains(out.String(), want) {
		t.Errorf("no gap line %q in\n%s", want, out.String())
	}
}

// FuzzFollow: any frames, cut from the input by 2-byte length prefixes,
// reassemble without a panic, and the ascii output stays free of control
// bytes.
func FuzzFollow(f *testing.F) {
	var seed []byte
	for _, fr := range fixtures.TCPConversations() {
		seed = append(seed, byte(len(fr.Data)>>8), byte(len(fr.Data)))
		seed = append(seed, fr.Data...)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, in []byte) {
		var fs []fixtures.Frame
		for len(in) >= 2 {
			n := min(int(in[0])<<8|int(in[1]), len(in)-2)
			fs = append(fs, fixtures.Frame{LinkType: pcapio.LinkTypeEthernet, Data: in[2 : 2+n]})
			in = in[2+n:]
		}
		var out bytes.Buffer
		w := &Writer{W: &out, Format: ASCII}
		if _, err := Run(&frames{fs: fs}, Options{Select: func(*Stream) bool { return true }, Chunk: w.Chunk, End: w.End}); err != nil {
			t.Fatal(err)
		}
		for _, b := range out.Bytes() {
			if b < 0x20 && b != '\n' || b >= 0x7f {
				t.Fatalf("control byte %#02x in %q", b, out.Bytes())
			}
		}
	})
}

// A capture that joins a conversation in the middle, the server speaking
// first: the client is the side off the server's port, as flow.Tracker
// (and so draw) says, not the first sender.
func TestMidStreamClient(t *testing.T) {
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	client := fixtures.ClientPort(7, 0)
	c := s.TCP(client, fixtures.TCPServer, 100, 200)
	c.Send(0, false, []byte("late answer"), 0)
	c.Send(time.Millisecond, true, []byte("next question"), 0)
	r, err := pcapio.NewReader(bytes.NewReader(s.Bytes(fixtures.PcapMicro)))
	if err != nil {
		t.Fatal(err)
	}
	streams, err := Run(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 1 {
		t.Fatalf("%d streams", len(streams))
	}
	st := streams[0]
	if st.Client != client || st.Server != fixtures.TCPServer || !st.MidStream {
		t.Errorf("client %v server %v mid-stream %v, want %v %v true", st.Client, st.Server, st.MidStream, client, fixtures.TCPServer)
	}
	if st.Bytes[ClientToServer] != 13 || st.Bytes[ServerToClient] != 11 {
		t.Errorf("bytes %v, want [13 11]", st.Bytes)
	}
}
