package golden

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/turtle-sniffer/turtle/internal/inputfile"
)

// TcpdumpImport says how to turn tcpdump's test suite (tests/TESTLIST,
// and the *.tests files beside it in tcpdump 4.99) into a manifest that
// runs under `turtle golden check` with the rules of tcpdump's own runner,
// tests/TESTrun:
//
//   - every case runs `tcpdump -# -n -r CAPTURE OPTIONS` with TZ=GMT0;
//   - when the TESTLIST uses SPECIAL_t (tcpdump 4.99.5 and later), -tttt is
//     added to every case's options unless they hold SPECIAL_t, which is
//     removed (TESTrun's rule for the cases that test -t themselves);
//   - lines starting with # are comments (so are fields starting with #,
//     as the shell TESTrun runs them with makes them);
//   - @TESTDIR@ in the options is the tests folder;
//   - a case of a *.tests file that needs a feature (config_set) the
//     decoder lacks, or must not have one (config_unset) it has, is
//     skipped with TESTrun's words: "HAVE_LIBCRYPTO not set";
//   - a non-zero exit status fails a case, and so does (StderrFail, the
//     rule of TESTrun since tcpdump 4.99's successor) a line on the standard
//     error other than "reading from file ..."; tcpdump 4.99's TESTrun
//     passed such a case "with error messages" (StderrIgnore).
type TcpdumpImport struct {
	TestList string   // the TESTLIST file
	Manifest string   // the manifest to be written: paths are made relative to its folder
	Tcpdump  string   // the tcpdump that !run names; "tcpdump" when empty
	Have     []string // the features set, as config.h's "#define NAME 1" lines name them
	SpecialT string   // "auto" (or ""): the SPECIAL_t rule when the TESTLIST uses it; "yes"; "no"
	Stderr   StderrPolicy
}

// Imported is an imported suite.
type Imported struct {
	Text    []byte   // the manifest
	Cases   int      // cases written, skipped ones included
	Skipped []string // "name: reason", in manifest order
}

