package pcapio

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestTruncation reads every prefix of every fixture: it must yield exactly
// the packets that lie wholly inside the prefix, then io.EOF when the cut
// falls on a record or block boundary and ErrTruncated (naming the start
// of the record or block that was cut, and how much of it is left)
// otherwise, and keep returning that error.
func TestTruncation(t *testing.T) {
	for _, f := range fixtures(t, 12) {
		t.Run(f.name, func(t *testing.T) {
			for cut := 0; cut <= len(f.data); cut++ {
				got, err := readFile(t, f.data[:cut])
				complete := 0
				for complete < len(f.pends) && f.pends[complete] <= cut {
					complete++
				}
				samePackets(t, got, f.want[:complete], func(i int, g, w pkt) {
					if g.ci != w.ci {
						t.Fatalf("cut %d packet %d: %+v, want %+v", cut, i+1, g.ci, w.ci)
					}
				})
				clean := slices.Contains(f.ends, cut)
				if clean {
					if err != nil {
						t.Fatalf("cut %d at a boundary: %v", cut, err)
					}
					continue
				}
				if !isFormatErr(err, ErrTruncated) || errors.Is(err, ErrInvalid) {
					t.Fatalf("cut %d inside a record: got %v, want ErrTruncated", cut, err)
				}
				start := 0
				for _, e := range f.ends {
					if e <= cut {
						start = e
					}
				}
				var fe *FormatError
				errors.As(err, &fe)
				msg := err.Error()
				if !strings.HasPrefix(msg, "truncated: ") || !strings.HasSuffix(msg, "file ends after "+strconv.Itoa(cut-start)) {
					t.Fatalf("cut %d: message %q", cut, msg)
				}
				if fe.Offset != int64(start) {
					t.Fatalf("cut %d: error offset %d, want %d (%s)", cut, fe.Offset, start, msg)
				}
			}
		})
	}
}

// TestStickyError checks that after an error every call returns it again
// rather than reading on from a misaligned position.
func TestStickyError(t *testing.T) {
	f := fixtures(t, 12)[0]
	data := bytes.Clone(f.data)
	// make the second record claim far more than the maximum
	off := f.pends[0]
	le.PutUint32(data[off+8:], 1<<30)
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.ReadPacketData(); err != nil {
		t.Fatal(err)
	}
	_, _, err1 := r.ZeroCopyReadPacketData()
	_, _, err2 := r.ReadPacketData()
	_, _, err3 := r.ZeroCopyReadPacketData()
	if !errors.Is(err1, ErrInvalid) || err1 != err2 || err2 != err3 {
		t.Fatalf("errors %v / %v / %v, want the same ErrInvalid", err1, err2, err3)
	}
}

// TestGzip reads gzip-compressed fixtures, and cut or corrupt gzip streams.
func TestGzip(t *testing.T) {
	for _, f := range fixtures(t, 60) {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(f.data)
		zw.Close()
		r, err := NewReader(struct{ io.Reader }{bytes.NewReader(z.Bytes())})
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if !r.Compressed() || r.Format() != f.format {
			t.Fatalf("%s: compressed %v format %v", f.name, r.Compressed(), r.Format())
		}
		got, err := readAll(t, r, true)
		if err != io.EOF {
			t.Fatalf("%s: %v", f.name, err)
		}
		samePackets(t, got, f.want, func(i int, g, w pkt) {
			if g.ci != w.ci {
				t.Fatalf("%s packet %d differs", f.name, i+1)
			}
		})
		// Every cut of the compressed stream is an error: the gzip trailer is missing.
		zb := z.Bytes()
		for cut := 0; cut < len(zb); cut += 1 + cut/8 {
			got, err := readFile(t, zb[:cut])
			if !errors.Is(err, ErrTruncated) {
				t.Fatalf("%s: gzip cut at %d: %v", f.name, cut, err)
			}
			samePackets(t, got, f.want[:len(got)], func(i int, g, w pkt) {})
		}
	}
}

func TestGzipMessages(t *testing.T) {
	f := fixtures(t, 5)[0]
	// A flush after the file header makes a compressed prefix that ends
	// exactly at the first record boundary.
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(f.data[:24])
	zw.Flush()
	n := z.Len()
	zw.Write(f.data[24:])
	zw.Close()
	for _, c := range []struct {
		in   []byte
		kind error
		msg  string
	}{
		{z.Bytes()[:n], ErrTruncated, "truncated: gzip stream cut at byte offset 24 (after the file header)"},
		{z.Bytes()[:5], ErrTruncated, "truncated: gzip header cut short"},
		{[]byte{0x1f, 0x8b, 9, 0, 0, 0, 0, 0, 0, 0, 0}, ErrInvalid, "invalid: corrupt gzip stream at byte offset 0: gzip: invalid header"},
	} {
		_, err := readFile(t, c.in)
		if !isFormatErr(err, c.kind) || err.Error() != c.msg {
			t.Errorf("got %v, want %q", err, c.msg)
		}
	}
	bad := bytes.Clone(z.Bytes())
	bad[len(bad)-6] ^= 0xff // CRC
	if _, err := readFile(t, bad); !isFormatErr(err, ErrInvalid) ||
		!strings.HasPrefix(err.Error(), "invalid: corrupt gzip stream at byte offset ") {
		t.Errorf("bad checksum: %v", err)
	}
}
