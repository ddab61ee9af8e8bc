package main

import "github.com/turtle-sniffer/turtle/internal/cli"

// The command-line vocabulary (the flag set with its help layout, usage
// errors, the flags several commands share, what a terminal is) is
// internal/cli's; these are its names in the commands' files.
var (
	newFlagSet      = cli.NewFlagSet
	parseFlags      = cli.Parse
	usageError      = cli.UsageError
	deprecatedAlias = cli.DeprecatedAlias
	isTerminal      = cli.IsTerminal
	terminalWidth   = cli.TerminalWidth
	colorWanted     = cli.ColorWanted
)
