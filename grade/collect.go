package grade

import (
	"archive/zip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/internal/termsafe"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Presets name students after the folders and files an LMS exports. Each is
// a regular expression over the name of one entry of the submissions folder
// (a folder, a zip or a file): the group "name" is the student, "id" the LMS
// identifier the grade files carry back.
var Presets = map[string]string{
	// Moodle: "Alice Smith_12345_assignsubmission_file_" folders, or files
	// "Alice Smith_12345_assignsubmission_file_lab.pcap" when not in folders.
	"moodle": `^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_`,
	// Canvas: "smithalice_12345_67890_lab.pcap" (user id, submission id),
	// "smithalice_LATE_12345_67890_lab.pcap" when late.
	"canvas": `^(?P<name>[^_]+)_(?:LATE_|late_)?(?P<id>\d+)_\d+_`,
	// Blackboard: "Lab 1_jsmith_attempt_2024-01-31-10-00-00_lab.pcap".
	"blackboard": `^.+?_(?P<name>[^_]+)_attempt_\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d`,
	// Gradescope: "submission_123456" folders (names from
	// submission_metadata.yml when it is there).
	"gradescope": `^submission_(?P<id>\d+)$`,
}

// MissingPathError is a PATH given to Collect that does not exist: a usage
// error, never a student.
type MissingPathError struct{ Path string }

func (e *MissingPathError) Error() string {
	return termsafe.Quote(e.Path) + ": no such file or folder"
}

// CollectOptions say how PATHs name students.
type CollectOptions struct {
	// From is "filename" (alice.pcapng is alice), "dirname" (every entry of
	// a folder given is a student: submissions/alice/... is alice) or a
	// preset name (Presets).
	From string
	// Regex, when set, names students instead of a preset: matched against
	// each entry of a folder given; group "name" (or the first group) is the
	// student, group "id" the LMS identifier.
	Regex *regexp.Regexp
}

// Collect turns PATHs into students and their captures, in the order found.
// Every entry of a folder given gets a submission in dirname and preset
// modes, with a reason when it holds no capture; zip files are opened and
// searched (their captures are named dir/x.zip/member). Warnings say what
// looks wrong. The error is for options that cannot work.
func Collect(paths []string, opt CollectOptions) ([]Submission, []string, error) {
	re := opt.Regex
	switch {
	case re != nil:
	case opt.From == "filename" || opt.From == "dirname" || opt.From == "":
	case Presets[opt.From] != "":
		re = regexp.MustCompile(Presets[opt.From])
	default:
		return nil, nil, fmt.Errorf("--student-from %q: want filename, dirname, %s", opt.From, strings.Join(presetNames(), ", "))
	}
	c := &collector{index: map[string]int{}, dirs: map[string]string{}, re: re, byEntry: opt.From != "filename" && opt.From != "" || re != nil}
	for _, p := range paths {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			// A typo, or a folder not there: never a student named after it
			// (or after the current folder).
			return nil, nil, &MissingPathError{Path: p}
		}
		switch {
		case err != nil || !st.IsDir():
			if strings.EqualFold(filepath.Ext(p), ".zip") && err == nil {
				c.entry(p, filepath.Base(p), false)
			} else {
				c.add(c.fileStudent(p), "", p) // a missing or unreadable file is graded 0 with its error
			}
		case c.byEntry:
			c.folder(p)
		default:
			c.walkAll(p, func(file string, capture bool) {
				if capture {
					c.add(c.fileStudent(file), "", file)
					return
				}
				if _, err := os.Lstat(file); err != nil {
					return // a zip's member that is not a capture: the zip's student has captures or says so
				}
				// Handed in, but not a capture (gina.txt, a tshark text
				// export): a row with the reason, under the name without
				// its extension, so that a roster finds her.
				name := filepath.Base(file)
				if stem := strings.TrimSuffix(name, filepath.Ext(name)); stem != "" {
					name = stem
				}
				i := c.add(name, "", "")
				if c.subs[i].Why == "" {
					c.subs[i].Why = termsafe.Quote(filepath.Base(file)) + ": " + notCaptureWhy(file)
				}
				c.warnings = append(c.warnings, fmt.Sprintf("%s is not a capture: graded as %s's hand-in, with the reason (remove it from %s if it is not one)",
					termsafe.Quote(file), termsafe.Quote(name), termsafe.Quote(p)))
			})
		}
	}
	return c.subs, c.warnings, nil
}

