package grade

import (
	"strings"
	"testing"
)

// Issue 19 item 5: what no rubric needs is refused in one line naming the
// limit, before the TOML parser sees it; the labs and ordinary TOML pass.
func TestRubricLimitsRefuseHostileTOML(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"inline tables 8000 deep", "x = " + strings.Repeat("{a=", 8000) + "1" + strings.Repeat("}", 8000),
			"r.toml:1: arrays and inline tables nested more than 8 deep"},
		{"arrays a million deep", "x = " + strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000),
			"a rubric may have at most 1048576 bytes"},
		{"arrays 100 deep", "lab = \"x\"\n\nx = " + strings.Repeat("[", 100) + strings.Repeat("]", 100),
			"r.toml:3: arrays and inline tables nested more than 8 deep"},
		{"header of 100,000 dotted parts", "[" + strings.Repeat("a.", 100_000) + "a]\n",
			"r.toml:1: a key of more than 8 dotted parts"},
		{"dotted key", "a.b.c.d.e.f.g.h.i = 1\n", "a key of more than 8 dotted parts"},
		{"long key", strings.Repeat("k", 65) + " = 1\n", "r.toml:1: a key longer than 64 bytes"},
		{"long quoted key", "\n\"" + strings.Repeat("k", 70) + "\" = 1\n", "r.toml:2: a key longer than 64 bytes"},
		{"long key in an inline table", "x = {a = 1, " + strings.Repeat("k", 65) + " = 2}\n", "a key longer than 64 bytes"},
		{"too big", strings.Repeat("# comment\n", 200_000), "a rubric may have at most 1048576 bytes"},
	} {
		err := CheckRubricLimits("r.toml", []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		// ParseRubric refuses it the same way, without reaching the parser.
		if _, err := ParseRubric("r.toml", []byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseRubric: %v", tc.name, err)
		}
	}
}

func TestRubricLimitsPassOrdinaryTOML(t *testing.T) {
	for _, lab := range Labs() {
		src, err := LabSource(lab)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckRubricLimits(lab, src); err != nil {
			t.Errorf("lab %s: %v", lab, err)
		}
	}
	ok := `# brackets and dots inside strings and comments count for nothing: [[[[[[[[[[ a.b.c.d.e.f.g.h.i
lab = "x [[[[[[[[[[ {{{{{{{{{{ a.b.c.d.e.f.g.h.i.j"
title = 'literal [[[[[[[[[[['
description = """
multi-line [[[[[[[[[[[[[ with "quotes" and \"escapes\" \
a.b.c.d.e.f.g.h.i.j.k = 1
"""
raw = '''
[[[[[[[[[[[[[[[[[[[ ''
'''
ratio = 1.5
when = 2026-12-03T22:00:00.5Z
list = [
  [1, 2], [3, [4, [5]]],
  {a = {b = {c = 1}}},
]
[defaults]
port = 12500
[[check]]
id = "x" # [[[[[[[[[[[[[
"quoted.key.with.dots" = 1
a.b.c = { d = [], e = {} }
`
	if err := CheckRubricLimits("ok.toml", []byte(ok)); err != nil {
		t.Errorf("ordinary TOML refused: %v", err)
	}
}
