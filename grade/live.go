package grade

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/internal/termsafe"
	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// LiveOptions say where and how Live grades.
type LiveOptions struct {
	// Interface is where to capture. "" watches every interface (live.Any)
	// and grades the first that carries the lab's traffic.
	Interface string
	// Name is how the result names the capture (the -w file).
	Name string
	// Create, when set, makes the file that receives the frames graded as
	// pcapng, the file to hand in. It is called once the capture is open
	// (a capture that cannot open leaves an existing file alone), before
	// Opened; the file must be open for reading too (capture.CreateStream), since a
	// rubric with a wrong-port penalty reads the capture again. Live does
	// not close it.
	Create func() (*os.File, error)
	// UntilDone ends the run once every check has passed.
	UntilDone bool
	// Timeout ends the run after that long; 0 means never.
	Timeout time.Duration
	// Opened runs once the capture handles are open, before any frame is
	// read: where a root process drops its privileges.
	Opened func() error
	// Out receives each check the moment it passes or fails.
	Out io.Writer
	// Message receives one-line messages: where the lab's traffic is.
	Message func(string)
	// Hint is how long an interface given may carry none of the lab's
	// traffic, while another carries it, before Message says so; 0 means
	// DefaultHint.
	Hint time.Duration
}

// DefaultHint is how long Live waits for the lab's traffic on the
// interface given before it names the interface that carries it.
const DefaultHint = 3 * time.Second

// settle is how long the graded interface must be quiet after the lab's
// traffic before a failing check is reported "so far": a failure is only
// final when the capture ends, but a stalled exchange (a server that never
// answers) is worth saying while the student can still act. It is longer
// than the delays the labs' servers sleep.
const settle = 5 * time.Second

// tick is how often the checks are judged while frames come in (and the
// file flushed): the run ends well within a second of the frame that
// completes the last check.
const tick = 100 * time.Millisecond

