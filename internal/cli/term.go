package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal, as golang.org/x/term tells
// it: the terminal ioctl succeeds on Unix (/dev/null, also a character
// device, is no terminal), a console on Windows.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// TerminalWidth is the columns of the terminal w is, or 0.
func TerminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return cols
}

// Color is --color WHEN: whether to colour what (e.g. "the verbose
// format"); ColorWanted reads it.
func Color(fs *pflag.FlagSet, what string) *string {
	return fs.String("color", "auto", "colour "+what+" (`WHEN`): auto (a terminal, NO_COLOR unset), always or never")
}

// ColorWanted decides --color: "always", "never", or "auto", which colours
// only when the text goes to a terminal (not a file named by -o) and the
// NO_COLOR variable is unset (https://no-color.org).
func ColorWanted(mode string, out io.Writer, toFile bool) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		_, noColor := os.LookupEnv("NO_COLOR")
		return !noColor && !toFile && IsTerminal(out), nil
	}
	return false, fmt.Errorf("unknown --color %q (want auto, always or never)", mode)
}
