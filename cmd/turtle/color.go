package main

import "github.com/turtle-sniffer/turtle/decode"

// withColor turns colour on for the formats that have it: only verbose
// colours (layer names, the frame line, problems); the others are meant
// for scanning, grepping and scripts.
func withColor(f decode.Format, on bool) decode.Format {
	if v, ok := f.(*decode.Verbose); ok {
		v.Color = on
	}
	return f
}