func presetNames() []string {
	var n []string
	for k := range Presets {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

type collector struct {
	subs     []Submission
	index    map[string]int
	dirs     map[string]string
	warnings []string
	re       *regexp.Regexp
	byEntry  bool
	gsNames  map[string]string // Gradescope submission id → student names
}

// add gives student (with LMS id) the capture file ("" for none).
func (c *collector) add(student, id, file string) int {
	key := student + "\x00" + id
	i, ok := c.index[key]
	if !ok {
		i = len(c.subs)
		c.index[key] = i
		c.subs = append(c.subs, Submission{Student: student, ID: id})
	}
	if file == "" {
		return i
	}
	c.subs[i].Files = append(c.subs[i].Files, file)
	dir := filepath.Dir(file)
	if d, ok := c.dirs[key]; ok && d != dir && !c.byEntry {
		c.warnings = append(c.warnings, fmt.Sprintf("captures in %s and %s both name student %s: the best counts (one folder per student? use --student-from dirname)",
			termsafe.Quote(d), termsafe.Quote(dir), termsafe.Quote(student)))
	}
	c.dirs[key] = dir
	return i
}

// fileStudent names a student after a capture file (filename mode) or the
// folder holding it (dirname).
func (c *collector) fileStudent(path string) string {
	if c.byEntry {
		abs, err := filepath.Abs(path)
		if err != nil {
			abs = path
		}
		return filepath.Base(filepath.Dir(abs))
	}
	name := filepath.Base(path)
	lower := strings.ToLower(name)
	for _, ext := range []string{".pcapng.gz", ".pcap.gz", ".cap.gz", ".gz", ".pcapng", ".pcap", ".cap", ".dmp", ".zip"} {
		if strings.HasSuffix(lower, ext) && len(name) > len(ext) {
			return name[:len(name)-len(ext)]
		}
	}
	return name
}

// entryStudent names the student of one entry of a submissions folder.
func (c *collector) entryStudent(name string) (student, id string) {
	if c.re == nil {
		return name, "" // a folder's dots are its name's (john.smith); entry cut a file's extension
	}
	m := c.re.FindStringSubmatch(name)
	if m == nil {
		c.warnings = append(c.warnings, fmt.Sprintf("%s does not match the naming of --student-from: graded under its own name", termsafe.Quote(name)))
		return name, ""
	}
	for i, g := range c.re.SubexpNames() {
		switch {
		case g == "name" || (g == "" && i == 1 && student == ""):
			student = m[i]
		case g == "id":
			id = m[i]
		}
	}
	if student == "" && id != "" {
		student = "submission " + id
		if n := c.gsNames[id]; n != "" {
			student = n
		}
	}
	return student, id
}

// folder makes every entry of a submissions folder a student.
func (c *collector) folder(dir string) {
	c.gsNames = gradescopeNames(filepath.Join(dir, "submission_metadata.yml"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		c.add(filepath.Base(dir), "", dir)
		return
	}
	loose := false
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.Name() == "__MACOSX" || e.Name() == "submission_metadata.yml" {
			continue
		}
		path := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			c.entry(path, e.Name(), true)
		case strings.EqualFold(filepath.Ext(e.Name()), ".zip"):
			c.entry(path, e.Name(), false)
		case c.re != nil:
			student, id := c.entryStudent(e.Name())
			i := c.add(student, id, "")
			if looksLikeCapture(path) {
				c.subs[i].Files = append(c.subs[i].Files, path)
			} else {
				c.subs[i].other = append(c.subs[i].other, e.Name())
			}
		case looksLikeCapture(path):
			loose = true
			c.add(c.fileStudent(path), "", path)
		}
	}
	_ = loose
	for i := range c.subs {
		s := &c.subs[i]
		if len(s.Files) == 0 && s.Why == "" {
			s.Why = "no capture found; " + holds("the submission", s.other)
		}
	}
}

// entry makes one folder or zip of a submissions folder a student.
func (c *collector) entry(path, name string, isDir bool) {
	if !isDir {
		name = strings.TrimSuffix(name, filepath.Ext(name))
	}
	student, id := c.entryStudent(name)
	i := c.add(student, id, "")
	var others []string
	if isDir {
		c.walkAll(path, func(file string, capture bool) {
			if capture {
				c.subs[i].Files = append(c.subs[i].Files, file)
			} else if rel, err := filepath.Rel(path, file); err == nil {
				others = append(others, rel)
			}
		})
	} else {
		c.zipMembers(path, func(file string, capture bool) {
			if capture {
				c.subs[i].Files = append(c.subs[i].Files, file)
			} else {
				others = append(others, strings.TrimPrefix(file, path+"/"))
			}
		})
	}
	if len(c.subs[i].Files) == 0 {
		what := "the folder"
		if !isDir {
			what = filepath.Base(path)
		}
		c.subs[i].Why = "no capture found; " + holds(what, others)
	}
}

// holds words what a submission without a capture holds instead.
func holds(what string, names []string) string {
	if len(names) == 0 {
		return what + " is empty"
	}
	const show = 5
	list := append([]string(nil), names...)
	sort.Strings(list)
	more := ""
	if len(list) > show {
		list, more = list[:show], fmt.Sprintf(" and %d more", len(names)-show)
	}
	for i := range list {
		list[i] = termsafe.Quote(list[i])
	}
	return what + " holds " + strings.Join(list, ", ") + more
}

// notCaptureWhy words why a file handed in is not a capture, in the words
// grading uses for a capture file that cannot be read (an empty file, a
// text export).
func notCaptureWhy(path string) string {
	f, err := inputfile.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	h := &headRecorder{r: io.LimitReader(f, 1<<16)}
	if _, err = pcapio.NewReader(h); err == nil {
		return "not graded" // a capture after all: cannot happen, looksLikeCapture said no
	}
	return readError(err, h)
}

// walkAll calls fn for every file under dir (zips opened; capture says
// whether it is one), hidden files and folders skipped.
func (c *collector) walkAll(dir string, fn func(file string, capture bool)) {
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path != dir {
				fn(path, true) // graded 0 with its error
			}
			return nil
		}
		if path != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "__MACOSX") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if strings.EqualFold(filepath.Ext(path), ".zip") {
			c.zipMembers(path, fn)
			return nil
		}
		fn(path, looksLikeCapture(path))
		return nil
	})
}

