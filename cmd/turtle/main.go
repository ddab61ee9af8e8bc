// Command turtle prints packet captures and live interfaces in the turtle
// text format of the classic Python Turtle Sniffer, byte for byte, and
// grows from there: golden-file regression tests, echo programs that record
// their own traffic, grading of student captures, live sniffing.
//
// Usage:
//
//	turtle COMMAND [flags] [args]
//
// Run "turtle COMMAND --help" for the flags and an example of each command.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: run gets the arguments after the command name
// and returns the process exit code (0 success, 1 failure, 2 usage).
type command struct {
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
	summary string
}

// commands is the table of subcommands. Each lives in its own file.
var commands = map[string]command{
	"read":      {runRead, "print the frames of capture files in turtle text"},
	"golden":    {runGolden, "check captures against expected text (check, update, add)"},
	"echo":      {runEcho, "classroom UDP/TCP echo servers and clients, and a load bench"},
	"grade":     {runGrade, "grade a class's captures against a lab (scores, reasons, copies)"},
	"record":    {runRecord, "record an echo scenario on a loopback into a deterministic fixture"},
	"sniff":     {runSniff, "capture frames from a network interface and print them live"},
	"ifaces":    {runIfaces, "list the interfaces that sniff can capture on"},
	"follow":    {runFollow, "print the reassembled bytes of a TCP conversation, or --list them"},
	"anonymize": {runAnonymize, "map addresses (Crypto-PAn), MACs, ports and payloads so a capture can be shared"},
	"split":     {runSplit, "cut a capture into files by TCP/UDP conversation, frame count or time slice"},
	"edit":      {runEdit, "select, cut, convert and merge captures into a new one (editcap, mergecap)"},
	"draw":      {runDraw, "draw a capture as a ladder diagram or a connection timeline (SVG, Mermaid, text)"},
	"replay":    {runReplay, "send the frames of capture files out of an interface, paced or at top speed"},
}

func main() {
	stop := startProfile(os.Stderr)
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "turtle: unknown command %q (run 'turtle --help')\n", args[0])
		return 2
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, "turtle prints packet captures in the turtle text format of the classic Python Turtle Sniffer.\n\nUsage:\n  turtle COMMAND [flags] [args]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-9s  %s\n", name, commands[name].summary)
	}
	fmt.Fprint(w, "\nExample:\n  turtle read testdata/udp-echo.pcap\n\nRun 'turtle COMMAND --help' for a command's flags.\n")
}
