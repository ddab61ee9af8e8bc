package grade

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Each LMS preset names students and ids from its export's layout.
func TestCollectPresets(t *testing.T) {
	write := func(t *testing.T, files ...string) string {
		dir := t.TempDir()
		for _, f := range files {
			path := filepath.Join(dir, f)
			os.MkdirAll(filepath.Dir(path), 0o755)
			data := []byte("\xd4\xc3\xb2\xa1")
			if strings.HasSuffix(f, ".py") || strings.HasSuffix(f, ".yml") || strings.HasSuffix(f, ".txt") {
				data = []byte("text")
			}
			if strings.HasSuffix(f, ".yml") {
				data = []byte("submission_111:\n  :submitters:\n  - :name: Alice Smith\n    :email: a@x\nsubmission_222:\n  :submitters:\n  - :name: Bob Brown\n")
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, tc := range []struct {
		from  string
		regex string
		files []string
		want  string // student/id:files;...
	}{
		{"canvas", "", []string{"smithalice_12345_67890_lab.pcap", "brownbob_LATE_23456_78901_lab.pcapng", "brownbob_LATE_23456_78901_server.py"},
			"brownbob/23456:1;smithalice/12345:1"},
		{"blackboard", "", []string{"Lab 1_jsmith_attempt_2024-01-31-10-00-00_lab.pcap", "Lab 1_bbrown_attempt_2024-01-31-11-00-00.txt"},
			"bbrown/:0 no capture found; the submission holds Lab 1_bbrown_attempt_2024-01-31-11-00-00.txt;jsmith/:1"},
		{"gradescope", "", []string{"submission_metadata.yml", "submission_111/lab.pcap", "submission_222/server.py"},
			"Alice Smith/111:1;Bob Brown/222:0 no capture found; the folder holds server.py"},
		{"", `^(?P<id>\d+)-(?P<name>\w+)$`, []string{"7-alice/x.pcap", "8-bob/y.pcap"}, "alice/7:1;bob/8:1"},
		// Folder names keep their dots: two students, not one "john".
		{"dirname", "", []string{"john.smith/sniff.pcap", "john.doe/lab1.pcap", "jane.zip.d/x.pcapng"}, "jane.zip.d/:1;john.doe/:1;john.smith/:1"},
	} {
		dir := write(t, tc.files...)
		opt := CollectOptions{From: tc.from}
		if tc.regex != "" {
			opt.Regex = regexp.MustCompile(tc.regex)
		}
		subs, _, err := Collect([]string{dir}, opt)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range subs {
			e := s.Student + "/" + s.ID + ":" + itoa(len(s.Files))
			if s.Why != "" {
				e += " " + s.Why
			}
			got = append(got, e)
		}
		if g := strings.Join(got, ";"); g != tc.want {
			t.Errorf("%s%s:\n got %s\nwant %s", tc.from, tc.regex, g, tc.want)
		}
	}
}

// A named pipe in an LMS export folder is not opened (opening it would
// wait for a writer, for ever): its student gets a row with no capture.
func TestCollectSkipsNamedPipes(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "smithalice_12345_67890_lab.pcap"), []byte("\xd4\xc3\xb2\xa1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "brownbob_23456_78901_x"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan []Submission, 1)
	go func() {
		subs, _, _ := Collect([]string{dir}, CollectOptions{From: "canvas"})
		done <- subs
	}()
	select {
	case subs := <-done:
		if len(subs) != 2 || subs[0].Student != "brownbob" || len(subs[0].Files) != 0 || len(subs[1].Files) != 1 {
			t.Errorf("collected %+v, want brownbob with no capture and smithalice with one", subs)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Collect opened the named pipe and waits for a writer")
	}
}
