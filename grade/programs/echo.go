package programs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/turtle-sniffer/turtle/echo"
	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/internal/outfile"
	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/pcapio"
	"github.com/turtle-sniffer/turtle/sandbox"
)

// DefaultMessage is what turtle's clients send, and a client program gets
// on its standard input, when the lab sets no message.
const DefaultMessage = "Hello turtle"

// echoLab is what an echo lab's rubric says about the traffic to make.
type echoLab struct {
	port    int
	message string
	clients int // clients at once
}

// echoSetup reads the protocol, port, message and number of clients from
// an echo lab's checks.
func echoSetup(r *grade.Rubric) (string, echoLab, error) {
	lab := echoLab{clients: 1}
	proto := ""
	for _, c := range r.Checks {
		p := c.Params
		if lab.port == 0 {
			switch {
			case p.Port != nil:
				lab.port = *p.Port
			case r.Defaults.Port != nil:
				lab.port = *r.Defaults.Port
			}
		}
		if lab.message == "" {
			switch {
			case p.Message != nil:
				lab.message = *p.Message
			case r.Defaults.Message != nil:
				lab.message = *r.Defaults.Message
			}
		}
		if c.Kind == "tcp-concurrent" || c.Kind == "tcp-iterative" {
			n := 3
			switch {
			case p.Clients != nil:
				n = *p.Clients
			case r.Defaults.Clients != nil:
				n = *r.Defaults.Clients
			}
			lab.clients = max(lab.clients, n)
		}
		var kp string
		switch {
		case strings.HasPrefix(c.Kind, "udp-"):
			kp = "udp"
		case strings.HasPrefix(c.Kind, "tcp-"):
			kp = "tcp"
		case c.Kind == clientOutputKind:
			continue
		default:
			return "", lab, fmt.Errorf("lab %s: check %q (%s) judges a capture, not a program: --program and --client run the echo and sniffer labs", r.Lab, c.ID, c.Kind)
		}
		if proto != "" && kp != proto {
			return "", lab, fmt.Errorf("lab %s has both UDP and TCP checks: a program serves one", r.Lab)
		}
		proto = kp
	}
	if proto == "" {
		return "", lab, fmt.Errorf("lab %s has no echo checks", r.Lab)
	}
	if lab.port == 0 {
		return "", lab, fmt.Errorf("lab %s sets no port", r.Lab)
	}
	if lab.message == "" {
		lab.message = DefaultMessage
	}
	return proto, lab, nil
}

// listening reports whether a socket in ns is bound to port: listening for
// TCP, any for UDP. It reads the namespace's own /proc/net tables, so it
// makes no connection that would show in the capture.
func listening(ns *sandbox.Netns, proto string, port int) bool {
	want := fmt.Sprintf(":%04X ", port)
	found := false
	ns.Do(func() error {
		for _, table := range []string{proto, proto + "6"} {
			f, err := os.Open("/proc/thread-self/net/" + table)
			if err != nil {
				continue
			}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				fields := strings.Fields(sc.Text())
				if len(fields) < 4 || !strings.HasSuffix(fields[1]+" ", want) {
					continue
				}
				if proto == "udp" || fields[3] == "0A" { // TCP_LISTEN
					found = true
				}
			}
			f.Close()
		}
		return nil
	})
	return found
}

// capture records the loopback of a namespace into memory, as a pcap file.
type capture struct {
	h      *live.Handle
	mu     sync.Mutex
	buf    bytes.Buffer
	w      *pcapio.PcapWriter
	full   bool
	done   chan struct{}
	cancel context.CancelFunc
}

// maxCapture bounds a run's capture: an echo lab's traffic is a few
// kilobytes, a program that floods its loopback is cut here.
const maxCapture = 32 << 20

func startCapture(ns *sandbox.Netns) (*capture, error) {
	c := &capture{done: make(chan struct{})}
	if err := ns.Do(func() error {
		var err error
		c.h, err = live.Open("lo", &live.Config{BufferSize: 4 << 20})
		return err
	}); err != nil {
		return nil, err
	}
	w, err := pcapio.NewPcapWriter(&c.buf, pcapio.PcapOptions{LinkType: c.h.LinkType(), Nanosecond: true})
	if err != nil {
		c.h.Close()
		return nil, err
	}
	c.w = w
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go func() {
		defer close(c.done)
		// stop reads for another live.DefaultDrain: the last
		// acknowledgments and FINs, and the frames the kernel captured
		// and has not handed over yet.
		r := &live.Recorder{H: c.h, Frame: c.frame, Drain: live.DefaultDrain}
		r.Run(ctx) // an error ends the capture as stop does
	}()
	return c, nil
}

