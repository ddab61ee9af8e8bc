// Package testcorpus finds tcpdump's test captures for the tests that run
// over every one of them. The corpus is not in this repository: tests find
// it through the TURTLE_CORPUS environment variable (the directory that
// holds tcpdump/, as .ci/run sets it), and skip with the reason when it is
// not set. It is a package of its own so that the packages with corpus
// tests (pcapio, decode, filter, follow, cmd/turtle) share one lookup.
package testcorpus

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Env is the environment variable naming the corpus directory.
const Env = "TURTLE_CORPUS"

// Files returns the files of $TURTLE_CORPUS/tcpdump whose names match
// pattern (filepath.Match syntax, e.g. "*" or "*.pcap*"), sorted. It skips
// t when TURTLE_CORPUS is not set, and fails t when the pattern is bad or
// matches no file: a corpus that was asked for and holds nothing is a
// broken setup, not a test that passed.
func Files(t testing.TB, pattern string) []string {
	t.Helper()
	root := os.Getenv(Env)
	if root == "" {
		t.Skip(Env + " is not set (the directory holding tcpdump's test captures in tcpdump/): the corpus tests do not run")
	}
	dir := filepath.Join(root, "tcpdump")
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatalf("%s: %s: %v", Env, pattern, err)
	}
	if len(files) == 0 {
		t.Fatalf("%s=%s: no file matches %s in %s", Env, root, pattern, dir)
	}
	sort.Strings(files)
	return files
}

// File returns the path of one named capture of $TURTLE_CORPUS/tcpdump,
// for tests about a frame tcpdump's authors kept. It skips t when
// TURTLE_CORPUS is not set; a missing file fails where the test opens it.
func File(t testing.TB, name string) string {
	t.Helper()
	root := os.Getenv(Env)
	if root == "" {
		t.Skip(Env + " is not set (the directory holding tcpdump's test captures in tcpdump/): " + name + " is not there")
	}
	return filepath.Join(root, "tcpdump", name)
}

// Optional returns the files Files would, or nothing (with a note in the
// log) when TURTLE_CORPUS is not set, for tests that run over the
// repository's own captures anyway and the corpus when there is one.
func Optional(t testing.TB, pattern string) []string {
	t.Helper()
	if os.Getenv(Env) == "" {
		t.Log(Env + " is not set: the test captures only")
		return nil
	}
	return Files(t, pattern)
}
