package main

import (
	"github.com/turtle-sniffer/turtle/decode"
)

// formatNames lists the values of --format, in the order --help shows them.
var formatNames = decode.FormatNames

// newFormat returns a fresh Format by name; each goroutine needs its own.
// The table lives in decode so that the golden runner accepts the same names.
func newFormat(name string) (decode.Format, error) {
	return decode.NewFormat(name)
}
