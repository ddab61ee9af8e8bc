package grade

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// TestStreamIsFileGrading feeds real captures to a Stream one frame at a
// time, judging every check after every frame as a live run does, and
// asserts that the result is file grading's, for every capture lab: what
// Check finds on the way (review reasons of a capture not yet complete)
// must not leak into the end.
func TestStreamIsFileGrading(t *testing.T) {
	files, _ := filepath.Glob("testdata/recorded/*.pcap*")
	more, _ := filepath.Glob("../testdata/*.pcap*")
	files = append(files, more...)
	if len(files) < 10 {
		t.Fatalf("only %d captures found", len(files))
	}
	for _, lab := range []string{"udp-echo", "tcp-echo", "tcp-concurrent", "tcp-iterative", "ping", "sniffer"} {
		r, err := Lab(lab)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := GradeReader(r, "s", path, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			st, err := NewStream(r, path)
			if err != nil {
				t.Fatal(err)
			}
			pr, err := pcapio.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			checks := 0
			for {
				frame, ci, err := pr.ReadPacketData()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				st.Add(frame, ci)
				if st.Frames() < 3000 || st.Frames()%500 == 0 { // the 1 MB captures: every frame would take minutes
					st.Check()
					checks++
				}
			}
			got := st.Result(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
			got.Student = "s"
			got.print, want.print = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %s: the stream (judged %d times) differs from file grading:\n got %+v\nwant %+v", lab, path, checks, got, want)
			}
		}
	}
}

// TestStreamVerdicts: a check passes at the frame that completes it and
// keeps that frame while it stays passed.
func TestStreamVerdicts(t *testing.T) {
	r, err := Lab("udp-echo")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/recorded/udp-echo-lo.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStream(r, "x")
	if err != nil {
		t.Fatal(err)
	}
	pr, err := pcapio.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	passedAt := map[string]int{}
	for {
		frame, ci, err := pr.ReadPacketData()
		if err != nil {
			break
		}
		st.Add(frame, ci)
		for _, v := range st.Check() {
			if v.Passed && v.Changed {
				passedAt[v.ID] = v.Frame
			}
			if v.Passed && v.Frame != passedAt[v.ID] {
				t.Errorf("frame %d: %s passed at frame %d, now says %d", st.Frames(), v.ID, passedAt[v.ID], v.Frame)
			}
		}
	}
	if passedAt["request"] != 1 || passedAt["echo"] != 2 {
		t.Fatalf("passed at %v, want request at frame 1, echo at frame 2", passedAt)
	}
}

func TestProgramChecks(t *testing.T) {
	for lab, want := range map[string]bool{"udp-echo": false, "ping": false, "sniffer": false, "turtle-sniffer": true, "basic-sniffer": true} {
		r, err := Lab(lab)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(r.ProgramChecks()) > 0; got != want {
			t.Errorf("%s: program checks %v, want %v", lab, r.ProgramChecks(), want)
		}
	}
}
