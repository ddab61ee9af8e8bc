package htmlreport

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// BenchmarkReport200 writes the pages of a class of 200 students, each
// with a capture of three echo connections (33 frames), graded once:
// go test -bench Report200 -benchmem ./grade/htmlreport/
func BenchmarkReport200(b *testing.B) {
	dir := b.TempDir()
	var subs []grade.Submission
	for i := range 200 {
		s := fixtures.NewSession(pcapio.LinkTypeEthernet)
		s.Start = fixtures.Epoch.Add(time.Duration(i) * time.Hour)
		fixtures.TCPEchoLab(s, i+1, 3, []byte("Hello turtle"), 50*time.Millisecond, false, i%2 == 0)
		path := filepath.Join(dir, "student"+itoa(i)+".pcap")
		if err := os.WriteFile(path, s.Bytes(fixtures.PcapMicro), 0o644); err != nil {
			b.Fatal(err)
		}
		subs = append(subs, grade.Submission{Student: "student" + itoa(i), Files: []string{path}})
	}
	r, err := grade.Lab("tcp-echo")
	if err != nil {
		b.Fatal(err)
	}
	res, err := grade.Grade(r, subs, grade.Options{})
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "report")
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(out, r, res, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var size int64
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			size += fi.Size()
		}
	}
	b.ReportMetric(float64(size)/float64(len(entries)), "bytes/page")
}
