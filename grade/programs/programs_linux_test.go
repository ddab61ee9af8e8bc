//go:build linux

package programs

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/sandbox"
	"github.com/turtle-sniffer/turtle/sandbox/sandboxtest"
)

// requireRootPython: the classroom programs in testdata/ are Python, and
// veth pairs are made with the ip command (iproute2).
func requireRootPython(t *testing.T) {
	t.Helper()
	sandboxtest.Require(t, "python3", "ip")
}

// gradeDirs grades testdata folders with a built-in lab.
func gradeDirs(t *testing.T, lab string, opt Options, dirs ...string) map[string]grade.Result {
	t.Helper()
	r, err := grade.Lab(lab)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range dirs {
		dirs[i] = "testdata/" + d
	}
	subs, err := Submissions(dirs)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Grade(context.Background(), r, subs, opt)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]grade.Result{}
	for _, r := range res {
		out[r.Student] = r
	}
	return out
}

// failed returns the ids of the failed checks, joined.
func failed(r grade.Result) string {
	var ids []string
	for _, c := range r.Failed() {
		ids = append(ids, c.ID)
	}
	return strings.Join(ids, " ")
}

func TestTurtleSnifferLab(t *testing.T) {
	requireRootPython(t)
	t.Parallel()
	res := gradeDirs(t, "turtle-sniffer", Options{Command: "python3 sniffer.py", Jobs: 5,
		Limits: sandbox.Limits{Output: 256 << 10}},
		"turtle-sniffer", "turtle-byteswap", "turtle-datablock", "turtle-crash-tcp", "turtle-forever")
	for _, tc := range []struct {
		student, failed string
		score           float64
		message, note   string // a failed check's message (a regular expression: the frames are drawn per run), a note
	}{
		{"turtle-sniffer", "", 10, "", ""},
		{"turtle-byteswap", "ethernet ipv4 icmp tcp udp data", 0,
			`^frame 1 \(.*\), line 3 \(output line 3\), Ethernet: expected "\\t - Destination: .*, Source: 02:74:75:72:74:01, Protocol: (8|1544|56710)", printed "\\t - Destination: .*, Source: 02:74:75:72:74:01, Protocol: (2048|2054|34525)"`, ""},
		{"turtle-datablock", "data", 8,
			`^frame \d+ \(.*\), line \d+ \(output line \d+\), data: expected "(\\t){2,3}   (\\x[0-9a-f]{2}){18}\\x", printed "(\\t){2,3}   (\\x[0-9a-f]{2}){20}"`, ""},
		{"turtle-crash-tcp", "ethernet ipv4 icmp tcp udp data", 0,
			`^frame \d+ \(tcp .*\), line 7 \(output line \d+\), TCP: expected "\\t - TCP Segment:", printed nothing`,
			"struct.error: unpack requires a buffer of"},
		{"turtle-forever", "ethernet ipv4 icmp tcp udp data", 0, "", "stopped at its output 256 KiB limit"},
	} {
		r := res[tc.student]
		if got := failed(r); got != tc.failed || r.Score != tc.score {
			t.Errorf("%s: %v/%v, failed %q; want %v and %q\n%+v", tc.student, r.Score, r.Max, got, tc.score, tc.failed, r)
			continue
		}
		if tc.message != "" {
			found := false
			re := regexp.MustCompile(tc.message)
			for _, c := range r.Failed() {
				msg, _, _ := strings.Cut(c.Message, ";")
				found = found || re.MatchString(msg)
			}
			if !found {
				t.Errorf("%s: no failed check says\n%s\ngot %+v", tc.student, tc.message, r.Failed())
			}
		}
		if tc.note != "" && !strings.Contains(strings.Join(r.Notes, "\n"), tc.note) {
			t.Errorf("%s: notes %q, want one with %q", tc.student, r.Notes, tc.note)
		}
	}
}

func TestBasicSnifferLab(t *testing.T) {
	requireRootPython(t)
	t.Parallel()
	res := gradeDirs(t, "basic-sniffer", Options{Command: "python3 basic.py"}, "basic-sniffer")
	if r := res["basic-sniffer"]; r.Score != 10 {
		t.Fatalf("the class notes' Basic Sniffer: %v/10: %+v", r.Score, r)
	}
}

