package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

const testKeyHex = "15221780338ba4cf80130a5b1649907d10d8988f8379796527625740582d842a"

func protocolsCapture(t *testing.T, format pcapio.Format) string {
	t.Helper()
	var frames []testFrame
	for i, f := range fixtures.Protocols() {
		if f.LinkType == pcapio.LinkTypeEthernet {
			frames = append(frames, testFrame{ts: fixtures.Epoch.Add(time.Duration(i) * time.Millisecond), data: f.Data, wire: f.Length})
		}
	}
	return writeCapture(t, "protocols", format, false, frames)
}

func TestAnonymizeCommand(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k")
	os.WriteFile(key, []byte(testKeyHex+"\n"), 0o600)
	in := protocolsCapture(t, pcapio.FormatPcapNG)
	out := filepath.Join(dir, "out.pcapng")
	code, _, errs := turtle(t, nil, "anonymize", "--key-file", key, "--macs", "-o", out, in)
	if code != 0 || !strings.Contains(errs, "frames; mapped") || !strings.Contains(errs, "left partly unchanged") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	got, want := readRecs(t, out), readRecs(t, in)
	if len(got) != len(want) {
		t.Fatalf("%d frames, want %d", len(got), len(want))
	}
	f, _ := os.Open(out)
	r, err := pcapio.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, err := r.ZeroCopyReadPacketData(); err != nil {
			break
		}
	}
	f.Close()
	for _, i := range r.Interfaces() {
		if i.Name != "" || i.Description != "" || i.Comment != "" || r.SectionComments() != nil {
			t.Errorf("interface name %q kept", i.Name)
		}
	}
	// The same key maps the same way: a second run is identical.
	out2 := filepath.Join(dir, "out2.pcapng")
	turtleOK(t, "anonymize", "--key-file", key, "--macs", "-o", out2, in)
	sameFrames(t, "second run", readRecs(t, out2), got)

	// --strict: the LLDP frame and friends cannot be parsed.
	strictOut := filepath.Join(dir, "strict.pcap")
	code, _, errs = turtle(t, nil, "anonymize", "--key-file", key, "--strict", "-o", strictOut, in)
	if code != 1 || !strings.Contains(errs, "--strict") {
		t.Fatalf("--strict: exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(strictOut); err == nil {
		t.Error("--strict left its output behind")
	}
	// with --payload drop nothing unparsed is left, so --strict still fails
	// only for what was kept; drop reports the removal.
	code, _, errs = turtle(t, nil, "anonymize", "--key-file", key, "--payload", "drop", "-o", filepath.Join(dir, "d.pcap"), in)
	if code != 0 || !strings.Contains(errs, "unparsed part removed") {
		t.Fatalf("drop: exit %d, stderr %q", code, errs)
	}
}