// zipMembers calls fn for every file in a zip, named zip/member.
func (c *collector) zipMembers(path string, fn func(file string, capture bool)) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		c.warnings = append(c.warnings, fmt.Sprintf("%s: not a readable zip file (%v)", termsafe.Quote(path), err))
		return
	}
	defer zr.Close()
	for _, f := range zr.File {
		name := f.Name
		if f.FileInfo().IsDir() || strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(filepath.Base(name), ".") {
			continue
		}
		capture := hasCaptureExt(name)
		if !capture {
			if rc, err := f.Open(); err == nil {
				var m [4]byte
				n, _ := io.ReadFull(rc, m[:])
				rc.Close()
				capture = isCaptureMagic(m[:n])
			}
		}
		fn(path+"/"+name, capture)
	}
}

// captureExts are the names a capture file has; other files are graded
// only when their first bytes are a capture's.
var captureExts = []string{".pcap", ".pcapng", ".cap", ".dmp", ".pcap.gz", ".pcapng.gz", ".cap.gz"}

func hasCaptureExt(name string) bool {
	lower := strings.ToLower(name)
	for _, ext := range captureExts {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return false
}

func isCaptureMagic(m []byte) bool {
	if len(m) < 4 {
		return false
	}
	switch string(m[:4]) {
	case "\xd4\xc3\xb2\xa1", "\xa1\xb2\xc3\xd4", "\x4d\x3c\xb2\xa1", "\xa1\xb2\x3c\x4d", "\x0a\x0d\x0d\x0a":
		return true
	}
	return m[0] == 0x1f && m[1] == 0x8b
}

// looksLikeCapture reports whether a file is a capture: by its extension,
// or by the magic number it starts with.
func looksLikeCapture(path string) bool {
	if hasCaptureExt(path) {
		return true
	}
	f, err := inputfile.Open(path) // a named pipe would wait for a writer
	if err != nil {
		return false
	}
	defer f.Close()
	var m [4]byte
	n, _ := io.ReadFull(f, m[:])
	return isCaptureMagic(m[:n])
}

// openCapture opens a capture file, or a member of a zip named
// dir/x.zip/member as Collect names them.
func openCapture(path string) (io.ReadCloser, error) {
	f, err := inputfile.Open(path)
	if err == nil {
		return f, nil
	}
	lower := strings.ToLower(path)
	for i := strings.LastIndex(lower, ".zip/"); i >= 0; i = strings.LastIndex(lower[:i], ".zip/") {
		zipPath, member := path[:i+4], path[i+5:]
		st, serr := os.Stat(zipPath)
		if serr != nil || !st.Mode().IsRegular() {
			continue
		}
		zr, zerr := zip.OpenReader(zipPath)
		if zerr != nil {
			return nil, fmt.Errorf("open: %s: %w", termsafe.Quote(zipPath), zerr)
		}
		for _, m := range zr.File {
			if m.Name == member {
				rc, oerr := m.Open()
				if oerr != nil {
					zr.Close()
					return nil, fmt.Errorf("open: %w", oerr)
				}
				return zipMember{rc, zr}, nil
			}
		}
		zr.Close()
		return nil, errors.New("open: no such file in the zip")
	}
	return nil, err
}

type zipMember struct {
	io.ReadCloser
	zr *zip.ReadCloser
}

func (z zipMember) Close() error {
	z.ReadCloser.Close()
	return z.zr.Close()
}

// gradescopeNames reads the submitters' names from Gradescope's
// submission_metadata.yml (a YAML map of submission_ID to :submitters: lists
// of :name:); only those two keys are read, line by line, because nothing
// else in the file is needed and no YAML library is in the module.
func gradescopeNames(path string) map[string]string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 16<<20 {
		return nil
	}
	names := map[string]string{}
	cur := ""
	sub := regexp.MustCompile(`^submission_(\d+):\s*$`)
	name := regexp.MustCompile(`^\s*(?:-\s*)?:name:\s*(.+?)\s*$`)
	for _, line := range strings.Split(string(b), "\n") {
		if m := sub.FindStringSubmatch(line); m != nil {
			cur = m[1]
			continue
		}
		if m := name.FindStringSubmatch(line); m != nil && cur != "" {
			n := strings.Trim(m[1], `"'`)
			if names[cur] != "" {
				names[cur] += " & " + n
			} else {
				names[cur] = n
			}
		}
	}
	return names
}

