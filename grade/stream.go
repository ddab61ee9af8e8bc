package grade

import (
	"io"
	"reflect"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Stream grades one capture frame by frame, as its frames arrive: the
// source is a live interface (Live) where a file's frames come from
// pcapio. Both feed the same grader one frame at a time (grader.add) and
// judge it with the same checks (compiled.checks), so a live run and the
// file it wrote give the same result.
//
// Check judges every check on the frames so far without ending the
// capture; Result ends it and returns what file grading returns for the
// same frames.
type Stream struct {
	cr    *compiled
	g     *grader
	name  string
	last  []CheckResult
	since []int // per check: the frame at which it got its verdict
}

// Verdict is one check as a capture stands so far.
type Verdict struct {
	CheckResult
	// Frame is the frame at which the check got this verdict: the frame
	// that made it pass, or the last frame read when it was judged failed.
	Frame int
	// Changed says whether the verdict (passed, or the reason it failed)
	// differs from the one the previous Check returned.
	Changed bool
}

// NewStream starts grading a capture that results will call name.
func NewStream(r *Rubric, name string) (*Stream, error) {
	cr, err := compile(r)
	if err != nil {
		return nil, err
	}
	return &Stream{cr: cr, g: newGrader(cr.ports), name: name}, nil
}

// Add grades one more frame. The data is not kept: it may be reused once
// Add returns.
func (s *Stream) Add(data []byte, ci pcapio.CaptureInfo) { s.g.add(data, ci) }

// Frames is the number of frames added.
func (s *Stream) Frames() int { return s.g.c.frames }

// Check judges every check on the frames added so far. Reasons for review
// the checks find on the way are left for Result: what a capture lacks now
// may still come.
func (s *Stream) Check() []Verdict {
	c := s.g.c
	keep := len(c.review)
	checks, _ := s.cr.checks(c)
	c.review = c.review[:keep]
	out := make([]Verdict, len(checks))
	if s.since == nil {
		s.since = make([]int, len(checks))
	}
	for i, ch := range checks {
		changed := s.last == nil || s.last[i].Passed != ch.Passed || s.last[i].Message != ch.Message
		if changed {
			s.since[i] = c.frames
		}
		out[i] = Verdict{CheckResult: ch, Frame: s.since[i], Changed: changed}
	}
	s.last = checks
	return out
}

// Result ends the capture and grades it as a file of the same frames is
// graded. reopen reads those frames again from the start, for a rubric with
// a wrong-port penalty (nil: it is not applied).
func (s *Stream) Result(reopen func() (io.ReadCloser, error)) Result {
	s.g.finish()
	res := s.cr.result(s.name, s.g.c)
	return s.cr.applyPenalty(res, s.g.c, reopen)
}

// Ports are the TCP and UDP ports a rubric's checks look at: the lab's
// traffic, which a live grader watches for on every interface.
func (r *Rubric) Ports() (udp, tcp []uint16, err error) {
	cr, err := compile(r)
	if err != nil {
		return nil, nil, err
	}
	return cr.ports.udp, cr.ports.tcp, nil
}

// ProgramChecks lists the checks of r that grade what a program printed
// (sniffer and client labs): a capture cannot pass them, so such a rubric
// is graded with --program or --client, not from a capture.
func (r *Rubric) ProgramChecks() []string {
	var ids []string
	only := reflect.ValueOf(programOnly).Pointer()
	for _, c := range r.Checks {
		if k, ok := checkKinds[c.Kind]; ok && reflect.ValueOf(k.judge).Pointer() == only {
			ids = append(ids, c.ID)
		}
	}
	return ids
}