func TestAnonymizeKeys(t *testing.T) {
	dir := t.TempDir()
	in := protocolsCapture(t, pcapio.FormatPcapMicro)
	key := filepath.Join(dir, "new.key")
	turtleOK(t, "anonymize", "--new-key", key)
	b, _ := os.ReadFile(key)
	if len(b) != 65 {
		t.Fatalf("new key file %q", b)
	}
	if code, _, errs := turtle(t, nil, "anonymize", "--new-key", key); code != 1 || !strings.Contains(errs, "exists") {
		t.Errorf("overwrote a key: exit %d, %q", code, errs)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("xyz"), 0o600)
	if code, _, errs := turtle(t, nil, "anonymize", "--key-file", bad, "-o", filepath.Join(dir, "o"), in); code != 1 || !strings.Contains(errs, "64 hex digits") {
		t.Errorf("bad key: exit %d, %q", code, errs)
	}
	for _, args := range [][]string{{"--ips", "hash"}, {"--payload", "scramble"}, {"--keep-oui"}, {}} {
		code, _, _ := turtle(t, nil, append(append([]string{"anonymize", "--key-file", key, "-o", filepath.Join(dir, "o")}, args...), in)...)
		if len(args) == 0 && code != 0 || len(args) > 0 && code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}

// pcapng in, pcapng out: interfaces of several link types, their names and
// descriptions, and packet comments survive an edit; pcap out is refused in
// one line that names the link types.
func TestEditPcapngKeepsInterfacesAndComments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two.pcapng")
	f, _ := os.Create(path)
	bw := bufio.NewWriter(f)
	w, err := pcapio.NewNgWriter(bw, pcapio.NgOptions{Comments: []string{"lab 3, bench 7"}, Interfaces: []pcapio.Interface{
		{Name: "eth0", Description: "uplink", Comment: "the switch port", LinkType: pcapio.LinkTypeEthernet},
		{Name: "tun0", LinkType: pcapio.LinkTypeRaw, TsResolution: pcapio.ResolutionNano}}})
	if err != nil {
		t.Fatal(err)
	}
	comment := []byte{1, 0, 5, 0, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0, 0, 0, 0}
	for i, f := range fixtures.Protocols()[:6] {
		ci := pcapio.CaptureInfo{Timestamp: fixtures.Epoch.Add(time.Duration(i) * time.Second), InterfaceIndex: i % 2}
		data := f.Data
		if i%2 == 1 {
			data = f.Data[14:]
		}
		if err := w.WritePacketOptions(ci, data, comment, false); err != nil {
			t.Fatal(err)
		}
	}
	bw.Flush()
	f.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.pcapng")
	turtleOK(t, "edit", "--byte-order", "big", "-o", out, path)
	in, _ := os.Open(out)
	defer in.Close()
	r, err := pcapio.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ; ; n++ {
		_, ci, err := r.ZeroCopyReadPacketData()
		if err != nil {
			break
		}
		if ci.LinkType != []pcapio.LinkType{1, 101}[n%2] || !strings.Contains(string(r.PacketOptions()), "hello") {
			t.Errorf("frame %d: link %d, options %q", n+1, ci.LinkType, r.PacketOptions())
		}
	}
	ifs := r.Interfaces()
	if n != 6 || !r.BigEndian() || len(ifs) != 2 || ifs[0].Name != "eth0" || ifs[0].Description != "uplink" ||
		ifs[0].Comment != "the switch port" || len(r.SectionComments()) != 1 || r.SectionComments()[0] != "lab 3, bench 7" ||
		ifs[1].TsResolution != pcapio.ResolutionNano {
		t.Errorf("%d frames, big-endian %v, interfaces %+v", n, r.BigEndian(), ifs)
	}
	code, _, errs := turtle(t, nil, "edit", "--to-format", "pcap", "-o", filepath.Join(dir, "x.pcap"), path)
	if code != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "1 (Ethernet), 101 (raw IP)") {
		t.Errorf("pcap from two link types: exit %d, %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.pcap")); err == nil {
		t.Error("refused output left behind")
	}
}

// -c and -f: the frame count, and a filter that agrees with tcpdump's.
func TestEditCountAndFilter(t *testing.T) {
	in := writeCapture(t, "in.pcap", pcapio.FormatPcapMicro, false, imixFrames(300, 0))
	dir := t.TempDir()
	out := filepath.Join(dir, "c.pcap")
	turtleOK(t, "edit", "-c", "17", "-o", out, in)
	if n := len(readRecs(t, out)); n != 17 {
		t.Errorf("-c 17: %d frames", n)
	}
	turtleOK(t, "edit", "-f", "udp or icmp", "-o", out, in)
	got := readRecs(t, out)
	if len(got) == 0 || len(got) == 300 {
		t.Fatalf("-f selected %d of 300 frames", len(got))
	}
	needTool(t, "tcpdump")
	theirs := filepath.Join(dir, "t.pcap")
	runTool(t, "tcpdump", "-r", in, "-w", theirs, "udp or icmp")
	sameFrames(t, "-f", got, readRecs(t, theirs))
}
