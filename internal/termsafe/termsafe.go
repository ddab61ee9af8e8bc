// Package termsafe makes untrusted bytes safe to print: what a capture, a
// student's program or an LMS export folder holds may carry ESC, BEL, CR,
// bidi controls or invalid UTF-8 that would drive a terminal or forge a
// line of a report. echo's replies, progress lines and interface names
// (capture, sniff) and grade's reports all escape through it, so one rule
// holds everywhere.
//
// It is a package of its own because those callers sit at different
// layers (capture below echo and grade) and none of them owns the others'
// output; the turtle and summary formats keep their own '.' for an
// unprintable byte, which the format itself defines.
package termsafe

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// AppendPrintable appends b for a terminal: printable UTF-8 (spaces
// included) as it is; every other byte or rune escaped as strconv.Quote
// does (\n, \t, \x1b, \u200b, \xff for invalid UTF-8); and a backslash
// doubled, so the text is unambiguous and never carries raw control
// bytes to the terminal.
func AppendPrintable(dst, b []byte) []byte {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1:
			dst = appendHexByte(dst, b[0])
		case r == '\\':
			dst = append(dst, `\\`...)
		case r == ' ' || strconv.IsPrint(r):
			dst = append(dst, b[:size]...)
		default:
			dst = appendQuotedRune(dst, r)
		}
		b = b[size:]
	}
	return dst
}

// AppendText appends b as the notes' print(data.decode('utf-8')) shows it
// on a terminal, with the terminal kept safe: valid UTF-8 as it is (tabs,
// line ends, backslashes, emoji joined by U+200D and other invisible
// characters included), but control characters that would drive the
// terminal (ESC, BEL, CR, backspace, the C1 range, DEL) escaped as \x1b,
// \a, \r..., and each byte of invalid UTF-8 as \xNN (where Python stops
// with a UnicodeDecodeError). (echo writes the notes' bytes unchanged when its
// output is not a terminal.)
func AppendText(dst, b []byte) []byte {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1:
			dst = appendHexByte(dst, b[0])
		case r == '\t' || r == '\n' || (r >= 0x20 && r < 0x7f) || (r > 0x9f && r != utf8.RuneError):
			dst = append(dst, b[:size]...)
		case r == utf8.RuneError:
			dst = append(dst, b[:size]...) // a real U+FFFD, sent as such
		default:
			dst = appendQuotedRune(dst, r)
		}
		b = b[size:]
	}
	return dst
}

func appendHexByte(dst []byte, c byte) []byte {
	return append(dst, '\\', 'x', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
}

func appendQuotedRune(dst []byte, r rune) []byte {
	q := strconv.AppendQuoteRuneToASCII(dst, r) // '\n' with quotes
	return append(q[:len(dst)], q[len(dst)+1:len(q)-1]...)
}

// Name is AppendPrintable for a file or interface name: every byte or
// rune a terminal would act on (C0 and C1 controls, ESC, BEL, bidi marks,
// invalid UTF-8) escaped (\x1b, \a, \u202e), so a name cannot move the
// cursor or forge a line.
func Name(s string) string {
	return string(AppendPrintable(nil, []byte(s)))
}

// Quote makes an untrusted name (a file or folder name, a pcapng
// comment or interface name) safe to print: a name of printable characters
// is returned as it is; any other (control characters such as a newline or
// ESC, invalid UTF-8, bidi controls that make a terminal show text in
// another order) is returned Go-quoted, every such character escaped, so
// that it can neither forge a line of a report nor drive a terminal.
func Quote(s string) string {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || !unicode.IsPrint(r) && r != ' ' {
			return strconv.Quote(s)
		}
		i += n
	}
	return s
}
