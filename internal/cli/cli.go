// Package cli owns turtle's command-line vocabulary, so that a flag means
// one thing in every command (issue 24): the flag set of a command with the
// help layout every command shares (purpose, usage line, one example,
// flags with the kind of their value), how a parse or usage error is
// reported (one line naming the command and its --help, exit code 2), and
// the flags several commands take, defined here once with their name,
// shorthand and value (-f/--filter EXPR, -o/--output FILE, --to-format,
// -j/--jobs N, --time-limit, --output-limit KiB, --color WHEN with what a
// terminal is). It is a package of its own because no domain package owns
// a flag shared by several of them.
package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// NewFlagSet returns a FlagSet for one subcommand whose --help prints the
// command's purpose, its usage line, one example and its flags to stdout
// (pflag calls Usage only for --help when errors are continued on).
func NewFlagSet(name, usageLine, about, example string, stdout, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet("turtle "+name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "%s\n\nUsage:\n  turtle %s\n\nExample:\n  %s\n\nFlags:\n%s", about, usageLine, example, valueKinds(fs, fs.FlagUsages()))
	}
	return fs
}

// Parse parses args and maps the outcome to an exit code: ok is true
// when the command should go on; otherwise code is 0 (--help) or 2 (usage).
func Parse(fs *pflag.FlagSet, args []string) (ok bool, code int) {
	err := fs.Parse(args)
	if err == nil {
		return true, 0
	}
	if errors.Is(err, pflag.ErrHelp) {
		return false, 0
	}
	fmt.Fprintf(fs.Output(), "%s: %v (run '%s --help')\n", fs.Name(), err, fs.Name())
	return false, 2
}

// UsageError returns how a command reports a usage error found after its
// flags parsed: one line on the flag set's output (stderr) naming the
// command and its --help, as Parse does, and exit code 2.
func UsageError(fs *pflag.FlagSet) func(format string, a ...any) int {
	return func(format string, a ...any) int {
		fmt.Fprintf(fs.Output(), "%s: %s (run '%s --help')\n", fs.Name(), fmt.Sprintf(format, a...), fs.Name())
		return 2
	}
}

// DeprecatedAlias makes old a hidden spelling of the flag named current
// (the same value, set by either), kept for a release: using it prints
// one line on standard error, "Flag --old has been deprecated, use
// --current instead", and goes on.
func DeprecatedAlias(fs *pflag.FlagSet, old, current string) {
	f := fs.Lookup(current)
	fs.Var(f.Value, old, f.Usage)
	fs.MarkDeprecated(old, "use --"+current+" instead")
}

// valueKinds rewrites the help of flags whose usage names no value (no
// `NAME` in backquotes) to say what the value is instead of pflag's Go
// type: DURATION, N, X (a number with a fraction), or the flag's name in
// capitals for a string. The columns stay aligned.
func valueKinds(fs *pflag.FlagSet, usages string) string {
	kinds := map[string]string{"duration": "DURATION", "int": "N", "int64": "N", "uint": "N", "uint16": "N",
		"uint32": "N", "float64": "X", "float32": "X"}
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || strings.Contains(f.Usage, "`") {
			return
		}
		typ := f.Value.Type()
		kind, ok := kinds[typ]
		if typ == "string" {
			kind, ok = strings.ToUpper(f.Name), true
			if i := strings.LastIndexByte(kind, '-'); i >= 0 {
				kind = kind[i+1:] // --stats-addr ADDR
			}
		}
		if !ok {
			return
		}
		switch typ { // as pflag shows them
		case "float64":
			typ = "float"
		case "int64":
			typ = "int"
		case "uint64":
			typ = "uint"
		}
		old := "--" + f.Name + " " + typ + " "
		i := strings.Index(usages, old)
		if i < 0 {
			return
		}
		// Keep the usage column where it was: pad, or eat spaces (at least
		// one stays).
		rest := usages[i+len(old):]
		pad := len(typ) - len(kind)
		switch {
		case pad > 0:
			rest = strings.Repeat(" ", pad) + rest
		case pad < 0:
			for n := -pad; n > 0 && strings.HasPrefix(rest, "  "); n-- {
				rest = rest[1:]
			}
		}
		usages = usages[:i] + "--" + f.Name + " " + kind + " " + rest
	})
	return usages
}