// Live grades the frames of a live interface as they arrive, with the same
// Stream as a file, printing each check as it passes or fails, until ctx is
// done (Ctrl-C), the timeout passes, or (UntilDone) every check has passed.
// The result is what grading the file opt.Create made gives afterwards.
// Errors are those of opening the capture (errors.Is(err, os.ErrPermission) for a missing
// privilege) or of writing the file.
func Live(ctx context.Context, r *Rubric, opt LiveOptions) (Result, error) {
	if ids := r.ProgramChecks(); len(ids) > 0 {
		return Result{}, fmt.Errorf("lab %s grades a program's output (%s), which a capture cannot show: grade it with --program or --client", r.Lab, strings.Join(ids, ", "))
	}
	st, err := NewStream(r, opt.Name)
	if err != nil {
		return Result{}, err
	}
	lab := newLabTraffic(st.cr)
	if opt.Hint <= 0 {
		opt.Hint = DefaultHint
	}
	if opt.Out == nil {
		opt.Out = io.Discard
	}
	if opt.Message == nil {
		opt.Message = func(string) {}
	}

	// The graded handle; with -i, a second one on every interface watches
	// for the lab's traffic elsewhere (where the system has "any").
	name := live.Any
	if opt.Interface != "" {
		ifc, err := live.Lookup(opt.Interface) // a name, or its number in 'turtle ifaces'
		if err != nil {
			return Result{}, err
		}
		name, opt.Interface = ifc.Name, ifc.Name
	}
	h, err := live.Open(name, nil)
	if err != nil && name == live.Any && !errors.Is(err, os.ErrPermission) {
		return Result{}, fmt.Errorf("cannot watch every interface here (%w): give -i IFACE (see 'turtle ifaces')", err)
	}
	if err != nil {
		return Result{}, err
	}
	defer h.Close()
	var watch *watcher
	if opt.Interface != "" {
		if w, err := live.Open(live.Any, nil); err == nil {
			defer w.Close()
			watch = &watcher{h: w, skip: opt.Interface, lab: newLabTraffic(st.cr)}
		}
	}

	var file *os.File
	if opt.Create != nil {
		if file, err = opt.Create(); err != nil {
			return Result{}, err
		}
	} else if r.Penalty.WrongPort != nil {
		// The penalty grades the capture again: keep it in a file no
		// one else can open.
		if file, err = os.CreateTemp("", "turtle-grade-live-*.pcapng"); err != nil {
			return Result{}, err
		}
		os.Remove(file.Name())
		defer file.Close()
	}
	if opt.Opened != nil {
		if err := opt.Opened(); err != nil {
			return Result{}, err
		}
	}

	var wg sync.WaitGroup
	defer wg.Wait()
	if watch != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			watch.run()
		}()
		defer watch.h.Stop()
	}

	g := &liveGrader{st: st, opt: opt, lab: lab, h: h, file: file, watch: watch,
		any: opt.Interface == "", iface: opt.Interface, printed: map[string]string{}}
	if g.any {
		opt.Message("watching every interface for " + lab.what() + " (Ctrl-C to stop)")
	} else {
		opt.Message("grading " + opt.Interface + " live: waiting for " + lab.what() + " (Ctrl-C to stop)")
	}
	loopErr := g.run(ctx)
	if err := g.flush(); err != nil && loopErr == nil {
		loopErr = fmt.Errorf("write %s: %w", opt.Name, err)
	}
	var reopen func() (io.ReadCloser, error)
	if file != nil && g.written > 0 {
		reopen = func() (io.ReadCloser, error) {
			n, err := file.Seek(0, io.SeekCurrent)
			if err != nil {
				return nil, err
			}
			return io.NopCloser(io.NewSectionReader(file, 0, n)), nil
		}
	}
	res := st.Result(reopen)
	// The end is when a failure is final: each one not yet said as it
	// stands now is said, with the table's own words.
	for _, c := range res.Checks {
		if !c.Passed && g.printed[c.ID] != c.Message+"\x00final" && res.Error == "" {
			g.line(Verdict{CheckResult: c, Frame: res.Frames}, false)
		}
	}
	if g.written == 0 && file != nil && opt.Create != nil {
		// Nothing graded: the file still becomes a valid, empty capture.
		if err := g.startFile(pcapio.Interface{Name: opt.Interface, LinkType: h.LinkType()}); err == nil {
			err = g.flush()
			if err != nil && loopErr == nil {
				loopErr = fmt.Errorf("write %s: %w", opt.Name, err)
			}
		}
	}
	return res, loopErr
}

// liveGrader is Live's capture loop: frames of the graded interface go to
// the Stream and the file, checks are judged every tick.
type liveGrader struct {
	st    *Stream
	opt   LiveOptions
	lab   *labTraffic
	h     *live.Handle
	watch *watcher
	any   bool   // capturing every interface: grade the first that carries the lab's traffic
	iface string // the interface graded ("" until known when any)

	file    *os.File
	bw      *bufio.Writer
	nw      *pcapio.NgWriter
	written int

	start, lastFrame time.Time
	labSeen          bool
	hinted           bool
	settled          bool // failures reported since the last frame
	dirty            bool // frames added since the checks were last judged
	printed          map[string]string
	passed           map[string]bool
}

// run reads the graded handle with live.Recorder until ctx is done (and
// the frames captured before are read), the timeout passes, or UntilDone
// and every check has passed.
func (g *liveGrader) run(ctx context.Context) error {
	g.start = time.Now()
	g.passed = map[string]bool{}
	r := &live.Recorder{H: g.h, Every: tick, Timeout: g.opt.Timeout, Drain: live.DefaultDrain,
		Frame: func(data []byte, ci pcapio.CaptureInfo) (bool, error) {
			lab, err := g.frame(data, ci)
			// The lab's frames are judged as they come, so that a check
			// passes at the frame that completed it; others at the tick.
			return err == nil && lab && g.st.Frames() <= judgeEach && g.judge(), err
		},
		Tick: g.tick,
	}
	return r.Run(ctx)
}

