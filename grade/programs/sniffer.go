package programs

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/pcapio"
	"github.com/turtle-sniffer/turtle/sandbox"
)

// SnifferFrames returns the sniffer labs' reference capture as sent from
// src to dst, and the text a sniffer on dst's interface ifname prints for
// each frame in format ("turtle"; "basic", the live recvfrom tuple;
// "scapy", the frame's bytes as print(socket.recv_raw()[1]) writes them).
// With raises, the frames on which the classroom code raises follow, their
// differences charged to the "truncated" layer.
func SnifferFrames(format, ifname string, src, dst net.HardwareAddr, raises bool) ([][]byte, []grade.SnifferFrame, error) {
	return snifferFrames(format, ifname, src, dst, raises, nil)
}

// snifferFrames is SnifferFrames with the frames drawn by rng (random.go),
// unless rng is nil.
func snifferFrames(format, ifname string, src, dst net.HardwareAddr, raises bool, rng *rand.Rand) ([][]byte, []grade.SnifferFrame, error) {
	decoder := format
	if format == "scapy" {
		decoder = "basic" // its tuple starts with the bytes
	}
	f, err := decode.NewFormat(decoder)
	if err != nil {
		return nil, nil, err
	}
	ref := snifferLab(src, dst)
	n := len(ref)
	if raises {
		ref = append(ref, snifferLabRaises(src, dst)...)
	}
	if rng != nil {
		ref = shuffleFrames(ref, n, rng)
	}
	frames := make([][]byte, len(ref))
	want := make([]grade.SnifferFrame, len(ref))
	for i, fr := range ref {
		frames[i] = fr.Data
		df := pcapio.Frame{Number: i + 1, Data: fr.Data,
			Info: pcapio.CaptureInfo{CaptureLength: len(fr.Data), Length: len(fr.Data), LinkType: pcapio.LinkTypeEthernet}}
		if decoder == "basic" {
			df.Live = &pcapio.LinkAddr{Interface: ifname, Protocol: binary.BigEndian.Uint16(fr.Data[12:14]),
				PacketType: packetType(fr.Data[:6], dst), HardwareType: 1, HardwareAddr: bytes.Clone(fr.Data[6:12])}
		}
		text := f.AppendFrame(nil, &df)
		if decoder == "basic" {
			text = bytes.TrimSuffix(text, []byte("\n"))
		}
		if format == "scapy" { // "(" BYTES ", ('IFNAME', ...))"
			text = text[1:bytes.LastIndex(text, []byte(", ('"))]
		}
		want[i] = grade.SnifferFrame{Name: fr.Name, Text: string(text)}
		if i >= n {
			want[i].Layer = "truncated"
		}
	}
	return frames, want, nil
}

// packetType is Linux's PACKET_* type of a received frame: to us (0),
// broadcast (1), multicast (2) or to another host (3).
func packetType(to, self net.HardwareAddr) uint8 {
	switch {
	case bytes.Equal(to, self):
		return 0
	case bytes.Equal(to, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}):
		return 1
	case to[0]&1 != 0:
		return 2
	}
	return 3
}

