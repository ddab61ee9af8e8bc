package grade

import (
	"errors"
	"fmt"

	"github.com/turtle-sniffer/turtle/internal/inputfile"
)

// FlagError is a rubric that could not be had because of what the user
// asked for (a lab that does not exist, a --set that does not fit): a
// usage error, where an unreadable or invalid rubric file is a failure.
type FlagError struct {
	Prefix string // "--lab: " or "--set "
	Err    error
}

func (e *FlagError) Error() string { return e.Prefix + e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// LoadRubric is the one way a rubric is had: the built-in lab (file ""),
// or the rubric file (lab ""), read with MaxRubricBytes and refused when
// it is not a file, parsed strictly, with each --set override applied in
// order. src is the rubric as read, before the overrides (what an
// autograder package ships). Errors are *FlagError for the lab's name and
// the overrides; a file's errors name it.
func LoadRubric(lab, file string, sets []string) (r *Rubric, src []byte, err error) {
	if lab != "" {
		if src, err = LabSource(lab); err != nil {
			return nil, nil, &FlagError{"--lab: ", err}
		}
		r, err = ParseRubric("lab "+lab, src)
	} else {
		if src, err = inputfile.ReadFile(file, MaxRubricBytes); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", file, inputfile.Cause(err))
		}
		r, err = ParseRubric(file, src)
	}
	if err != nil {
		return nil, nil, err
	}
	for _, s := range sets {
		if err := r.Set(s); err != nil {
			return nil, nil, &FlagError{"--set ", err}
		}
	}
	return r, src, nil
}

// CheckLab returns a usage error (*FlagError) unless exactly one of --lab
// and --rubric is given.
func CheckLab(lab, file string) error {
	switch {
	case lab == "" && file == "":
		return &FlagError{"", errors.New("no lab: give --lab LAB or --rubric FILE")}
	case lab != "" && file != "":
		return &FlagError{"", errors.New("--lab and --rubric both given: choose one")}
	}
	return nil
}
