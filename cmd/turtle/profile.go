package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// cpuProfileEnv names the file a CPU profile of the whole run is written
// to, when set. It is for the people who build turtle, not its users: a
// profile of a real run over a real capture (where the time goes between
// the reading goroutine, the workers and the writer) is what no benchmark
// of one package stands in for.
const cpuProfileEnv = "TURTLE_CPUPROFILE"

// startProfile starts the CPU profile cpuProfileEnv asks for, if any, and
// returns what stops it and writes the file.
func startProfile(stderr io.Writer) func() {
	name := os.Getenv(cpuProfileEnv)
	if name == "" {
		return func() {}
	}
	f, err := os.Create(name)
	if err != nil {
		fmt.Fprintf(stderr, "turtle: %s: %v\n", cpuProfileEnv, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(stderr, "turtle: %s: %v\n", cpuProfileEnv, err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "turtle: %s: %v\n", cpuProfileEnv, err)
		}
	}
}
