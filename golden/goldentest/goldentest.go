// Package goldentest runs a golden manifest from `go test`: each case is a
// subtest, and goldie's update convention (`go test -update` or
// GOLDIE_UPDATE=1) rewrites the goldens instead of comparing.
//
// Each case is a subtest of its own, run in parallel with the others, so
// `go test -run 'TestGolden/dhcp'` runs only the cases it names, and a
// case whose decoder panics fails with the panic and its stack while the
// others run on. The cases may be decoded by turtle (a format of the
// caller's own through Options.NewFormat) or by a program
// (Options.Program, or the manifest's !run lines): an update then writes
// the program's output, never turtle's text. Assert checks one text
// against one golden, as goldie's Assert does, with the golden package's
// report.
//
// It is apart from package golden so that the turtle binary, which links
// golden, links neither package testing nor goldie's command-line flags.
package goldentest

import (
	"context"
	"flag"
	"os"
	"runtime/debug"
	"strconv"
	"testing"

	// goldie owns the -update flag and its GOLDIE_UPDATE default, and
	// writes Assert's goldens where goldie's own Assert would.
	"github.com/sebdah/goldie/v2"

	"github.com/turtle-sniffer/turtle/golden"
)

// Test runs every case of the manifest at path and reports each as a
// subtest named after the case. A case fails on a difference from its
// golden (the report names the first differing frame and diffs it) or on a
// capture that does not read as the case declares. With -update, goldens
// are rewritten and each change is logged.
func Test(t *testing.T, path string) {
	t.Helper()
	TestWith(t, path, golden.Options{})
}

// TestWith is Test with options: Containers, NewFormat and Framing for
// formats of the caller's own, Program for a decoder outside the test
// binary. Only and Parallel are ignored: `go test -run` selects the cases,
// and -parallel bounds how many run at once. With -update, two cases
// sharing one golden are not checked against each other (turtle golden
// update does that).
func TestWith(t *testing.T, path string, opt golden.Options) {
	t.Helper()
	m, err := golden.ParseManifestFor(path, opt.Program)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cases) == 0 {
		t.Fatalf("%s: no cases", path)
	}
	// The cases carry the program now, merged with the manifest's !lines.
	opt.Program, opt.Parallel = nil, 1
	if opt.UpdateHint == "" {
		opt.UpdateHint = "go test -run '" + t.Name() + "/{name}' -update"
	}
	update := Updating()
	for _, c := range m.Cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if v := recover(); v != nil {
					t.Fatalf("case %s (%s) panicked: %v\n%s", c.Name, c.Where, v, debug.Stack())
				}
			}()
			o := opt
			o.Only = []string{c.Name}
			run := golden.Check
			if update {
				run = golden.Update
			}
			results, err := run(context.Background(), m, o)
			if err != nil {
				t.Fatal(err)
			}
			r := &results[0]
			switch {
			case r.Skip != "":
				t.Skip(r.Skip)
			case r.Failed():
				t.Error(r.Report())
			case r.Updated:
				t.Log(r.Report())
			}
		})
	}
}

// Assert compares got with the golden testdata/NAME.golden (goldie's
// layout) byte for byte and, with -update, writes got there instead. A
// difference is reported by line, with the first hunk of the diff.
func Assert(t *testing.T, name string, got []byte) {
	t.Helper()
	AssertWith(t, name, got, golden.Rule{})
}

// AssertWith is Assert with a framing rule (golden.ParseRule) that names
// the packet where the texts first differ.
func AssertWith(t *testing.T, name string, got []byte, rule golden.Rule) {
	t.Helper()
	g := goldie.New(t)
	path := g.GoldenFileName(t, name)
	if Updating() {
		if err := g.Update(t, name, got); err != nil {
			t.Fatalf("write golden %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			t.Fatalf("golden %s does not exist: go test -run '%s' -update writes it", path, t.Name())
		}
		t.Fatalf("read golden: %v", err)
	}
	if d := golden.CompareText(path, want, got, rule); d != nil {
		t.Error(golden.ReportDiff(name, path, d))
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
