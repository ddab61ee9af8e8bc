package decode

import (
	"fmt"
	"strings"
)

// formats are the formats NewFormat knows, in the order help texts show
// them. The command line and the golden runner share this one table, so a
// manifest accepts exactly the --format values `turtle read` does.
var formats = [...]struct {
	name string
	make func() Format
}{
	{"turtle", func() Format { return &Turtle{} }},
	{"basic", func() Format { return Basic{} }},
	{"verbose", func() Format { return &Verbose{} }},
	{"summary", func() Format { return &Summary{} }},
	{"json", func() Format { return &JSON{} }},
}

// FormatNames returns the names NewFormat knows, in the order help texts
// show them.
func FormatNames() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.name
	}
	return names
}

// FormatMaker returns the constructor of the named format, which makes a
// fresh Format for each goroutine that needs one (formats keep per-frame
// state), or the error naming the formats there are.
func FormatMaker(name string) (func() Format, error) {
	for _, f := range formats {
		if f.name == name {
			return f.make, nil
		}
	}
	return nil, fmt.Errorf("unknown --format %q (want %s)", name, strings.Join(FormatNames(), ", "))
}

// NewFormat returns a fresh Format by name; formats keep per-frame state,
// so each goroutine needs its own.
func NewFormat(name string) (Format, error) {
	m, err := FormatMaker(name)
	if err != nil {
		return nil, err
	}
	return m(), nil
}
