package pcapio

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/testcorpus"
)

// corpusExceptions lists corpus files where pcapio and tcpdump (libpcap
// 1.10) knowingly disagree, with the reason. Everywhere else the packet
// count, every timestamp, both lengths and the bytes must match.
var corpusExceptions = map[string]string{
	"time_2106_overflow.pcapng": "timestamp 2^32 s (2106-02-07): libpcap 1.10 wraps seconds to 32 bits and says 1970, pcapio keeps the file's value",
	"time_2107.pcapng":          "timestamp in 2107: libpcap 1.10 wraps seconds to 32 bits and says 1970-11-24, pcapio keeps the file's value",
}

// TestCorpus reads every file of tcpdump's regression corpus: each must read
// to io.EOF or end in one error without a panic. With tcpdump on PATH it
// also has tcpdump re-encode each file as classic pcap (tcpdump -r F -w -)
// and compares what pcapio reads from the original with what it reads from
// tcpdump's output, which is a plain, well-formed file.
func TestCorpus(t *testing.T) {
	files := testcorpus.Files(t, "*")
	tcpdump, _ := exec.LookPath("tcpdump")
	if tcpdump == "" {
		t.Log("tcpdump not on PATH: only checking that every file reads without a panic")
	}
	jobs := make(chan string)
	var mu sync.Mutex
	var stats corpusStats
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				msg, st := checkCorpusFile(t, f, tcpdump)
				mu.Lock()
				if msg != "" {
					t.Errorf("%s: %s", filepath.Base(f), msg)
				}
				stats.add(st)
				mu.Unlock()
			}
		}()
	}
	for _, f := range files {
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	t.Logf("%d files, %d packets; pcapio errors on %d files (%d truncated, %d invalid); compared with tcpdump: %d files, %d exceptions",
		stats.files, stats.packets, stats.errors, stats.truncated, stats.invalid, stats.compared, len(corpusExceptions))
}

type corpusStats struct {
	files, packets, errors, truncated, invalid, compared int
}

func (s *corpusStats) add(o corpusStats) {
	s.files += o.files
	s.packets += o.packets
	s.errors += o.errors
	s.truncated += o.truncated
	s.invalid += o.invalid
	s.compared += o.compared
}

// checkCorpusFile returns "" when the file reads as it should, else what is wrong.
func checkCorpusFile(t *testing.T, path, tcpdump string) (string, corpusStats) {
	name := filepath.Base(path)
	st := corpusStats{files: 1}
	raw, err := os.ReadFile(path)
	if err != nil {
		return err.Error(), st
	}
	got, gerr := readFile(t, raw)
	st.packets = len(got)
	if gerr != nil {
		st.errors++
		var fe *FormatError
		if !errors.As(gerr, &fe) {
			return "error is not a *FormatError: " + gerr.Error(), st
		}
		if fe.Kind == ErrTruncated {
			st.truncated++
		} else {
			st.invalid++
		}
	}
	if tcpdump == "" {
		return "", st
	}
	st.compared = 1
	args := []string{"-r", path, "-w", "-"}
	if r, err := NewReader(bytes.NewReader(raw)); err == nil && r.Format() != FormatPcapMicro {
		args = append(args, "--time-stamp-precision=nano")
	}
	var out, stderr bytes.Buffer
	cmd := exec.Command(tcpdump, args...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	runErr := cmd.Run()
	var want []pkt
	if out.Len() > 0 {
		var werr error
		if want, werr = readFile(t, out.Bytes()); werr != nil {
			return "reading tcpdump's output: " + werr.Error(), st
		}
	}
	tdErr := strings.TrimSpace(stderr.String())
	if runErr == nil {
		tdErr = ""
	}
	problem := compareCorpus(got, gerr, want, tdErr)
	reason, excepted := corpusExceptions[name]
	switch {
	case problem != "" && !excepted:
		return problem, st
	case problem == "" && excepted:
		return "listed as an exception (" + reason + ") but now agrees with tcpdump: remove it", st
	}
	return "", st
}

func compareCorpus(got []pkt, gerr error, want []pkt, tdErr string) string {
	var b strings.Builder
	if (gerr != nil) != (tdErr != "") {
		b.WriteString("pcapio error: " + errString(gerr) + "; tcpdump error: " + tdErr + "; ")
	}
	if len(got) != len(want) {
		b.WriteString("pcapio read " + itoa(len(got)) + " packets, tcpdump " + itoa(len(want)) + "; ")
	}
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		switch {
		case g.ci.CaptureLength != w.ci.CaptureLength || g.ci.Length != w.ci.Length:
			b.WriteString("packet " + itoa(i+1) + ": lengths " + itoa(g.ci.CaptureLength) + "/" + itoa(g.ci.Length) +
				", tcpdump " + itoa(w.ci.CaptureLength) + "/" + itoa(w.ci.Length))
		case !g.ci.Timestamp.Equal(w.ci.Timestamp):
			b.WriteString("packet " + itoa(i+1) + ": time " + g.ci.Timestamp.String() + ", tcpdump " + w.ci.Timestamp.String())
		case g.ci.LinkType != w.ci.LinkType:
			b.WriteString("packet " + itoa(i+1) + ": link type " + itoa(int(g.ci.LinkType)) + ", tcpdump " + itoa(int(w.ci.LinkType)))
		case !bytes.Equal(g.data, w.data):
			b.WriteString("packet " + itoa(i+1) + ": data differs")
		default:
			continue
		}
		break
	}
	return b.String()
}

func errString(err error) string {
	if err == nil || err == io.EOF {
		return "none"
	}
	return err.Error()
}

func itoa(i int) string { return strconv.Itoa(i) }
