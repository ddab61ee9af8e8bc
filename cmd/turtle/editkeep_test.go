package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A record longer than its file's snaplen is copied whole by every edit
// that does not ask for a cut (as editcap copies it), in both containers
// and through dedup, merge and split; -s still cuts.
func TestEditKeepsRecordsLongerThanSnaplen(t *testing.T) {
	dir := t.TempDir()
	le := binary.LittleEndian
	var b []byte
	b = le.AppendUint32(b, 0xa1b2c3d4)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 4)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, 65535) // snaplen
	b = le.AppendUint32(b, 1)
	big := bytes.Repeat([]byte{0xab}, 65549)
	for i, n := range []int{65549, 60} {
		b = le.AppendUint32(b, uint32(1700000000+i))
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, uint32(n))
		b = le.AppendUint32(b, uint32(n))
		b = append(b, big[:n]...)
	}
	in := filepath.Join(dir, "long.pcap")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	want := readRecs(t, in)
	if want[0].caplen != 65549 {
		t.Fatalf("the reader cut the input itself: %d bytes", want[0].caplen)
	}
	for _, args := range [][]string{
		{"edit"}, {"edit", "--to-format", "pcapng"}, {"edit", "--to-format", "pcap-ns"}, {"edit", "--dedup"},
		{"edit", "--byte-order", "big"},
	} {
		out := filepath.Join(dir, "out")
		turtleOK(t, append(args, "-o", out, in)...)
		sameFrames(t, args[len(args)-1], readRecs(t, out), want)
	}
	// The same through a pcapng copy, and a merge with another capture.
	ng := filepath.Join(dir, "long.pcapng")
	turtleOK(t, "edit", "--to-format", "pcapng", "-o", ng, in)
	out := filepath.Join(dir, "ng-copy")
	turtleOK(t, "edit", "-o", out, ng)
	sameFrames(t, "pcapng copy", readRecs(t, out), want)
	turtleOK(t, "edit", "-o", out, in, ng)
	if got := readRecs(t, out); len(got) != 4 || got[0].caplen != 65549 || got[1].caplen != 65549 {
		t.Fatalf("merge: %+v", got[:min(2, len(got))])
	}
	turtleOK(t, "split", "--by", "count", "1", "-o", filepath.Join(dir, "part-{n}.pcap"), in)
	if got := readRecs(t, filepath.Join(dir, "part-0001.pcap")); got[0].caplen != 65549 {
		t.Fatalf("split cut the record to %d bytes", got[0].caplen)
	}
	turtleOK(t, "edit", "-s", "100", "-o", out, in)
	if got := readRecs(t, out); got[0].caplen != 100 || got[0].wire != 65549 {
		t.Fatalf("-s 100: %d of %d bytes", got[0].caplen, got[0].wire)
	}
	if hasTool("editcap") {
		theirs := filepath.Join(dir, "theirs")
		runTool(t, "editcap", in, theirs)
		sameFrames(t, "editcap", readRecs(t, theirs), want)
	}
}

// ngBuilder writes pcapng blocks by hand, options and all, little-endian.
type ngBuilder struct{ b []byte }

func ngOpt(code uint16, val []byte) []byte {
	o := binary.LittleEndian.AppendUint16(nil, code)
	o = binary.LittleEndian.AppendUint16(o, uint16(len(val)))
	o = append(o, val...)
	for len(o)%4 != 0 {
		o = append(o, 0)
	}
	return o
}

func (n *ngBuilder) block(typ uint32, body []byte) {
	le := binary.LittleEndian
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n.b = le.AppendUint32(n.b, typ)
	n.b = le.AppendUint32(n.b, uint32(len(body)+12))
	n.b = append(n.b, body...)
	n.b = le.AppendUint32(n.b, uint32(len(body)+12))
}

// blocks lists a pcapng file's blocks as type and body, little-endian.
func ngBlocks(t *testing.T, b []byte) (types []uint32, bodies [][]byte) {
	t.Helper()
	le := binary.LittleEndian
	for len(b) >= 12 {
		l := le.Uint32(b[4:])
		if l < 12 || int(l) > len(b) {
			t.Fatalf("bad block length %d", l)
		}
		types = append(types, le.Uint32(b))
		bodies = append(bodies, b[8:l-4])
		b = b[l:]
	}
	return types, bodies
}

