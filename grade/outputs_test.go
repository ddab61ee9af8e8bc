package grade

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutputsWrite(t *testing.T) {
	dir := t.TempDir()
	r := mustLab(t, "udp-echo")
	results := []Result{{Student: "ann/..", Max: r.MaxScore()}, {Student: "bo\x01b", ID: "42", Max: r.MaxScore()}}
	o := Outputs{
		CSV:        filepath.Join(dir, "no-such-folder", "grades.csv"),
		JSON:       filepath.Join(dir, "grades.json"),
		Moodle:     filepath.Join(dir, "moodle.csv"),
		Canvas:     filepath.Join(dir, "canvas.csv"),
		Feedback:   filepath.Join(dir, "feedback"),
		Gradescope: filepath.Join(dir, "gs"),
		From:       "moodle",
	}
	msgs, ok := o.Write(r, results)
	if ok {
		t.Error("a CSV in a missing folder was no failure")
	}
	want := []string{
		o.CSV + ": ",
		o.Canvas + `: no --assignment: the column is named "` + canvasColumn(r, "") + `"`,
		o.Canvas + ": the ids come from a moodle export (--student-from moodle): Canvas will match none of them",
		o.Moodle + ": left out ann/.. (no LMS id",
		o.Canvas + ": left out ann/.. (no LMS id",
	}
	if len(msgs) != len(want) {
		t.Fatalf("messages:\n%s", strings.Join(msgs, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(msgs[i], want[i]) {
			t.Errorf("message %d: %q, want %q...", i, msgs[i], want[i])
		}
	}
	for _, f := range []string{"grades.json", "moodle.csv", "canvas.csv", "feedback/ann_...md", `feedback/"bo_x01b".md`,
		"gs/ann_../results.json", `gs/"bo_x01b"/results.json`} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("not written: %v", err)
		}
	}
	one := Outputs{Gradescope: filepath.Join(dir, "one.json"), Single: true}
	if msgs, ok := one.Write(r, results[1:]); !ok || len(msgs) != 0 {
		t.Errorf("one results.json: %v", msgs)
	}
	if _, err := os.Stat(one.Gradescope); err != nil {
		t.Error(err)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{"alice": "alice", "a/b\\c": "a_b_c", "": "_", ".": "_.", "..": "_..", "x\ny": `"x_ny"`} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadRoster(t *testing.T) {
	path := filepath.Join(t.TempDir(), "class.csv")
	if _, err := LoadRoster(path); err == nil || !strings.HasPrefix(err.Error(), path+": open: ") {
		t.Errorf("a missing roster: %v", err)
	}
	os.WriteFile(path, []byte("Name,ID\nAnn Lee,7\n"), 0o644)
	got, err := LoadRoster(path)
	if err != nil || len(got) != 1 || got[0] != (RosterEntry{"Ann Lee", "7"}) {
		t.Errorf("LoadRoster: %v, %v", got, err)
	}
}

func TestCollectClass(t *testing.T) {
	dir := t.TempDir()
	var fe *FlagError
	if _, _, err := CollectClass([]string{filepath.Join(dir, "none")}, CollectOptions{From: "filename"}, ""); !errors.As(err, &fe) {
		t.Errorf("a missing path: %v, want a FlagError", err)
	}
	if _, _, err := CollectClass([]string{dir}, CollectOptions{From: "filename"}, ""); err == nil || err.Error() != "no capture file in "+dir {
		t.Errorf("an empty folder: %v", err)
	}
	if _, _, err := CollectClass([]string{dir}, CollectOptions{From: "filename"}, filepath.Join(dir, "none.csv")); err == nil || !strings.HasPrefix(err.Error(), "--roster: ") {
		t.Errorf("a missing roster: %v", err)
	}
	roster := filepath.Join(t.TempDir(), "class.csv")
	os.WriteFile(roster, []byte("Name\nAnn Lee\n"), 0o644)
	subs, _, err := CollectClass([]string{dir}, CollectOptions{From: "filename"}, roster)
	if err != nil || len(subs) != 1 || subs[0].Student != "Ann Lee" || len(subs[0].Files) != 0 {
		t.Errorf("a roster student with nothing handed in: %+v, %v", subs, err)
	}
}

func TestOutputsCheck(t *testing.T) {
	var fe *FlagError
	o := Outputs{Autolab: &strings.Builder{}}
	if err := o.Check(2); !errors.As(err, &fe) || err.Error() != "--autolab grades one student; 2 given" {
		t.Errorf("--autolab, 2 students: %v", err)
	}
	o = Outputs{Gradescope: "out/results.json"}
	if err := o.Check(3); !errors.As(err, &fe) || err.Error() != "--gradescope out/results.json is one file for one student; 3 given (give a directory)" || !o.Single {
		t.Errorf("--gradescope FILE.json, 3 students: %v (Single %v)", err, o.Single)
	}
	if err := o.Check(1); err != nil || !o.Single {
		t.Errorf("--gradescope FILE.json, 1 student: %v (Single %v)", err, o.Single)
	}
	o = Outputs{Gradescope: "out"}
	if err := o.Check(3); err != nil || o.Single {
		t.Errorf("--gradescope DIR: %v (Single %v)", err, o.Single)
	}
}

func TestOutputsWriteAutolab(t *testing.T) {
	r := mustLab(t, "udp-echo")
	var b strings.Builder
	res := Result{Student: "ann", Max: r.MaxScore()}
	for _, c := range r.Checks {
		res.Checks = append(res.Checks, CheckResult{ID: c.ID, Max: c.Points})
	}
	if msgs, ok := (Outputs{Autolab: &b}).Write(r, []Result{res}); !ok || len(msgs) != 0 {
		t.Fatalf("Write: %q, %v", msgs, ok)
	}
	var want strings.Builder
	WriteAutolab(&want, res)
	if b.String() != want.String() || !strings.HasPrefix(b.String(), `{"scores": {`) {
		t.Errorf("Autolab's line: %q, want %q", b.String(), want.String())
	}
}

func TestCollectFlags(t *testing.T) {
	var fe *FlagError
	if _, _, err := CollectFlags([]string{t.TempDir()}, "dirname", "(", ""); !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "--student-regex: ") {
		t.Errorf("a regex that does not compile: %v", err)
	}
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "hw1-alice-17"), 0o755)
	subs, _, err := CollectFlags([]string{dir}, "dirname", `^hw1-(?P<name>[a-z]+)-(?P<id>\d+)$`, "")
	if err != nil || len(subs) != 1 || subs[0].Student != "alice" || subs[0].ID != "17" {
		t.Errorf("--student-regex: %+v, %v", subs, err)
	}
}
