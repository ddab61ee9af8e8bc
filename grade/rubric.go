package grade

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// The built-in labs are rubric files like any an instructor writes, so that
// --show-lab prints exactly what grades.
//
//go:embed labs/*.toml
var labFiles embed.FS

// Labs returns the names of the built-in labs, sorted.
func Labs() []string {
	entries, _ := fs.ReadDir(labFiles, "labs") // embedded: cannot fail
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".toml"))
	}
	sort.Strings(names)
	return names
}

// LabSource returns the rubric file of a built-in lab.
func LabSource(name string) ([]byte, error) {
	b, err := labFiles.ReadFile("labs/" + name + ".toml")
	if err != nil {
		return nil, fmt.Errorf("no lab %q (labs: %s)", name, strings.Join(Labs(), ", "))
	}
	return b, nil
}

// Lab returns the parsed rubric of a built-in lab.
func Lab(name string) (*Rubric, error) {
	b, err := LabSource(name)
	if err != nil {
		return nil, err
	}
	return ParseRubric("lab "+name, b)
}

// Rubric is what a lab is graded on: checks, each worth points, each with
// the parameters it looks for in a capture.
type Rubric struct {
	Lab         string  `toml:"lab"`
	Title       string  `toml:"title"`
	Description string  `toml:"description"`
	Defaults    Params  `toml:"defaults"`
	Penalty     Penalty `toml:"penalty"`
	Checks      []Check `toml:"check"`
}

// Check is one graded property of a capture.
type Check struct {
	ID       string  `toml:"id"`       // short name: column headers, Autolab keys
	Kind     string  `toml:"kind"`     // what is checked; see kinds
	Name     string  `toml:"name"`     // one line for people
	Points   float64 `toml:"points"`   // earned when the check passes
	Feedback string  `toml:"feedback"` // advice shown when it fails
	Params
}

// Params are a check's parameters. A nil field is unset: a check's own
// value wins over [defaults], which wins over the kind's built-in default.
type Params struct {
	Port      *int      `toml:"port"`      // the server's port
	Server    *string   `toml:"server"`    // the server's IP address; "" any
	Client    *string   `toml:"client"`    // the client's IP address; "" any
	Message   *string   `toml:"message"`   // the text the client sends; "" any
	Delay     *Duration `toml:"delay"`     // the server's delay before an echo; 0 estimates it
	MinDelay  *Duration `toml:"min_delay"` // below this the timing proves nothing
	Clients   *int      `toml:"clients"`   // simultaneous clients needed
	Count     *int      `toml:"count"`     // requests or frames needed
	Interface *string   `toml:"interface"` // pcapng interface name; "" any
}

// Duration is a time.Duration written as a string in rubric files ("2s",
// "150ms"); "" is zero.
type Duration time.Duration