// frame takes one captured frame: graded when it is the graded
// interface's.
func (g *liveGrader) frame(data []byte, ci pcapio.CaptureInfo) (lab bool, err error) {
	lab = g.lab.is(ci.LinkType, data)
	if g.any {
		if g.iface == "" {
			if !lab {
				return false, nil
			}
			g.iface = ci.InterfaceName
			g.opt.Message(g.lab.what() + " is on " + ifaceText(g.iface) + ": grading what " + ifaceText(g.iface) +
				" carries (run with -i " + ifaceText(g.iface) + " to capture it alone)")
		}
		if ci.InterfaceName != g.iface {
			return false, nil
		}
	}
	if lab && !g.labSeen {
		g.labSeen = true
		if g.watch != nil {
			g.watch.h.Stop() // the lab's traffic is here: no need to look elsewhere
		}
	}
	if g.nw == nil && g.file != nil {
		if err := g.startFile(pcapio.Interface{Name: ci.InterfaceName, LinkType: ci.LinkType}); err != nil {
			return false, err
		}
	}
	if g.nw != nil {
		ci.InterfaceIndex = 0
		if err := g.nw.WritePacket(ci, data); err != nil {
			return false, fmt.Errorf("write %s: %w", g.opt.Name, err)
		}
		g.written++
	}
	g.st.Add(data, ci)
	g.lastFrame = time.Now()
	g.dirty, g.settled = true, false
	return lab, nil
}

// judgeEach is how many frames a capture may have while each of the
// lab's frames is judged as it comes; past it (a flood), the checks are
// judged once a tick, so that judging does not grow with the capture.
const judgeEach = 20000

func (g *liveGrader) startFile(ifc pcapio.Interface) error {
	ifc.Snaplen = live.DefaultSnaplen
	ifc.TsResolution = pcapio.ResolutionNano
	g.bw = bufio.NewWriterSize(g.file, 64<<10)
	nw, err := pcapio.NewNgWriter(g.bw, pcapio.NgOptions{Application: "turtle grade --live", Interfaces: []pcapio.Interface{ifc}})
	if err != nil {
		return fmt.Errorf("write %s: %w", g.opt.Name, err)
	}
	g.nw = nw
	return nil
}

func (g *liveGrader) flush() error {
	if g.bw == nil {
		return nil
	}
	return g.bw.Flush()
}

// tick judges the checks when frames came in, reports failures once the
// exchange pauses, and says where the lab's traffic is when it is not
// where the capture looks. done is true when every check has passed and
// UntilDone asks to stop there.
func (g *liveGrader) tick(now time.Time) (done bool, err error) {
	if err := g.flush(); err != nil {
		return false, fmt.Errorf("write %s: %w", g.opt.Name, err)
	}
	if !g.labSeen && !g.hinted && g.watch != nil && now.Sub(g.start) >= g.opt.Hint {
		if where, what := g.watch.seen(); where != "" {
			g.hinted = true
			g.opt.Message("no " + what + " on " + ifaceText(g.iface) + "; it is on " + ifaceText(where) + ": run with -i " + ifaceText(where))
		}
	}
	if g.dirty && g.judge() {
		return true, nil
	}
	if g.labSeen && !g.settled && now.Sub(g.lastFrame) >= settle {
		g.settled = true
		for _, v := range g.st.Check() {
			if !v.Passed && g.printed[v.ID] != v.Message {
				g.line(v, true)
			}
		}
	}
	return false, nil
}

// judge judges every check on the frames so far and prints those that
// passed, and those that passed before and fail now. It reports whether
// the run is done: every check passed and UntilDone.
func (g *liveGrader) judge() bool {
	g.dirty = false
	all := true
	for _, v := range g.st.Check() {
		all = all && v.Passed
		switch {
		case v.Passed && !g.passed[v.ID]:
			g.passed[v.ID] = true
			g.line(v, false)
		case !v.Passed && g.passed[v.ID]:
			// A check that passed fails now: say it at once.
			delete(g.passed, v.ID)
			g.line(v, true)
		}
	}
	return all && g.opt.UntilDone
}

