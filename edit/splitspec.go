package edit

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// SplitSpec is how a split is asked for on a command line (turtle
// split's --by flow, --count N, --time D); Mode checks it.
type SplitSpec struct {
	By       string        // "flow", or "" (or the old "count"/"time")
	Count    int           // frames per file, when CountSet
	CountSet bool          // --count given
	Time     time.Duration // the length of a slice, when TimeSet
	TimeSet  bool          // --time given
}

// Mode returns how to split (with N frames per file or slices of D) and
// the arguments left. It also reads the old spelling --by count N and
// --by time D, whose value is the first argument: note then says what to
// write instead (the spelling is deprecated). The error names the flag
// and says what it wants.
func (s SplitSpec) Mode(args []string) (by SplitBy, n int, d time.Duration, rest []string, note string, err error) {
	given := 0
	for _, set := range []bool{s.By != "", s.CountSet, s.TimeSet} {
		if set {
			given++
		}
	}
	if given > 1 {
		return 0, 0, 0, nil, "", errors.New("give one of --by flow, --count N and --time DURATION")
	}
	if (s.By == "count" || s.By == "time") && len(args) > 0 {
		note = fmt.Sprintf("--by %s %s is deprecated, use --%s %s instead", s.By, args[0], s.By, args[0])
		if s.By == "count" {
			v, err := strconv.Atoi(args[0])
			if err != nil {
				return 0, 0, 0, nil, note, fmt.Errorf("--by count %q: want a number of frames from 1", args[0])
			}
			s.CountSet, s.Count = true, v
		} else {
			v, err := time.ParseDuration(args[0])
			if err != nil {
				return 0, 0, 0, nil, note, fmt.Errorf("--by time %q: want a positive duration such as 500ms, 10s or 1h", args[0])
			}
			s.TimeSet, s.Time = true, v
		}
		s.By, args = "", args[1:]
	}
	switch {
	case s.By == "flow":
		return ByFlow, 0, 0, args, note, nil
	case s.By == "count" || s.By == "time":
		return 0, 0, 0, nil, note, fmt.Errorf("--by %s needs its value: --%s N", s.By, s.By)
	case s.By != "":
		return 0, 0, 0, nil, note, fmt.Errorf("--by %q: want flow (or --count N, --time DURATION)", s.By)
	case s.CountSet:
		if s.Count < 1 {
			return 0, 0, 0, nil, note, fmt.Errorf("--count %d: want a number of frames from 1", s.Count)
		}
		return ByCount, s.Count, 0, args, note, nil
	case s.TimeSet:
		if s.Time <= 0 {
			return 0, 0, 0, nil, note, fmt.Errorf("--time %v: want a positive duration such as 500ms, 10s or 1h", s.Time)
		}
		return ByTime, 0, s.Time, args, note, nil
	}
	return 0, 0, 0, nil, note, errors.New("no --by flow, --count N or --time DURATION given")
}
