//go:build linux

// Command sniff-bench is the helper of scripts/bench-sniff.sh, which runs it
// inside network namespaces the script creates:
//
//	sniff-bench flood -i a0 -n 1000000 -size 64
//	    writes n copies of one UDP frame (to an address nobody owns, so the
//	    receiving namespace answers nothing) on a packet socket, as fast as
//	    it can, and prints the rate;
//	sniff-bench capture -i b0 -backend live|afpacket|pcapgo
//	    captures until SIGINT and writes pcap to nowhere, through turtle's
//	    ring (live), gopacket's TPACKET_V3 ring (afpacket) or gopacket's
//	    one-recvmsg-per-frame socket (pcapgo), then prints the frames
//	    received and the kernel's drops, for the comparison that picked
//	    live's backend.
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/sys/unix"

	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/pcapio"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: sniff-bench flood|capture [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "flood":
		err = flood(os.Args[2:])
	case "capture":
		err = capture(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sniff-bench:", err)
		os.Exit(1)
	}
}

func flood(args []string) error {
	fs := flag.NewFlagSet("flood", flag.ExitOnError)
	ifname := fs.String("i", "a0", "interface to send on")
	n := fs.Int("n", 1000000, "frames to send")
	size := fs.Int("size", 64, "frame size in bytes (at least 42)")
	fs.Parse(args)
	ifc, err := net.InterfaceByName(*ifname)
	if err != nil {
		return err
	}
	frame := udpFrame(max(*size, 42))
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	// Straight to the driver: the flood measures the capture, not a qdisc.
	unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1)
	// bind sets the interface, so the messages need no address; sendmmsg
	// hands the kernel 64 frames per system call.
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifc.Index, Protocol: 0}); err != nil {
		return err
	}
	const batch = 64
	bufs := make([][]byte, batch)
	iovs := make([]unix.Iovec, batch)
	msgs := make([]mmsghdr, batch)
	for i := range bufs {
		bufs[i] = append([]byte(nil), frame...)
		iovs[i].Base = &bufs[i][0]
		iovs[i].SetLen(len(frame))
		msgs[i].hdr.Iov = &iovs[i]
		msgs[i].hdr.Iovlen = 1
	}
	start := time.Now()
	sent := 0
	for sent < *n {
		k := min(batch, *n-sent)
		for i := 0; i < k; i++ {
			binary.BigEndian.PutUint32(bufs[i][len(frame)-4:], uint32(sent+i))
		}
		r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(fd), uintptr(unsafe.Pointer(&msgs[0])), uintptr(k), 0, 0, 0)
		if e != 0 {
			if e == unix.ENOBUFS || e == unix.EAGAIN || e == unix.EINTR {
				continue
			}
			return e
		}
		sent += int(r)
	}
	d := time.Since(start)
	fmt.Printf("flood: %d frames of %d bytes in %.2fs, %.0f frames/s\n", sent, len(frame), d.Seconds(), float64(sent)/d.Seconds())
	return nil
}

// mmsghdr is struct mmsghdr, which x/sys/unix does not define.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
	_   [unsafe.Sizeof(uintptr(0)) - 4]byte // padding to the pointer size
}

// udpFrame is an Ethernet/IPv4/UDP frame from 10.199.9.1 to 10.199.9.3.
func udpFrame(size int) []byte {
	f := make([]byte, size)
	copy(f[0:6], []byte{0x02, 0, 0, 0xc7, 9, 2})
	copy(f[6:12], []byte{0x02, 0, 0, 0xc7, 9, 1})
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:34]
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(size-14))
	copy(ip[12:16], []byte{10, 199, 9, 1})
	copy(ip[16:20], []byte{10, 199, 9, 3})
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	udp := f[34:]
	binary.BigEndian.PutUint16(udp[0:], 40000)
	binary.BigEndian.PutUint16(udp[2:], 9)
	binary.BigEndian.PutUint16(udp[4:], uint16(size-34))
	return f
}

// source is what the three backends share.
type source interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

func capture(args []string) error {
	fs := flag.NewFlagSet("capture", flag.ExitOnError)
	ifname := fs.String("i", "b0", "interface to capture on")
	backend := fs.String("backend", "live", "live, afpacket or pcapgo")
	fs.Parse(args)

	var stop atomic.Bool
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)

	bw := bufio.NewWriterSize(io.Discard, 256<<10)
	pw, err := pcapio.NewPcapWriter(bw, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet, Snaplen: 65535, Nanosecond: true})
	if err != nil {
		return err
	}
	n := 0
	switch *backend {
	case "live":
		h, err := live.Open(*ifname, nil)
		if err != nil {
			return err
		}
		go func() { <-sig; h.Stop() }()
		fmt.Fprintln(os.Stderr, "ready")
		for {
			data, ci, err := h.ZeroCopyReadPacketData()
			if err != nil {
				break
			}
			pw.WritePacket(ci, data)
			n++
		}
		st, _ := h.Stats()
		h.Close()
		fmt.Printf("live: %d received, %d dropped by kernel\n", n, st.Dropped)
		return nil
	case "afpacket":
		h, err := afpacket.NewTPacket(afpacket.OptInterface(*ifname), afpacket.OptPollTimeout(100*time.Millisecond),
			afpacket.OptFrameSize(1<<17), afpacket.OptBlockSize(1<<17), afpacket.OptNumBlocks(64))
		if err != nil {
			return err
		}
		go func() { <-sig; stop.Store(true) }()
		fmt.Fprintln(os.Stderr, "ready")
		n = loop(h, pw, &stop)
		_, st, err := h.SocketStats()
		h.Close()
		if err != nil {
			return err
		}
		fmt.Printf("afpacket: %d received, %d dropped by kernel\n", n, st.Drops())
		return nil
	case "pcapgo":
		h, err := pcapgo.NewEthernetHandle(*ifname)
		if err != nil {
			return err
		}
		// pcapgo offers no way to size the socket buffer: the kernel's
		// default (net.core.rmem_default) it is.
		// Its read waits in recvmsg until Close: the counters are read
		// before that (reading resets them; the flood is over by then).
		stats := make(chan *unix.TpacketStats, 1)
		go func() {
			<-sig
			stop.Store(true)
			st, err := h.Stats()
			if err != nil {
				st = &unix.TpacketStats{}
			}
			stats <- st
			h.Close()
		}()
		fmt.Fprintln(os.Stderr, "ready")
		n = loop(h, pw, &stop)
		fmt.Printf("pcapgo: %d received, %d dropped by kernel\n", n, (<-stats).Drops)
		return nil
	}
	return fmt.Errorf("unknown backend %q", *backend)
}

func loop(src source, pw *pcapio.PcapWriter, stop *atomic.Bool) int {
	n := 0
	for !stop.Load() {
		data, gci, err := src.ZeroCopyReadPacketData()
		if err != nil {
			if errors.Is(err, afpacket.ErrTimeout) {
				continue
			}
			break
		}
		pw.WritePacket(pcapio.CaptureInfo{Timestamp: gci.Timestamp, CaptureLength: len(data), Length: gci.Length}, data)
		n++
	}
	return n
}
