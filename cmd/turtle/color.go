package main

import (
	"fmt"
	"io"
	"os"

	"github.com/turtle-sniffer/turtle/decode"
)

// colorWanted decides --color: "always", "never", or "auto", which colours
// only when the text goes to a terminal (not a file named by -o) and the
// NO_COLOR variable is unset (https://no-color.org).
func colorWanted(mode string, out io.Writer, toFile bool) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		_, noColor := os.LookupEnv("NO_COLOR")
		return !noColor && !toFile && isTerminal(out), nil
	}
	return false, fmt.Errorf("unknown --color %q (want auto, always or never)", mode)
}

// withColor turns colour on for the formats that have it: only verbose
// colours (layer names, the frame line, problems); the others are meant
// for scanning, grepping and scripts.
func withColor(f decode.Format, on bool) decode.Format {
	if v, ok := f.(*decode.Verbose); ok {
		v.Color = on
	}
	return f
}
