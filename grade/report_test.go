package grade

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// classBatch grades a small forged class against tcp-echo: a perfect
// student, one closing with RST, a copy, an unreadable file, a cut capture
// and a server on the wrong port. Paths are relative to a temporary
// working directory so the outputs do not depend on where tests run.
func classBatch(t *testing.T) (*Rubric, []Result) {
	t.Chdir(t.TempDir())
	alice := fixtures.NewSession(pcapio.LinkTypeLinuxSLL2)
	alice.TCP(client1, tcpSrv, 111, 222).Echo(0, hello, 300*time.Millisecond)
	bob := fixtures.NewSession(pcapio.LinkTypeEthernet)
	c := bob.TCP(client2, tcpSrv, 333, 444)
	c.Handshake(0)
	c.Send(time.Millisecond, true, hello, 0)
	c.Send(2*time.Millisecond, false, hello, 0)
	c.Reset(3*time.Millisecond, true)
	erin := fixtures.NewSession(pcapio.LinkTypeEthernet)
	erin.Start = fixtures.Epoch.Add(time.Hour)
	erin.TCP(client1, tcpSrv, 555, 666).Echo(0, hello, 0)
	erinData := erin.Bytes(fixtures.PcapMicro)
	frank := fixtures.NewSession(pcapio.LinkTypeEthernet)
	frank.Start = fixtures.Epoch.Add(2 * time.Hour)
	frank.TCP(client1, netip12501(), 777, 888).Echo(0, hello, 0)

	files := map[string][]byte{
		"class/alice.pcapng": alice.Bytes(fixtures.PcapNG),
		"class/bob.pcap":     bob.Bytes(fixtures.PcapMicro),
		"class/carol.pcapng": alice.Bytes(fixtures.PcapNG),
		"class/dave.pcap":    []byte("I forgot to save the capture\n"),
		"class/erin.pcap":    erinData[:len(erinData)-30],
		"class/frank.pcap":   frank.Bytes(fixtures.PcapMicro),
	}
	var subs []Submission
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin", "frank"} {
		for path, data := range files {
			if strings.HasPrefix(filepath.Base(path), name+".") {
				writeFile(t, path, data)
				subs = append(subs, Submission{Student: name, Files: []string{path}})
			}
		}
	}
	r := mustLab(t, "tcp-echo")
	res, err := Grade(r, subs, Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	return r, res
}

func netip12501() netip.AddrPort { return netip.AddrPortFrom(lo, 12501) }

func TestReportsMatchGoldenFiles(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	g := goldie.New(t, goldie.WithFixtureDir(filepath.Join(wd, "testdata", "golden")), goldie.WithNameSuffix(".golden"))
	r, res := classBatch(t)
	var table, csvOut, jsonOut bytes.Buffer
	if err := WriteTable(&table, r, res); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(&csvOut, r, res); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&jsonOut, r, res); err != nil {
		t.Fatal(err)
	}
	g.Assert(t, "class.table", table.Bytes())
	g.Assert(t, "class.csv", csvOut.Bytes())
	g.Assert(t, "class.json", jsonOut.Bytes())
	for _, i := range []int{0, 1, 3} { // alice passes, bob fails a check, dave is unreadable
		var gs bytes.Buffer
		if err := WriteGradescope(&gs, res[i]); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Tests []struct {
				Score    float64 `json:"score"`
				MaxScore float64 `json:"max_score"`
			}
		}
		if err := json.Unmarshal(gs.Bytes(), &doc); err != nil || len(doc.Tests) != 4 {
			t.Fatalf("gradescope json of %s: %v, %d tests", res[i].Student, err, len(doc.Tests))
		}
		g.Assert(t, "class.gradescope."+res[i].Student, gs.Bytes())
	}
	var autolab bytes.Buffer
	if err := WriteAutolab(&autolab, res[1]); err != nil {
		t.Fatal(err)
	}
	if want := `{"scores": {"handshake": 2, "data": 2, "echo": 4, "close": 0}}` + "\n"; autolab.String() != want {
		t.Errorf("autolab line %q, want %q", autolab.String(), want)
	}
}

// The table wraps long lines at the width given, under their column with
// an indent, without losing or reordering a word.
func TestTableWraps(t *testing.T) {
	r, results := classBatch(t)
	var wide, narrow bytes.Buffer
	if err := WriteTableWidth(&wide, r, results, 0); err != nil {
		t.Fatal(err)
	}
	if err := WriteTableWidth(&narrow, r, results, 80); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(narrow.String(), "\n") {
		longest := 0
		for _, w := range strings.Fields(line) {
			longest = max(longest, len([]rune(w)))
		}
		if n := len([]rune(line)); n > 80 && longest < 40 {
			t.Errorf("line of %d columns: %q", n, line)
		}
	}
	if strings.Join(strings.Fields(wide.String()), " ") != strings.Join(strings.Fields(narrow.String()), " ") {
		t.Errorf("wrapping changed the words:\n%s", narrow.String())
	}
	if !strings.Contains(narrow.String(), "\n                    ") {
		t.Errorf("no continuation line indented under the column:\n%s", narrow.String())
	}
}
