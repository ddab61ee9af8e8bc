package decode

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestJSONEscapesBidi: the marks that make a viewer reorder or break text
// (issue 19 item 10) come out as \uXXXX, and the string still decodes to
// the same characters.
func TestJSONEscapesBidi(t *testing.T) {
	marks := []rune{0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
		0x2066, 0x2067, 0x2068, 0x2069}
	for _, r := range marks {
		in := "GET /" + string(r) + "txt.exe HTTP/1.1"
		got := string(appendJSONString(nil, in))
		want := fmt.Sprintf(`"GET /\u%04x`, r) + `txt.exe HTTP/1.1"`
		if got != want {
			t.Errorf("U+%04X: got %s, want %s", r, got, want)
		}
		if strings.ContainsRune(got, r) {
			t.Errorf("U+%04X passed through raw", r)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil || back != in {
			t.Errorf("U+%04X: %s decodes to %q, %v", r, got, back, err)
		}
	}
	// Neighbours that are ordinary text stay as they are.
	for _, r := range []rune{0x200d, 0x2010, 0x2027, 0x202f, 0x2065, 0x206a} {
		if got := string(appendJSONString(nil, string(r))); got != `"`+string(r)+`"` {
			t.Errorf("U+%04X escaped: %s", r, got)
		}
	}
}
