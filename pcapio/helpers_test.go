package pcapio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
	"math/rand/v2"
	"runtime/metrics"
	"testing"
	"time"
)

// pkt is one packet as written and, after reading, as read.
type pkt struct {
	ci   CaptureInfo
	data []byte
}

// recorder is a writer that remembers where every Write ended: the writers
// write one record or block per call, so these are the clean cut points.
type recorder struct {
	bytes.Buffer
	ends []int
}

func (w *recorder) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	w.ends = append(w.ends, w.Len())
	return n, err
}

// genPackets returns n packets with varied sizes (including empty ones and a
// few large ones), wire lengths and nanosecond timestamps.
func genPackets(n int, seed uint64) []pkt {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	t := time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC)
	var out []pkt
	for i := range n {
		size := rng.IntN(300)
		switch i % 17 {
		case 3:
			size = 0
		case 11:
			size = 1500 + rng.IntN(9000)
		}
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		wire := size + rng.IntN(3)*rng.IntN(100)
		t = t.Add(time.Duration(rng.Int64N(int64(2 * time.Second))))
		out = append(out, pkt{ci: CaptureInfo{Timestamp: t, CaptureLength: size, Length: wire}, data: data})
	}
	return out
}

// readAll reads every packet with the copying read (zero=false) or the
// zero-copy read (copied by the test), returning them and the final error.
func readAll(t testing.TB, r *Reader, zero bool) ([]pkt, error) {
	t.Helper()
	var out []pkt
	for {
		var data []byte
		var ci CaptureInfo
		var err error
		if zero {
			data, ci, err = r.ZeroCopyReadPacketData()
			data = bytes.Clone(data)
		} else {
			data, ci, err = r.ReadPacketData()
		}
		if err != nil {
			if len(out) > 1<<20 {
				t.Fatalf("runaway reader")
			}
			return out, err
		}
		if ci.CaptureLength != len(data) {
			t.Fatalf("packet %d: CaptureLength %d, len(data) %d", len(out)+1, ci.CaptureLength, len(data))
		}
		out = append(out, pkt{ci, data})
	}
}

// readFile opens b and reads it to the end; err is nil for a clean io.EOF.
func readFile(t testing.TB, b []byte) ([]pkt, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	pkts, err := readAll(t, r, true)
	if err == io.EOF {
		err = nil
	}
	return pkts, err
}

// wantTime is what a reader must return for t written at resolution res
// with offset: t truncated to the start of its tick. Computed with big
// integers, independently of the package's clock.
func wantTime(t time.Time, res Resolution, offset int64) time.Time {
	if !res.IsValid() {
		res = ResolutionMicro
	}
	ns := new(big.Int).SetInt64(t.UnixNano() - offset*1e9)
	units := new(big.Int).SetUint64(res.TicksPerSecond())
	billion := big.NewInt(1e9)
	tick := new(big.Int).Mul(ns, units)
	tick.Quo(tick, billion)
	if res.Binary() && res.TicksPerSecond() > 1e9 {
		// the writer rounds up so that reading truncates back to t
		chk := new(big.Int).Mul(tick, billion)
		chk.Quo(chk, units)
		if chk.Cmp(ns) < 0 {
			tick.Add(tick, big.NewInt(1))
		}
	}
	back := new(big.Int).Mul(tick, billion)
	back.Quo(back, units)
	return time.Unix(0, back.Int64()).Add(time.Duration(offset) * time.Second).UTC()
}

// samePackets compares read packets with written ones; res gives each
// packet's resolution for its timestamp.
func samePackets(t *testing.T, got, want []pkt, check func(i int, g, w pkt)) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d packets, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !bytes.Equal(g.data, w.data) {
			t.Fatalf("packet %d: data differs (len %d vs %d)", i+1, len(g.data), len(w.data))
		}
		if g.ci.CaptureLength != len(w.data) || g.ci.Length != w.ci.Length {
			t.Fatalf("packet %d: lengths %d/%d, want %d/%d", i+1, g.ci.CaptureLength, g.ci.Length, len(w.data), w.ci.Length)
		}
		if g.ci.Timestamp.Location() != time.UTC {
			t.Fatalf("packet %d: timestamp not UTC", i+1)
		}
		check(i, g, w)
	}
}

// block builds one raw pcapng block for tests that need blocks the writer
// does not make.
func block(o binary.ByteOrder, btype uint32, body []byte) []byte {
	body = append(body[:len(body):len(body)], make([]byte, pad4(len(body))-len(body))...)
	n := uint32(12 + len(body))
	return enc(o, btype, n, body, n)
}

// enc encodes mixed values in byte order o.
func enc(o binary.ByteOrder, vals ...any) []byte {
	var b []byte
	for _, v := range vals {
		switch v := v.(type) {
		case []byte:
			b = append(b, v...)
		case string:
			b = append(b, v...)
		case int:
			b = append(b, enc(o, uint32(v))...)
		default:
			var err error
			if b, err = binary.Append(b, o, v); err != nil {
				panic(err)
			}
		}
	}
	return b
}

// shb, idb and epb build raw blocks with the fields tests want to break.
func shb(o binary.ByteOrder, major, minor uint16, opts []byte) []byte {
	return block(o, btSHB, enc(o, uint32(0x1a2b3c4d), major, minor, ^uint64(0), opts))
}

func idb(o binary.ByteOrder, link LinkType, snap uint32, opts []byte) []byte {
	return block(o, btIDB, enc(o, uint16(link), uint16(0), snap, opts))
}

func epb(o binary.ByteOrder, id uint32, ts uint64, data []byte, wire uint32, opts []byte) []byte {
	d := append(bytes.Clone(data), make([]byte, pad4(len(data))-len(data))...)
	return block(o, btEPB, enc(o, id, uint32(ts>>32), uint32(ts), uint32(len(data)), wire, d, opts))
}

// opt builds one option, padded.
func opt(o binary.ByteOrder, code uint16, val []byte) []byte {
	b := enc(o, code, uint16(len(val)), val)
	return append(b, make([]byte, pad4(len(val))-len(val))...)
}

// pcapHeader builds a classic pcap file header.
func pcapHeader(o binary.ByteOrder, magic uint32, major, minor uint16, snap, link uint32) []byte {
	return enc(o, magic, major, minor, uint32(0), uint32(0), snap, link)
}

func pcapRecord(o binary.ByteOrder, sec, frac uint32, data []byte, wire uint32) []byte {
	return enc(o, sec, frac, uint32(len(data)), wire, data)
}

func isFormatErr(err error, kind error) bool {
	var fe *FormatError
	return errors.As(err, &fe) && fe.Kind == kind && errors.Is(err, kind)
}

// measure runs f and stores the bytes it allocated on the heap (read
// through runtime/metrics, which unlike ReadMemStats stops no world).
func measure(f func(), total *uint64) {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	*total = s[0].Value.Uint64() - before
}