// UnmarshalText parses "2s", "150ms" or "".
func (d *Duration) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: want a number and a unit, like \"2s\" or \"150ms\"", b)
	}
	if v < 0 {
		return fmt.Errorf("duration %q is negative", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as time.Duration prints it.
func (d Duration) MarshalText() ([]byte, error) {
	if d == 0 {
		return []byte(""), nil
	}
	return []byte(time.Duration(d).String()), nil
}

// params is a check's effective parameters, every default filled in.
type params struct {
	port      uint16
	server    netip.Addr // invalid: any
	client    netip.Addr
	message   string
	delay     time.Duration
	minDelay  time.Duration
	clients   int
	count     int
	iface     string
	portSet   bool
	hasServer bool
	hasClient bool
}

var tomlLine = regexp.MustCompile(`^toml: line (\d+)(?: \(last key "([^"]*)"\))?: (.*)$`)

var incompatible = regexp.MustCompile(`destination has type (\S+)`)

// typeError words a value of the wrong type in plain words, with the line
// of the offending key and the line itself ("r.toml:23: points must be a
// number (like 4 or 2.5), not text: points = \"4\""); "" when it cannot
// place it. BurntSushi/toml names Go types and, for arrays of tables, the
// line where the table ends; the locator finds the key itself.
func typeError(name string, data []byte, lastKey, msg string) string {
	m := incompatible.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	want, wantKind := "", ""
	switch {
	case strings.Contains(m[1], "float"):
		want, wantKind = "a number (like 4 or 2.5)", "number"
	case strings.Contains(m[1], "int"):
		want, wantKind = "a whole number (like 4)", "integer"
	case strings.Contains(m[1], "string"), strings.Contains(m[1], "Duration"):
		want, wantKind = "text in double quotes", "string"
	case strings.Contains(m[1], "bool"):
		want, wantKind = "true or false", "bool"
	default:
		return ""
	}
	table, key := "", lastKey
	if i := strings.LastIndexByte(lastKey, '.'); i >= 0 {
		table, key = lastKey[:i], lastKey[i+1:]
	}
	loc := newLocator(data)
	cur := ""
	for _, ln := range loc.lines {
		if ln.header != "" {
			cur = ln.header
			continue
		}
		if cur != table || ln.key != key {
			continue
		}
		kind := valueKind(ln.value)
		if kind == wantKind || (wantKind == "number" && kind == "integer") {
			continue
		}
		return fmt.Sprintf("%s:%d: %s must be %s, not %s: %s", name, ln.n, key, want, kindWords[kind], ln.text)
	}
	return ""
}

var kindWords = map[string]string{"string": "text", "integer": "a whole number", "number": "a number with a fraction",
	"bool": "true or false", "array": "a list", "table": "a table", "other": "that"}

// valueKind tells a TOML value's type from its text.
func valueKind(v string) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "other"
	case v[0] == '"' || v[0] == '\'':
		return "string"
	case v[0] == '[':
		return "array"
	case v[0] == '{':
		return "table"
	case v == "true" || v == "false":
		return "bool"
	}
	if _, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 0, 64); err == nil {
		return "integer"
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(v, "_", ""), 64); err == nil || v == "inf" || v == "nan" {
		return "number"
	}
	return "other"
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ParseRubric decodes a rubric file strictly: a key it does not know, a
// parameter the check's kind does not use, a value of the wrong type or out
// of range is an error naming name and, where the file has it, the line.
func ParseRubric(name string, data []byte) (*Rubric, error) {
	if err := CheckRubricLimits(name, data); err != nil { // before the TOML parser sees it
		return nil, err
	}
	var r Rubric
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&r)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			if pe.LastKey != "" {
				return nil, fmt.Errorf("%s:%d: %s: %s", name, pe.Position.Line, pe.LastKey, pe.Message)
			}
			return nil, fmt.Errorf("%s:%d: %s", name, pe.Position.Line, pe.Message)
		}
		// Type errors come as text: "toml: line 4 (last key "check.points"): ...".
		if m := tomlLine.FindStringSubmatch(err.Error()); m != nil && m[2] != "" {
			if msg := typeError(name, data, m[2], m[3]); msg != "" {
				return nil, errors.New(msg)
			}
		}
		if m := tomlLine.FindStringSubmatch(err.Error()); m != nil {
			if m[2] != "" {
				return nil, fmt.Errorf("%s:%s: %s: %s", name, m[1], m[2], m[3])
			}
			return nil, fmt.Errorf("%s:%s: %s", name, m[1], m[3])
		}
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "toml: "))
	}
	loc := newLocator(data)
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0]
		more := ""
		if len(und) > 1 {
			more = fmt.Sprintf(" (and %d more)", len(und)-1)
		}
		return nil, fmt.Errorf("%s: unknown key %q%s", loc.where(name, []string(k)), k.String(), more)
	}
	if r.Lab == "" {
		return nil, fmt.Errorf("%s: no lab name (lab = \"...\")", name)
	}
	if len(r.Checks) == 0 {
		return nil, fmt.Errorf("%s: no checks ([[check]] tables)", name)
	}
	if p := r.Penalty.WrongPort; p != nil && (*p < 0 || math.IsNaN(*p) || *p > r.MaxScore()) {
		return nil, fmt.Errorf("%s: penalty.wrong_port %v: want a number from 0 to the rubric's %v points", loc.where(name, []string{"penalty", "wrong_port"}), *p, r.MaxScore())
	}
	if p := r.Penalty.WrongAddress; p != nil && (*p < 0 || math.IsNaN(*p) || *p > r.MaxScore()) {
		return nil, fmt.Errorf("%s: penalty.wrong_address %v: want a number from 0 to the rubric's %v points", loc.where(name, []string{"penalty", "wrong_address"}), *p, r.MaxScore())
	}
	seen := map[string]bool{}
	for i := range r.Checks {
		c := &r.Checks[i]
		at := loc.check(name, i)
		switch {
		case !idPattern.MatchString(c.ID):
			return nil, fmt.Errorf("%s: check %d: id %q: want lower-case letters, digits, - and _", at, i+1, c.ID)
		case seen[c.ID]:
			return nil, fmt.Errorf("%s: check %q: id used twice", at, c.ID)
		case checkKinds[c.Kind].judge == nil:
			return nil, fmt.Errorf("%s: check %q: kind %q: want one of %s", at, c.ID, c.Kind, strings.Join(Kinds(), ", "))
		case c.Points < 0 || math.IsNaN(c.Points) || math.IsInf(c.Points, 0) || c.Points > 1e6:
			return nil, fmt.Errorf("%s: check %q: points %v: want a number from 0 to 1000000", at, c.ID, c.Points)
		}
		seen[c.ID] = true
		for _, k := range c.Params.set() {
			if !takes(c.Kind, k) {
				return nil, fmt.Errorf("%s: check %q (%s) takes no %q (it takes %s)",
					loc.key(name, i, k), c.ID, c.Kind, k, strings.Join(checkKinds[c.Kind].params, ", "))
			}
		}
		if _, err := c.resolve(r.Defaults); err != nil {
			return nil, fmt.Errorf("%s: check %q: %v", at, c.ID, err)
		}
	}
	return &r, nil
}

// MaxScore is the sum of every check's points.
func (r *Rubric) MaxScore() float64 {
	var s float64
	for _, c := range r.Checks {
		s += c.Points
	}
	return s
}