// RosterEntry is one student of a class list.
type RosterEntry struct {
	Name, ID string
}

// ReadRoster reads a class list as CSV with a header row: the student's
// name is the column headed student, name or full name (else the first);
// the LMS identifier the column headed id, identifier, student id, user id
// or sis user id ("Participant 12345" as Moodle writes it is 12345).
func ReadRoster(name string, r io.Reader) ([]RosterEntry, error) {
	cr := csv.NewReader(io.LimitReader(r, 16<<20))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: no header row: %w", name, err)
	}
	nameCol, idCol := 0, -1
	found := false
	for i, h := range head {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "student", "name", "full name":
			if !found {
				nameCol, found = i, true
			}
		case "id", "identifier", "student id", "user id", "sis user id":
			if idCol < 0 {
				idCol = i
			}
		}
	}
	var out []RosterEntry
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if nameCol >= len(rec) || strings.TrimSpace(rec[nameCol]) == "" || strings.EqualFold(strings.TrimSpace(rec[nameCol]), "Points Possible") {
			continue
		}
		e := RosterEntry{Name: strings.TrimSpace(rec[nameCol])}
		if idCol >= 0 && idCol < len(rec) {
			e.ID = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rec[idCol]), "Participant "))
		}
		out = append(out, e)
	}
}

