package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestColorWanted(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	var buf bytes.Buffer
	for _, c := range []struct {
		mode   string
		toFile bool
		want   bool
	}{
		{"always", true, true},
		{"never", false, false},
		{"auto", false, false}, // a buffer is no terminal
	} {
		if on, err := ColorWanted(c.mode, &buf, c.toFile); on != c.want || err != nil {
			t.Errorf("%s: %v, %v; want %v", c.mode, on, err, c.want)
		}
	}
	if on, _ := ColorWanted("auto", null, false); on {
		t.Errorf("auto on %s: colour", os.DevNull)
	}
	if _, err := ColorWanted("sometimes", &buf, false); err == nil || !strings.Contains(err.Error(), `unknown --color "sometimes"`) {
		t.Errorf("a bad mode: %v", err)
	}
	if IsTerminal(null) || IsTerminal(&buf) || TerminalWidth(null) != 0 || TerminalWidth(&buf) != 0 {
		t.Errorf("%s or a buffer taken for a terminal", os.DevNull)
	}
}
