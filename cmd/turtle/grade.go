package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/grade/htmlreport"
	"github.com/turtle-sniffer/turtle/internal/inputfile"
)

var gradeAbout = `Grade scores students' captures (pcap or pcapng, from any tool, cut short or
not) against a lab and says for each failed check why, with frame numbers.
Labs: ` + strings.Join(grade.Labs(), ", ") + `.
--show-lab LAB prints a lab as a rubric file: edit it (ports, addresses,
message, points, feedback) and grade with --rubric FILE; --set KEY=VALUE (or
CHECK.KEY=VALUE) changes one parameter without a file. docs/grade.md has it all.

PATH is a capture file or a directory searched for captures (by extension
or content). --student-from filename names a student after the capture file
(alice.pcapng is alice); dirname after the directory holding it
(submissions/alice/lab.pcap is alice). A student with several captures gets
the best score. Captures are graded in parallel; damaged ones on what can
be read, with a note; unreadable ones score 0 with the error. Captures with
identical frames, or identical MAC addresses and timestamps, across students
are flagged.

Exit status: 0 when grading ran (whatever the scores), 1 when it could not
(a bad rubric, an output that cannot be written), 2 for a usage error.`

func runGrade(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("grade",
		"grade --lab LAB|--rubric FILE [--student-from dirname|filename] PATH... [--csv FILE] [--json FILE] [--gradescope DIR] [--autolab] [--html DIR]",
		gradeAbout, "turtle grade --lab tcp-echo --student-from dirname submissions/ --csv grades.csv", stdout, stderr)
	lab := fs.String("lab", "", "grade against the built-in `LAB`")
	rubricFile := fs.String("rubric", "", "grade against the rubric `FILE` (TOML)")
	showLab := fs.String("show-lab", "", "print the rubric file of `LAB` and exit")
	sets := fs.StringArray("set", nil, "override a parameter: `KEY=VALUE` for every check, CHECK.KEY=VALUE for one")
	from := fs.String("student-from", "filename", "name students after the capture's `filename` or its dirname")
	csvFile := fs.String("csv", "", "also write the grades as CSV to `FILE`")
	jsonFile := fs.String("json", "", "also write the grades as JSON to `FILE`")
	gsDir := fs.String("gradescope", "", "write `DIR`/STUDENT/results.json per student (or one FILE.json for one student)")
	autolab := fs.Bool("autolab", false, `end the output with Autolab's {"scores": {...}} line (one student)`)
	htmlDir := fs.String("html", "", "also write web pages to `DIR`: index.html (the class) and STUDENT.html (checks, pictures, frames)")
	jobs := fs.Int("jobs", 0, "grade `N` captures at once (0: one per CPU), or run N programs at once (0: 2)")
	pf := addProgramFlags(fs)
	ag := autograderFlags(fs) // autograder.go
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "turtle grade: "+format+" (run 'turtle grade --help')\n", a...)
		return 2
	}
	if *showLab != "" {
		src, err := grade.LabSource(*showLab)
		if err != nil {
			return usageErr("--show-lab: %v", err)
		}
		stdout.Write(src)
		return 0
	}
	if ag.active() {
		return ag.start(*lab, *rubricFile, *sets, fs.Args(), pf, stdout, stderr, usageErr)
	}
	switch {
	case *lab == "" && *rubricFile == "":
		return usageErr("no lab: give --lab LAB or --rubric FILE")
	case *lab != "" && *rubricFile != "":
		return usageErr("--lab and --rubric both given: choose one")
	case *from != "filename" && *from != "dirname":
		return usageErr("--student-from %q: want filename or dirname", *from)
	case fs.NArg() == 0:
		return usageErr("no capture given (PATH: a file or a directory)")
	case *jobs < 0:
		return usageErr("--jobs %d: cannot be negative", *jobs)
	}
	var r *grade.Rubric
	var err error
	if *lab != "" {
		if _, err := grade.LabSource(*lab); err != nil {
			return usageErr("--lab: %v", err)
		}
		r, err = grade.Lab(*lab)
	} else {
		var data []byte
		data, err = inputfile.ReadFile(*rubricFile, grade.MaxRubricBytes)
		if err != nil {
			err = unwrapPathError(err)
			err = fmt.Errorf("%s: %w", *rubricFile, err)
		} else {
			r, err = grade.ParseRubric(*rubricFile, data)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	for _, s := range *sets {
		if err := r.Set(s); err != nil {
			return usageErr("--set %v", err)
		}
	}
	if why := pf.check(r); why != "" {
		return usageErr("%s", why)
	}
	var subs []grade.Submission
	nsubs := fs.NArg() // with --program: one folder per student
	if !pf.given() {
		var warnings []string
		subs, warnings = collectSubmissions(fs.Args(), *from)
		for _, w := range warnings {
			fmt.Fprintf(stderr, "turtle grade: %s\n", w)
		}
		if len(subs) == 0 {
			fmt.Fprintf(stderr, "turtle grade: no capture file in %s\n", strings.Join(fs.Args(), ", "))
			return 1
		}
		nsubs = len(subs)
	}
	single := strings.HasSuffix(*gsDir, ".json")
	if *autolab && nsubs != 1 {
		return usageErr("--autolab grades one student; %d given", nsubs)
	}
	if single && nsubs != 1 {
		return usageErr("--gradescope %s is one file for one student; %d given (give a directory)", *gsDir, nsubs)
	}
	var results []grade.Result
	interrupted := false
	if pf.given() {
		results, interrupted, err = pf.run(r, fs.Args(), *jobs, stderr)
		r = pf.rubric(r)
	} else {
		results, err = grade.Grade(r, subs, grade.Options{Workers: *jobs})
	}
	if err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	if err := grade.WriteTable(stdout, r, results); err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	code := 0
	if interrupted {
		code = 1
	}
	fail := func(err error) {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		code = 1
	}
	if *csvFile != "" {
		if err := writeFileWith(*csvFile, func(w io.Writer) error { return grade.WriteCSV(w, r, results) }); err != nil {
			fail(err)
		}
	}
	if *jsonFile != "" {
		if err := writeFileWith(*jsonFile, func(w io.Writer) error { return grade.WriteJSON(w, r, results) }); err != nil {
			fail(err)
		}
	}
	if *gsDir != "" {
		for _, res := range results {
			path := *gsDir
			if !single {
				dir := filepath.Join(*gsDir, safeName(res.Student))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					fail(err)
					break
				}
				path = filepath.Join(dir, "results.json")
			}
			if err := writeFileWith(path, func(w io.Writer) error { return grade.WriteGradescope(w, res) }); err != nil {
				fail(err)
				break
			}
		}
	}
	if *htmlDir != "" {
		if err := htmlreport.Write(*htmlDir, r, results, htmlreport.Options{}); err != nil {
			fail(err)
		}
	}
	if *autolab {
		if err := grade.WriteAutolab(stdout, results[0]); err != nil {
			fail(err)
		}
	}
	return code
}

