package main

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/testcorpus"
)

// Every capture of tcpdump's corpus splits by flow without a panic, and
// the files made hold every frame the capture holds, none twice, up to
// the damage of a damaged file (then exit 1 and one line on stderr). The
// corpus is found through TURTLE_CORPUS.
func TestSplitCorpus(t *testing.T) {
	files := testcorpus.Files(t, "*")
	dir := t.TempDir()
	checked := 0
	for i, name := range files {
		want, readErr := readRecords(name)
		if want == nil && readErr != nil {
			continue // not a capture
		}
		out := filepath.Join(dir, fmt.Sprint(i))
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		code, _, errs := turtle(t, nil, "split", "--by", "flow", "-o", filepath.Join(out, "s.pcap"), name)
		summary := fmt.Sprintf("turtle split: %d frames into ", len(want))
		if !(code == 0 && readErr == nil && strings.HasPrefix(errs, summary) && strings.Count(errs, "\n") == 1 ||
			code == 1 && readErr != nil && strings.Contains(errs, readErr.Error()) && strings.Contains(errs, "\n"+summary)) {
			t.Errorf("%s: exit %d, stderr %q (read error %v)", filepath.Base(name), code, errs, readErr)
			continue
		}
		parts, _ := filepath.Glob(filepath.Join(out, "*"))
		var got []rec
		for _, p := range parts {
			rs, err := readRecords(p)
			if err != nil {
				t.Fatalf("%s: %s does not read back: %v", filepath.Base(name), filepath.Base(p), err)
			}
			got = append(got, rs...)
		}
		byTimeAndBytes := func(a, b rec) int {
			return cmp.Or(a.ts.Compare(b.ts), strings.Compare(a.data, b.data), cmp.Compare(a.wire, b.wire))
		}
		slices.SortFunc(got, byTimeAndBytes)
		slices.SortFunc(want, byTimeAndBytes)
		for i := range got {
			got[i].interface_ = want[min(i, len(want)-1)].interface_ // each file numbers its own
		}
		sameFrames(t, filepath.Base(name)+" split by flow", got, want)
		checked++
		os.RemoveAll(out)
	}
	t.Logf("%d captures split, every frame in exactly one file", checked)
}

// Damaged copies of corpus captures (cut at six offsets, a record or block
// claiming 2 GB, a few bytes overwritten) go through every command that
// reads a capture: none panics (that would end this test binary), each
// exits 0 or 1, and an exit 1 comes with lines that each name the command.
func TestDamagedCorpusEveryCommand(t *testing.T) {
	files := testcorpus.Files(t, "*.pcap*")
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	if code, _, errs := turtle(t, nil, "anonymize", "--new-key", key, "-o", filepath.Join(dir, "a.pcap"), "../../testdata/udp-echo.pcap"); code != 0 {
		t.Fatalf("anonymize --new-key: exit %d, %s", code, errs)
	}
	out := filepath.Join(dir, "out")
	commands := [][]string{
		{"read"}, {"read", "--format", "basic"}, {"read", "--format", "verbose"}, {"read", "--format", "summary"},
		{"read", "--format", "json"}, {"read", "--format", "parquet", "-o", out},
		{"follow", "--list"}, {"follow", "--format", "hex"},
		{"draw"}, {"draw", "--kind", "timeline", "--format", "text"}, {"draw", "--format", "mermaid"},
		{"edit", "--to-format", "pcapng", "-o", out}, {"edit", "--to-format", "pcap", "-s", "60", "-o", out},
		{"anonymize", "--key-file", key, "--macs", "--ports", "--payload", "zero", "-o", out},
		{"split", "--by", "flow", "-o", filepath.Join(dir, "split", "s.pcap")},
		{"grade", "--lab", "tcp-echo"},
	}
	damaged := damagedCopies(t, files, dir)
	for _, name := range damaged {
		for _, c := range commands {
			os.RemoveAll(filepath.Join(dir, "split"))
			os.Mkdir(filepath.Join(dir, "split"), 0o755)
			code, _, errs := turtle(t, nil, append(slices.Clone(c), name)...)
			if code == 0 || code == 1 && c[0] == "follow" && c[1] != "--list" {
				continue // follow: stream 0 may not exist
			}
			ok := code == 1 && errs != ""
			for _, line := range strings.SplitAfter(errs, "\n") {
				ok = ok && (line == "" || strings.HasPrefix(line, "turtle "+c[0]+": ") && strings.HasSuffix(line, "\n"))
			}
			if !ok {
				t.Errorf("turtle %s %s: exit %d, stderr %q", strings.Join(c, " "), filepath.Base(name), code, errs)
			}
		}
	}
	t.Logf("%d damaged copies through %d commands", len(damaged), len(commands))
}

// damagedCopies writes into dir the damaged copies (damage) of every
// eighth of files, and returns their paths.
func damagedCopies(t *testing.T, files []string, dir string) []string {
	t.Helper()
	var out []string
	for i := 0; i < len(files); i += len(files)/8 + 1 {
		data, err := os.ReadFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		for j, bad := range damage(data) {
			name := filepath.Join(dir, fmt.Sprintf("%s.%d", filepath.Base(files[i]), j))
			if err := os.WriteFile(name, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			out = append(out, name)
		}
	}
	return out
}

// damage returns copies of a capture cut at six offsets, with its first
// record or block after the header claiming 2 GB, and with eight bytes
// overwritten at fixed offsets spread over the file.
func damage(data []byte) [][]byte {
	var out [][]byte
	for k := 1; k <= 6; k++ {
		out = append(out, data[:len(data)*k/7])
	}
	if len(data) >= 40 {
		huge := bytes.Clone(data)
		if bytes.HasPrefix(data, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
			first := binary.LittleEndian.Uint32(data[4:8])
			if data[8] == 0x1a { // big-endian section
				first = binary.BigEndian.Uint32(data[4:8])
			}
			if int(first)+8 <= len(data) {
				copy(huge[first+4:], []byte{0xf0, 0xff, 0xff, 0x7f})
			}
		} else {
			copy(huge[32:], []byte{0x7f, 0xff, 0xff, 0x7f}) // the first record's captured length, either order
		}
		out = append(out, huge)
	}
	flipped := bytes.Clone(data)
	for k := range 8 {
		if p := len(data) * (2*k + 1) / 16; p >= 24 {
			flipped[p] ^= 0xa5
		}
	}
	return append(out, flipped)
}