func TestProgramThatNeverStarts(t *testing.T) {
	requireRootPython(t)
	t.Parallel()
	res := gradeDirs(t, "turtle-sniffer", Options{Command: "python3 missing.py"}, "turtle-sniffer")
	r := res["turtle-sniffer"]
	if r.Score != 0 || !strings.Contains(r.Error, "the program never started (it ended with exit status 2)") ||
		!strings.Contains(r.Error, "missing.py") {
		t.Fatalf("%v: %q", r.Score, r.Error)
	}
}

func TestEchoServers(t *testing.T) {
	requireRootPython(t)
	t.Parallel()
	res := gradeDirs(t, "tcp-concurrent", Options{Command: "python3 server.py", Jobs: 3},
		"server-threaded", "server-iterative", "server-silent")
	want := map[string]string{"server-threaded": "", "server-iterative": "concurrent", "server-silent": "echo concurrent"}
	for s, f := range want {
		if got := failed(res[s]); got != f {
			t.Errorf("tcp-concurrent %s: failed %q, want %q: %+v", s, got, f, res[s])
		}
	}
	res = gradeDirs(t, "tcp-echo", Options{Command: "python3 server.py", Jobs: 2}, "server-upper", "server-threaded")
	if got := failed(res["server-upper"]); got != "echo" {
		t.Errorf("tcp-echo, the upper-casing server: failed %q, want echo", got)
	}
	if got := failed(res["server-threaded"]); got != "" {
		t.Errorf("tcp-echo, the threaded server: failed %q", got)
	}
	res = gradeDirs(t, "udp-echo", Options{Command: "python3 server.py"}, "server-udp")
	if got := failed(res["server-udp"]); got != "" {
		t.Errorf("udp-echo: failed %q: %+v", got, res["server-udp"])
	}
}

func TestEchoClients(t *testing.T) {
	requireRootPython(t)
	t.Parallel()
	dir := t.TempDir()
	res := gradeDirs(t, "tcp-echo", Options{Command: "python3 client.py", Client: true, KeepCaptures: dir, Jobs: 2},
		"client-tcp", "client-wrong")
	if r := res["client-tcp"]; r.Score != r.Max || r.Max != 14 {
		t.Errorf("the class notes' client: %v/%v: %+v", r.Score, r.Max, r)
	}
	if got := failed(res["client-wrong"]); got != "data output" {
		t.Errorf("the wrong client: failed %q, want data output", got)
	}
	if _, err := os.Stat(dir + "/client-tcp.pcap"); err != nil {
		t.Errorf("capture not kept: %v", err)
	}
	res = gradeDirs(t, "udp-echo", Options{Command: "python3 client.py", Client: true}, "client-udp")
	if r := res["client-udp"]; r.Score != r.Max {
		t.Errorf("the UDP client: %v/%v: %+v", r.Score, r.Max, r)
	}
}

// With the 0-point check of the frames the classroom code raises on, the
// class notes' sniffer still scores full marks, crashes on the first such
// frame, and the check says what turtle prints instead.
func TestTruncatedFramesCheck(t *testing.T) {
	requireRootPython(t)
	t.Parallel()
	r, err := grade.Lab("turtle-sniffer")
	if err != nil {
		t.Fatal(err)
	}
	r.Checks = append(r.Checks, grade.Check{ID: "truncated", Kind: "turtle-truncated", Name: "cut headers", Points: 0})
	res, err := Grade(context.Background(), r, []Submission{{"alice", "testdata/turtle-sniffer"}}, Options{Command: "python3 sniffer.py"})
	if err != nil {
		t.Fatal(err)
	}
	a := res[0]
	want := `frame 27 (ipv4 cut at 12 bytes), line 4 (output line 310), truncated: expected "\t - IPv4 Packet: truncated (12 of 20 bytes)", printed nothing`
	if a.Score != 10 || failed(a) != "truncated" || !strings.HasPrefix(a.Failed()[0].Message, want) ||
		!strings.Contains(strings.Join(a.Notes, "\n"), "struct.error") {
		t.Fatalf("%v/%v failed %q: %q\nnotes %q", a.Score, a.Max, failed(a), a.Failed()[0].Message, a.Notes)
	}
}

