package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// grade --html writes the class page and one page per student.
func TestGradeHTML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	code, out, errs := turtle(t, nil, "grade", "--lab", "udp-echo", "--html", dir, "../../testdata/udp-echo.pcap", "../../testdata/udp-unreachable.pcap")
	if code != 0 || errs != "" || !strings.Contains(out, "udp-unreachable") {
		t.Fatalf("exit %d, stderr %q\n%s", code, errs, out)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil || !strings.Contains(string(index), `<a href="udp-unreachable.html">udp-unreachable</a>`) {
		t.Fatalf("index.html: %v\n%.500s", err, index)
	}
	page, err := os.ReadFile(filepath.Join(dir, "udp-unreachable.html"))
	if err != nil || !strings.Contains(string(page), "ICMP port unreachable") || !strings.Contains(string(page), `<a href="#f2">2</a>`) {
		t.Fatalf("udp-unreachable.html: %v\n%.3000s", err, page)
	}
	code, _, errs = turtle(t, nil, "grade", "--lab", "udp-echo", "--html", filepath.Join(dir, "index.html", "x"), "../../testdata/udp-echo.pcap")
	if code != 1 || !strings.Contains(errs, "index.html") {
		t.Errorf("an html folder that cannot be made: exit %d, stderr %q", code, errs)
	}
}
