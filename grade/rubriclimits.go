package grade

import (
	"fmt"
)

// Limits on a rubric file, checked before the TOML parser sees it. No
// rubric needs more than a few kilobytes, two levels of nesting or keys
// longer than a word, while a hostile file can make the parser take
// gigabytes (inline tables nested 8,000 deep), overflow its stack (arrays
// nested a million deep) or spend minutes (a header of 100,000 dotted
// parts). BurntSushi/toml has no limits of its own, so this scan, written
// by hand, is a lexer only: it tracks strings, comments, brackets and keys,
// nothing else.
const (
	MaxRubricBytes   = 1 << 20 // the labs are under 2 KB
	MaxRubricDepth   = 8       // arrays and inline tables, one inside another
	MaxRubricKeyLen  = 64      // bytes of one key, quotes and dots included
	MaxRubricKeyDots = 8       // dotted parts of one key or table header
)

// CheckRubricLimits refuses, in one line that names the file, the line and
// the limit, rubric text that exceeds one of the limits above.
func CheckRubricLimits(name string, data []byte) error {
	if len(data) > MaxRubricBytes {
		return fmt.Errorf("%s: %d bytes: a rubric may have at most %d bytes", name, len(data), MaxRubricBytes)
	}
	fail := func(line int, format string, a ...any) error {
		return fmt.Errorf("%s:%d: "+format, append([]any{name, line}, a...)...)
	}
	var (
		stack   []byte // open '[' (array) and '{' (inline table) of values
		line    = 1
		inKey   = true // reading a key (or a table header's name)
		header  = false
		keyLen  = 0
		keyDots = 0
	)
	startKey := func() { inKey, keyLen, keyDots = true, 0, 0 }
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\n':
			line++
			if len(stack) == 0 {
				startKey()
				header = false
			}
			continue
		case c == '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			i-- // the newline is counted above
			continue
		case c == '"' || c == '\'':
			end, lines := skipString(data, i)
			if inKey {
				keyLen += end - i
			}
			line += lines
			i = end - 1
		case inKey && (c == ' ' || c == '\t' || c == '\r'):
		case inKey && c == '[' && keyLen == 0 && len(stack) == 0 && !header:
			header = true // [table] or [[array of tables]]
		case inKey && header && c == '[' && keyLen == 0:
		case inKey && header && c == ']':
			inKey = false
		case inKey && c == '=':
			inKey = false
		case inKey && c == '.':
			keyDots++
			keyLen++
		case inKey && c == '}' && len(stack) > 0: // an empty inline table {}
			stack = stack[:len(stack)-1]
			inKey = false
		case inKey:
			keyLen++
		case c == '[' || c == '{':
			stack = append(stack, c)
			if len(stack) > MaxRubricDepth {
				return fail(line, "arrays and inline tables nested more than %d deep; no rubric needs more", MaxRubricDepth)
			}
			if c == '{' {
				startKey()
			}
		case c == ']' || c == '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case c == ',' && len(stack) > 0 && stack[len(stack)-1] == '{':
			startKey()
		}
		if keyLen > MaxRubricKeyLen {
			return fail(line, "a key longer than %d bytes; no rubric needs one", MaxRubricKeyLen)
		}
		if keyDots >= MaxRubricKeyDots {
			return fail(line, "a key of more than %d dotted parts; no rubric needs one", MaxRubricKeyDots)
		}
	}
	return nil
}

// skipString returns the offset just past the string that starts at i
// (basic, literal, or either multi-line form; an unterminated one runs to
// the end, for the parser to report) and the newlines it holds.
func skipString(data []byte, i int) (end, lines int) {
	q := data[i]
	multi := i+2 < len(data) && data[i+1] == q && data[i+2] == q
	j := i + 1
	if multi {
		j = i + 3
	}
	for j < len(data) {
		c := data[j]
		switch {
		case c == '\\' && q == '"':
			if j+1 < len(data) && data[j+1] == '\n' {
				lines++
			}
			j += 2
			continue
		case c == '\n':
			lines++
			if !multi {
				return j, lines - 1 // the caller counts this newline
			}
		case c == q && !multi:
			return j + 1, lines
		case c == q && j+2 < len(data) && data[j+1] == q && data[j+2] == q:
			j += 3
			for j < len(data) && data[j] == q { // up to two quotes may end the string
				j++
			}
			return j, lines
		}
		j++
	}
	return len(data), lines
}
