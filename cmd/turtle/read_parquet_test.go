package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// duckDB runs SQL in DuckDB (the npm package @duckdb/node-api, installed by
// `npm ci` in scripts/duckdb) and returns the rows of the last statement,
// numbers kept as json.Number. It skips the test when node or the package
// is missing.
func duckDB(t *testing.T, sql ...string) []map[string]any {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("needs node (Node.js) for DuckDB: apt-get install nodejs npm")
	}
	dir, _ := filepath.Abs("../../scripts/duckdb")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		t.Skip("needs @duckdb/node-api: run npm ci in scripts/duckdb")
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(node, append([]string{filepath.Join(dir, "query.mjs")}, sql...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("duckdb %q: %v: %s", sql, err, stderr.String())
	}
	var rows []map[string]any
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		d.UseNumber()
		var row map[string]any
		if err := d.Decode(&row); err != nil {
			t.Fatalf("duckdb output %q: %v", sc.Bytes(), err)
		}
		rows = append(rows, row)
	}
	return rows
}

// parquetCaptures are the test captures and, with TURTLE_CORPUS, the
// corpus's classic pcap files of Ethernet frames (those every filter below
// compiles for).
func parquetCaptures(t *testing.T) []string {
	files, _ := filepath.Glob("../../testdata/*.pcap")
	var eth []string
	for _, f := range files {
		if linkTypeOf(f) == pcapio.LinkTypeEthernet {
			eth = append(eth, f)
		}
	}
	if dir := os.Getenv("TURTLE_CORPUS"); dir != "" {
		more, _ := filepath.Glob(filepath.Join(dir, "tcpdump", "*.pcap"))
		for _, f := range more {
			if linkTypeOf(f) == pcapio.LinkTypeEthernet {
				eth = append(eth, f)
			}
		}
	} else {
		t.Log("TURTLE_CORPUS is not set: the test captures only")
	}
	return eth
}

func linkTypeOf(name string) pcapio.LinkType {
	f, err := os.Open(name)
	if err != nil {
		return 0
	}
	defer f.Close()
	r, err := pcapio.NewReader(f)
	if err != nil || r.Format() == pcapio.FormatPcapNG {
		return 0
	}
	return r.LinkType()
}

// DuckDB counts, under each predicate, the frames that turtle's own -f
// filter prints for the same condition. Predicates above the IP header run
// on the test captures only ("clean", undamaged): in the corpus's damaged frames a
// BPF program still reads a port where the decoder reports the header cut
// short, and the two rightly differ.
func TestParquetCountsMatchFilters(t *testing.T) {
	all := parquetCaptures(t)
	var clean []string
	for _, f := range all {
		// The recorded and forged captures, but for ethernet-branches,
		// which is damaged on purpose.
		if strings.HasPrefix(f, "../../testdata/") && !strings.Contains(f, "branches") {
			clean = append(clean, f)
		}
	}
	dir := t.TempDir()
	write := func(name string, files []string) string {
		out := filepath.Join(dir, name)
		code, _, errs := turtle(t, nil, append([]string{"read", "--format", "parquet", "-o", out}, files...)...)
		if code > 1 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		return out
	}
	outAll, outClean := write("all.parquet", all), write("clean.parquet", clean)
	cases := []struct {
		filter, sql string
		clean       bool
	}{
		{"ip", "eth_type = 2048", false},
		{"arp", "eth_type = 2054", false},
		{"ip6", "eth_type = 34525", false},
		{"greater 200", "len >= 200", false},
		{"less 80", "len <= 80", false},
		{"ether broadcast", "eth_dst = 'ff:ff:ff:ff:ff:ff'", false},
		{"ip and tcp", "eth_type = 2048 and ipv4_protocol = 6", false},
		{"ip and udp", "eth_type = 2048 and ipv4_protocol = 17", true},
		{"ip and icmp", "eth_type = 2048 and ipv4_protocol = 1", false},
		{"ip and tcp[tcpflags] & tcp-syn != 0", "eth_type = 2048 and list_contains(tcp_flags, 'SYN')", false},
		{"ip and tcp port 12500", "eth_type = 2048 and (tcp_src_port = 12500 or tcp_dst_port = 12500)", true},
		{"ip and udp port 10001", "eth_type = 2048 and (udp_src_port = 10001 or udp_dst_port = 10001)", true},
		{"icmp[icmptype] == icmp-echoreply", "icmp_type = 0", true},
		{"ip host 10.0.0.1", "eth_type = 2048 and (ipv4_src = '10.0.0.1' or ipv4_dst = '10.0.0.1')", false},
		{"ip and udp dst port 53", "eth_type = 2048 and udp_dst_port = 53", true},
	}
	for _, c := range cases {
		files, out := all, outAll
		if c.clean {
			files, out = clean, outClean
		}
		want := 0
		for _, f := range files {
			_, text, _ := turtle(t, nil, "read", "--format", "summary", "-f", c.filter, f)
			want += strings.Count(text, "\n")
		}
		rows := duckDB(t, "select count(*)::varchar as n from '"+out+"' where "+c.sql)
		got := rows[0]["n"].(string)
		if got != strconv.Itoa(want) {
			t.Errorf("-f %q: turtle %d frames, DuckDB where %s: %s", c.filter, want, c.sql, got)
		} else {
			t.Logf("-f %q: %d frames of %d captures", c.filter, want, len(files))
		}
	}
}

