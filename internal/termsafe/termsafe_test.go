package termsafe

import "testing"

func TestAppendPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"hello, turtle":     "hello, turtle",
		"héllo ☃ 🐢":         "héllo ☃ 🐢",
		"a\nb\tc\r":         `a\nb\tc\r`,
		"\x1b[31mred":       `\x1b[31mred`,
		"\x00\x7f":          `\x00\x7f`,
		"bad \xff\xfe utf8": `bad \xff\xfe utf8`,
		`back\slash`:        `back\\slash`,
		"zero\u200bwidth":   `zero\u200bwidth`,
		"\u0085next line":   `\u0085next line`,
	} {
		if got := string(AppendPrintable(nil, []byte(in))); got != want {
			t.Errorf("AppendPrintable(%q) = %q, want %q", in, got, want)
		}
	}
	if got := string(AppendPrintable([]byte("x:"), []byte("\n"))); got != `x:\n` {
		t.Errorf("appending to a prefix: %q", got)
	}
}

func TestAppendText(t *testing.T) {
	for in, want := range map[string]string{
		"C:\\temp\\new\tx":          "C:\\temp\\new\tx",
		"👩\u200d💻 line\nnext":       "👩\u200d💻 line\nnext",
		"\x1b[2J\a\r\x7f\u0085\xff": `\x1b[2J\a\r\x7f\u0085\xff`,
		"\ufffd":                    "\ufffd",
	} {
		if got := string(AppendText(nil, []byte(in))); got != want {
			t.Errorf("AppendText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNameAndQuote(t *testing.T) {
	if got := Name("eth0\x1b[2J\u202e"); got != `eth0\x1b[2J\u202e` {
		t.Errorf("Name = %q", got)
	}
	for in, want := range map[string]string{
		"alice":       "alice",
		"bob smith":   "bob smith",
		"eve\nforged": `"eve\nforged"`,
		"\u202etxt":   `"\u202etxt"`,
		"bad\xff":     `"bad\xff"`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %q, want %q", in, got, want)
		}
	}
}
