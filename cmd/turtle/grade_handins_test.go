package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 25 items 8 and 9: a path that does not exist is a usage error that
// names it (never a student named after it or after the current folder),
// and every file handed in gets a row and a reason, a text export with the
// same words a capture-named text file gets, with or without a roster.
func TestGradeMissingPathsAndNonCaptureHandins(t *testing.T) {
	dir := t.TempDir()
	subs := filepath.Join(dir, "subs")
	if err := os.MkdirAll(subs, 0o755); err != nil {
		t.Fatal(err)
	}
	capture, err := os.ReadFile("../../testdata/udp-echo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	export := "No.     Time           Source                Destination           Protocol Length Info\n" +
		"      1 0.000000000    127.0.0.1             127.0.0.1             UDP      47     50000 → 10001 Len=5\n"
	for name, content := range map[string]string{
		"alice.pcap":  string(capture),
		"gina.txt":    "my capture is on my laptop\n",
		"capture.txt": export,
		"bob.pcap":    export, // a text export saved under a capture's name
	} {
		if err := os.WriteFile(filepath.Join(subs, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"--student-from", "dirname", filepath.Join(dir, "submissions")},
		{filepath.Join(subs, "alice.pcap"), filepath.Join(subs, "alcie.pcap")},
		{"--student-from", "moodle", filepath.Join(dir, "nowhere")},
	} {
		code, out, errs := turtle(t, nil, append([]string{"grade", "--lab", "udp-echo"}, args...)...)
		missing := args[len(args)-1]
		if code != 2 || !strings.Contains(errs, missing+": no such file or folder") || strings.Contains(out, "/10") {
			t.Errorf("grade %v: exit %d, stdout %q, stderr %q; want exit 2 naming %s", args, code, out, errs, missing)
		}
	}

	code, out, errs := turtle(t, nil, "grade", "--lab", "udp-echo", subs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	textWords := "the file is text, not a capture (a tshark or Wireshark text export?)"
	rows := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 {
			rows[f[0]] = l
		}
	}
	if !strings.Contains(rows["alice"], "10/10") {
		t.Errorf("alice: %q", rows["alice"])
	}
	for _, who := range []string{"gina", "capture", "bob"} {
		if !strings.Contains(rows[who], "0/10") || !strings.Contains(rows[who], textWords) {
			t.Errorf("%s has no row with the reason: %q\n%s", who, rows[who], out)
		}
	}
	if !strings.Contains(errs, "gina.txt is not a capture") {
		t.Errorf("no warning about gina.txt: %q", errs)
	}

	roster := filepath.Join(dir, "roster.csv")
	if err := os.WriteFile(roster, []byte("name\nalice\ngina\nzoe\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ = turtle(t, nil, "grade", "--lab", "udp-echo", "--roster", roster, subs)
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "gina ") && (strings.Contains(l, "no submission") || !strings.Contains(l, textWords)) {
			t.Errorf("with --roster gina shows as %q", l)
		}
	}
	if !strings.Contains(out, "gina ") {
		t.Errorf("with --roster gina has no row:\n%s", out)
	}
}