// Attack 9: a submission that prints text recorded from an earlier run,
// without sniffing, scores only when the frames are those of that run.
func TestRecordedTextDoesNotScore(t *testing.T) {
	requireRootPython(t)
	t.Parallel()
	const recordedSeed = 42
	src, dst := net.HardwareAddr{0x02, 0x74, 0x75, 0x72, 0x74, 0x01}, net.HardwareAddr{0x02, 0x74, 0x75, 0x72, 0x74, 0x02}
	_, want, err := snifferFrames("turtle", "eth0", src, dst, false, studentRand(recordedSeed, "replay"))
	if err != nil {
		t.Fatal(err)
	}
	var recorded strings.Builder
	for _, w := range want {
		recorded.WriteString(w.Text)
	}
	dir := filepath.Join(t.TempDir(), "replay")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "recorded.txt"), []byte(recorded.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "replay.py"), []byte(`import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3))
sys.stdout.write(open("recorded.txt").read())
sys.stdout.flush()
while True:
    s.recv(65535)  # read, never print: the text is the recording
`), 0o644)
	r, err := grade.Lab("turtle-sniffer")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		seed  uint64
		score float64
	}{{recordedSeed, 10}, {recordedSeed + 1, 0}} {
		res, err := Grade(context.Background(), r, []Submission{{"replay", dir}}, Options{Command: "python3 replay.py", Seed: tc.seed})
		if err != nil {
			t.Fatal(err)
		}
		if tc.score == 10 && res[0].Score != 10 || tc.score == 0 && res[0].Score >= 5 {
			t.Errorf("seed %d: the recorded text of seed %d scores %v/10 (%+v)", tc.seed, recordedSeed, res[0].Score, res[0].Failed())
		}
		if !strings.Contains(strings.Join(res[0].Notes, "\n"), fmt.Sprintf("--seed %d", tc.seed)) {
			t.Errorf("seed %d not in the notes %q", tc.seed, res[0].Notes)
		}
	}
}

// A hostile sniffer graded at once beside honest ones: it forks without
// end, takes memory, spins threads and goes after its classmates' copies
// and processes; the honest sniffers score what they score alone.
func TestHostileBesideHonest(t *testing.T) {
	requireRootPython(t)
	t.Parallel()
	sniffer, err := os.ReadFile("testdata/turtle-sniffer/sniffer.py")
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	var subs []Submission
	for _, name := range []string{"alice", "mallory", "bob"} {
		dir := filepath.Join(base, name)
		os.Mkdir(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "sniffer.py"), sniffer, 0o644)
		subs = append(subs, Submission{name, dir})
	}
	os.WriteFile(filepath.Join(base, "mallory", "hostile.sh"), []byte(`
for f in /tmp/turtle-grade-*/sniffer.py /proc/[0-9]*/cwd/sniffer.py; do echo 'print("sabotaged")' > "$f"; done 2>/dev/null
python3 -c 'import threading
def spin():
    while True: pass
for _ in range(30): threading.Thread(target=spin, daemon=True).start()
x = bytearray(100 << 20)
while True: pass' 2>/dev/null &
bomb() { bomb & bomb & }; bomb 2>/dev/null &
for p in /proc/[0-9]*; do kill -9 "${p#/proc/}" 2>/dev/null; done
exec python3 sniffer.py
`), 0o644)
	r, err := grade.Lab("turtle-sniffer")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Grade(context.Background(), r, subs, Options{Command: `if [ -f hostile.sh ]; then sh hostile.sh; else python3 sniffer.py; fi`, Jobs: 3,
		Limits: sandbox.Limits{Memory: 64 << 20, Procs: 32}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Student != "mallory" && r.Score != 10 {
			t.Errorf("%s beside a hostile classmate: %v/10: %q %+v %q", r.Student, r.Score, r.Error, r.Failed(), r.Notes)
		}
	}
}