// frame writes a frame to the capture, up to maxCapture.
func (c *capture) frame(data []byte, ci pcapio.CaptureInfo) (bool, error) {
	c.mu.Lock()
	if c.buf.Len() < maxCapture {
		c.w.WritePacket(ci, data)
	} else {
		c.full = true
	}
	c.mu.Unlock()
	return false, nil
}

// stop ends the capture, once it has read for live.DefaultDrain more,
// and returns the pcap file.
func (c *capture) stop() []byte {
	c.cancel()
	<-c.done
	c.h.Close()
	return c.buf.Bytes()
}

// keep writes a run's capture where --keep-captures says; it returns the
// file's name, or "" when none is kept.
func keep(opt Options, student string, data []byte) (string, error) {
	if opt.KeepCaptures == "" {
		return "", nil
	}
	name := strings.NewReplacer("/", "_", "\\", "_", "\x00", "_").Replace(student)
	if name == "" || name == "." || name == ".." {
		name = "_" + name
	}
	path := filepath.Join(opt.KeepCaptures, name+".pcap")
	return path, outfile.WriteFile(path, data, 0o644) // root's write: never through a planted link
}

// gradeServer runs a student's echo server and drives it with turtle's
// clients.
func gradeServer(ctx context.Context, r *grade.Rubric, sub Submission, opt Options) grade.Result {
	fail := func(err error) grade.Result { return failAll(r, sub.Student, err.Error()) }
	proto, lab, err := echoSetup(r)
	if err != nil {
		return fail(err)
	}
	ns, err := sandbox.NewNetns()
	if err != nil {
		return fail(err)
	}
	defer ns.Close()
	p, err := sandbox.Start(ctx, sandbox.Config{Command: opt.Command, Dir: sub.Dir, User: opt.User, Netns: ns, Limits: opt.Limits})
	if err != nil {
		return fail(err)
	}
	deadline := time.Now().Add(opt.Ready)
	for !listening(ns, proto, lab.port) {
		select {
		case <-p.Exited():
			return failAll(r, sub.Student, notStarted(p.Wait(), "opened "+proto+" port "+strconv.Itoa(lab.port)))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			run := p.Stop(opt.Grace)
			why := "the program did not open " + proto + " port " + strconv.Itoa(lab.port) + " within " + opt.Ready.String()
			if run.Stderr != "" {
				why += "; its last lines of standard error: " + strings.ReplaceAll(run.Stderr, "\n", " / ")
			}
			return failAll(r, sub.Student, why)
		}
	}
	c, err := startCapture(ns)
	if err != nil {
		p.Stop(opt.Grace)
		return fail(err)
	}
	notes := drive(ctx, ns, proto, lab, opt.Limits.Wall)
	time.Sleep(100 * time.Millisecond) // the last acknowledgments and FINs
	stopped := true
	select {
	case <-p.Exited():
		stopped = false
	default:
	}
	run := p.Stop(opt.Grace)
	data := c.stop()
	return gradeCapture(r, sub, opt, data, append(notes, runNotes(run, stopped)...), ctx)
}

// drive runs the lab's clients at once against the server in ns and
// returns what went wrong for them.
func drive(ctx context.Context, ns *sandbox.Netns, proto string, lab echoLab, limit time.Duration) []string {
	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	addr := "127.0.0.1:" + strconv.Itoa(lab.port)
	msg := []byte(lab.message)
	errs := make([]string, lab.clients)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range lab.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns.Do(func() error {
				<-start
				var reply []byte
				var err error
				if proto == "udp" {
					reply, _, err = echo.UDPClient(cctx, addr, msg)
				} else {
					reply, err = echo.TCPClient(cctx, addr, msg)
				}
				switch {
				case err != nil:
					errs[i] = err.Error()
				case !bytes.Equal(reply, msg):
					errs[i] = "sent " + strconv.Quote(lab.message) + ", got back " + strconv.Quote(string(reply))
				}
				return nil
			})
		}()
	}
	time.Sleep(10 * time.Millisecond) // every client on its thread, then all at once
	close(start)
	wg.Wait()
	var notes []string
	for i, e := range errs {
		if e != "" {
			notes = append(notes, fmt.Sprintf("turtle's client %d of %d: %s", i+1, lab.clients, e))
		}
	}
	return notes
}

