package live

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// A Sender sends whole frames out of one interface, byte for byte, as
// they are given: the link header included, nothing added or checked
// (the kernel adds no checksum and no padding). It is the sending half
// of this package, for turtle replay: on Linux an AF_PACKET SOCK_RAW
// socket bound to the interface; built with the pcap tag, libpcap's
// pcap_sendpacket where AF_PACKET does not exist.
//
// A Sender is for one goroutine at a time.
type Sender struct {
	s    sender
	name string
}

// sender is what a sending backend implements; Sender delegates to it.
type sender interface {
	send(frame []byte) error
	sendBatch(frames [][]byte) (int, error)
	linkType() pcapio.LinkType
	mtu() int
	close() error
}

// ErrSendNotSupported is returned by OpenSender where this build has no
// way to send frames.
var ErrSendNotSupported = errors.New("sending frames is not supported on " + runtime.GOOS +
	" without libpcap: build turtle with -tags pcap")

// SendError is a frame the interface refused (EMSGSIZE for a frame longer
// than the MTU allows, ENOBUFS, ENETDOWN, ...). It names the frame's
// length; errors.Is finds the system call's errno through it.
type SendError struct {
	Iface string
	Len   int   // the frame's length in bytes
	Err   error // the system call's error
}

func (e *SendError) Error() string {
	return fmt.Sprintf("%s refused a %d-byte frame: %v", e.Iface, e.Len, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// OpenSender opens iface (a name as `turtle ifaces` lists it) for
// sending. It needs root or CAP_NET_RAW; errors.Is(err, os.ErrPermission)
// tells when that is what is missing.
func OpenSender(iface string) (*Sender, error) { return openSender(iface, false) }

// OpenSenderLibpcap opens iface for sending through libpcap
// (pcap_sendpacket) even where AF_PACKET exists; it returns ErrNoPcap in
// a build without the pcap tag.
func OpenSenderLibpcap(iface string) (*Sender, error) { return openSender(iface, true) }

func openSender(iface string, libpcap bool) (*Sender, error) {
	if iface == "" || iface == Any {
		return nil, fmt.Errorf("send on %q: name one interface to send frames out of", iface)
	}
	var (
		s   sender
		err error
	)
	if haveAFPacket && !libpcap {
		s, err = openAFPacketSender(iface)
	} else {
		s, err = openLibpcapSender(iface)
	}
	if err != nil {
		return nil, fmt.Errorf("send on %s: %w", iface, err)
	}
	return &Sender{s: s, name: iface}, nil
}

// Send sends one frame. A frame the interface refuses is returned as a
// *SendError; the Sender stays usable for the next frame.
func (s *Sender) Send(frame []byte) error { return s.s.send(frame) }

// SendBatch sends frames in order, with as few system calls as the
// backend allows (sendmmsg on Linux). It returns how many frames were
// sent before the first one refused, and that refusal as a *SendError
// (frames[n] is the refused one); err is nil when all were sent.
func (s *Sender) SendBatch(frames [][]byte) (n int, err error) { return s.s.sendBatch(frames) }

// LinkType is the link layer the interface expects at the start of every
// frame: Ethernet for Ethernet devices, veth and loopback.
func (s *Sender) LinkType() pcapio.LinkType { return s.s.linkType() }

// MTU is the interface's MTU (0 when unknown). A frame's link header comes
// on top of it: an Ethernet frame may be MTU+14 bytes long.
func (s *Sender) MTU() int { return s.s.mtu() }

// Name is the interface the Sender was opened on.
func (s *Sender) Name() string { return s.name }

// Close releases the socket.
func (s *Sender) Close() error { return s.s.close() }
