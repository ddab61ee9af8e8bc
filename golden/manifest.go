package golden

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/turtle-sniffer/turtle/internal/inputfile"
)

// Manifest is a parsed manifest file: one case per line,
//
//	name capture golden [read options]
//
// with blank lines and `#` comments ignored. Capture and golden paths are
// written with forward slashes and are relative to the manifest's
// directory. Fields are separated by blanks; a field containing blanks or
// quotes is quoted as in a shell: '...' literally, "..." with \" and \\
// escapes, and a backslash outside quotes escapes the next character. A
// field that begins with # starts a comment.
//
// The read options are those of `turtle read` that make sense for one
// capture:
//
//	-c, --count N          stop after N frames
//	--format NAME          output format (default turtle)
//	--expect-error TEXT    the capture is damaged on purpose: reading it must
//	                       fail with an error whose message contains TEXT;
//	                       the frames before the damage are compared as usual
//
// unless the case's program takes them ({args}, see Program): then they
// are the program's, and turtle does not read them.
//
// A line whose first field starts with ! is a directive for the cases
// after it (until another directive of the same name):
//
//	!run CMD ARGS...     the cases are decoded by this program (see Program);
//	                     !run alone: by turtle again
//	!env NAME=VALUE...   the program's environment (added to turtle's)
//	!frames RULE         how its output splits into packets (see Rule)
//	!stderr fail|ignore  whether a line on its standard error fails a case
//	!stderr-ok REGEXP    with fail: lines that are not a failure
//	!skip REASON         the next case is not run (a feature it needs is
//	                     missing); check reports it as skipped, with REASON
type Manifest struct {
	Path  string // the manifest file, as given
	Dir   string // the directory paths are relative to
	Cases []*Case
	run   []string // the !run in effect after the last line
}

// Case is one line of a manifest.
type Case struct {
	Name    string   // unique within the manifest
	Capture string   // capture path as written, relative to the manifest
	Golden  string   // golden path as written, relative to the manifest
	Args    []string // the read options as written
	Line    int      // 1-based line in the manifest
	Where   string   // "manifest:line", for messages

	Format      string // --format, "turtle" when not given
	Count       int    // -c, 0 for no limit
	ExpectError string // --expect-error, "" when the capture must read cleanly
	Filter      string // -f, a tcpdump filter; "" prints every frame

	Program *Program // the program that decodes the case (!run); nil: turtle
	Skip    string   // !skip's reason: the case is not run
}

// ParseManifest reads and parses a manifest file.
func ParseManifest(path string) (*Manifest, error) {
	return ParseManifestFor(path, nil)
}

