package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// A frame with no time (Simple Packet Block) or a time TIMESTAMP_NS cannot
// hold (after 2262) gets a null time, never 1970 or a wrapped date, and
// the conversion says so once, in both -o and --out-dir modes; the json
// format writes null for the first and the real date for the second.
func TestParquetTimeNullWhenUnrepresentable(t *testing.T) {
	le := binary.LittleEndian
	var n ngBuilder
	shb := le.AppendUint32(nil, 0x1a2b3c4d)
	shb = le.AppendUint16(shb, 1)
	shb = le.AppendUint16(shb, 0)
	shb = le.AppendUint64(shb, ^uint64(0))
	n.block(0x0a0d0d0a, shb)
	idb := le.AppendUint16(nil, 1)
	idb = le.AppendUint16(idb, 0)
	idb = le.AppendUint32(idb, 0)
	n.block(1, idb)
	frame := make([]byte, 60) // an Ethernet frame of zeros
	n.block(3, append(le.AppendUint32(nil, 60), frame...))
	epb := func(ts time.Time) {
		us := uint64(ts.Unix())*1_000_000 + uint64(ts.Nanosecond()/1000)
		body := le.AppendUint32(nil, 0)
		body = le.AppendUint32(body, uint32(us>>32))
		body = le.AppendUint32(body, uint32(us))
		body = le.AppendUint32(body, 60)
		body = le.AppendUint32(body, 60)
		n.block(6, append(body, frame...))
	}
	late := time.Date(2300, 1, 2, 3, 4, 5, 6000, time.UTC)
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	epb(late)
	epb(now)
	dir := t.TempDir()
	in := filepath.Join(dir, "times.pcapng")
	if err := os.WriteFile(in, n.b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "t.parquet")
	code, _, errs := turtle(t, nil, "read", "--format", "parquet", "-o", out, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "2 frames without a time") {
		t.Errorf("stderr %q, want one line about 2 frames", errs)
	}
	checkTimes := func(name string) {
		t.Helper()
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		col := -1
		for i, f := range pf.Schema().Fields() {
			if f.Name() == "time" {
				col = i
			}
		}
		rows := make([]parquet.Row, 3)
		if k, _ := parquet.NewReader(pf).ReadRows(rows); k != 3 {
			t.Fatalf("%d rows", k)
		}
		for i, row := range rows {
			var v parquet.Value
			for _, c := range row {
				if c.Column() == col {
					v = c
				}
			}
			if i < 2 && !v.IsNull() {
				t.Errorf("row %d: time %v, want null", i+1, time.Unix(0, v.Int64()).UTC())
			}
			if i == 2 && (v.IsNull() || v.Int64() != now.UnixNano()) {
				t.Errorf("row 3: time %v, want %v", v, now)
			}
		}
	}
	checkTimes(out)
	outDir := filepath.Join(dir, "class")
	code, _, errs = turtle(t, nil, "read", "--format", "parquet", "--out-dir", outDir, in)
	if code != 0 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "time is null") {
		t.Errorf("--out-dir: exit %d, stderr %q", code, errs)
	}
	parts, _ := filepath.Glob(filepath.Join(outDir, "*", "part-0.parquet"))
	if len(parts) != 1 {
		t.Fatalf("parts %v", parts)
	}
	checkTimes(parts[0])
	js := turtleOK(t, "read", "--format", "json", in)
	if !strings.Contains(js, `"time":null`) || !strings.Contains(js, "2300-01-02T03:04:05.000006") {
		t.Errorf("json times:\n%s", js)
	}
}
