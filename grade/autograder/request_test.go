package autograder

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/grade"
)

func TestRequestCheck(t *testing.T) {
	ok := Request{Kind: "gradescope", Lab: "udp-echo", Output: "lab.zip", Visibility: "visible"}
	for _, c := range []struct {
		change func(*Request)
		want   string
	}{
		{func(q *Request) { q.Kind = "moodle" }, `--autograder "moodle": want gradescope or autolab`},
		{func(q *Request) { q.Lab = "" }, "no lab: give --lab LAB or --rubric FILE"},
		{func(q *Request) { q.RubricFile = "r.toml" }, "--lab and --rubric both given: choose one"},
		{func(q *Request) { q.Output = "" }, "--autograder gradescope: give the package's path with -o"},
		{func(q *Request) { q.Args = []string{"a", "b"} }, "--autograder builds a package and grades nothing now: drop a b"},
		{func(q *Request) { q.Visibility = "never" }, `--visibility "never": want visible, hidden, after_due_date or after_published`},
	} {
		q := ok
		c.change(&q)
		var fe *grade.FlagError
		if err := q.Check(); !errors.As(err, &fe) || err.Error() != c.want {
			t.Errorf("Check() = %v, want the usage error %q", err, c.want)
		}
	}
	if err := ok.Check(); err != nil {
		t.Errorf("Check() of a good request: %v", err)
	}
}

func TestRequestBuild(t *testing.T) {
	r, src, err := grade.LoadRubric("udp-echo", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "turtle")
	os.WriteFile(bin, []byte("not an ELF"), 0o755)
	q := Request{Kind: "autolab", Lab: "udp-echo", Output: filepath.Join(t.TempDir(), "pkg"), Binary: bin, Visibility: "visible"}
	if _, err := q.Build(r, src); err == nil || !strings.Contains(err.Error(), bin) {
		t.Errorf("Build with a binary that is not a static turtle: %v", err)
	}
	if _, err := os.Stat(q.Output); err == nil {
		t.Errorf("Build wrote %s though it failed", q.Output)
	}
}

func TestRunCheck(t *testing.T) {
	ok := Run{Kind: "gradescope", RubricFile: "rubric.toml", Output: "results.json", Paths: []string{"sub"}}
	for _, c := range []struct {
		change func(*Run)
		want   string
	}{
		{func(o *Run) { o.Kind = "canvas" }, `--autograder-run "canvas": want gradescope or autolab`},
		{func(o *Run) { o.RubricFile = "" }, "--autograder-run needs --rubric FILE"},
		{func(o *Run) { o.Output = "" }, "--autograder-run gradescope needs -o RESULTS.json"},
		{func(o *Run) { o.Paths = nil }, "--autograder-run: no submission folder given"},
	} {
		o := ok
		c.change(&o)
		var fe *grade.FlagError
		if err := o.Check(); !errors.As(err, &fe) || err.Error() != c.want {
			t.Errorf("Check() = %v, want the usage error %q", err, c.want)
		}
	}
	autolab := Run{Kind: "autolab", RubricFile: "rubric.toml", Paths: []string{"sub"}}
	if err := autolab.Check(); err != nil {
		t.Errorf("Check() of autolab without -o: %v", err)
	}
}

func TestRunGrade(t *testing.T) {
	src, err := grade.LabSource("udp-echo")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rubric := filepath.Join(dir, "rubric.toml")
	os.WriteFile(rubric, src, 0o644)
	sub := filepath.Join(dir, "submission")
	os.Mkdir(sub, 0o755)
	var msgs []string
	message := func(s string) { msgs = append(msgs, s) }

	// Autolab, nothing handed in: the reason and an empty score line, exit 1.
	var out bytes.Buffer
	o := Run{Kind: "autolab", RubricFile: rubric, Paths: []string{sub}}
	if code := o.Grade(context.Background(), &out, message); code != 1 || !strings.HasSuffix(out.String(), "no capture file (.pcap, .pcapng, .cap, gzip) in the submission\n{\"scores\": {}}\n") {
		t.Errorf("autolab, empty submission: exit %d, %q", code, out.String())
	}

	// Gradescope, nothing handed in: results.json says why, exit 0.
	out.Reset()
	o = Run{Kind: "gradescope", RubricFile: rubric, Output: filepath.Join(dir, "results.json"), Visibility: "visible", Paths: []string{sub}}
	if code := o.Grade(context.Background(), &out, message); code != 0 || len(msgs) != 1 || !strings.Contains(msgs[0], "no capture file") {
		t.Errorf("gradescope, empty submission: exit %d, messages %q", code, msgs)
	}
	if b, err := os.ReadFile(o.Output); err != nil || !bytes.Contains(b, []byte("could not grade this submission")) {
		t.Errorf("results.json: %s, %v", b, err)
	}

	// A capture: the score on stdout for Gradescope, the table and the
	// scores line for Autolab.
	capture, err := os.ReadFile(filepath.Join("..", "testdata", "recorded", "udp-echo-lo.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(sub, "alice.pcapng"), capture, 0o644)
	out.Reset()
	if code := o.Grade(context.Background(), &out, message); code != 0 || !strings.HasPrefix(out.String(), o.Output+": ") {
		t.Errorf("gradescope: exit %d, %q", code, out.String())
	}
	out.Reset()
	o = Run{Kind: "autolab", RubricFile: rubric, Paths: []string{sub}}
	if code := o.Grade(context.Background(), &out, message); code != 0 || !strings.Contains(out.String(), `{"scores": {`) {
		t.Errorf("autolab: exit %d, %q", code, out.String())
	}
}
