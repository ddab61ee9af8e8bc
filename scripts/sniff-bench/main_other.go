//go:build !linux

// Command sniff-bench floods and captures on Linux veth pairs; see
// main_linux.go.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "sniff-bench: Linux only (AF_PACKET and network namespaces)")
	os.Exit(1)
}
