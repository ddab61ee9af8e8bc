package replay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
	"github.com/turtle-sniffer/turtle/replay"
)

// fakeSender keeps copies of what it is sent and refuses frames longer
// than mtu+14, as a packet socket does.
type fakeSender struct {
	mtu     int
	frames  [][]byte
	batches int
}

var errTooLong = errors.New("message too long")

func (f *fakeSender) Send(b []byte) error {
	if f.mtu > 0 && len(b) > f.mtu+14 {
		return fmt.Errorf("refused a %d-byte frame: %w", len(b), errTooLong)
	}
	f.frames = append(f.frames, append([]byte(nil), b...))
	return nil
}

func (f *fakeSender) SendBatch(fs [][]byte) (int, error) {
	f.batches++
	for i, b := range fs {
		if err := f.Send(b); err != nil {
			return i, err
		}
	}
	return len(fs), nil
}

func captureOf(t *testing.T, c fixtures.Capture, enc fixtures.Encoding) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := fixtures.Write(&buf, c, enc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ethernetCapture is the fixture of every Ethernet branch, less its frames
// shorter than an Ethernet header (which replay refuses, as the kernel does:
// TestShortFrames).
func ethernetCapture(t *testing.T) (fixtures.Capture, []byte) {
	t.Helper()
	for _, c := range fixtures.Captures() {
		if c.LinkType == pcapio.LinkTypeEthernet {
			var keep []fixtures.Frame
			for _, f := range c.Frames {
				if len(f.Data) >= 14 {
					keep = append(keep, f)
				}
			}
			c.Frames = keep
			return c, captureOf(t, c, fixtures.PcapMicro)
		}
	}
	t.Fatal("no Ethernet fixture")
	return fixtures.Capture{}, nil
}

type reported []error

func (r *reported) add(err error) { *r = append(*r, err) }

// Every mode sends every frame once, in order, byte for byte; -c, --loop
// and -f change which frames, never their bytes or order.
func TestModesCountLoopFilter(t *testing.T) {
	c, capture := ethernetCapture(t)
	n := len(c.Frames)
	for _, tc := range []struct {
		name string
		opt  replay.Options
		want []int // indexes into c.Frames
	}{
		{"timestamps x1e6", replay.Options{Speed: 1e6}, seq(0, n)},
		{"pps", replay.Options{PPS: 1e5}, seq(0, n)},
		{"topspeed", replay.Options{TopSpeed: true}, seq(0, n)},
		{"count", replay.Options{TopSpeed: true, Count: 3}, seq(0, 3)},
		{"loop", replay.Options{TopSpeed: true, Loop: 3}, append(append(seq(0, n), seq(0, n)...), seq(0, n)...)},
		{"loop and count", replay.Options{PPS: 1e5, Loop: replay.Forever, Count: n + 2}, append(seq(0, n), 0, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s fakeSender
			var errs reported
			tc.opt.Report = errs.add
			st, err := replay.Run(context.Background(), &s, []replay.Input{replay.Bytes("eth.pcap", capture)}, tc.opt)
			if err != nil || len(errs) > 0 {
				t.Fatalf("Run: %v, reported %v", err, errs)
			}
			if int(st.Sent) != len(tc.want) || len(s.frames) != len(tc.want) || st.Failed != 0 {
				t.Fatalf("sent %d (stats %+v), want %d", len(s.frames), st, len(tc.want))
			}
			var bytes uint64
			for i, w := range tc.want {
				if !equal(s.frames[i], c.Frames[w].Data) {
					t.Fatalf("frame %d is not fixture frame %d", i+1, w+1)
				}
				bytes += uint64(len(s.frames[i]))
			}
			if st.Bytes != bytes {
				t.Errorf("bytes %d, want %d", st.Bytes, bytes)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	c, capture := ethernetCapture(t)
	var s fakeSender
	st, err := replay.Run(context.Background(), &s, []replay.Input{replay.Bytes("eth.pcap", capture)},
		replay.Options{TopSpeed: true, Filter: "ip and udp"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent == 0 || st.Sent+st.Filtered != uint64(len(c.Frames)) {
		t.Fatalf("stats %+v for %d frames", st, len(c.Frames))
	}
	for i, f := range s.frames {
		if len(f) < 24 || f[12] != 0x08 || f[13] != 0 || f[23] != 17 {
			t.Errorf("frame %d sent is not UDP over IPv4: % x", i+1, f[:min(len(f), 24)])
		}
	}
	if _, err := replay.Run(context.Background(), &s, nil, replay.Options{Filter: "tcp port"}); err == nil {
		t.Error("a filter syntax error was accepted")
	}
}

// A frame the device refuses is counted and named, and the run goes on,
// in the paced modes and in a --topspeed batch alike.
func TestRefusedFrameRunGoesOn(t *testing.T) {
	c, capture := ethernetCapture(t)
	longest := 0
	for _, f := range c.Frames {
		longest = max(longest, len(f.Data))
	}
	for _, opt := range []replay.Options{{PPS: 1e5}, {TopSpeed: true}} {
		s := fakeSender{mtu: longest - 15}
		var errs reported
		opt.Report = errs.add
		st, err := replay.Run(context.Background(), &s, []replay.Input{replay.Bytes("eth.pcap", capture)}, opt)
		if err != nil {
			t.Fatal(err)
		}
		refused := 0
		for _, f := range c.Frames {
			if len(f.Data) == longest {
				refused++
			}
		}
		if int(st.Failed) != refused || int(st.Sent) != len(c.Frames)-refused || len(errs) != refused {
			t.Fatalf("%+v: stats %+v, reported %v; want %d refused", opt, st, errs, refused)
		}
		var fe *replay.FrameError
		if !errors.As(errs[0], &fe) || fe.File != "eth.pcap" || !errors.Is(errs[0], errTooLong) ||
			!strings.HasPrefix(errs[0].Error(), fmt.Sprintf("eth.pcap: frame %d: ", fe.Frame)) ||
			len(c.Frames[fe.Frame-1].Data) != longest {
			t.Errorf("reported %v", errs[0])
		}
	}
}

// Every link type turtle decodes is sent, each frame once; a link type no
// Ethernet device takes refuses its file in one line, and the files after
// it are still sent; a damaged file is reported and the next one sent.
func TestLinkTypesAndFileErrors(t *testing.T) {
	var inputs []replay.Input
	wantSent, refusedFiles := 0, 0
	for _, c := range fixtures.Captures() {
		inputs = append(inputs, replay.Bytes(c.Name, captureOf(t, c, fixtures.PcapNGBE)))
		if replay.Supported(c.LinkType) {
			for _, f := range c.Frames {
				if _, err := replay.ToEthernet(nil, c.LinkType, f.Data); err == nil {
					wantSent++
				}
			}
		} else {
			refusedFiles++
		}
	}
	if refusedFiles == 0 {
		t.Fatal("the fixtures have no link type that replay refuses")
	}
	inputs = append(inputs, replay.Bytes("cut.pcap", captureOf(t, fixtures.Captures()[0], fixtures.PcapMicro)[:60]))
	var s fakeSender
	var errs reported
	st, err := replay.Run(context.Background(), &s, inputs, replay.Options{TopSpeed: true, Report: errs.add})
	if err != nil {
		t.Fatal(err)
	}
	if int(st.Sent) != wantSent || st.FileErrors != refusedFiles+1 {
		t.Fatalf("stats %+v, want %d sent and %d file errors; reported %v", st, wantSent, refusedFiles+1, errs)
	}
	var fileErrs []string
	for _, e := range errs {
		var fe *replay.FileError
		if errors.As(e, &fe) {
			fileErrs = append(fileErrs, e.Error())
		}
	}
	if len(fileErrs) != refusedFiles+1 || !strings.Contains(fileErrs[0], "cannot be sent out of an Ethernet device") ||
		!strings.HasPrefix(fileErrs[len(fileErrs)-1], "cut.pcap: truncated") {
		t.Errorf("file errors %q", fileErrs)
	}
	if int(st.Failed) != len(errs)-len(fileErrs) {
		t.Errorf("%d failed frames, %d reported", st.Failed, len(errs)-len(fileErrs))
	}
}

// --pps keeps to an absolute schedule: the run lasts (n-1)/pps. Measured
// and logged, not asserted (the machine is shared); the order is.
func TestPPSScheduleLogged(t *testing.T) {
	c, capture := ethernetCapture(t)
	var s fakeSender
	const pps = 2000
	loops := 400 / len(c.Frames)
	start := time.Now()
	st, err := replay.Run(context.Background(), &s, []replay.Input{replay.Bytes("eth.pcap", capture)},
		replay.Options{PPS: pps, Loop: loops})
	if err != nil {
		t.Fatal(err)
	}
	if int(st.Sent) != loops*len(c.Frames) {
		t.Fatalf("sent %d", st.Sent)
	}
	want := time.Duration(float64(st.Sent-1) / pps * float64(time.Second))
	t.Logf("%d frames at --pps %d: %v (schedule %v, wall %v): %s", st.Sent, pps, st.Elapsed, want, time.Since(start), st)
}

func TestCancel(t *testing.T) {
	_, capture := ethernetCapture(t)
	ctx, cancel := context.WithCancel(context.Background())
	var s fakeSender
	time.AfterFunc(50*time.Millisecond, cancel)
	st, err := replay.Run(ctx, &s, []replay.Input{replay.Bytes("eth.pcap", capture)},
		replay.Options{PPS: 100, Loop: replay.Forever})
	if !errors.Is(err, context.Canceled) || st.Sent == 0 || int(st.Sent) != len(s.frames) {
		t.Fatalf("got %v, stats %+v, %d frames", err, st, len(s.frames))
	}
}

func TestShortFrames(t *testing.T) {
	c := fixtures.Capture{Name: "short", LinkType: pcapio.LinkTypeEthernet, Frames: []fixtures.Frame{
		{Data: make([]byte, 14)}, {Data: make([]byte, 13)}, {Data: nil}, {Data: make([]byte, 60)},
	}}
	for _, opt := range []replay.Options{{Speed: 1e6}, {TopSpeed: true}} {
		var s fakeSender
		var errs reported
		opt.Report = errs.add
		st, err := replay.Run(context.Background(), &s, []replay.Input{replay.Bytes("short.pcap", captureOf(t, c, fixtures.PcapMicro))}, opt)
		if err != nil || st.Sent != 2 || st.Failed != 2 || len(errs) != 2 ||
			errs[0].Error() != "short.pcap: frame 2: 13-byte frame is shorter than an Ethernet header (14 bytes)" {
			t.Fatalf("%v, %+v, %v", err, st, errs)
		}
	}
}

func TestOptionsChecked(t *testing.T) {
	for _, o := range []replay.Options{{PPS: -1}, {PPS: 10, TopSpeed: true}, {Speed: 2, PPS: 1}, {Count: -1}, {Loop: -2}} {
		if _, err := replay.Run(context.Background(), &fakeSender{}, nil, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func equal(a, b []byte) bool { return bytes.Equal(a, b) }

// Issue 25 item 14: --loop 0 over captures that send nothing stops after
// one pass (it spun without end), and a very slow speed waits rather than
// overflowing to top speed.
func TestLoopForeverOverNothingStops(t *testing.T) {
	empty := captureOf(t, fixtures.Capture{LinkType: pcapio.LinkTypeEthernet}, fixtures.PcapMicro)
	_, capture := ethernetCapture(t)
	for name, tc := range map[string]struct {
		in  []byte
		opt replay.Options
	}{
		"empty":        {empty, replay.Options{Loop: replay.Forever}},
		"empty top":    {empty, replay.Options{Loop: replay.Forever, TopSpeed: true}},
		"filtered out": {capture, replay.Options{Loop: replay.Forever, TopSpeed: true, Filter: "ether host 12:34:56:78:9a:bc"}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		st, err := replay.Run(ctx, &fakeSender{}, []replay.Input{replay.Bytes("in.pcap", tc.in)}, tc.opt)
		cancel()
		if err != nil || !st.Idle || st.Sent != 0 {
			t.Errorf("%s: %+v, %v: want a stop after one idle pass", name, st, err)
		}
	}
	// Frames that are sent keep a Forever loop going (until -c here).
	st, err := replay.Run(context.Background(), &fakeSender{}, []replay.Input{replay.Bytes("eth.pcap", capture)},
		replay.Options{Loop: replay.Forever, TopSpeed: true, Count: 50})
	if err != nil || st.Idle || st.Sent != 50 {
		t.Errorf("forever with -c 50: %+v, %v", st, err)
	}
}

func TestVerySlowSpeedWaits(t *testing.T) {
	c, capture := ethernetCapture(t)
	if len(c.Frames) < 2 || !fixtures.Timestamp(1).After(fixtures.Timestamp(0)) {
		t.Fatal("the fixture's second frame is not later than its first")
	}
	for _, opt := range []replay.Options{{Speed: 1e-300}, {PPS: 1e-300}} {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		var s fakeSender
		st, err := replay.Run(ctx, &s, []replay.Input{replay.Bytes("eth.pcap", capture)}, opt)
		cancel()
		if err == nil || st.Sent != 1 {
			t.Errorf("%+v: sent %d frames before the context ended (%v); want the first only, the second due in centuries", opt, st.Sent, err)
		}
	}
}
