package golden

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Settings are what `turtle golden`'s flags set on every program of a
// run, whether --run or the manifest's !run lines name it: the limits and,
// when not "", the framing rule, the standard error policy and the lines
// of standard error that are no failure. Their errors name those flags.
type Settings struct {
	Timeout   time.Duration // per case (--time-limit)
	MaxOutput int64         // bytes of standard output per case (--output-limit)
	Frames    string        // a Rule (--frames, ParseRule)
	Stderr    string        // a StderrPolicy (--stderr, ParseStderrPolicy)
	StderrOK  string        // a regular expression (--stderr-ok)
}

// Apply sets s on p.
func (s Settings) Apply(p *Program) error {
	p.Timeout, p.MaxOutput = s.Timeout, s.MaxOutput
	if s.Frames != "" {
		r, err := ParseRule(s.Frames)
		if err != nil {
			return fmt.Errorf("--frames: %w", err)
		}
		p.Frames = r
	}
	if s.Stderr != "" {
		st, err := ParseStderrPolicy(s.Stderr)
		if err != nil {
			return fmt.Errorf("--stderr: %w", err)
		}
		p.Stderr = st
	}
	if s.StderrOK != "" {
		re, err := regexp.Compile(s.StderrOK)
		if err != nil {
			return fmt.Errorf("--stderr-ok: %w", err)
		}
		p.StderrOK = re
	}
	return nil
}

// RunProgram checks s and returns the program of --run's command with s
// applied, or nil when command is "" (the manifest's own !run lines, if
// any, decide; s applies to them too, see ParseManifestWith). containers
// (--containers: re-encode captures for turtle's decoder) and a program
// exclude each other.
func (s Settings) RunProgram(command string, containers bool) (*Program, error) {
	if s.Timeout <= 0 {
		return nil, errors.New("--time-limit must be above 0")
	}
	if s.MaxOutput <= 0 {
		return nil, errors.New("--output-limit must be above 0")
	}
	if err := s.Apply(&Program{}); err != nil {
		return nil, err
	}
	if command == "" {
		return nil, nil
	}
	if containers {
		return nil, errors.New("--containers re-encodes captures for turtle's decoder: not with --run")
	}
	return NewProgram(command, s)
}

// NewProgram is the program of the command line command (ParseCommand)
// with s applied. Python programs run unbuffered, so they lose nothing
// they printed when they are stopped.
func NewProgram(command string, s Settings) (*Program, error) {
	args, err := ParseCommand(command)
	if err != nil {
		return nil, err
	}
	p := &Program{Args: args, Env: []string{"PYTHONUNBUFFERED=1"}}
	if err := s.Apply(p); err != nil {
		return nil, err
	}
	return p, nil
}

// ParseManifestWith is ParseManifestFor(path, run) with s applied to every
// program the manifest's !run lines name (each gets its own copy; run
// already has its settings).
func ParseManifestWith(path string, run *Program, s Settings) (*Manifest, error) {
	m, err := ParseManifestFor(path, run)
	if err != nil || run != nil {
		return m, err
	}
	seen := make(map[*Program]*Program)
	for _, c := range m.Cases {
		if c.Program == nil {
			continue
		}
		q, ok := seen[c.Program]
		if !ok {
			cp := *c.Program
			q = &cp
			if err := s.Apply(q); err != nil {
				return nil, err
			}
			seen[c.Program] = q
		}
		c.Program = q
	}
	return m, nil
}