// ParseManifestFor reads and parses a manifest whose cases are all decoded
// by run (`--run`), whatever programs the manifest names: when run takes
// the options column ({args}), the column is the program's. The manifest's
// !env, !frames and !stderr lines still apply to run, which is not changed:
// each case gets its own copy. A nil run is ParseManifest.
func ParseManifestFor(path string, run *Program) (*Manifest, error) {
	data, err := inputfile.ReadFile(path, MaxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return parseManifest(path, data, run)
}

// ParseManifestData parses manifest text; path names it in errors and its
// directory anchors the relative paths.
func ParseManifestData(path string, data []byte) (*Manifest, error) {
	return parseManifest(path, data, nil)
}

// directives are the !lines in effect.
type directives struct {
	run      []string
	env      []string
	frames   Rule
	stderr   StderrPolicy
	stderrOK *regexp.Regexp
	skip     string
	prog     *Program // built from the above, shared by the cases until one changes
}

func (d *directives) apply(fields []string, override *Program) error {
	name, args := fields[0], fields[1:]
	one := func() (string, error) {
		if len(args) != 1 {
			return "", fmt.Errorf("%s wants one argument, got %d", name, len(args))
		}
		return args[0], nil
	}
	var err error
	switch name {
	case "!run":
		if len(args) > 0 {
			if _, err := checkCommand(strings.Join(args, " "), args); err != nil {
				return fmt.Errorf("!run: %w", err)
			}
		}
		d.run = args
	case "!env":
		for _, a := range args {
			if k, _, ok := strings.Cut(a, "="); !ok || k == "" {
				return fmt.Errorf("!env: %q is not NAME=VALUE", a)
			}
		}
		d.env = args
	case "!frames":
		var r string
		if r, err = one(); err == nil {
			d.frames, err = ParseRule(r)
		}
	case "!stderr":
		var p string
		if p, err = one(); err == nil {
			d.stderr, err = ParseStderrPolicy(p)
		}
	case "!stderr-ok":
		var re string
		if re, err = one(); err == nil {
			d.stderrOK, err = regexp.Compile(re)
		}
	case "!skip":
		if len(args) == 0 {
			return errors.New("!skip wants a reason")
		}
		d.skip = strings.Join(args, " ")
		return nil
	default:
		return fmt.Errorf("unknown directive %s (want !run, !env, !frames, !stderr, !stderr-ok or !skip)", name)
	}
	if err != nil {
		return err
	}
	d.prog = nil
	return nil
}

// program is the program of the next case: the override or !run, with the
// directives; nil for turtle.
func (d *directives) program(override *Program) *Program {
	if d.prog != nil {
		return d.prog
	}
	var p Program
	switch {
	case override != nil:
		p = *override
		p.Env = append(slices.Clip(d.env), override.Env...)
		if p.Frames.Name == "" {
			p.Frames = d.frames
		}
		if p.Stderr == StderrIgnore && p.StderrOK == nil {
			p.Stderr, p.StderrOK = d.stderr, d.stderrOK
		}
	case len(d.run) > 0:
		p = Program{Args: d.run, Env: d.env, Frames: d.frames, Stderr: d.stderr, StderrOK: d.stderrOK}
	default:
		return nil
	}
	d.prog = &p
	return d.prog
}

func parseManifest(path string, data []byte, override *Program) (*Manifest, error) {
	m := &Manifest{Path: path, Dir: filepath.Dir(path)}
	seen := make(map[string]int)
	var dir directives
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		fields, err := splitFields(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if len(fields) == 0 {
			continue
		}
		if strings.HasPrefix(fields[0], "!") {
			if err := dir.apply(fields, override); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			continue
		}
		prog := dir.program(override)
		c, err := newCaseFor(fields, n, prog.TakesArgs())
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		c.Program, c.Skip, dir.skip = prog, dir.skip, ""
		c.Where = fmt.Sprintf("%s:%d", path, n)
		if prev, dup := seen[c.Name]; dup {
			return nil, fmt.Errorf("%s:%d: case %q is already defined on line %d", path, n, c.Name, prev)
		}
		seen[c.Name] = n
		m.Cases = append(m.Cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", path, err)
	}
	m.run = dir.run
	return m, nil
}

// NewCase builds a case from its name, paths (relative to the manifest,
// forward slashes) and read options, checking them as a manifest line is.
func NewCase(name, capture, golden string, args []string) (*Case, error) {
	return NewCaseFor(name, capture, golden, args, nil)
}

// NewCaseFor is NewCase for a case decoded by p (nil: turtle): when p
// takes the options column ({args}), args are p's and are not read.
func NewCaseFor(name, capture, golden string, args []string, p *Program) (*Case, error) {
	c, err := newCaseFor(append([]string{name, capture, golden}, args...), 0, p.TakesArgs())
	if err != nil {
		return nil, err
	}
	c.Program = p
	return c, nil
}

// newCaseFor builds a case; with foreign, the options are a program's and
// are kept as written, unread.
func newCaseFor(fields []string, line int, foreign bool) (*Case, error) {
	if len(fields) < 3 {
		return nil, fmt.Errorf("want 'name capture golden [read options]', got %d field(s)", len(fields))
	}
	c := &Case{Name: fields[0], Capture: fields[1], Golden: fields[2], Args: fields[3:], Line: line}
	if strings.HasPrefix(c.Name, "-") {
		return nil, fmt.Errorf("case name %q cannot start with '-'", c.Name)
	}
	for _, p := range []string{c.Capture, c.Golden} {
		if strings.Contains(p, `\`) {
			return nil, fmt.Errorf("path %q: write paths with forward slashes", p)
		}
	}
	for _, f := range fields {
		if strings.ContainsAny(f, "\r\n") {
			return nil, fmt.Errorf("field %q: a manifest field cannot contain a line break", f)
		}
	}
	if foreign {
		return c, nil
	}
	fs := pflag.NewFlagSet(c.Name, pflag.ContinueOnError)
	fs.SetOutput(discard{})
	fs.SetInterspersed(false)
	fs.IntVarP(&c.Count, "count", "c", 0, "")
	fs.StringVar(&c.Format, "format", "turtle", "")
	fs.StringVar(&c.ExpectError, "expect-error", "", "")
	fs.StringVarP(&c.Filter, "filter", "f", "", "")
	if err := fs.Parse(c.Args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			err = errors.New("unknown flag: --help")
		}
		return nil, fmt.Errorf("case %s: read options: %w (options of another decoder are handed to it with --run 'CMD {} {args}' or a !run line)", c.Name, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("case %s: read options: unexpected argument %q", c.Name, fs.Arg(0))
	}
	if c.Count < 0 {
		return nil, fmt.Errorf("case %s: read options: -c %d: the frame count cannot be negative", c.Name, c.Count)
	}
	if fs.Changed("expect-error") && c.ExpectError == "" {
		return nil, fmt.Errorf("case %s: read options: --expect-error needs a non-empty text", c.Name)
	}
	return c, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Case returns the case of that name, or nil.
func (m *Manifest) Case(name string) *Case {
	for _, c := range m.Cases {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Resolve turns a path as written in the manifest into one usable from the
// current directory.
func (m *Manifest) Resolve(p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(m.Dir, p)
}

// Rel turns a path usable from the current directory into one relative to
// the manifest, with forward slashes, as a manifest line writes it.
func (m *Manifest) Rel(p string) (string, error) {
	absDir, err := filepath.Abs(m.Dir)
	if err != nil {
		return "", err
	}
	absP, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absDir, absP)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}

// String formats c as a manifest line (without the newline), quoting the
// fields that need it, so that parsing the line gives c back.
func (c *Case) String() string {
	var b strings.Builder
	for i, f := range append([]string{c.Name, c.Capture, c.Golden}, c.Args...) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteField(f))
	}
	return b.String()
}

// Append adds c to the manifest file at path (creating it if needed) as
// one line, after checking the name is not taken.
func Append(path string, c *Case) error {
	old, err := inputfile.ReadFile(path, MaxManifestBytes)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read manifest: %w", err)
	}
	m, err := ParseManifestData(path, old)
	if err != nil {
		return err
	}
	if prev := m.Case(c.Name); prev != nil {
		return fmt.Errorf("%s:%d: case %q already exists", path, prev.Line, c.Name)
	}
	var line []byte
	if len(old) > 0 && old[len(old)-1] != '\n' {
		line = append(line, '\n')
	}
	// The case's program, unless the manifest's last !run is it already.
	var run []string
	if c.Program != nil {
		run = c.Program.Args
	}
	if !slices.Equal(run, m.run) {
		line = append(line, "!run"...)
		for _, a := range run {
			line = append(line, ' ')
			line = append(line, quoteField(a)...)
		}
		line = append(line, '\n')
	}
	line = append(line, c.String()...)
	line = append(line, '\n')
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("append to manifest: %w", err)
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fmt.Errorf("append to manifest: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("append to manifest: %w", err)
	}
	return nil
}

// splitFields splits one manifest line into fields. It is written by hand
// because the shell-word libraries (google/shlex, mattn/go-shellwords) are
// not in the module graph and the rules needed fit in a screen: blanks
// separate, quotes group, # starts a comment.
func splitFields(line string) ([]string, error) {
	var (
		fields []string
		cur    strings.Builder
		inWord bool
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			if inWord {
				fields = append(fields, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			return fields, nil
		case c == '\\':
			if i+1 == len(line) {
				return nil, fmt.Errorf("column %d: backslash at the end of the line", i+1)
			}
			i++
			cur.WriteByte(line[i])
			inWord = true
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("column %d: unterminated ' quote", i+1)
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += 1 + end
			inWord = true
		case c == '"':
			start := i
			for i++; ; i++ {
				if i == len(line) {
					return nil, fmt.Errorf("column %d: unterminated \" quote", start+1)
				}
				if line[i] == '"' {
					break
				}
				if line[i] == '\\' && i+1 < len(line) && (line[i+1] == '"' || line[i+1] == '\\') {
					i++
				}
				cur.WriteByte(line[i])
			}
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		fields = append(fields, cur.String())
	}
	return fields, nil
}

// quoteField quotes f for splitFields when it needs it.
func quoteField(f string) string {
	if f != "" && !strings.ContainsAny(f, " \t\r\n'\"\\#") {
		return f
	}
	if !strings.Contains(f, "'") && !strings.ContainsAny(f, "\r\n") {
		return "'" + f + "'"
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(f) + `"`
}