// CollectClass is Collect with the class list at roster, when not "":
// everyone on it gets a submission (ApplyRoster), and its warnings join
// Collect's. Collect's errors are *FlagError (the paths or options asked
// for are wrong); a class with no capture at all is an error, returned
// with the warnings.
func CollectClass(paths []string, opt CollectOptions, roster string) ([]Submission, []string, error) {
	subs, warnings, err := Collect(paths, opt)
	if err != nil {
		return nil, nil, &FlagError{"", err}
	}
	if roster != "" {
		entries, err := LoadRoster(roster)
		if err != nil {
			return nil, nil, fmt.Errorf("--roster: %w", err)
		}
		var more []string
		subs, more = ApplyRoster(subs, entries)
		warnings = append(warnings, more...)
	}
	if len(subs) == 0 {
		return nil, warnings, fmt.Errorf("no capture file in %s", strings.Join(paths, ", "))
	}
	return subs, warnings, nil
}

// CollectFlags is CollectClass as `turtle grade` asks it: --student-from
// from, --student-regex regex ("" for none; one that does not compile is
// a usage error, *FlagError) and --roster roster.
func CollectFlags(paths []string, from, regex, roster string) ([]Submission, []string, error) {
	opt := CollectOptions{From: from}
	if regex != "" {
		re, err := regexp.Compile(regex)
		if err != nil {
			return nil, nil, &FlagError{"--student-regex: ", err}
		}
		opt.Regex = re
	}
	return CollectClass(paths, opt, roster)
}

// LoadRoster reads the class list at path (ReadRoster); a device or a
// FIFO is refused, since a class list ends.
func LoadRoster(path string) ([]RosterEntry, error) {
	f, err := inputfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, inputfile.Cause(err))
	}
	defer f.Close()
	return ReadRoster(path, f)
}

// ApplyRoster gives every roster student a submission (empty, with the
// reason "no submission", when none was found) and warns about submissions
// from names not on the roster. A submission matches by LMS id when both
// have one, else by name, case and spaces aside.
func ApplyRoster(subs []Submission, roster []RosterEntry) ([]Submission, []string) {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	matched := make([]bool, len(subs))
	for _, e := range roster {
		found := false
		for i := range subs {
			s := &subs[i]
			if (e.ID != "" && s.ID == e.ID) || (norm(s.Student) == norm(e.Name) && (e.ID == "" || s.ID == "")) {
				matched[i], found = true, true
				if s.ID == "" {
					s.ID = e.ID
				}
			}
		}
		if !found {
			subs = append(subs, Submission{Student: e.Name, ID: e.ID, Why: "no submission"})
			matched = append(matched, true)
		}
	}
	var warnings []string
	for i, s := range subs {
		if !matched[i] {
			warnings = append(warnings, termsafe.Quote(s.Student)+" is not on the roster (graded all the same)")
		}
	}
	return subs, warnings
}
