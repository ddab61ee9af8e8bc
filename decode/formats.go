package decode

import (
	"fmt"
	"strings"
)

// FormatNames lists the formats NewFormat knows, in the order help texts
// show them. The command line and the golden runner share this one table,
// so a manifest accepts exactly the --format values `turtle read` does.
var FormatNames = []string{"turtle", "basic", "verbose", "summary", "json"}

// NewFormat returns a fresh Format by name; formats keep per-frame state,
// so each goroutine needs its own.
func NewFormat(name string) (Format, error) {
	switch name {
	case "turtle":
		return &Turtle{}, nil
	case "basic":
		return Basic{}, nil
	case "verbose":
		return &Verbose{}, nil
	case "summary":
		return &Summary{}, nil
	case "json":
		return &JSON{}, nil
	}
	return nil, fmt.Errorf("unknown --format %q (want %s)", name, strings.Join(FormatNames, ", "))
}
