package grade

import (
	"errors"
	"strings"
	"testing"
)

func TestLoadRubric(t *testing.T) {
	var fe *FlagError
	if _, _, err := LoadRubric("no-such-lab", "", nil); !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "--lab: no lab") {
		t.Errorf("unknown lab: %v", err)
	}
	if _, _, err := LoadRubric("udp-echo", "", []string{"no-such-key=1"}); !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "--set ") {
		t.Errorf("bad --set: %v", err)
	}
	dir := t.TempDir()
	if _, _, err := LoadRubric("", dir, nil); err == nil || errors.As(err, &fe) || !strings.HasPrefix(err.Error(), dir+": ") {
		t.Errorf("a folder: %v", err)
	}
	r, src, err := LoadRubric("udp-echo", "", nil)
	if err != nil || r == nil || len(src) == 0 {
		t.Fatalf("udp-echo: %v", err)
	}
}

// Issue 24: results.json says when students see it, from the grade package.
func TestWriteGradescopeWith(t *testing.T) {
	var b strings.Builder
	res := Result{Score: 3, Max: 5, Notes: []string{"a note"}}
	if err := WriteGradescopeWith(&b, res, GradescopeOptions{Visibility: "after_due_date", StdoutVisibility: "hidden"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"visibility": "after_due_date"`, `"stdout_visibility": "hidden"`, `"output": "Note: a note"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %s in\n%s", want, b.String())
		}
	}
	b.Reset()
	WriteGradescopeWith(&b, res, GradescopeOptions{Output: "replaced"})
	if !strings.Contains(b.String(), `"output": "replaced"`) || strings.Contains(b.String(), "visibility") {
		t.Errorf("%s", b.String())
	}
	b.Reset()
	WriteGradescope(&b, res)
	if strings.Contains(b.String(), "visibility") {
		t.Errorf("WriteGradescope sets a visibility:\n%s", b.String())
	}
}