// writeFileWith creates path and writes it with write.
func writeFileWith(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return unwrapPathErrorNamed(path, err)
	}
	return nil
}

func unwrapPathErrorNamed(path string, err error) error {
	return fmt.Errorf("%s: %w", path, unwrapPathError(err))
}

// safeName makes a student name one directory name.
func safeName(s string) string {
	s = strings.NewReplacer("/", "_", "\\", "_", "\x00", "_").Replace(s)
	if s == "" || s == "." || s == ".." {
		s = "_" + s
	}
	return s
}

// captureExts are the names a capture file has; other files in a
// directory are graded only when their first bytes are a capture's.
var captureExts = []string{".pcap", ".pcapng", ".cap", ".dmp", ".pcap.gz", ".pcapng.gz", ".cap.gz"}

// studentName is the student a capture belongs to.
func studentName(path, from string) string {
	if from == "dirname" {
		abs, err := filepath.Abs(path)
		if err != nil {
			abs = path
		}
		return filepath.Base(filepath.Dir(abs))
	}
	name := filepath.Base(path)
	lower := strings.ToLower(name)
	for _, ext := range []string{".pcapng.gz", ".pcap.gz", ".cap.gz", ".gz", ".pcapng", ".pcap", ".cap", ".dmp"} {
		if strings.HasSuffix(lower, ext) && len(name) > len(ext) {
			return name[:len(name)-len(ext)]
		}
	}
	return name
}

// looksLikeCapture reports whether a file in a directory is a capture: by
// its extension, or by the magic number it starts with.
func looksLikeCapture(path string) bool {
	lower := strings.ToLower(path)
	for _, ext := range captureExts {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var m [4]byte
	if n, _ := io.ReadFull(f, m[:]); n < 4 {
		return false
	}
	switch string(m[:]) {
	case "\xd4\xc3\xb2\xa1", "\xa1\xb2\xc3\xd4", "\x4d\x3c\xb2\xa1", "\xa1\xb2\x3c\x4d", "\x0a\x0d\x0d\x0a":
		return true
	}
	return m[0] == 0x1f && m[1] == 0x8b
}

// collectSubmissions turns PATHs into students and their captures, in the
// order found. Warnings say what looks wrong (a name shared by captures in
// different directories).
func collectSubmissions(paths []string, from string) ([]grade.Submission, []string) {
	var subs []grade.Submission
	index := map[string]int{}
	dirs := map[string]string{}
	var warnings []string
	add := func(path string) {
		name := studentName(path, from)
		i, ok := index[name]
		if !ok {
			i = len(subs)
			index[name] = i
			subs = append(subs, grade.Submission{Student: name})
		}
		subs[i].Files = append(subs[i].Files, path)
		dir := filepath.Dir(path)
		if d, ok := dirs[name]; ok && d != dir && from == "filename" {
			warnings = append(warnings, fmt.Sprintf("captures in %s and %s both name student %q: the best counts (one folder per student? use --student-from dirname)", d, dir, name))
		}
		dirs[name] = dir
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			add(p) // a missing or unreadable file is graded 0 with its error
			continue
		}
		filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if path != p {
					add(path)
				}
				return nil
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && looksLikeCapture(path) {
				add(path)
			}
			return nil
		})
	}
	return subs, warnings
}
