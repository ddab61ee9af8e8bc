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
