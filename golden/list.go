package golden

import (
	"fmt"
	"io"
	"strings"
)

// CasesOfFormat is the selection of a run by a program that does not take
// the options column: the cases named in only, or, when none is, those of
// format (a --format name; "all" is every case). Without run, or when run
// takes the column ({args}), it is only.
func (m *Manifest) CasesOfFormat(run *Program, only []string, format string) ([]string, error) {
	if run == nil || run.TakesArgs() || len(only) > 0 || format == "all" {
		return only, nil
	}
	for _, c := range m.Cases {
		if c.Format == format {
			only = append(only, c.Name)
		}
	}
	if len(only) == 0 {
		return nil, fmt.Errorf("%s has no case of format %s (--run-format)", m.Path, format)
	}
	return only, nil
}

// List writes each case named in only (all when empty), one per line: its
// name, golden and the command that decodes it (or why it is skipped),
// separated by tabs.
func (m *Manifest) List(w io.Writer, only []string) error {
	cases := m.Cases
	if len(only) > 0 {
		cases = nil
		for _, name := range only {
			c := m.Case(name)
			if c == nil {
				return fmt.Errorf("%s: no case named %q", m.Path, name)
			}
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		var how string
		switch {
		case c.Skip != "":
			how = "skip: " + c.Skip
		case c.Program != nil:
			how = strings.Join(quoteAll(c.Program.Command(m, c, m.Resolve(c.Capture))), " ")
		default:
			how = strings.Join(quoteAll(append([]string{"turtle", "read", m.Resolve(c.Capture)}, c.Args...)), " ")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", c.Name, m.Resolve(c.Golden), how)
	}
	return nil
}

// quoteAll quotes the words that need it for a shell, for display.
func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		if w != "" && !strings.ContainsAny(w, " \t\n'\"\\$`*?[]{}()<>|&;") && w[0] != '#' && w[0] != '~' {
			out[i] = w
			continue
		}
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return out
}