// gradeCapture grades a run's capture with the lab's checks.
func gradeCapture(r *grade.Rubric, sub Submission, opt Options, data []byte, notes []string, ctx context.Context) grade.Result {
	name := "(capture of the run)"
	kept, err := keep(opt, sub.Student, data)
	if err != nil {
		notes = append(notes, "the capture could not be kept: "+err.Error())
	} else if kept != "" {
		name = kept
	}
	res, err := grade.GradeReader(r, sub.Student, name, bytes.NewReader(data))
	if err != nil {
		return failAll(r, sub.Student, err.Error())
	}
	if ctx.Err() != nil {
		notes = append(notes, "grading was interrupted: graded on what the run did before")
	}
	res.Notes = append(res.Notes, notes...)
	return res
}

// gradeClient runs a student's echo client against turtle's server.
func gradeClient(ctx context.Context, r *grade.Rubric, sub Submission, opt Options) grade.Result {
	fail := func(err error) grade.Result { return failAll(r, sub.Student, err.Error()) }
	proto, lab, err := echoSetup(r)
	if err != nil {
		return fail(err)
	}
	ns, err := sandbox.NewNetns()
	if err != nil {
		return fail(err)
	}
	defer ns.Close()
	sctx, stopServer := context.WithCancel(context.Background())
	defer stopServer()
	addr := "127.0.0.1:" + strconv.Itoa(lab.port)
	served := make(chan error, 1)
	if err := ns.Do(func() error {
		if proto == "udp" {
			pc, err := net.ListenPacket("udp", addr)
			if err != nil {
				return err
			}
			go func() { served <- (&echo.UDPServer{}).Serve(sctx, pc) }()
			return nil
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		go func() { served <- (&echo.TCPServer{Mode: echo.Threaded}).Serve(sctx, ln) }()
		return nil
	}); err != nil {
		return fail(fmt.Errorf("turtle's %s server: %w", proto, err))
	}
	c, err := startCapture(ns)
	if err != nil {
		return fail(err)
	}
	p, err := sandbox.Start(ctx, sandbox.Config{Command: opt.Command, Dir: sub.Dir, User: opt.User, Netns: ns,
		Limits: opt.Limits, Stdin: []byte(lab.message + "\n")})
	if err != nil {
		c.stop()
		return fail(err)
	}
	run := p.Wait()
	data := c.stop() // after the last acknowledgments and FINs
	stopServer()
	if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
		return fail(fmt.Errorf("turtle's %s server: %w", proto, err))
	}
	res := gradeCapture(r, sub, opt, data, runNotes(run, false), ctx)
	ok, why := grade.ClientOutput(proto, lab.port, lab.message, run.Stdout)
	res = setCheck(r, res, clientOutputKind, ok, why)
	return res
}

// setCheck replaces the result of the rubric's check of kind with ok and
// why, and recomputes the score.
func setCheck(r *grade.Rubric, res grade.Result, kind string, ok bool, why string) grade.Result {
	for i, c := range r.Checks {
		if c.Kind != kind || i >= len(res.Checks) {
			continue
		}
		cr := &res.Checks[i]
		cr.Passed, cr.Points, cr.Message, cr.Feedback = ok, 0, "", ""
		if ok {
			cr.Points = c.Points
		} else {
			cr.Message, cr.Feedback = why, c.Feedback
		}
	}
	res.Score = 0
	for _, c := range res.Checks {
		res.Score += c.Points
	}
	return res
}

const clientOutputKind = "client-output"

// WithClientCheck returns a copy of r for grading a client program: the
// check of its printed lines is added (kind client-output, id "output"),
// and a lab that accepts any message gets DefaultMessage, which the client
// reads on its standard input and must send.
func WithClientCheck(r *grade.Rubric) *grade.Rubric {
	if hasKind(r, clientOutputKind) {
		return r
	}
	c := *r
	c.Checks = append(append([]grade.Check(nil), r.Checks...), grade.Check{
		ID: "output", Kind: clientOutputKind, Name: "the client prints the server's echo", Points: 4,
		Feedback: "Print what the server sent back as the class notes do (UDP: \"IP: ADDR | Port: PORT\", then the text; TCP: \"Reply from Server: TEXT\").",
	})
	if _, lab, err := echoSetup(r); err == nil && lab.message == DefaultMessage && hasKind(r, "udp-request", "tcp-data") {
		c.Set("message=" + DefaultMessage) // every kind that takes a message takes this one
	}
	return &c
}