// Set overrides one parameter: "port=12600" sets it in [defaults] (and
// removes it from every check of a kind that uses it, so it applies
// everywhere); "echo.port=12600" sets it in the check with id "echo" only.
func (r *Rubric) Set(assignment string) error {
	key, value, ok := strings.Cut(assignment, "=")
	if !ok {
		return fmt.Errorf("%q: want KEY=VALUE or CHECK.KEY=VALUE", assignment)
	}
	id, key, scoped := strings.Cut(strings.TrimSpace(key), ".")
	if !scoped {
		key, id = id, ""
	}
	var target *Params
	if scoped {
		for i := range r.Checks {
			if r.Checks[i].ID == id {
				target = &r.Checks[i].Params
				if !takes(r.Checks[i].Kind, key) {
					return fmt.Errorf("%q: check %q (%s) takes no %q", assignment, id, r.Checks[i].Kind, key)
				}
			}
		}
		if target == nil {
			return fmt.Errorf("%q: no check with id %q", assignment, id)
		}
	} else {
		target = &r.Defaults
	}
	if err := setParam(target, key, value); err != nil {
		return fmt.Errorf("%q: %v", assignment, err)
	}
	if !scoped {
		for i := range r.Checks {
			clearParam(&r.Checks[i].Params, key)
		}
	}
	for _, c := range r.Checks {
		if _, err := c.resolve(r.Defaults); err != nil {
			return fmt.Errorf("%q: check %q: %v", assignment, c.ID, err)
		}
	}
	return nil
}

// locator finds the line of a key in a rubric file. BurntSushi/toml reports
// unknown keys without their position, so this scans the lines for table
// headers and "key =" in the simple layout rubric files have; a key it
// cannot place is reported without a line.
type locator struct {
	lines []locLine
}

type locLine struct {
	n      int
	header string // table name for [x] and [[x]] lines
	array  bool
	key    string // dotted key of a "key = value" line, quotes removed
	value  string // its value, a trailing comment removed
	text   string // the line as written (trimmed)
}

func newLocator(data []byte) *locator {
	l := &locator{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	inMulti := ""
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if inMulti != "" {
			if strings.Count(line, inMulti)%2 == 1 {
				inMulti = ""
			}
			continue
		}
		switch {
		case line == "" || line[0] == '#':
			continue
		case strings.HasPrefix(line, "[["):
			end := strings.Index(line, "]]")
			if end > 0 {
				l.lines = append(l.lines, locLine{n: n, header: normKey(line[2:end]), array: true})
			}
			continue
		case line[0] == '[':
			end := strings.IndexByte(line, ']')
			if end > 0 {
				l.lines = append(l.lines, locLine{n: n, header: normKey(line[1:end])})
			}
			continue
		}
		if eq := strings.IndexByte(line, '='); eq > 0 {
			rest := line[eq+1:]
			l.lines = append(l.lines, locLine{n: n, key: normKey(line[:eq]), value: stripComment(rest),
				text: strings.TrimSpace(line[:eq]) + " = " + stripComment(rest)})
			for _, q := range []string{`"""`, `'''`} {
				if strings.Count(rest, q)%2 == 1 {
					inMulti = q
				}
			}
		}
	}
	return l
}

// stripComment removes a trailing # comment outside quotes.
func stripComment(v string) string {
	var q byte
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case q != 0 && c == '\\' && q == '"':
			i++
		case q != 0 && c == q:
			q = 0
		case q == 0 && (c == '"' || c == '\''):
			q = c
		case q == 0 && c == '#':
			return strings.TrimSpace(v[:i])
		}
	}
	return strings.TrimSpace(v)
}

// normKey removes spaces and quotes from a (dotted) key.
func normKey(s string) string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// where returns "name:line" for the first definition of key k (a path such
// as [check colour]), or name alone.
func (l *locator) where(name string, k []string) string {
	full := strings.Join(k, ".")
	table := ""
	for _, ln := range l.lines {
		if ln.header != "" {
			table = ln.header
			if ln.header == full {
				return name + ":" + strconv.Itoa(ln.n)
			}
			continue
		}
		path := ln.key
		if table != "" {
			path = table + "." + ln.key
		}
		if path == full || strings.HasPrefix(full, path+".") {
			return name + ":" + strconv.Itoa(ln.n)
		}
	}
	return name
}

// check returns "name:line" for the header of the i-th [[check]].
func (l *locator) check(name string, i int) string {
	for _, ln := range l.lines {
		if ln.array && ln.header == "check" {
			if i == 0 {
				return name + ":" + strconv.Itoa(ln.n)
			}
			i--
		}
	}
	return name
}

// key returns "name:line" for key k inside the i-th [[check]].
func (l *locator) key(name string, i int, k string) string {
	idx, in := i, false
	for _, ln := range l.lines {
		if ln.header != "" {
			in = false
			if ln.array && ln.header == "check" {
				in = i == 0
				i--
			}
			continue
		}
		if in && ln.key == k {
			return name + ":" + strconv.Itoa(ln.n)
		}
	}
	return l.check(name, idx)
}