// gradeSniffer runs one sniffer: namespace and veth, program, frames,
// quiet, stop, compare.
func gradeSniffer(ctx context.Context, r *grade.Rubric, format string, sub Submission, opt Options) grade.Result {
	fail := func(err error) grade.Result { return failAll(r, sub.Student, err.Error()) }
	wire, err := sandbox.NewNetns() // turtle's side of the pair
	if err != nil {
		return fail(err)
	}
	defer wire.Close()
	ns, err := sandbox.NewNetns() // the student's
	if err != nil {
		return fail(err)
	}
	defer ns.Close()
	veth, err := sandbox.NewVeth(wire, ns)
	if err != nil {
		return fail(err)
	}
	frames, want, err := snifferFrames(format, veth.B, veth.MACA, veth.MACB, r.HasKind("turtle-truncated"),
		studentRand(opt.Seed, sub.Student))
	if err != nil {
		return fail(err)
	}
	var sender *live.Sender
	if err := wire.Do(func() error {
		var err error
		sender, err = live.OpenSender(veth.A)
		return err
	}); err != nil {
		return fail(err)
	}
	defer sender.Close()

	// The Windows listings (scapy) ask for the interface's number, the
	// index scapy's IFACES shows, which on Linux is the kernel's ifindex;
	// the others never read their standard input.
	index, err := ifindex(ns, veth.B)
	if err != nil {
		return fail(err)
	}
	p, err := sandbox.Start(ctx, sandbox.Config{Command: opt.Command, Dir: sub.Dir, User: opt.User, NetRaw: true,
		Netns: ns, Limits: opt.Limits, Stdin: []byte(strconv.Itoa(index) + "\n")})
	if err != nil {
		return fail(err)
	}
	// Ready: a packet socket open in its namespace and waited on; or its
	// first line (then a second more for the socket, unless one is open
	// and being set up); or the time limit.
	deadline := time.Now().Add(opt.Ready)
	var printed time.Time
	for {
		ready, open := packetSocket(ns)
		if ready || !time.Now().Before(deadline) {
			break
		}
		if printed.IsZero() && p.WaitReady(20*time.Millisecond) == nil {
			printed = time.Now()
		}
		if !printed.IsZero() {
			if time.Since(printed) > time.Second && !open {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		select {
		case <-p.Exited():
			return failAll(r, sub.Student, notStarted(p.Wait(), "started"))
		default:
		}
	}
	var sendErr error
	for i, f := range frames {
		if err := sender.Send(f); err != nil {
			sendErr = fmt.Errorf("frame %d: %w", i+1, err)
			break
		}
		time.Sleep(time.Millisecond) // in order, and not faster than a slow sniffer is woken
	}
	// Done: no frame waits in its socket (a sniffer slowed down by a busy
	// machine is not cut short), and it has printed every frame sent, or
	// nothing for opt.Quiet.
	deadline = time.Now().Add(opt.Limits.Wall)
	step := min(100*time.Millisecond, opt.Quiet)
	lastLen, quietSince := -1, time.Now()
	for {
		p.WaitQuiet(step, time.Until(deadline))
		exited := false
		select {
		case <-p.Exited():
			exited = true
		default:
		}
		if exited || !time.Now().Before(deadline) {
			break
		}
		out := p.Output()
		if len(out) != lastLen {
			lastLen, quietSince = len(out), time.Now().Add(-step)
		}
		if packetQueued(ns) > 0 {
			continue
		}
		if printedAll(format, want, out) || time.Since(quietSince) >= opt.Quiet {
			break
		}
	}
	stopped := false
	select {
	case <-p.Exited():
	default:
		stopped = true
	}
	run := p.Stop(opt.Grace)
	res, err := grade.GradeSnifferText(r, sub.Student, want, run.Stdout)
	if err != nil {
		return fail(err)
	}
	res.File = "(program output)"
	if sendErr != nil {
		res.Notes = append(res.Notes, "turtle could not send every frame: "+sendErr.Error())
	}
	if ctx.Err() != nil {
		res.Notes = append(res.Notes, "grading was interrupted: graded on what the program printed before")
	}
	res.Notes = append(res.Notes, runNotes(run, stopped)...)
	res.Notes = append(res.Notes, fmt.Sprintf("frames drawn for this run with --seed %d", opt.Seed))
	return res
}

// ifindex returns the index of interface name in ns.
func ifindex(ns *sandbox.Netns, name string) (int, error) {
	var index int
	err := ns.Do(func() error {
		ifc, err := net.InterfaceByName(name)
		if err == nil {
			index = ifc.Index
		}
		return err
	})
	return index, err
}

// packetSocket reports whether the sniffer is listening (ready): a thread
// of it waits on a packet socket (see waitsOnPacketSocket); and whether a
// packet socket is open in ns at all.
func packetSocket(ns *sandbox.Netns) (ready, open bool) {
	ns.Do(func() error {
		b, err := os.ReadFile("/proc/thread-self/net/packet")
		open = err == nil && bytes.Count(b, []byte{'\n'}) > 1 // a header line, then one per socket
		return nil
	})
	return open && waitsOnPacketSocket(ns), open
}

// packetQueued returns the bytes waiting in the receive queues of the
// packet sockets in ns (the Rmem column of /proc/net/packet).
func packetQueued(ns *sandbox.Netns) int {
	n := 0
	ns.Do(func() error {
		b, err := os.ReadFile("/proc/thread-self/net/packet")
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if i == 0 || len(f) < 7 {
				continue
			}
			if v, err := strconv.Atoi(f[6]); err == nil {
				n += v
			}
		}
		return nil
	})
	return n
}

// printedAll reports whether out holds as many frames as want, the last
// one with all its lines: then a sniffer need not be waited for longer.
func printedAll(format string, want []grade.SnifferFrame, out []byte) bool {
	if len(want) == 0 || len(out) == 0 || out[len(out)-1] != '\n' {
		return false
	}
	lines := strings.Split(string(out[:len(out)-1]), "\n")
	if format != "turtle" {
		prefix := map[string]string{"basic": "(b", "scapy": "b"}[format]
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, prefix+"'") || strings.HasPrefix(l, prefix+`"`) {
				n++
			}
		}
		return n >= len(want)
	}
	n, last := 0, 0
	for i, l := range lines {
		if l == "Ethernet Frame:" {
			n, last = n+1, i
		}
	}
	// The expected text is an empty line, "Ethernet Frame:" and the rest.
	rest := strings.Count(want[len(want)-1].Text, "\n") - 2
	return n >= len(want) && len(lines)-1-last >= rest
}