// line prints one check's verdict: "frame 4: pass echo 6/6: the same
// bytes back", or the failure with its reason and the rubric's tip; a
// failure while the capture goes on is marked "so far".
func (g *liveGrader) line(v Verdict, soFar bool) {
	if v.Passed {
		g.printed[v.ID] = ""
		fmt.Fprintf(g.opt.Out, "frame %d: pass %s %s/%s: %s\n", v.Frame, v.ID, score(v.Points), score(v.Max), oneLine(v.Name))
		return
	}
	g.printed[v.ID] = v.Message
	mark := ""
	if soFar {
		mark = " (so far)"
	} else {
		g.printed[v.ID] += "\x00final"
	}
	fmt.Fprintf(g.opt.Out, "frame %d: fail %s %s/%s%s: %s\n", v.Frame, v.ID, score(v.Points), score(v.Max), mark, oneLine(v.Message))
	if v.Feedback != "" {
		fmt.Fprintf(g.opt.Out, "  tip: %s\n", oneLine(v.Feedback))
	}
}

func ifaceText(name string) string {
	if name == "" {
		return "an unnamed interface"
	}
	return termsafe.Quote(name)
}

// watcher reads every interface but the graded one and remembers the
// first that carried the lab's traffic.
type watcher struct {
	h    *live.Handle
	skip string
	lab  *labTraffic

	mu    sync.Mutex
	where string
}

func (w *watcher) run() {
	r := &live.Recorder{H: w.h, Frame: func(data []byte, ci pcapio.CaptureInfo) (bool, error) {
		// A backend that cannot name each frame's interface (libpcap's
		// "any") cannot say where the traffic is.
		if ci.InterfaceName == w.skip || ci.InterfaceName == "" || ci.InterfaceName == live.Any || !w.lab.is(ci.LinkType, data) {
			return false, nil
		}
		w.mu.Lock()
		w.where = ci.InterfaceName
		w.mu.Unlock()
		return true, nil // one is enough
	}}
	r.Run(context.Background()) // stopped by Live; an error ends the watch
}

// seen names the interface that carried the lab's traffic, and the
// traffic, or "".
func (w *watcher) seen() (where, what string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.where, w.lab.what()
}

// labTraffic tells the lab's traffic from the rest: segments and datagrams
// to or from the rubric's ports, ICMP echoes for a ping lab, any IP packet
// for a lab that only counts frames.
type labTraffic struct {
	udp, tcp []uint16
	icmp, ip bool
	pkt      decode.Packet
}

func newLabTraffic(cr *compiled) *labTraffic {
	l := &labTraffic{udp: cr.ports.udp, tcp: cr.ports.tcp}
	for _, c := range cr.r.Checks {
		switch {
		case strings.HasPrefix(c.Kind, "icmp-"):
			l.icmp = true
		case c.Kind == "frames":
			l.ip = true
		}
	}
	return l
}

// is reports whether a frame is the lab's traffic.
func (l *labTraffic) is(lt pcapio.LinkType, data []byte) bool {
	d := &l.pkt
	d.Decode(lt, data)
	switch {
	case d.Layers&decode.LayerTCP != 0:
		return contains(l.tcp, d.TCP.SrcPort) || contains(l.tcp, d.TCP.DstPort) || l.ip
	case d.Layers&decode.LayerUDP != 0:
		return contains(l.udp, d.UDP.SrcPort) || contains(l.udp, d.UDP.DstPort) || l.ip
	case d.Layers&decode.LayerICMP != 0:
		return l.ip || l.icmp && (d.ICMP.Type == 8 || d.ICMP.Type == 0)
	case d.Layers&decode.LayerICMPv6 != 0:
		return l.ip || l.icmp && (d.ICMPv6.Type == 128 || d.ICMPv6.Type == 129)
	}
	return l.ip && d.Layers&(decode.LayerIPv4|decode.LayerIPv6) != 0
}

// what names the lab's traffic: "traffic to port 12500".
func (l *labTraffic) what() string {
	switch {
	case len(l.tcp) > 0:
		return "traffic to port " + itoa(int(l.tcp[0]))
	case len(l.udp) > 0:
		return "traffic to port " + itoa(int(l.udp[0]))
	case l.icmp:
		return "ping (ICMP echo) traffic"
	}
	return "IP traffic"
}