// A pcapng copy keeps what editcap keeps: the section header's options
// (shb_hardware, shb_os, shb_userappl), each interface's options as written
// (if_os, an explicit if_tsresol of µs), the interfaces' numbering (an
// interface no frame uses stays), its snaplen under -s, copyable Custom
// Blocks, and packets longer than their interface's snaplen.
func TestEditPcapngKeepsWhatEditcapKeeps(t *testing.T) {
	le := binary.LittleEndian
	var n ngBuilder
	shb := le.AppendUint32(nil, 0x1a2b3c4d)
	shb = le.AppendUint16(shb, 1)
	shb = le.AppendUint16(shb, 0)
	shb = le.AppendUint64(shb, ^uint64(0))
	shbOpts := append(append(append(ngOpt(2, []byte("Lab PC 7")), ngOpt(3, []byte("Linux 6.1"))...),
		ngOpt(4, []byte("dumpcap 4.2"))...), 0, 0, 0, 0)
	n.block(0x0a0d0d0a, append(shb, shbOpts...))
	earlyAt := len(n.b)
	idb := func(link uint16, snap uint32, opts []byte) {
		body := le.AppendUint16(nil, link)
		body = le.AppendUint16(body, 0)
		body = le.AppendUint32(body, snap)
		n.block(1, append(body, opts...))
	}
	if0Opts := append(append(append(ngOpt(2, []byte("unused0")), ngOpt(12, []byte("Linux 6.1"))...), ngOpt(9, []byte{6})...), 0, 0, 0, 0)
	if1Opts := append(append(ngOpt(2, []byte("eth0")), ngOpt(9, []byte{6})...), 0, 0, 0, 0)
	idb(1, 0, if0Opts)
	idb(1, 96, if1Opts)
	custom := le.AppendUint32(nil, 32473) // PEN
	custom = append(custom, "kept custom data"...)
	n.block(0xbad, custom) // after the interfaces, before the packets
	early := le.AppendUint32(nil, 32473)
	early = append(early, "before any interface"...)
	n.block(0x40000bad, append(le.AppendUint32(nil, 32473), "never copied"...))
	pkt := bytes.Repeat([]byte{0x42}, 128)
	for i := 0; i < 3; i++ {
		body := le.AppendUint32(nil, 1) // interface 1
		body = le.AppendUint32(body, 0)
		body = le.AppendUint32(body, uint32(1_700_000_000_000_000+i))
		body = le.AppendUint32(body, 128)
		body = le.AppendUint32(body, 128)
		body = append(body, pkt...)
		n.block(6, body)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pcapng")
	if err := os.WriteFile(in, n.b, 0o644); err != nil {
		t.Fatal(err)
	}
	// The same with a Custom Block before any interface, which NewReader
	// reads ahead over (editcap 4.0 refuses such a file).
	var eb ngBuilder
	eb.block(0xbad, early)
	inEarly := filepath.Join(dir, "early.pcapng")
	if err := os.WriteFile(inEarly, append(append(append([]byte(nil), n.b[:earlyAt]...), eb.b...), n.b[earlyAt:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	wantCustoms := 1
	check := func(name string, cut int) {
		t.Helper()
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		types, bodies := ngBlocks(t, b)
		var idbs [][]byte
		customs := 0
		for i, typ := range types {
			switch typ {
			case 0x0a0d0d0a:
				if got := bodies[i][16:]; !bytes.Equal(got, shbOpts) {
					t.Errorf("%s: section header options %q, want %q", name, got, shbOpts)
				}
			case 1:
				idbs = append(idbs, bodies[i])
			case 0xbad:
				customs++
				if !bytes.Equal(bodies[i], custom) && !bytes.Equal(bodies[i], early) {
					t.Errorf("%s: custom block %q, want %q or %q", name, bodies[i], custom, early)
				}
			case 0x40000bad:
				t.Errorf("%s: a custom block marked not to be copied was copied", name)
			case 6:
				if id := le.Uint32(bodies[i]); id != 1 {
					t.Errorf("%s: packet on interface %d, want 1", name, id)
				}
				want := 128
				if cut > 0 {
					want = cut
				}
				if caplen := le.Uint32(bodies[i][12:]); int(caplen) != want {
					t.Errorf("%s: packet of %d bytes, want %d", name, caplen, want)
				}
			}
		}
		if customs != wantCustoms {
			t.Errorf("%s: %d custom blocks, want %d", name, customs, wantCustoms)
		}
		if len(idbs) != 2 {
			t.Fatalf("%s: %d interfaces, want 2", name, len(idbs))
		}
		if !bytes.Equal(idbs[0][8:], if0Opts) || !bytes.Equal(idbs[1][8:], if1Opts) {
			t.Errorf("%s: interface options %q %q, want %q %q", name, idbs[0][8:], idbs[1][8:], if0Opts, if1Opts)
		}
		if snap := le.Uint32(idbs[1][4:]); snap != 96 {
			t.Errorf("%s: interface 1 snaplen %d, want 96 as in the input", name, snap)
		}
	}
	out := filepath.Join(dir, "out.pcapng")
	turtleOK(t, "edit", "-o", out, in)
	check(out, 0)
	turtleOK(t, "edit", "-s", "64", "-o", out, in)
	check(out, 64)
	wantCustoms = 2
	turtleOK(t, "edit", "-o", out, inEarly)
	check(out, 0)
	wantCustoms = 1
	if hasTool("editcap") {
		theirs := filepath.Join(dir, "theirs.pcapng")
		runTool(t, "editcap", in, theirs)
		check(theirs, 0)
		runTool(t, "editcap", "-s", "64", in, theirs)
		check(theirs, 64)
	}
	// What a copy says it keeps is what it keeps.
	code, help, _ := turtle(t, nil, "edit", "--help")
	if code != 0 || !bytes.Contains([]byte(help), []byte("shb_hardware")) {
		t.Errorf("edit --help does not say what a pcapng copy keeps:\n%s", help)
	}
}

func hasTool(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}
