//go:build !linux

package main

import "io"

// terminalWidth is 0 (unknown) outside Linux: set $COLUMNS or --width.
func terminalWidth(io.Writer) int { return 0 }