// ImportTcpdump reads tcpdump's test suite and returns it as a manifest.
func ImportTcpdump(imp TcpdumpImport) (*Imported, error) {
	list, err := inputfile.ReadFile(imp.TestList, MaxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("read TESTLIST: %w", err)
	}
	testsDir, err := filepath.Abs(filepath.Dir(imp.TestList))
	if err != nil {
		return nil, err
	}
	outDir, err := filepath.Abs(filepath.Dir(imp.Manifest))
	if err != nil {
		return nil, err
	}
	rel := func(p string) (string, error) {
		r, err := filepath.Rel(outDir, filepath.Join(testsDir, filepath.FromSlash(p)))
		return filepath.ToSlash(r), err
	}
	testdir := "{dir}"
	if r, err := filepath.Rel(outDir, testsDir); err == nil && r != "." {
		testdir += "/" + filepath.ToSlash(r)
	}
	specialT := false
	switch imp.SpecialT {
	case "", "auto":
		specialT = bytes.Contains(list, []byte("SPECIAL_t"))
	case "yes":
		specialT = true
	case "no":
	default:
		return nil, fmt.Errorf("SPECIAL_t rule %q: want auto, yes or no", imp.SpecialT)
	}
	type test struct {
		name, input, output, args string
		set, unset                string
		where                     string
	}
	var tests []test
	sc := bufio.NewScanner(bytes.NewReader(list))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 3 {
			return nil, fmt.Errorf("%s:%d: want 'name input output [options]', got %d field(s)", imp.TestList, n, len(f))
		}
		tests = append(tests, test{name: f[0], input: f[1], output: f[2], args: strings.Join(f[3:], " "),
			where: fmt.Sprintf("%s:%d", imp.TestList, n)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", imp.TestList, err)
	}
	more, _ := filepath.Glob(filepath.Join(filepath.Dir(imp.TestList), "*.tests"))
	slices.Sort(more)
	for _, file := range more {
		data, err := inputfile.ReadFile(file, MaxManifestBytes)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		for _, h := range perlHashes(data) {
			tests = append(tests, test{name: h["name"], input: h["input"], output: h["output"], args: h["args"],
				set: h["config_set"], unset: h["config_unset"], where: file})
		}
	}
	tcpdump := imp.Tcpdump
	if tcpdump == "" {
		tcpdump = "tcpdump"
	}
	var b bytes.Buffer
	res := &Imported{}
	fmt.Fprintf(&b, "# tcpdump's test suite, imported from %s by 'turtle golden import tcpdump'\n", filepath.ToSlash(imp.TestList))
	fmt.Fprintf(&b, "# with TESTrun's rules: tcpdump -# -n -r CAPTURE OPTIONS, TZ=GMT0")
	if specialT {
		b.WriteString(", -tttt unless the case says SPECIAL_t")
	}
	features := strings.Join(imp.Have, " ")
	if features == "" {
		features = "(none)"
	}
	fmt.Fprintf(&b, ";\n# features set: %s\n", features)
	fmt.Fprintf(&b, "!run %s -# -n -r {} {args}\n!env TZ=GMT0\n!frames -#\n", quoteField(tcpdump))
	if imp.Stderr == StderrFail {
		b.WriteString("!stderr fail\n!stderr-ok '^reading from file '\n")
	} else {
		b.WriteString("!stderr ignore\n")
	}
	seen := make(map[string]bool)
	for _, t := range tests {
		if t.name == "" || t.input == "" || t.output == "" {
			return nil, fmt.Errorf("%s: a test without name, input or output", t.where)
		}
		if seen[t.name] {
			return nil, fmt.Errorf("%s: test %q is defined twice", t.where, t.name)
		}
		seen[t.name] = true
		args := strings.Replace(t.args, "@TESTDIR@", testdir, 1)
		if specialT {
			if strings.Contains(args, "SPECIAL_t") {
				args = strings.Replace(args, " SPECIAL_t", "", 1)
			} else {
				// Prepended, as TESTrun does: after "--" it would be
				// part of the filter.
				args = "-tttt " + args
			}
		}
		var skip string
		switch {
		case t.set != "" && !slices.Contains(imp.Have, t.set):
			skip = t.set + " not set"
		case t.unset != "" && slices.Contains(imp.Have, t.unset):
			skip = t.unset + " set"
		}
		if skip != "" {
			fmt.Fprintf(&b, "!skip %s\n", skip)
			res.Skipped = append(res.Skipped, t.name+": "+skip)
		}
		in, err := rel(t.input)
		if err != nil {
			return nil, err
		}
		out, err := rel(t.output)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%s %s %s", quoteField(t.name), quoteField(in), quoteField(out))
		if args = strings.TrimSpace(args); args != "" {
			b.WriteString(" " + args)
		}
		b.WriteByte('\n')
		res.Cases++
	}
	res.Text = b.Bytes()
	// The text must parse as the manifest it claims to be.
	if _, err := ParseManifestData(imp.Manifest, res.Text); err != nil {
		return nil, fmt.Errorf("imported manifest does not parse: %w", err)
	}
	return res, nil
}

// perlPair is one `key => 'value'` (or "value") of a *.tests file.
var perlPair = regexp.MustCompile(`(\w+)\s*=>\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")`)

// perlHashes reads the hashes of a tcpdump 4.99 *.tests file: a Perl list
// of { key => 'value', ... } with string values only. It is read by hand
// (no Perl): the files use no other syntax.
func perlHashes(data []byte) []map[string]string {
	var out []map[string]string
	for _, block := range regexp.MustCompile(`\{[^{}]*\}`).FindAll(data, -1) {
		h := make(map[string]string)
		for _, m := range perlPair.FindAllSubmatch(block, -1) {
			v := string(m[2][1 : len(m[2])-1])
			if m[2][0] == '\'' {
				v = strings.NewReplacer(`\\`, `\`, `\'`, `'`).Replace(v)
			}
			h[string(m[1])] = v
		}
		if h["name"] != "" {
			out = append(out, h)
		}
	}
	return out
}

// ReadConfigH returns the names config.h defines to 1, as TESTrun reads
// them ("#define NAME 1").
func ReadConfigH(path string) ([]string, error) {
	data, err := inputfile.ReadFile(path, MaxManifestBytes)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^#define (\S+) 1\b`).FindAllSubmatch(data, -1) {
		names = append(names, string(m[1]))
	}
	return names, nil
}

// TcpdumpFeatures asks a tcpdump binary what TESTrun asks it, and what its
// --version says: HAVE_FPTYPE1 or HAVE_FPTYPE2 (from --fp-type) and
// HAVE_LIBCRYPTO (an OpenSSL or LibreSSL line). An error means the binary
// could not be run.
func TcpdumpFeatures(tcpdump string) ([]string, error) {
	run := func(arg string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, tcpdump, arg).Output()
		return string(out), err
	}
	fp, err := run("--fp-type")
	if err != nil {
		return nil, fmt.Errorf("%s --fp-type: %w", tcpdump, err)
	}
	var have []string
	if strings.TrimSpace(fp) == "9877.895" {
		have = append(have, "HAVE_FPTYPE1")
	} else {
		have = append(have, "HAVE_FPTYPE2")
	}
	if v, err := run("--version"); err == nil && regexp.MustCompile(`(?m)^(OpenSSL|LibreSSL) `).MatchString(v) {
		have = append(have, "HAVE_LIBCRYPTO")
	}
	return have, nil
}

// Features are the features a tcpdump suite's cases are imported with:
// have, the names config (a config.h, when not "") sets, and what the
// binary tcpdump reports (TcpdumpFeatures), sorted, each once. A binary
// that cannot be run is no error but the note; then the features are
// have's and config's only.
func Features(have []string, config, tcpdump string) (features []string, note, err error) {
	features = slices.Clone(have)
	if config != "" {
		names, err := ReadConfigH(config)
		if err != nil {
			return nil, nil, fmt.Errorf("--config: %w", err)
		}
		features = append(features, names...)
	}
	if found, err := TcpdumpFeatures(tcpdump); err != nil {
		note = err
	} else {
		features = append(features, found...)
	}
	slices.Sort(features)
	return slices.Compact(features), note, nil
}
