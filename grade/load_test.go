package grade

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
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

func TestCheckLab(t *testing.T) {
	for _, c := range []struct{ lab, file, want string }{
		{"", "", "no lab: give --lab LAB or --rubric FILE"},
		{"udp-echo", "r.toml", "--lab and --rubric both given: choose one"},
	} {
		var fe *FlagError
		if err := CheckLab(c.lab, c.file); !errors.As(err, &fe) || err.Error() != c.want {
			t.Errorf("CheckLab(%q, %q) = %v, want the usage error %q", c.lab, c.file, err, c.want)
		}
	}
	if err := CheckLab("udp-echo", ""); err != nil {
		t.Errorf("CheckLab of a lab: %v", err)
	}
	if err := CheckLab("", "r.toml"); err != nil {
		t.Errorf("CheckLab of a rubric file: %v", err)
	}
}

func TestCheckLive(t *testing.T) {
	for lab, refused := range map[string]bool{"udp-echo": false, "turtle-sniffer": true} {
		r, _, err := LoadRubric(lab, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		err = CheckLive(r)
		var fe *FlagError
		if refused != (err != nil) || err != nil && (!errors.As(err, &fe) || !strings.Contains(err.Error(), "not --live")) {
			t.Errorf("CheckLive(%s) = %v", lab, err)
		}
	}
}

func TestLiveAsRefusesAUserThatDoesNotExist(t *testing.T) {
	r, _, err := LoadRubric("udp-echo", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		t.Skip("users are checked only by root, which drops to them (live.CheckUser)")
	}
	// Checked before any capture opens.
	_, err = LiveAs(context.Background(), r, "", "no-such-user-t24", LiveOptions{Interface: "lo", Timeout: time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "no-such-user-t24") {
		t.Errorf("LiveAs as a user that does not exist: %v", err)
	}
}

func TestCheckLiveFlags(t *testing.T) {
	for _, c := range []struct {
		path    string
		timeout time.Duration
		args    []string
		progs   bool
		want    string
	}{
		{"", 0, nil, true, "--live grades a capture as it is made; --program and --client run programs: choose one"},
		{"", 0, []string{"a.pcap", "b.pcap"}, false, "--live captures; it takes no PATH (got a.pcap)"},
		{"", -time.Second, nil, false, "--timeout -1s: cannot be negative"},
		{"-", 0, nil, false, "-w -: --live writes the capture to a file"},
	} {
		var fe *FlagError
		if err := CheckLiveFlags(c.path, c.timeout, c.args, c.progs); !errors.As(err, &fe) || err.Error() != c.want {
			t.Errorf("CheckLiveFlags = %v, want the usage error %q", err, c.want)
		}
	}
	if err := CheckLiveFlags("udp.pcapng", time.Minute, nil, false); err != nil {
		t.Errorf("CheckLiveFlags of good flags: %v", err)
	}
}
