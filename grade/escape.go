package grade

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Escape makes a student-controlled name (a file or folder name, a pcapng
// comment or interface name) safe to print: a name of printable characters
// is returned as it is; any other (control characters such as a newline or
// ESC, invalid UTF-8, bidi controls that make a terminal show text in
// another order) is returned Go-quoted, every such character escaped, so
// that it can neither forge a line of a report nor drive a terminal.
func Escape(s string) string {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || !unicode.IsPrint(r) && r != ' ' {
			return strconv.Quote(s)
		}
		i += n
	}
	return s
}
