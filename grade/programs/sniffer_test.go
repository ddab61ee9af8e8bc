package programs

import (
	"bytes"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

var (
	testSrc = net.HardwareAddr{2, 0, 0, 0, 0, 1}
	testDst = net.HardwareAddr{2, 0, 0, 0, 0, 2}
)

// The expected text is the classroom code's, frame for frame: the
// transcription in scripts/ prints the same for the reference capture.
func TestSnifferFramesAreTheClassroomText(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3 to run scripts/classroom_turtle.py")
	}
	for seed := range uint64(4) { // as built, then as three runs draw them
		var rng *rand.Rand
		if seed > 0 {
			rng = studentRand(seed, "alice")
		}
		frames, want, err := snifferFrames("turtle", "eth0", testSrc, testDst, true, rng)
		if err != nil {
			t.Fatal(err)
		}
		compareClassroom(t, frames, want)
	}
}

func compareClassroom(t *testing.T, frames [][]byte, want []grade.SnifferFrame) {
	path := filepath.Join(t.TempDir(), "lab.pcap")
	var buf bytes.Buffer
	w, _ := pcapio.NewPcapWriter(&buf, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet})
	for i, f := range frames {
		if err := w.WritePacket(pcapio.CaptureInfo{Timestamp: fixtures.Timestamp(i), CaptureLength: len(f), Length: len(f)}, f); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(path, buf.Bytes(), 0o644)
	out, err := exec.Command("python3", "../../scripts/classroom_turtle.py", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, w := range want {
		all.WriteString(w.Text)
	}
	if string(out) != all.String() {
		t.Fatalf("turtle's text differs from the classroom code's:\n%s\n---\n%s", all.String(), out)
	}
	if !strings.Contains(all.String(), "URG: 1, ACK: 1, PSH: 1, RST: 1, SYN: 1, FIN: 1") ||
		!strings.Contains(all.String(), "Header Length: 24") || !strings.Contains(all.String(), "Protocol: 1544") ||
		!strings.Contains(all.String(), "\t - UDP Segment: truncated (5 of 8 bytes)\n") {
		t.Error("the reference capture misses a branch")
	}
}

func TestGradeSnifferText(t *testing.T) {
	r, err := grade.Lab("turtle-sniffer")
	if err != nil {
		t.Fatal(err)
	}
	_, want, err := SnifferFrames("turtle", "eth0", testSrc, testDst, false)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	all.WriteString("IP: 10.0.0.2\n")
	for _, w := range want {
		all.WriteString(w.Text)
	}
	all.WriteString("turtle> Bye.\n")
	res, err := grade.GradeSnifferText(r, "alice", want, []byte(all.String()))
	if err != nil {
		t.Fatal(err)
	}
	if res.Score != 10 || res.Frames != len(want) {
		t.Fatalf("the right text: %v/10, %d frames: %+v", res.Score, res.Frames, res)
	}

	// One flag wrong in one frame: the TCP check only, naming the line.
	bad := strings.Replace(all.String(), "URG: 0, ACK: 0, PSH: 0, RST: 0, SYN: 1, FIN: 0", "URG: 0, ACK: 0, PSH: 0, RST: 0, SYN: 0, FIN: 1", 1)
	res, _ = grade.GradeSnifferText(r, "bob", want, []byte(bad))
	if f := res.Failed(); len(f) != 1 || f[0].ID != "tcp" ||
		!strings.HasPrefix(f[0].Message, `frame 9 (tcp syn with options, no data), line 11 (output line`) ||
		!strings.HasSuffix(f[0].Message, `TCP: expected "\t\t\t - URG: 0, ACK: 0, PSH: 0, RST: 0, SYN: 1, FIN: 0", printed "\t\t\t - URG: 0, ACK: 0, PSH: 0, RST: 0, SYN: 0, FIN: 1"`) {
		t.Fatalf("one flag wrong: %+v", res.Failed())
	}

	// An extra line in the IPv4 block does not shift the later layers.
	extra := strings.Replace(all.String(), "\t\t - Protocol: 17, Source: 10.0.0.1, Target: 10.0.0.2\n",
		"\t\t - Protocol: 17, Source: 10.0.0.1, Target: 10.0.0.2\n\t\t - Checksum: 0\n", 1)
	res, _ = grade.GradeSnifferText(r, "carol", want, []byte(extra))
	if f := res.Failed(); len(f) != 1 || f[0].ID != "ipv4" || !strings.Contains(f[0].Message, `printed "\t\t - Checksum: 0", expected nothing more`) {
		t.Fatalf("an extra line: %+v", res.Failed())
	}

	// Nothing printed: every check fails, naming frame 1.
	res, _ = grade.GradeSnifferText(r, "dave", want, nil)
	if res.Score != 0 || res.Failed()[0].Message != "frame 1 (udp with text) was not printed; 25 more lines of 25 frames differ" {
		t.Fatalf("nothing printed: %+v", res)
	}
}

func TestGradeBasicText(t *testing.T) {
	r, err := grade.Lab("basic-sniffer")
	if err != nil {
		t.Fatal(err)
	}
	_, want, err := SnifferFrames("basic", "eth0", testSrc, testDst, false)
	if err != nil {
		t.Fatal(err)
	}
	if w := want[0].Text; !strings.HasSuffix(w, `, ('eth0', 2048, 0, 1, b'\x02\x00\x00\x00\x00\x01'))`) {
		t.Fatalf("frame 1's tuple: %s", w)
	}
	var all strings.Builder
	for _, w := range want {
		all.WriteString(w.Text + "\n")
	}
	res, _ := grade.GradeSnifferText(r, "alice", want, []byte(all.String()))
	if res.Score != 10 {
		t.Fatalf("the right text: %+v", res)
	}
	// The packet type of the broadcast ARP frame wrong: the address only.
	bad := strings.Replace(all.String(), "('eth0', 2054, 1, 1,", "('eth0', 2054, 0, 1,", 1)
	res, _ = grade.GradeSnifferText(r, "bob", want, []byte(bad))
	if f := res.Failed(); len(f) != 1 || f[0].ID != "address" {
		t.Fatalf("a wrong packet type: %+v", res.Failed())
	}
}

// The Windows listings print scapy's interface table and their prompt,
// without its newline, before the first frame: not judged.
func TestGradeWindowsText(t *testing.T) {
	r, err := grade.Lab("basic-sniffer-windows")
	if err != nil {
		t.Fatal(err)
	}
	_, want, err := SnifferFrames("scapy", "eth0", testSrc, testDst, false)
	if err != nil {
		t.Fatal(err)
	}
	if w := want[0].Text; !strings.HasPrefix(w, `b"\x02\x00\x00\x00\x00\x02`) || !strings.HasSuffix(w, `Hello turtle"`) {
		t.Fatalf("frame 1's bytes: %s", w)
	}
	table := "Source  Index  Name  MAC                IPv4       IPv6\nsys     2      eth0  02:00:00:00:00:02  10.0.0.2\n"
	var all strings.Builder
	all.WriteString(table + "NIC #> ")
	for _, w := range want {
		all.WriteString(w.Text + "\nNone\n")
	}
	if res, _ := grade.GradeSnifferText(r, "alice", want, []byte(all.String())); res.Score != 10 || res.Frames != len(want) {
		t.Fatalf("the right text: %+v", res)
	}
	tuple := strings.ReplaceAll(all.String(), "\nb", "\n(<class 'scapy.layers.l2.Ether'>, b")
	tuple = strings.Replace(tuple, "NIC #> b", "NIC #> (<class 'scapy.layers.l2.Ether'>, b", 1)
	if res, _ := grade.GradeSnifferText(r, "bob", want, []byte(tuple)); res.Score != 0 || res.Frames != 0 {
		t.Fatalf("the whole tuple printed: %+v", res)
	}

	r, err = grade.Lab("turtle-sniffer-windows")
	if err != nil {
		t.Fatal(err)
	}
	_, want, err = SnifferFrames("turtle", "eth0", testSrc, testDst, false)
	if err != nil {
		t.Fatal(err)
	}
	all.Reset()
	all.WriteString(table + "Network Interface #: ")
	for _, w := range want {
		all.WriteString(w.Text)
	}
	all.WriteString("turtle> Bye.\n")
	if res, _ := grade.GradeSnifferText(r, "carol", want, []byte(all.String())); res.Score != 10 || res.Frames != len(want) {
		t.Fatalf("the right text after the prompt: %+v", res)
	}
}
