package decode

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/testcorpus"
	"github.com/turtle-sniffer/turtle/internal/testcorpus/captures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// The table view and the json format agree on every frame of the test
// captures and, with TURTLE_CORPUS, of the tcpdump corpus: each json
// field, flattened, equals its column's value, and each non-null column
// is a json field. A field added to one and not the other fails here.
func TestTableMatchesJSON(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.pcap*")
	if len(files) == 0 {
		t.Fatal("no captures in ../testdata")
	}
	files = append(files, testcorpus.Optional(t, "*")...)
	var tab Table
	var j JSON
	var line, arena []byte
	frames := 0
	for c := range captures.Frames(t, files) {
		frames++
		name, n := c.File, c.Number
		fr := &pcapio.Frame{Number: n, Data: c.Data, Info: c.Info}
		line = j.AppendFrame(line[:0], fr)
		want := flattenJSON(t, line)
		arena = tab.Fill(fr, arena[:0])
		checkSet(t, &tab, name, n)
		got := TableRowMap(&tab.Row)
		if !reflect.DeepEqual(got, want) {
			for k, w := range want {
				if g, ok := got[k]; !ok || !reflect.DeepEqual(g, w) {
					t.Errorf("%s frame %d: %s: table %#v, json %#v", name, n, k, g, w)
				}
			}
			for k, g := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%s frame %d: column %s = %#v is not in the json line %s", name, n, k, g, line)
				}
			}
			if t.Failed() {
				return
			}
		}
	}
	t.Logf("%d frames of %d files agree", frames, len(files))
}

// checkSet fails unless tab.Set lists each non-null column once and no
// other (a writer of the rows visits only those, and would write a
// column twice for one row).
func checkSet(t *testing.T, tab *Table, name string, n int) {
	t.Helper()
	var seen [NumColumns]bool
	for _, c := range tab.Set() {
		switch {
		case int(c) >= NumColumns || !tab.Row[c].Valid:
			t.Errorf("%s frame %d: Set lists column %d, which is null", name, n, c)
		case seen[c]:
			t.Errorf("%s frame %d: Set lists %s twice", name, n, Columns[c].Name)
		default:
			seen[c] = true
		}
	}
	for c, v := range tab.Row {
		if v.Valid && !seen[c] {
			t.Errorf("%s frame %d: Set leaves out %s, which has a value", name, n, Columns[c].Name)
		}
	}
}

// TableRowMap renders a row as flattenJSON renders a json line, so the two
// compare with reflect.DeepEqual: numbers and text as strings, booleans,
// flags as []any of names, JSON text parsed.
func TableRowMap(row *[NumColumns]Value) map[string]any {
	m := map[string]any{}
	for i, v := range row {
		if !v.Valid {
			continue
		}
		c := &Columns[i]
		switch c.Type {
		case ColUint8, ColUint16, ColUint32, ColUint64:
			m[c.Name] = strconv.FormatUint(v.Num, 10)
		case ColInt64:
			m[c.Name] = strconv.FormatInt(int64(v.Num), 10)
		case ColBool:
			m[c.Name] = v.Num != 0
		case ColString:
			m[c.Name] = string(v.Bytes)
		case ColBytes:
			m[c.Name] = hex.EncodeToString(v.Bytes)
		case ColFlags:
			l := []any{}
			for _, f := range c.Flags {
				if uint16(v.Num)&f.Bit != 0 {
					l = append(l, f.Name)
				}
			}
			m[c.Name] = l
		case ColJSON:
			var x any
			d := json.NewDecoder(bytes.NewReader(v.Bytes))
			d.UseNumber()
			if err := d.Decode(&x); err != nil {
				m[c.Name] = "bad JSON: " + string(v.Bytes)
			} else {
				m[c.Name] = numbersAsStrings(x)
			}
		case ColTime:
			m[c.Name] = time.Unix(0, int64(v.Num)).UTC().Format("2006-01-02T15:04:05.000000000Z")
		}
	}
	return m
}

// flattenJSON parses one json line into key paths joined by '_', stopping
// at arrays (kept whole) and leaving numbers as their text.
func flattenJSON(t *testing.T, line []byte) map[string]any {
	t.Helper()
	var obj map[string]any
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
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
			m[prefix+k] = numbersAsStrings(v)
		}
	}
	walk("", obj)
	return m
}

func numbersAsStrings(v any) any {
	switch x := v.(type) {
	case json.Number:
		return string(x)
	case []any:
		for i := range x {
			x[i] = numbersAsStrings(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = numbersAsStrings(x[k])
		}
		return x
	}
	return v
}

// Filling a row allocates nothing once the buffers have grown.
func TestTableFillAllocs(t *testing.T) {
	data, err := os.ReadFile("../testdata/tcp-echo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	r, err := pcapio.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var frames []pcapio.Frame
	for n := 1; ; n++ {
		d, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		frames = append(frames, pcapio.Frame{Number: n, Data: d, Info: ci})
	}
	var tab Table
	arena := make([]byte, 0, 1<<16)
	allocs := testing.AllocsPerRun(20, func() {
		for i := range frames {
			arena = tab.Fill(&frames[i], arena[:0])
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per run of %d frames, want 0", allocs, len(frames))
	}
}

// A TCP option given twice fills its column once, with the last value, as
// a JSON reader keeps the last of duplicate keys (no capture of the corpus
// has one).
func TestTableRepeatedOption(t *testing.T) {
	frame, _ := hex.DecodeString("" +
		"020000000001" + "020000000002" + "0800" + // Ethernet
		"4500003000010000400600000a0000010a000002" + // IPv4, 48 bytes, TCP
		"d431005000000001000000007002ffff00000000" + // TCP, header 28 bytes, SYN
		"020405b402040578") // MSS 1460, MSS 1400
	var tab Table
	tab.Fill(&pcapio.Frame{Number: 1, Data: frame, Info: pcapio.CaptureInfo{
		CaptureLength: len(frame), Length: len(frame), LinkType: pcapio.LinkTypeEthernet}}, nil)
	if v := tab.Row[colTCPOptMSS]; !v.Valid || v.Num != 1400 {
		t.Errorf("tcp_options_mss %+v, want 1400", v)
	}
	checkSet(t, &tab, "two MSS options", 1)
}
