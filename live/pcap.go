//go:build pcap

package live

// The libpcap backend: gopacket/pcap, with cgo on Unix and Npcap's
// wpcap.dll loaded at run time (no cgo) on Windows. It captures where
// AF_PACKET does not exist, or when Config.Libpcap asks for it, and
// compiles tcpdump filter expressions for every backend.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
	"golang.org/x/net/bpf"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// pcapTimeout bounds each wait inside libpcap, so that Stop and deadlines
// take effect within it.
const pcapTimeout = 100 * time.Millisecond

type libpcap struct {
	h        *pcap.Handle
	device   string
	lt       pcapio.LinkType
	last     []byte // the frame last returned, for linkAddr
	stopped  atomic.Bool
	deadline atomic.Int64 // UnixNano; 0 means none
	captured atomic.Uint64
	closed   atomic.Bool
}

func activate(name string, c *Config) (*pcap.Handle, error) {
	in, err := pcap.NewInactiveHandle(name)
	if err != nil {
		return nil, pcapError(err)
	}
	defer in.CleanUp()
	for _, set := range []func() error{
		func() error { return in.SetSnapLen(c.Snaplen) },
		func() error { return in.SetPromisc(c.Promiscuous) },
		func() error { return in.SetTimeout(pcapTimeout) },
		func() error { return in.SetBufferSize(c.BufferSize) },
	} {
		if err := set(); err != nil {
			return nil, pcapError(err)
		}
	}
	h, err := in.Activate()
	if err != nil {
		return nil, pcapError(err)
	}
	if name == Any && h.LinkType() == layers.LinkTypeLinuxSLL {
		_ = h.SetLinkType(layers.LinkType(pcapio.LinkTypeLinuxSLL2)) // libpcap 1.10+; SLL decodes too
	}
	return h, nil
}

func openLibpcap(name string, c *Config) (capturer, error) {
	h, err := activate(name, c)
	if err != nil {
		return nil, err
	}
	if len(c.Filter) > 0 {
		ins := make([]pcap.BPFInstruction, len(c.Filter))
		for i, r := range c.Filter {
			ins[i] = pcap.BPFInstruction{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
		}
		if err := h.SetBPFInstructionFilter(ins); err != nil {
			h.Close()
			return nil, fmt.Errorf("set filter: %w", err)
		}
	}
	return &libpcap{h: h, device: name, lt: pcapio.LinkType(h.LinkType())}, nil
}

func libpcapLinkType(name string, c *Config) (pcapio.LinkType, error) {
	h, err := activate(name, c)
	if err != nil {
		return 0, fmt.Errorf("capture on %s: %w", name, err)
	}
	defer h.Close()
	return pcapio.LinkType(h.LinkType()), nil
}

// pcapError makes libpcap's "permission denied" answers match
// os.ErrPermission, as the AF_PACKET backend's errno does.
func pcapError(err error) error {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "permission") || strings.Contains(msg, "not permitted") {
		return &permissionError{err}
	}
	return err
}

type permissionError struct{ err error }

func (e *permissionError) Error() string        { return e.err.Error() }
func (e *permissionError) Unwrap() error        { return e.err }
func (e *permissionError) Is(target error) bool { return target == os.ErrPermission }

func (p *libpcap) read() ([]byte, pcapio.CaptureInfo, error) {
	for {
		if p.stopped.Load() {
			return nil, pcapio.CaptureInfo{}, ErrStopped
		}
		data, gci, err := p.h.ZeroCopyReadPacketData()
		switch {
		case err == nil:
			p.last = data
			p.captured.Add(1)
			return data, pcapio.CaptureInfo{
				Timestamp:     gci.Timestamp.UTC(),
				CaptureLength: len(data),
				Length:        gci.Length,
				LinkType:      p.lt,
				InterfaceName: p.device,
			}, nil
		case errors.Is(err, pcap.NextErrorTimeoutExpired):
			if d := p.deadline.Load(); d != 0 && time.Now().UnixNano() >= d {
				return nil, pcapio.CaptureInfo{}, fmt.Errorf("wait for frames: %w", os.ErrDeadlineExceeded)
			}
		case errors.Is(err, io.EOF):
			return nil, pcapio.CaptureInfo{}, ErrStopped
		default:
			return nil, pcapio.CaptureInfo{}, fmt.Errorf("read: %w", err)
		}
	}
}

// linkAddr derives the recvfrom tuple from the frame's own header, since
// libpcap keeps the sockaddr to itself; the packet type is 0 (host).
func (p *libpcap) linkAddr(a *pcapio.LinkAddr) {
	*a = pcapio.LinkAddr{Interface: p.device, HardwareAddr: a.HardwareAddr[:0]}
	b := p.last
	switch p.lt {
	case pcapio.LinkTypeEthernet:
		a.HardwareType = 1
		if len(b) >= 14 {
			a.Protocol = binary.BigEndian.Uint16(b[12:])
			a.HardwareAddr = append(a.HardwareAddr, b[6:12]...)
		}
	case pcapio.LinkTypeLinuxSLL2:
		var s pcapio.LinuxSLL2
		if s.Decode(b) {
			a.Protocol, a.PacketType, a.HardwareType = s.Protocol, s.PacketType, s.HardwareType
			a.HardwareAddr = append(a.HardwareAddr, s.Addr...)
		}
	case pcapio.LinkTypeLinuxSLL:
		var s pcapio.LinuxSLL
		if s.Decode(b) {
			a.Protocol, a.PacketType, a.HardwareType = s.Protocol, uint8(s.PacketType), s.HardwareType
			a.HardwareAddr = append(a.HardwareAddr, s.Addr...)
		}
	}
}

func (p *libpcap) linkType() pcapio.LinkType { return p.lt }

func (p *libpcap) stats() (Stats, error) {
	s := Stats{Captured: p.captured.Load()}
	if p.closed.Load() {
		return s, nil
	}
	st, err := p.h.Stats()
	if err != nil {
		return s, err
	}
	s.Received, s.Dropped = uint64(st.PacketsReceived), uint64(st.PacketsDropped)
	return s, nil
}

func (p *libpcap) setReadDeadline(t time.Time) error {
	if t.IsZero() {
		p.deadline.Store(0)
	} else {
		p.deadline.Store(t.UnixNano())
	}
	return nil
}

func (p *libpcap) stop() { p.stopped.Store(true) }

func (p *libpcap) close() error {
	p.stop()
	if !p.closed.Swap(true) {
		p.h.Close()
	}
	return nil
}

// CompileFilter compiles a tcpdump filter expression for frames of link
// type lt, cut to snaplen bytes, into classic BPF for Config.Filter, with
// libpcap's compiler.
func CompileFilter(expr string, lt pcapio.LinkType, snaplen int) ([]bpf.RawInstruction, error) {
	ins, err := pcap.CompileBPFFilter(layers.LinkType(lt), snaplen, expr)
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", expr, err)
	}
	out := make([]bpf.RawInstruction, len(ins))
	for i, in := range ins {
		out[i] = bpf.RawInstruction{Op: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return out, nil
}
