//go:build linux

package programs

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/grade"
)

// The class notes' Windows sniffers (Listings A.2 and B.2) run on scapy,
// which runs on Linux too: handed in unchanged, they are graded in the
// sandbox like the Linux ones, turtle answering their prompt with the
// interface's number.

// notesProgram returns the text of one of the class notes' programs, from
// $TURTLE_NOTES or the notes-programs folder beside $TURTLE_CORPUS (as
// .ci/run lays out shared/), and skips t without them.
func notesProgram(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("TURTLE_NOTES")
	if dir == "" && os.Getenv("TURTLE_CORPUS") != "" {
		dir = filepath.Join(filepath.Dir(filepath.Clean(os.Getenv("TURTLE_CORPUS"))), "notes-programs")
	}
	if dir == "" {
		t.Skip("TURTLE_NOTES is not set (the folder of the class notes' programs): the Windows listings are not there")
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if os.IsNotExist(err) {
		t.Skipf("%s: not there", filepath.Join(dir, name))
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// requireScapy skips t unless the sandbox's python3 (found on the PATH it
// gives programs) imports scapy (Debian: python3-scapy).
func requireScapy(t *testing.T) {
	t.Helper()
	requireRootPython(t)
	cmd := exec.Command("/bin/sh", "-c", "python3 -c 'import scapy.all'")
	cmd.Env = append(os.Environ(), "PATH=/usr/local/bin:/usr/bin:/bin")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("python3 on /usr/local/bin:/usr/bin:/bin cannot import scapy (Debian: apt install python3-scapy): %v %s", err, out)
	}
}

// variants writes each variant of listing (a name and the text it replaces
// and with what; none is the listing unchanged) to a folder of its own,
// as file, and returns the folders.
func variants(t *testing.T, listing, file string, changes map[string][2]string) []string {
	t.Helper()
	root := t.TempDir()
	var dirs []string
	for name, ch := range changes {
		text := listing
		if ch[0] != "" {
			if !strings.Contains(text, ch[0]) {
				t.Fatalf("%s: the listing has no %q to change", name, ch[0])
			}
			text = strings.Replace(text, ch[0], ch[1], 1)
		}
		dir := filepath.Join(root, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	return dirs
}

func TestTurtleSnifferWindowsLab(t *testing.T) {
	requireScapy(t)
	t.Parallel()
	listing := notesProgram(t, "turtle_sniffer_windows.py")
	dirs := variants(t, listing, "sniffer.py", map[string][2]string{
		"b2":           {},
		"b2-byteswap":  {"socketmodule.htons(proto), data[14:]", "proto, data[14:]"},
		"b2-datablock": {"    size -= len(prefix)\n", ""},
		"b2-crash-tcp": {"struct.unpack('! H H L L H', data[:14])", "struct.unpack('! H H L L H H', data[:14])"},
	})
	res := gradeAbs(t, "turtle-sniffer-windows", Options{Command: "python3 sniffer.py", Jobs: 4}, dirs...)
	for _, tc := range []struct {
		student, failed string
		score           float64
		message, note   string
	}{
		{"b2", "", 10, "", ""},
		{"b2-byteswap", "ethernet ipv4 icmp tcp udp data", 0,
			`^frame \d+ \(.*\), line 3 \(output line \d+\), Ethernet: expected `, ""},
		{"b2-datablock", "data", 8, `^frame \d+ \(.*\), line \d+ \(output line \d+\), data: expected `, ""},
		{"b2-crash-tcp", "ethernet ipv4 icmp tcp udp data", 0,
			// The note with its traceback comes only when scapy's slow exit
			// ends before turtle stops waiting for output.
			`^frame \d+ \(tcp.*\), line 7 \(output line \d+\), TCP: expected `, ""},
	} {
		r := res[tc.student]
		if got := failed(r); got != tc.failed || r.Score != tc.score {
			t.Errorf("%s: %v/%v, failed %q; want %v and %q\n%+v", tc.student, r.Score, r.Max, got, tc.score, tc.failed, r)
			continue
		}
		if tc.message != "" && !anyMatch(r, tc.message) {
			t.Errorf("%s: no failed check matches %q: %+v", tc.student, tc.message, r.Failed())
		}
		if tc.note != "" && !strings.Contains(strings.Join(r.Notes, "\n"), tc.note) {
			t.Errorf("%s: notes %q, want one with %q", tc.student, r.Notes, tc.note)
		}
		if tc.failed != "" && !strings.Contains(r.Failed()[0].Feedback, "turtle_frame") && tc.student == "b2-byteswap" {
			t.Errorf("%s: the tip is not in the listing's words: %q", tc.student, r.Failed()[0].Feedback)
		}
	}
}

func TestBasicSnifferWindowsLab(t *testing.T) {
	requireScapy(t)
	t.Parallel()
	listing := notesProgram(t, "basic_sniffer_windows.py")
	dirs := variants(t, listing, "basic.py", map[string][2]string{
		"a2":       {},
		"a2-tuple": {"print(packet_raw[1])", "print(packet_raw)"},
		"a2-cut":   {"print(packet_raw[1])", "print(packet_raw[1][:54])"},
	})
	res := gradeAbs(t, "basic-sniffer-windows", Options{Command: "python3 basic.py", Jobs: 3}, dirs...)
	if r := res["a2"]; r.Score != 10 || r.Frames != 26 {
		t.Errorf("the class notes' Basic Sniffer (Windows): %v/10, %d frames: %+v", r.Score, r.Frames, r)
	}
	if r := res["a2-tuple"]; r.Score != 0 || !regexp.MustCompile(`^frame 1 \(.*\) was not printed`).MatchString(r.Failed()[0].Message) ||
		!strings.Contains(r.Failed()[0].Feedback, "print(packet_raw[1])") {
		t.Errorf("printing the whole tuple: %+v", r)
	}
	if r := res["a2-cut"]; r.Score != 0 || !regexp.MustCompile(`^frame \d+ \(.*\), line 1 \(output line \d+\), bytes: expected `).MatchString(r.Failed()[0].Message) {
		t.Errorf("printing 54 bytes of each frame: %+v", r)
	}
}

// anyMatch reports whether a failed check's message of r matches the
// regular expression re. The frames are drawn anew every run (random.go), so
// the tests name the kind of difference, not which frame shows it first.
func anyMatch(r grade.Result, re string) bool {
	for _, c := range r.Failed() {
		if regexp.MustCompile(re).MatchString(c.Message) {
			return true
		}
	}
	return false
}

// gradeAbs grades folders, named by their paths, with a built-in lab.
func gradeAbs(t *testing.T, lab string, opt Options, dirs ...string) map[string]grade.Result {
	t.Helper()
	r, err := grade.Lab(lab)
	if err != nil {
		t.Fatal(err)
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
