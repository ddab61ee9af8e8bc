package golden_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/golden"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// writePcap writes frames as a classic pcap (µs) file, timestamps from
// fixtures.Timestamp, and returns its bytes.
func writePcap(t testing.TB, path string, link pcapio.LinkType, frames []fixtures.Frame) []byte {
	t.Helper()
	var buf bytes.Buffer
	pw, err := pcapio.NewPcapWriter(&buf, pcapio.PcapOptions{LinkType: link})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		ci := pcapio.CaptureInfo{Timestamp: fixtures.Timestamp(i), CaptureLength: len(f.Data), Length: f.Length, LinkType: link}
		if err := pw.WritePacket(ci, f.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// capture returns the fixture capture of that name.
func capture(t testing.TB, name string) fixtures.Capture {
	t.Helper()
	for _, c := range fixtures.Captures() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no fixture capture %q", name)
	return fixtures.Capture{}
}

// recordOffset returns the byte offset of record n (1-based) of a classic
// pcap file.
func recordOffset(t testing.TB, file []byte, n int) int {
	t.Helper()
	off := 24
	for i := 1; i < n; i++ {
		if off+16 > len(file) {
			t.Fatalf("no record %d", n)
		}
		off += 16 + int(uint32(file[off+8])|uint32(file[off+9])<<8|uint32(file[off+10])<<16|uint32(file[off+11])<<24)
	}
	return off
}

// corpus builds a manifest in a temp dir with the fixture captures, a
// damaged one, and goldens written by Update; it returns the manifest path.
func corpus(t testing.TB, extra string) string {
	t.Helper()
	dir := t.TempDir()
	for _, c := range fixtures.Captures() {
		writePcap(t, filepath.Join(dir, c.Name+".pcap"), c.LinkType, c.Frames)
	}
	eth := capture(t, "ethernet-branches")
	file := writePcap(t, filepath.Join(dir, "cut.pcap"), eth.LinkType, eth.Frames[:6])
	cut := recordOffset(t, file, 4) + 16 + 5 // inside the data of record 4
	if err := os.WriteFile(filepath.Join(dir, "cut.pcap"), file[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	list := `# a test manifest: name capture golden [read options]
eth          ethernet-branches.pcap  golden/eth.golden
eth-basic    ethernet-branches.pcap  golden/eth-basic.golden   --format basic -c 5
sll          linux-sll.pcap          golden/sll.golden
sll2         linux-sll2.pcap         golden/sll2.golden        # tcpdump -i any
raw          raw-ip.pcap             golden/raw.golden
cut-expected cut.pcap                golden/cut.golden         --expect-error "truncated: record 4"
cut-limited  cut.pcap                golden/cut-limited.golden -c 3
` + extra
	path := filepath.Join(dir, "golden.list")
	if err := os.WriteFile(path, []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := golden.ParseManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	results, err := golden.Update(context.Background(), m, golden.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Case.Line <= 8 && !r.Updated { // the extra cases may fail on purpose
			t.Fatalf("update %s: not written: %s", r.Case.Name, r.Report())
		}
	}
	return path
}

func check(t *testing.T, path string, opt golden.Options) map[string]golden.Result {
	t.Helper()
	m, err := golden.ParseManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	results, err := golden.Check(context.Background(), m, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(m.Cases) {
		t.Fatalf("%d results for %d cases", len(results), len(m.Cases))
	}
	byName := make(map[string]golden.Result)
	for i, r := range results {
		if r.Case != m.Cases[i] {
			t.Errorf("result %d is case %s, want %s: results must keep manifest order", i, r.Case.Name, m.Cases[i].Name)
		}
		byName[r.Case.Name] = r
	}
	return byName
}

func TestUpdateThenCheckPasses(t *testing.T) {
	path := corpus(t, "")
	results := check(t, path, golden.Options{})
	for name, r := range results {
		if r.Failed() {
			t.Errorf("%s failed:\n%s", name, r.Report())
		}
	}
	if line, failed := golden.Summary(mapValues(results)); failed != 0 || line != "7 passed, 0 failed" {
		t.Errorf("summary %q", line)
	}
	if got := results["cut-expected"].Frames; got != 3 {
		t.Errorf("cut-expected printed %d frames, want the 3 before the damage", got)
	}
	if got := results["eth-basic"].Frames; got != 5 {
		t.Errorf("eth-basic printed %d frames, want -c 5", got)
	}
	// A second update changes nothing.
	m, _ := golden.ParseManifest(path)
	again, err := golden.Update(context.Background(), m, golden.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range again {
		if r.Updated || r.Failed() || r.Report() != "" {
			t.Errorf("second update of %s: %q", r.Case.Name, r.Report())
		}
	}
}

func mapValues(m map[string]golden.Result) []golden.Result {
	var out []golden.Result
	for _, r := range m {
		out = append(out, r)
	}
	return out
}

func TestFirstDifferenceReport(t *testing.T) {
	path := corpus(t, "")
	goldenPath := filepath.Join(filepath.Dir(path), "golden", "sll.golden")
	text, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	// Frame 3 of linux-sll is "sll without address": Source "-".
	edited := bytes.Replace(text, []byte("Hardware Type: 1, Source: -"), []byte("Hardware Type: 1, Source: ?"), 1)
	if bytes.Equal(edited, text) {
		t.Fatal("the golden has no frame to edit")
	}
	if err := os.WriteFile(goldenPath, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	r := check(t, path, golden.Options{})["sll"]
	if !r.Failed() || r.Err != nil || len(r.Diffs) != 1 {
		t.Fatalf("want one difference, got err %v, %d diffs", r.Err, len(r.Diffs))
	}
	d := r.Diffs[0]
	if d.Index != 3 || d.Changed != 1 || d.Want != 6 || d.Got != 6 || d.Unit != "frame" {
		t.Errorf("diff: %+v", d)
	}
	report := r.Report()
	wantFirst := "FAIL sll (" + path + ":4): frame 3 differs from golden/sll.golden (1 frame changed; expected 6, got 6)\n"
	if !strings.HasPrefix(report, wantFirst) {
		t.Errorf("report starts\n%q\nwant\n%q", firstLine(report), wantFirst)
	}
	for _, want := range []string{
		"--- golden frame 3\n+++ output frame 3\n",
		"-\t - Packet Type: 0, Hardware Type: 1, Source: ?, Protocol: 8\n",
		"+\t - Packet Type: 0, Hardware Type: 1, Source: -, Protocol: 8\n",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	// The diff is of frame 3 only: one frame header, none of frame 2's data.
	if n := strings.Count(report, "Linux Cooked Capture:"); n != 1 {
		t.Errorf("report shows %d frame headers, want 1:\n%s", n, report)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func TestReadErrors(t *testing.T) {
	path := corpus(t, `cut           cut.pcap                golden/cut.golden
wrong-error   cut.pcap                golden/cut.golden     --expect-error "invalid"
clean-expects raw-ip.pcap             golden/raw.golden     --expect-error truncated
no-capture    missing.pcap            golden/raw.golden     --expect-error "no such file"
no-golden     raw-ip.pcap             golden/none.golden
`)
	// corpus's update wrote the goldens the extra cases would have, except
	// none.golden, which is deleted below.
	if err := os.Remove(filepath.Join(filepath.Dir(path), "golden", "none.golden")); err != nil {
		t.Fatal(err)
	}
	results := check(t, path, golden.Options{})
	tests := []struct{ name, want string }{
		{"cut", "read cut.pcap: truncated: record 4 at byte offset"},
		{"wrong-error", `want an error containing "invalid"`},
		{"clean-expects", `read raw-ip.pcap: want an error containing "truncated", the capture read cleanly`},
		{"no-capture", "missing.pcap"},
		{"no-golden", "golden/none.golden does not exist"},
	}
	for _, tc := range tests {
		r := results[tc.name]
		if !r.Failed() {
			t.Errorf("%s passed", tc.name)
			continue
		}
		if report := r.Report(); !strings.Contains(report, tc.want) {
			t.Errorf("%s: report lacks %q:\n%s", tc.name, tc.want, report)
		}
	}
	if r := results["cut"]; !errors.Is(r.Err, pcapio.ErrTruncated) {
		t.Errorf("cut: error %v is not pcapio.ErrTruncated", r.Err)
	}
	if r := results["cut-expected"]; r.Failed() {
		t.Errorf("cut-expected failed: %s", r.Report())
	}
	if line, _ := golden.Summary(mapValues(results)); line != "7 passed, 5 failed" {
		t.Errorf("summary %q", line)
	}
}

func TestUpdateReportsChangedFrames(t *testing.T) {
	path := corpus(t, "")
	goldenPath := filepath.Join(filepath.Dir(path), "golden", "eth-basic.golden")
	lines := strings.SplitAfter(readFile(t, goldenPath), "\n")
	// Drop frame 2, edit frame 4: frames 2 to 5 now differ by position.
	edited := lines[0] + lines[2] + lines[3] + "b'x'\n"
	if err := os.WriteFile(goldenPath, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _ := golden.ParseManifest(path)
	results, err := golden.Update(context.Background(), m, golden.Options{Only: []string{"eth-basic", "eth"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].Case.Name != "eth-basic" {
		t.Fatalf("results: %d", len(results))
	}
	if r := results[1]; r.Updated || r.Failed() {
		t.Errorf("eth: %s", r.Report())
	}
	r := results[0]
	want := "updated eth-basic: golden/eth-basic.golden, 4 frames changed (4 → 5 frames)\n"
	if !r.Updated || r.Report() != want {
		t.Errorf("report %q, want %q", r.Report(), want)
	}
	if got := readFile(t, goldenPath); got != strings.Join(lines, "") {
		t.Errorf("golden not restored:\n%s", got)
	}
	if _, err := golden.Update(context.Background(), m, golden.Options{Only: []string{"nope"}}); err == nil {
		t.Error("update of an unknown case: no error")
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestContainers(t *testing.T) {
	// Besides the µs captures, one with ns timestamps in a format that
	// prints them: the µs containers must be compared with the timestamps
	// they keep.
	path := corpus(t, "eth-ns-json eth-ns.pcap golden/eth-ns-json.golden --format json\n")
	var buf bytes.Buffer
	if err := fixtures.Write(&buf, capture(t, "ethernet-branches"), fixtures.PcapNano); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "eth-ns.pcap"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _ := golden.ParseManifest(path)
	if _, err := golden.Update(context.Background(), m, golden.Options{Only: []string{"eth-ns-json"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readFile(t, filepath.Join(filepath.Dir(path), "golden", "eth-ns-json.golden")), ".000001234Z") {
		t.Fatal("the json golden has no ns timestamps")
	}
	for name, r := range check(t, path, golden.Options{Containers: true}) {
		if r.Failed() || len(r.Skipped) > 0 {
			t.Errorf("%s: %s %v", name, r.Report(), r.Skipped)
		}
	}
}

// dropLastByte wraps a container so that its writer loses the last byte of
// packet 2, the kind of bug the containers check exists to catch.
func dropLastByte(c golden.Container) golden.Container {
	encode := c.Encode
	c.Encode = func(w io.Writer, pkts []golden.Frame) error {
		bad := append([]golden.Frame(nil), pkts...)
		if len(bad) >= 2 && len(bad[1].Data) > 0 {
			p := &bad[1]
			p.Data = p.Data[:len(p.Data)-1]
			p.Info.CaptureLength--
		}
		return encode(w, bad)
	}
	return c
}

func TestContainersCatchWriterBug(t *testing.T) {
	path := corpus(t, "")
	containers := golden.DefaultContainers()
	for i := range containers {
		if containers[i].Name == "pcapng" {
			containers[i] = dropLastByte(containers[i])
		}
	}
	results := check(t, path, golden.Options{Containers: true, Encoders: containers})
	r := results["eth"]
	if !r.Failed() || len(r.Diffs) != 1 {
		t.Fatalf("eth: the bug went unnoticed: %s", r.Report())
	}
	d := r.Diffs[0]
	if d.Against != "pcapng" || d.Index != 2 || d.Changed != 1 {
		t.Errorf("diff %+v", d)
	}
	if want := "FAIL eth (" + path + ":2): frame 2 differs when the capture is re-encoded as pcapng"; !strings.HasPrefix(r.Report(), want) {
		t.Errorf("report %q, want prefix %q", firstLine(r.Report()), want)
	}
	if !strings.Contains(d.Text, "--- original frame 2\n+++ pcapng frame 2\n") {
		t.Errorf("diff text:\n%s", d.Text)
	}
	// raw-ip's frame 2 also loses a byte; its golden still matches.
	if r := results["raw"]; len(r.Diffs) != 1 || r.Diffs[0].Against != "pcapng" {
		t.Errorf("raw: %s", r.Report())
	}
}

// A pcapng capture with interfaces of two link types and several sections
// cannot become classic pcap; pcapng keeps every interface.
func TestContainersMixedLinkTypes(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	eth, sll := capture(t, "ethernet-branches"), capture(t, "linux-sll")
	nw, err := pcapio.NewNgWriter(&buf, pcapio.NgOptions{Interfaces: []pcapio.Interface{
		{Name: "eth0", LinkType: eth.LinkType, TsResolution: pcapio.ResolutionNano},
		{Name: "any", LinkType: sll.LinkType},
	}})
	if err != nil {
		t.Fatal(err)
	}
	write := func(i, idx int, link pcapio.LinkType, f fixtures.Frame) {
		ci := pcapio.CaptureInfo{Timestamp: fixtures.Timestamp(i), CaptureLength: len(f.Data), Length: f.Length,
			LinkType: link, InterfaceIndex: idx, Direction: pcapio.DirectionOutbound}
		if err := nw.WritePacket(ci, f.Data); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 4; i++ {
		write(2*i, 0, eth.LinkType, eth.Frames[i])
		write(2*i+1, 1, sll.LinkType, sll.Frames[i])
	}
	// A second section where interface 0 is Linux SLL.
	if err := nw.NewSection(pcapio.NgOptions{Interfaces: []pcapio.Interface{{LinkType: sll.LinkType}}}); err != nil {
		t.Fatal(err)
	}
	write(8, 0, sll.LinkType, sll.Frames[4])
	if err := os.WriteFile(filepath.Join(dir, "mixed.pcapng"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "golden.list")
	if err := os.WriteFile(path, []byte("mixed mixed.pcapng mixed.golden\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _ := golden.ParseManifest(path)
	if _, err := golden.Update(context.Background(), m, golden.Options{}); err != nil {
		t.Fatal(err)
	}
	r := check(t, path, golden.Options{Containers: true})["mixed"]
	if r.Failed() || r.Frames != 9 {
		t.Fatalf("%d frames: %s", r.Frames, r.Report())
	}
	if len(r.Skipped) != 4 || !strings.Contains(r.Skipped[0], "classic pcap has one link type") { // the four classic pcap containers
		t.Errorf("skipped: %q", r.Skipped)
	}
}

func TestCRLFGolden(t *testing.T) {
	path := corpus(t, "")
	goldenPath := filepath.Join(filepath.Dir(path), "golden", "raw.golden")
	crlf := strings.ReplaceAll(readFile(t, goldenPath), "\n", "\r\n")
	if err := os.WriteFile(goldenPath, []byte(crlf), 0o644); err != nil {
		t.Fatal(err)
	}
	r := check(t, path, golden.Options{})["raw"]
	if !r.Failed() || !strings.Contains(r.Report(), "CRLF line endings") {
		t.Errorf("report:\n%s", r.Report())
	}
}

func TestManifestSyntax(t *testing.T) {
	good := "a x.pcap x.golden\n" +
		"  # indented comment\n" +
		"\n" +
		"b 'dir with space/x.pcap' \"g/b.golden\" --format basic -c 3 --expect-error 'truncated: record 4' # trailing\n" +
		"c x.pcap x.golden --expect-error \"say \\\"hi\\\"\"\r\n"
	m, err := golden.ParseManifestData("dir/golden.list", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cases) != 3 {
		t.Fatalf("%d cases", len(m.Cases))
	}
	b := m.Cases[1]
	if b.Name != "b" || b.Capture != "dir with space/x.pcap" || b.Golden != "g/b.golden" || b.Format != "basic" ||
		b.Count != 3 || b.ExpectError != "truncated: record 4" || b.Line != 4 || b.Where != "dir/golden.list:4" {
		t.Errorf("case b: %+v", b)
	}
	if got := m.Resolve(b.Capture); got != filepath.Join("dir", "dir with space", "x.pcap") {
		t.Errorf("resolve: %s", got)
	}
	if c := m.Cases[2]; c.ExpectError != `say "hi"` || c.Format != "turtle" {
		t.Errorf("case c: %+v", c)
	}
	// String quotes what needs it, and parses back to the same case.
	for _, c := range m.Cases {
		again, err := golden.ParseManifestData("x", []byte(c.String()+"\n"))
		if err != nil || len(again.Cases) != 1 {
			t.Fatalf("%q: %v", c.String(), err)
		}
		if got := again.Cases[0]; fmt.Sprint(got.Name, got.Capture, got.Golden, got.Args) != fmt.Sprint(c.Name, c.Capture, c.Golden, c.Args) {
			t.Errorf("%q parses to %+v", c.String(), got)
		}
	}

	bad := []struct{ text, want string }{
		{"a x.pcap\n", "m:1: want 'name capture golden [read options]', got 2 field(s)"},
		{"a x y\na x z\n", `m:2: case "a" is already defined on line 1`},
		{"a x y -c\n", "m:1: case a: read options: flag needs an argument"},
		{"a x y -c -2\n", "m:1: case a: read options: -c -2: the frame count cannot be negative"},
		{"a x y --bogus udp\n", "m:1: case a: read options: unknown flag: --bogus"},
		{"a x y extra\n", `m:1: case a: read options: unexpected argument "extra"`},
		{"a 'x y\n", "m:1: column 3: unterminated ' quote"},
		{"a x y --expect-error ''\n", "m:1: case a: read options: --expect-error needs a non-empty text"},
		{"-a x y\n", `m:1: case name "-a" cannot start with '-'`},
	}
	for _, tc := range bad {
		_, err := golden.ParseManifestData("m", []byte(tc.text))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.text, err, tc.want)
		}
	}
}

func TestAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "golden.list")
	if err := os.WriteFile(path, []byte("# cases\na x.pcap a.golden"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := golden.NewCase("b", "my captures/b.pcap", "golden/b.golden", []string{"--expect-error", "truncated: record 2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := golden.Append(path, c); err != nil {
		t.Fatal(err)
	}
	want := "# cases\na x.pcap a.golden\nb 'my captures/b.pcap' golden/b.golden --expect-error 'truncated: record 2'\n"
	if got := readFile(t, path); got != want {
		t.Errorf("manifest:\n%q\nwant\n%q", got, want)
	}
	if err := golden.Append(path, c); err == nil || !strings.Contains(err.Error(), `case "b" already exists`) {
		t.Errorf("second append: %v", err)
	}
}

// BenchmarkCheck runs 1,000 cases (the fixture captures in two formats,
// repeated) per iteration on GOMAXPROCS workers and reports cases/s.
func BenchmarkCheck(b *testing.B) {
	dir := b.TempDir()
	var list strings.Builder
	caps := fixtures.Captures()
	for _, c := range caps {
		writePcap(b, filepath.Join(dir, c.Name+".pcap"), c.LinkType, c.Frames)
	}
	const cases = 1000
	for i := 0; i < cases; i++ {
		c := caps[i%len(caps)]
		format := []string{"turtle", "basic"}[i/len(caps)%2]
		fmt.Fprintf(&list, "case-%d %s.pcap golden/%s-%s.golden --format %s\n", i, c.Name, c.Name, format, format)
	}
	path := filepath.Join(dir, "golden.list")
	if err := os.WriteFile(path, []byte(list.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	m, err := golden.ParseManifest(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := golden.Update(context.Background(), m, golden.Options{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		results, err := golden.Check(context.Background(), m, golden.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, failed := golden.Summary(results); failed != 0 {
			b.Fatalf("%d failed", failed)
		}
	}
	b.ReportMetric(float64(cases*b.N)/b.Elapsed().Seconds(), "cases/s")
}
