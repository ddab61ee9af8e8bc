// Package goldentest runs a golden manifest from `go test`: each case is a
// subtest, and goldie's update convention (`go test -update` or
// GOLDIE_UPDATE=1) rewrites the goldens instead of comparing.
//
// It is apart from package golden so that the turtle binary, which links
// golden, links neither package testing nor goldie's command-line flags.
package goldentest

import (
	"context"
	"flag"
	"os"
	"strconv"
	"testing"

	// goldie owns the -update flag and its GOLDIE_UPDATE default; importing
	// it defines the flag in every test binary that uses this package.
	_ "github.com/sebdah/goldie/v2"

	"github.com/turtle-sniffer/turtle/golden"
)

// Test runs every case of the manifest at path and reports each as a
// subtest named after the case. A case fails on a difference from its golden (the report names the
// first differing frame and diffs it) or on a capture that does not read as
// the case declares. With -update, goldens are rewritten and each change is
// logged.
func Test(t *testing.T, path string) {
	t.Helper()
	TestWith(t, path, golden.Options{})
}

// TestWith is Test with options: Containers, NewFormat for formats of the
// caller's own. Only and Parallel are ignored: every case runs, on
// GOMAXPROCS workers.
func TestWith(t *testing.T, path string, opt golden.Options) {
	t.Helper()
	m, err := golden.ParseManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cases) == 0 {
		t.Fatalf("%s: no cases", path)
	}
	// The whole manifest runs at once, on the runner's own workers, so that
	// an update sees every case that writes a golden; subtests report.
	opt.Only, opt.Parallel = nil, 0
	run := golden.Check
	if Updating() {
		run = golden.Update
	}
	results, err := run(context.Background(), m, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range results {
		r := &results[i]
		t.Run(r.Case.Name, func(t *testing.T) {
			switch {
			case r.Failed():
				t.Error(r.Report())
			case r.Updated:
				t.Log(r.Report())
			}
		})
	}
}

// Updating reports whether goldens are to be rewritten: goldie's -update
// flag once flags are parsed, its GOLDIE_UPDATE variable otherwise.
func Updating() bool {
	if f := flag.Lookup("update"); f != nil && flag.Parsed() {
		if v, err := strconv.ParseBool(f.Value.String()); err == nil {
			return v
		}
	}
	v, _ := strconv.ParseBool(os.Getenv("GOLDIE_UPDATE"))
	return v
}
