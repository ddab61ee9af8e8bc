// Package record makes the project's test fixtures from its own programs:
// a scenario runs the echo servers and clients in-process on a loopback,
// captures that loopback while they talk, and returns the frames, which
// Normalize rewrites so that recording again gives the same bytes. It is a
// package of its own because no other has this job: echo talks without
// watching, live watches without talking, and only a recorder knows which
// frames belong to the conversation, when it is over, and which values
// (ports, sequence numbers, identifications, timestamps) differ from one
// run to the next for no reason a reader of the fixture cares about.
//
// A scenario runs in a network namespace the recorder creates (its
// loopback carries nothing else, and it vanishes with the recorder) or,
// without the privilege to create one, on the host's lo. Frames are kept
// by an exact match in Go on the scenario's own ports and ICMP echo
// identifier (an ICMP error by the datagram it quotes), which a port filter
// in the kernel could not say as precisely. A scenario waits for what the
// capture has seen — a handshake's data acknowledged, the last FIN
// acknowledged, the echo reply — never for a fixed time, and everything is
// bounded by Config.Timeout.
package record

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"sync"
	"time"

	capfile "github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// DefaultTimeout bounds a recording when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Snaplen is the snapshot length of recordings: every byte of a loopback
// frame, so that Normalize can recompute every checksum.
const Snaplen = 65535

// DefaultAttempts is how many times a scenario is recorded when
// Config.Attempts is zero.
const DefaultAttempts = 3

// ErrBusy marks a recording that is not stable because of this machine's
// load rather than the kernel's behaviour: the scenario's events came in
// another order than its timing provides for, or the kernel dropped frames.
// It wraps ErrUnstable. Record tries such a scenario again.
var ErrBusy = fmt.Errorf("the machine was too busy for the scenario's timing: %w", ErrUnstable)

// Config says how to record. A nil *Config means the defaults: normalized,
// in a network namespace of its own when possible, bounded by
// DefaultTimeout, DefaultAttempts attempts.
type Config struct {
	Raw          bool          // keep the frames as captured, without Normalize
	HostLoopback bool          // record on the host's lo even when a namespace could be made
	Timeout      time.Duration // for each attempt; 0 means DefaultTimeout
	Attempts     int           // recordings tried while they fail with ErrBusy; 0 means DefaultAttempts
}

// Recording is a scenario's capture.
type Recording struct {
	Scenario   string
	LinkType   pcapio.LinkType
	Frames     []Frame // normalized unless Config.Raw
	Normalized bool
	Netns      bool    // recorded in a network namespace of its own (else on the host's lo)
	Retried    []error // why each earlier attempt failed (each wraps ErrBusy)
}

