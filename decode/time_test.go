package decode

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// ngBlock is a little-endian pcapng block of type typ around body.
func ngBlock(typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, n)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, n)
}

// timesCapture is a pcapng file whose interface counts time in seconds
// (if_tsresol 10^0): an Enhanced Packet Block in the year 10000, one in
// 2026, and a Simple Packet Block, which has no time at all.
func timesCapture() []byte {
	le := binary.LittleEndian
	shb := le.AppendUint32(nil, 0x1a2b3c4d)
	shb = le.AppendUint16(shb, 1)
	shb = le.AppendUint16(shb, 0)
	shb = le.AppendUint64(shb, ^uint64(0))
	idb := le.AppendUint16(nil, 1) // Ethernet
	idb = le.AppendUint16(idb, 0)
	idb = le.AppendUint32(idb, 0)
	idb = append(idb, 9, 0, 1, 0, 0, 0, 0, 0) // if_tsresol: 10^0
	idb = append(idb, 0, 0, 0, 0)             // opt_endofopt
	frame := make([]byte, 14)
	frame[12] = 0x88 // EtherType 0x88b5 (local experimental)
	frame[13] = 0xb5
	epb := func(sec uint64) []byte {
		b := le.AppendUint32(nil, 0)
		b = le.AppendUint32(b, uint32(sec>>32))
		b = le.AppendUint32(b, uint32(sec))
		b = le.AppendUint32(b, uint32(len(frame)))
		b = le.AppendUint32(b, uint32(len(frame)))
		return ngBlock(6, append(b, frame...))
	}
	spb := ngBlock(3, append(le.AppendUint32(nil, uint32(len(frame))), frame...))
	var f []byte
	f = append(f, ngBlock(0x0a0d0d0a, shb)...)
	f = append(f, ngBlock(1, idb)...)
	f = append(f, epb(253402300800)...) // 10000-01-01T00:00:00Z
	f = append(f, epb(uint64(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).Unix()))...)
	f = append(f, spb...)
	return f
}

// Issue 19 item 17: a year past 9999 prints as seconds since the epoch, a
// Simple Packet Block prints no time (null in JSON).
func TestTimestampsThatRFC3339CannotSay(t *testing.T) {
	r, err := pcapio.NewReader(bytes.NewReader(timesCapture()))
	if err != nil {
		t.Fatal(err)
	}
	var frames []*pcapio.Frame
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, &pcapio.Frame{Number: len(frames) + 1, Data: data, Info: ci})
	}
	if len(frames) != 3 || frames[0].Info.NoTimestamp || frames[1].Info.NoTimestamp || !frames[2].Info.NoTimestamp {
		t.Fatalf("frames %d, NoTimestamp wrong: %+v", len(frames), frames)
	}
	out := func(format string) []string {
		f, err := NewFormat(format)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, fr := range frames {
			lines = append(lines, strings.SplitN(string(f.AppendFrame(nil, fr)), "\n", 2)[0])
		}
		return lines
	}
	v := out("verbose")
	for i, want := range []string{"Frame 1: 253402300800.000000000, ", "Frame 2: 2026-01-05T09:00:00.000000000Z, ", "Frame 3: no timestamp, "} {
		if !strings.HasPrefix(v[i], want) {
			t.Errorf("verbose frame %d: %q, want prefix %q", i+1, v[i], want)
		}
	}
	s := out("summary")
	for i, want := range []string{"00:00:00.000000000 ", "09:00:00.000000000 ", "--:--:--.--------- "} {
		if !strings.HasPrefix(s[i], want) {
			t.Errorf("summary frame %d: %q, want prefix %q", i+1, s[i], want)
		}
	}
	for i, want := range []any{"253402300800.000000000", "2026-01-05T09:00:00.000000000Z", nil} {
		var m map[string]any
		if err := json.Unmarshal([]byte(out("json")[i]), &m); err != nil {
			t.Fatalf("json frame %d: %v", i+1, err)
		}
		if m["time"] != want {
			t.Errorf("json frame %d: time %#v, want %#v", i+1, m["time"], want)
		}
	}
}

func TestEpochSeconds(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Unix(253402300800, 539464000), "253402300800.539464000"},
		{time.Unix(-1, 500000000), "-0.500000000"},
		{time.Unix(-2, 250000000), "-1.750000000"},
		{time.Unix(-70000000000, 0), "-70000000000.000000000"},
	} {
		if got := string(appendEpochSeconds(nil, tc.t)); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.t, got, tc.want)
		}
	}
	var c clock
	if got := string(c.appendRFC3339(nil, time.Unix(-70000000000, 0))); got != "-70000000000.000000000" {
		t.Errorf("year before 0: %s", got)
	}
}
