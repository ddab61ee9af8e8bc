package grade

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/internal/testcorpus"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// A connection that holds more than maxPending bytes awaiting their echo
// is counted, not compared: memory stays bounded whatever the student sent.
func TestEchoComparisonIsBounded(t *testing.T) {
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	c := s.TCP(client1, tcpSrv, 1, 2)
	c.Handshake(0)
	big := bytes.Repeat([]byte("0123456789abcdef"), 200<<10/16)
	c.Send(time.Millisecond, true, big, 1448)
	c.Send(time.Second, false, big, 1448)
	c.Close(2*time.Second, true)
	res := gradeBytes(t, mustLab(t, "tcp-echo"), s.Bytes(fixtures.PcapMicro))
	expect(t, res, 10, nil)
	want := "the connection from port 40001 held more than 64 KiB awaiting an echo: the rest was counted, not compared"
	if len(res.Notes) != 1 || res.Notes[0] != want {
		t.Errorf("notes %q, want %q", res.Notes, want)
	}
}

// Beyond maxTracked connections the rest are counted, with a note.
func TestConnectionTableIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("forges 45,000 frames")
	}
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	for i := 0; i < maxTracked+400; i++ {
		s.TCP(fixtures.ClientPort(9, i), tcpSrv, uint32(i), uint32(i)).Echo(time.Duration(i)*time.Millisecond, hello, 0)
	}
	res := gradeBytes(t, mustLab(t, "tcp-echo"), s.Bytes(fixtures.PcapMicro))
	expect(t, res, 10, nil)
	if len(res.Notes) != 1 || !strings.HasPrefix(res.Notes[0], "graded on the first 4096 connections; ") {
		t.Errorf("notes %q", res.Notes)
	}
}

// No input makes grading panic: random damage to forged sessions of
// every lab and link type.
func FuzzGradeReader(f *testing.F) {
	for _, link := range []pcapio.LinkType{pcapio.LinkTypeEthernet, pcapio.LinkTypeLinuxSLL2, pcapio.LinkTypeRaw} {
		s := fixtures.NewSession(link)
		udpGood(s)
		tcpGood(s)
		s.ICMPEcho(time.Second, lo, lo, false, 1, 1, hello)
		s.PortUnreachable(time.Second, client1, udpSrv, hello)
		f.Add(s.Bytes(fixtures.PcapMicro))
		f.Add(s.Bytes(fixtures.PcapNG))
	}
	// Errors quoting cut packets, IPv6 chains, ICMP second words, cut at
	// every length, as one capture.
	hard := fixtures.Capture{LinkType: pcapio.LinkTypeEthernet}
	for _, fr := range fixtures.Hard() {
		hard.Frames = append(hard.Frames, fixtures.EveryCut(fr, 14)...)
	}
	for _, enc := range []fixtures.Encoding{fixtures.PcapMicro, fixtures.PcapNG} {
		var b bytes.Buffer
		if err := fixtures.Write(&b, hard, enc); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	r, err := Lab("sniffer")
	if err != nil {
		f.Fatal(err)
	}
	if err := r.Set("server=127.0.0.1"); err != nil {
		f.Fatal(err)
	}
	cr, err := compile(r)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res := cr.gradeReader("fuzz", bytes.NewReader(data))
		if res.Score < 0 || res.Score > res.Max {
			t.Fatalf("score %v of %v", res.Score, res.Max)
		}
	})
}

// Every capture of the tcpdump test corpus (TURTLE_CORPUS) is graded or
// reported unreadable in one batch: odd link types, damaged files and
// protocols no lab uses never stop it.
func TestCorpusBatch(t *testing.T) {
	paths := testcorpus.Files(t, "*")
	var subs []Submission
	for _, p := range paths {
		subs = append(subs, Submission{Student: filepath.Base(p), Files: []string{p}})
	}
	res, err := Grade(mustLab(t, "sniffer"), subs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	unreadable := 0
	for _, r := range res {
		if r.Error != "" {
			unreadable++
		}
	}
	if len(res) != len(paths) {
		t.Fatalf("%d results for %d captures", len(res), len(paths))
	}
	t.Logf("%d captures graded, %d unreadable", len(res)-unreadable, unreadable)
}