// For a sample of frames, every field of the json format equals the
// Parquet column DuckDB reads for it, and every non-null column is a json
// field.
func TestParquetFieldsMatchJSON(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/*.pcap")
	if dir := os.Getenv("TURTLE_CORPUS"); dir != "" {
		more, _ := filepath.Glob(filepath.Join(dir, "tcpdump", "*"))
		files = append(files, more...)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "frames.parquet")
	code, _, errs := turtle(t, nil, append([]string{"read", "--format", "parquet", "--payload", "-o", out}, files...)...)
	if code > 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// The sample: the first 8 frames of every file.
	const sample = 8
	var sel []string
	for _, c := range decode.Columns {
		switch c.Type {
		case decode.ColBytes:
			sel = append(sel, "lower(hex("+c.Name+")) as "+c.Name)
		case decode.ColTime:
			sel = append(sel, "epoch_ns("+c.Name+")::varchar as "+c.Name)
		case decode.ColUint64, decode.ColInt64:
			sel = append(sel, c.Name+"::varchar as "+c.Name)
		default:
			sel = append(sel, c.Name)
		}
	}
	rows := duckDB(t, "select file, "+strings.Join(sel, ", ")+" from '"+out+"' where frame <= "+strconv.Itoa(sample)+" order by file, frame")
	byKey := map[string]map[string]any{}
	for _, r := range rows {
		byKey[r["file"].(string)+"#"+string(r["frame"].(string))] = r
	}
	checked := 0
	for _, name := range files {
		code, text, _ := turtle(t, nil, "read", "--format", "json", "-c", strconv.Itoa(sample), name)
		if code != 0 && text == "" {
			continue
		}
		for line := range strings.Lines(text) {
			want := flattenJSONLine(t, line)
			row := byKey[name+"#"+want["frame"].(string)]
			if row == nil {
				t.Errorf("%s frame %s: not in the Parquet file", name, want["frame"])
				continue
			}
			checked++
			got := map[string]any{}
			for k, v := range row {
				if v != nil && k != "file" {
					got[k] = normalize(v)
				}
			}
			// The json time is text; the column is compared as nanoseconds,
			// and is null where json's is (a Simple Packet Block) or where
			// TIMESTAMP_NS cannot hold it (before 1678, after 2262).
			if s, ok := want["time"].(string); ok {
				ts, err := time.Parse(time.RFC3339Nano, s)
				if err != nil {
					t.Fatal(err)
				}
				want["time"] = strconv.FormatInt(ts.UnixNano(), 10)
				if _, ok := decode.TimeNS(ts); !ok {
					delete(want, "time")
				}
			} else {
				delete(want, "time")
			}
			for k, w := range want {
				if g, ok := got[k]; !ok || !jsonEqual(g, w) {
					t.Errorf("%s frame %s: %s: DuckDB %#v, json %#v", name, want["frame"], k, got[k], w)
				}
			}
			for k, g := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%s frame %s: column %s = %#v is not in the json line", name, want["frame"], k, g)
				}
			}
			if t.Failed() {
				return
			}
		}
	}
	if checked == 0 {
		t.Fatal("no frame checked")
	}
	t.Logf("%d frames of %d files: every field equal", checked, len(files))
}

// normalize turns DuckDB's values into flattenJSONLine's: numbers as text,
// JSON columns (text) parsed.
func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		return string(x)
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
		return x
	case string:
		if strings.HasPrefix(x, "[") { // a JSON column
			d := json.NewDecoder(strings.NewReader(x))
			d.UseNumber()
			var y any
			if d.Decode(&y) == nil {
				return normalize(y)
			}
		}
	case map[string]any:
		for k := range x {
			x[k] = normalize(x[k])
		}
	}
	return v
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// flattenJSONLine parses a json line into key paths joined by '_' (arrays
// kept whole), numbers as text.
func flattenJSONLine(t *testing.T, line string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	var obj map[string]any
	if err := d.Decode(&obj); err != nil {
		t.Fatalf("json line %q: %v", line, err)
	}
	m := map[string]any{}
	var walk func(prefix string, o map[string]any)
	walk = func(prefix string, o map[string]any) {
		for k, v := range o {
			if sub, ok := v.(map[string]any); ok {
				walk(prefix+k+"_", sub)
				continue
			}
			m[prefix+k] = normalize(v)
		}
	}
	walk("", obj)
	return m
}

// A capture cut inside a record: every complete frame is in the Parquet
// file, the error line is read's, the exit status 1; --out-dir writes one
// Hive partition per capture, named as given, which DuckDB reads back.
func TestParquetDamagedAndOutDir(t *testing.T) {
	data, err := os.ReadFile("../../testdata/tcp-echo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cut := filepath.Join(dir, "cut #1.pcap")
	if err := os.WriteFile(cut, data[:len(data)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	code, text, readErr := turtle(t, nil, "read", "--format", "summary", cut)
	if code != 1 || readErr == "" {
		t.Fatalf("read of the cut capture: exit %d, stderr %q", code, readErr)
	}
	frames := strings.Count(text, "\n")
	out := filepath.Join(dir, "cut.parquet")
	code, _, errs := turtle(t, nil, "read", "--format", "parquet", "-o", out, cut)
	if code != 1 || errs != readErr {
		t.Errorf("parquet: exit %d, stderr %q; want 1, %q", code, errs, readErr)
	}
	rows := duckDB(t, "select count(*)::varchar as n, max(frame)::varchar as last from '"+out+"'")
	if rows[0]["n"] != strconv.Itoa(frames) || rows[0]["last"] != strconv.Itoa(frames) {
		t.Errorf("DuckDB reads %v rows, last frame %v; read printed %d frames", rows[0]["n"], rows[0]["last"], frames)
	}

	tree := filepath.Join(dir, "table")
	udp := "../../testdata/udp-echo.pcap"
	code, _, errs = turtle(t, nil, "read", "--format", "parquet", "--out-dir", tree, "--jobs", "2", udp, cut)
	if code != 1 || errs != readErr {
		t.Errorf("--out-dir: exit %d, stderr %q; want 1, %q", code, errs, readErr)
	}
	rows = duckDB(t, "select capture, count(*)::varchar as n, min(file = capture) as same from read_parquet('"+tree+"/*/*.parquet', hive_partitioning = true) group by capture order by capture")
	want := []string{filepath.ToSlash(filepath.Clean(udp)) + " 2", filepath.ToSlash(cut) + " " + strconv.Itoa(frames)}
	var got []string
	for _, r := range rows {
		got = append(got, r["capture"].(string)+" "+r["n"].(string))
		if r["same"] != true {
			t.Errorf("partition %v: the file column differs from the capture name", r["capture"])
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("partitions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParquetUsage(t *testing.T) {
	for _, args := range [][]string{
		{"read", "--format", "parquet", "../../testdata/udp-echo.pcap"},
		{"read", "--format", "parquet", "-o", "x", "--out-dir", "y", "../../testdata/udp-echo.pcap"},
		{"read", "--format", "parquet", "--out-dir", "y", "a/x.pcap", "a//x.pcap"},
	} {
		if code, _, errs := turtle(t, nil, args...); code != 2 || !strings.Contains(errs, "turtle read: ") {
			t.Errorf("%q: exit %d, %q; want a usage error", args, code, errs)
		}
	}
}