// List returns the scenarios, sorted by name.
func List() []Scenario {
	list := append([]Scenario(nil), scenarios...)
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

// Lookup returns the scenario called name.
func Lookup(name string) (Scenario, bool) {
	for _, s := range scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// Record runs the scenario called name while capturing it. An error that
// matches os.ErrPermission means the process may not capture (it needs
// root or CAP_NET_RAW); one that wraps ErrUnstable means the kernel sent
// something the fixture cannot rely on (say, segments split or merged
// differently). A recording that fails with ErrBusy is tried again, up to
// Config.Attempts in all; the recording lists those failures in Retried,
// and the error of the last attempt is returned when none succeeds.
func Record(ctx context.Context, name string, cfg *Config) (*Recording, error) {
	sc, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown scenario %q (see 'turtle record --list')", name)
	}
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Attempts <= 0 {
		c.Attempts = DefaultAttempts
	}
	var retried []error
	for attempt := 1; ; attempt++ {
		r, err := recordOnce(ctx, sc, &c)
		if err == nil {
			r.Retried = retried
			return r, nil
		}
		if !errors.Is(err, ErrBusy) || attempt == c.Attempts || ctx.Err() != nil {
			if attempt > 1 {
				err = fmt.Errorf("%w (attempt %d of %d)", err, attempt, c.Attempts)
			}
			if errors.Is(err, os.ErrPermission) {
				err = &permissionError{scenario: name, err: err}
			}
			return nil, err
		}
		retried = append(retried, err)
	}
}

// permissionError says in one line what recording needs, with the system
// call that was refused ("socket: operation not permitted"); errors.Is
// still finds os.ErrPermission.
type permissionError struct {
	scenario string
	err      error
}

func (e *permissionError) Error() string {
	cause := e.err
	var se *os.SyscallError
	if errors.As(cause, &se) {
		cause = se
	}
	return fmt.Sprintf("%s: capturing on lo needs root or CAP_NET_RAW (%v)", e.scenario, cause)
}

func (e *permissionError) Unwrap() error { return e.err }

// recordOnce runs a scenario once.
func recordOnce(ctx context.Context, sc Scenario, c *Config) (*Recording, error) {
	name := sc.Name
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()

	e, err := newEnv(!c.HostLoopback)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer e.close()
	s := &session{env: e, ports: make(map[uint16]uint16), watch: make(map[uint16]bool), echoIDs: make(map[uint16]bool)}
	var h *live.Handle
	err = e.do(func() error {
		var err error
		h, err = live.Open("lo", &live.Config{Snaplen: Snaplen})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s.cap = newCapture(h, s.match)

	runErr := sc.run(ctx, s)
	if runErr != nil {
		cancel() // clients still waiting give up; after success they have returned or are about to
	}
	st, stats, capErr := s.cap.stop()
	s.shutdown()
	if err := errors.Join(runErr, capErr, s.failures()); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if stats.Dropped > 0 {
		return nil, fmt.Errorf("%s: the kernel dropped %d frames: %w", name, stats.Dropped, ErrBusy)
	}
	if err := sc.check(&st); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r := &Recording{Scenario: name, LinkType: s.cap.lt, Frames: st.pkts, Netns: e.netns()}
	if !c.Raw {
		norm, err := Normalize(r.LinkType, r.Frames, NormalizeOptions{Ports: s.ports})
		if err != nil {
			return nil, fmt.Errorf("%s: normalize: %w", name, err)
		}
		r.Frames, r.Normalized = norm, true
	}
	return r, nil
}

// WritePcap writes the recording as a classic pcap file (microsecond
// timestamps, little endian), the most widely read format.
func (r *Recording) WritePcap(w io.Writer) error {
	pw, err := pcapio.NewPcapWriter(w, pcapio.PcapOptions{LinkType: r.LinkType, Snaplen: Snaplen})
	if err != nil {
		return err
	}
	for i, p := range r.Frames {
		if err := pw.WritePacket(p.Info, p.Data); err != nil {
			return fmt.Errorf("write frame %d: %w", i+1, err)
		}
	}
	return nil
}

// Text returns what `turtle read` prints for the recording: the pcap is
// written and read back through the same path, so the golden text cannot
// drift from what the fixture file prints.
func (r *Recording) Text() ([]byte, error) {
	var pcap, text bytes.Buffer
	if err := r.WritePcap(&pcap); err != nil {
		return nil, err
	}
	rd, err := capfile.NewSource(&pcap, capfile.Options{})
	if err != nil {
		return nil, err
	}
	p := &decode.Printer{Format: &decode.Turtle{}, W: &text}
	if err := p.Copy(rd, 0); err != nil {
		return nil, err
	}
	return text.Bytes(), nil
}

// env is where a scenario's sockets live.
type env interface {
	// do runs f where the sockets it creates belong to the scenario's
	// network (a namespace's thread, or anywhere on the host).
	do(f func() error) error
	netns() bool
	close() error
}

// hostEnv is the host's own network.
type hostEnv struct{}

func (hostEnv) do(f func() error) error { return f() }
func (hostEnv) netns() bool             { return false }
func (hostEnv) close() error            { return nil }

// session is one run of a scenario: its network, capture, servers and
// clients.
type session struct {
	env env
	cap *capture

	// Guarded by cap.mu, which match runs under.
	ports   map[uint16]uint16 // actual port -> fixed port, for Normalize
	watch   map[uint16]bool   // ports whose packets belong to the scenario
	echoIDs map[uint16]bool   // ICMP echo identifiers likewise

	servers sync.WaitGroup
	stopSrv []context.CancelFunc
	clients sync.WaitGroup
	errMu   sync.Mutex
	errs    []error
	closers []io.Closer
}

// match decides whether a captured packet belongs to the scenario.
func (s *session) match(p *summary) bool {
	switch p.proto {
	case protoTCP, protoUDP:
		return s.watch[p.sport] || s.watch[p.dport]
	case protoICMP:
		if isEcho(p.icmpType) {
			return s.echoIDs[p.echoID]
		}
		return p.quoted && (p.qproto == protoTCP || p.qproto == protoUDP) && (s.watch[p.qsport] || s.watch[p.qdport])
	}
	return false
}

// port makes a port part of the scenario: its packets are kept, and
// Normalize maps it to fixed.
func (s *session) port(actual, fixed uint16) {
	s.cap.mu.Lock()
	s.ports[actual] = fixed
	s.watch[actual] = true
	s.cap.mu.Unlock()
}

func (s *session) echoID(id uint16) {
	s.cap.mu.Lock()
	s.echoIDs[id] = true
	s.cap.mu.Unlock()
}

// addr is the address a server of fixed port listens on: the port itself
// in a namespace of our own, any free one on the host (mapped back to
// fixed by Normalize).
func (s *session) addr(fixed uint16) string {
	if s.env.netns() {
		return fmt.Sprintf("127.0.0.1:%d", fixed)
	}
	return "127.0.0.1:0"
}

// listenTCP opens a TCP listener for a server of fixed port.
func (s *session) listenTCP(fixed uint16) (net.Listener, error) {
	var ln net.Listener
	err := s.env.do(func() error {
		var err error
		ln, err = net.Listen("tcp4", s.addr(fixed))
		return err
	})
	if err != nil {
		return nil, err
	}
	s.port(uint16(ln.Addr().(*net.TCPAddr).Port), fixed)
	return ln, nil
}

// listenUDP opens a UDP socket for a server of fixed port.
func (s *session) listenUDP(fixed uint16) (net.PacketConn, error) {
	var pc net.PacketConn
	err := s.env.do(func() error {
		var err error
		pc, err = net.ListenPacket("udp4", s.addr(fixed))
		return err
	})
	if err != nil {
		return nil, err
	}
	s.port(uint16(pc.LocalAddr().(*net.UDPAddr).Port), fixed)
	return pc, nil
}

// serve runs a server until the session shuts down.
func (s *session) serve(serve func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopSrv = append(s.stopSrv, cancel)
	s.servers.Add(1)
	go func() {
		defer s.servers.Done()
		if err := serve(ctx); err != nil {
			s.fail(fmt.Errorf("server: %w", err))
		}
	}()
}

// client runs f in the scenario's network in the background; its error
// fails the recording.
func (s *session) client(name string, f func() error) {
	s.clients.Add(1)
	go func() {
		defer s.clients.Done()
		if err := s.env.do(f); err != nil {
			s.fail(fmt.Errorf("%s: %w", name, err))
		}
	}()
}

func (s *session) fail(err error) {
	s.errMu.Lock()
	s.errs = append(s.errs, err)
	s.errMu.Unlock()
}

// failures returns what the servers and clients reported.
func (s *session) failures() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return errors.Join(s.errs...)
}

// closeLater closes c when the session shuts down.
func (s *session) closeLater(c io.Closer) { s.closers = append(s.closers, c) }

// shutdown stops the servers and waits for them and the clients.
func (s *session) shutdown() {
	for _, c := range s.closers {
		c.Close()
	}
	for _, cancel := range s.stopSrv {
		cancel()
	}
	s.servers.Wait()
	s.clients.Wait()
}
