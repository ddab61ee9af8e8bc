// Package programs grades the programs students hand in, not only their
// captures: it runs each submission in a sandbox (package sandbox) and
// judges what it does with grade's labs.
//
//   - Sniffer labs (checks of the turtle-* or basic-* kinds): the program
//     listens on one end of a veth pair in its own network namespace; turtle
//     sends the labs' reference capture (labframes.go) into the other
//     end, and compares what the program printed with turtle's own text for
//     those frames (grade.GradeSnifferText).
//   - Echo labs with a server program: the program serves the lab's port in
//     its own namespace; turtle's echo clients drive it (several at once for
//     the concurrency labs) while turtle captures the namespace's loopback,
//     and the capture is graded with the lab's checks.
//   - Echo labs with a client program: turtle's echo server serves the lab's
//     port; the program gets the lab's message on standard input; the
//     capture is graded with the lab's checks and the printed lines with one
//     more check ("output").
//
// It is a package of its own because it joins jobs that have their own
// homes — sandbox runs untrusted code, live captures and sends frames,
// echo has turtle's clients and servers, grade scores — into one run per
// student, which none of them should know about.
package programs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/internal/outfile"
	"github.com/turtle-sniffer/turtle/sandbox"
)

// Options say how to run the programs.
type Options struct {
	Command      string         // the shell command that runs a submission, in its folder
	Client       bool           // Command is an echo client (else a sniffer or an echo server)
	User         string         // who runs it; "" is a uid of its own per program
	Limits       sandbox.Limits // zero fields take sandbox's defaults
	Ready        time.Duration  // how long to wait for a program to start; 0 is DefaultReady
	Quiet        time.Duration  // a sniffer is done when it printed nothing this long; 0 is DefaultQuiet
	Grace        time.Duration  // from SIGINT to SIGKILL; 0 is DefaultGrace
	KeepCaptures string         // a folder to write each echo run's capture to, as STUDENT.pcap; "" keeps none
	Pages        string         // GradeFolders: the --html folder; with KeepCaptures "", captures go to Pages/captures
	Jobs         int            // submissions graded at once; 0 is one per CPU
	Seed         uint64         // draws the sniffer labs' frames (random.go); 0 draws a seed
}

// Defaults of Options.
const (
	DefaultReady = 10 * time.Second
	DefaultQuiet = 500 * time.Millisecond
	DefaultGrace = time.Second
)

func (o Options) withDefaults() Options {
	o.Ready = cmp.Or(max(o.Ready, 0), DefaultReady)
	o.Quiet = cmp.Or(max(o.Quiet, 0), DefaultQuiet)
	o.Grace = cmp.Or(max(o.Grace, 0), DefaultGrace)
	o.Jobs = cmp.Or(max(o.Jobs, 0), runtime.GOMAXPROCS(0))
	for o.Seed == 0 {
		o.Seed = rand.Uint64()
	}
	o.Limits = o.Limits.WithDefaults()
	return o
}

// Submission is one student's folder.
type Submission struct {
	Student string
	Dir     string
}

// Submissions names each folder's student after the folder.
func Submissions(dirs []string) ([]Submission, error) {
	var subs []Submission
	for _, d := range dirs {
		st, err := os.Stat(d)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("%s: not a folder (give one submission folder per student)", d)
		}
		abs, err := filepath.Abs(d)
		if err != nil {
			abs = d
		}
		subs = append(subs, Submission{Student: filepath.Base(abs), Dir: d})
	}
	return subs, nil
}

// Check says whether r can grade programs run the way opt says; it is
// what the command line checks before starting anything.
func Check(r *grade.Rubric, opt Options) error {
	if err := sandbox.CheckUser(opt.User); err != nil {
		return err
	}
	format, err := r.SnifferFormat()
	if err != nil {
		return err
	}
	if format != "" {
		if opt.Client {
			return fmt.Errorf("lab %s grades a sniffer: give it with --program, not --client", r.Lab)
		}
		return nil
	}
	if _, _, err := echoSetup(r); err != nil {
		return err
	}
	if opt.Client && hasKind(r, "tcp-concurrent", "tcp-iterative") {
		return fmt.Errorf("lab %s judges a server's concurrency: grade a server with --program", r.Lab)
	}
	return nil
}

func hasKind(r *grade.Rubric, kinds ...string) bool {
	for _, c := range r.Checks {
		for _, k := range kinds {
			if c.Kind == k {
				return true
			}
		}
	}
	return false
}

// GradeFolders is Grade for the submission folders dirs (Submissions), as
// `turtle grade --program` runs them: opt.Jobs 0 is 2 at once; message
// says which sandbox runs them and, when ctx was cancelled (Ctrl-C), that
// the programs were stopped, which interrupted reports. With opt.Pages
// (--html) and no KeepCaptures, echo runs' captures are kept in
// Pages/captures for the pages' pictures. shown is the
// rubric the results are reported against: a client's has the check of
// its printed lines (WithClientCheck).
func GradeFolders(ctx context.Context, r *grade.Rubric, dirs []string, opt Options, message func(string)) (results []grade.Result, shown *grade.Rubric, interrupted bool, err error) {
	shown = r
	if opt.Client {
		shown = WithClientCheck(r)
	}
	subs, err := Submissions(dirs)
	if err != nil {
		return nil, shown, false, err
	}
	if opt.Jobs == 0 {
		opt.Jobs = 2
	}
	if format, _ := r.SnifferFormat(); opt.Pages != "" && opt.KeepCaptures == "" && format == "" {
		// The pages draw each echo run's capture: keep them next to
		// the pages that need them (they were gone, and every page
		// said so in red).
		opt.KeepCaptures = filepath.Join(opt.Pages, "captures")
	}
	message(sandbox.Describe())
	results, err = Grade(ctx, r, subs, opt)
	if interrupted = ctx.Err() != nil; interrupted {
		message("interrupted: the programs were stopped; submissions not run score 0")
	}
	return results, shown, interrupted, err
}

// Grade runs every submission, opt.Jobs at once, and grades it against r.
// Results come back in the order of subs. Cancelling ctx (Ctrl-C) stops
// the programs running; what they did is graded, and nothing they or
// turtle made is left behind.
func Grade(ctx context.Context, r *grade.Rubric, subs []Submission, opt Options) ([]grade.Result, error) {
	if err := Check(r, opt); err != nil {
		return nil, err
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("running student programs needs root (network namespaces, switching to --user); the programs themselves never run as root")
	}
	sandbox.RemoveStale()
	opt = opt.withDefaults()
	if opt.Client {
		r = WithClientCheck(r)
	}
	if opt.KeepCaptures != "" {
		if err := outfile.MkdirAll(opt.KeepCaptures, 0o755); err != nil {
			return nil, err
		}
	}
	out := make([]grade.Result, len(subs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(opt.Jobs, len(subs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = gradeOne(ctx, r, subs[i], opt)
			}
		}()
	}
	for i := range subs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, nil
}

func gradeOne(ctx context.Context, r *grade.Rubric, sub Submission, opt Options) grade.Result {
	if ctx.Err() != nil {
		return failAll(r, sub.Student, "not run: grading was interrupted")
	}
	format, _ := r.SnifferFormat()
	switch {
	case format != "":
		return gradeSniffer(ctx, r, format, sub, opt)
	case opt.Client:
		return gradeClient(ctx, r, sub, opt)
	default:
		return gradeServer(ctx, r, sub, opt)
	}
}

// failAll is the result of a program that could not be graded at all.
func failAll(r *grade.Rubric, student, why string) grade.Result {
	res := grade.Result{Student: student, File: "(program)", Max: r.MaxScore(), Error: why}
	for _, c := range r.Checks {
		res.Checks = append(res.Checks, grade.CheckResult{ID: c.ID, Name: c.Name, Max: c.Points, Message: why})
	}
	return res
}

// runNotes words how a run ended, for the report: a crash with the last
// lines of standard error, a limit, an interruption.
func runNotes(res sandbox.Result, stoppedByUs bool) []string {
	var n []string
	if res.Refused != "" {
		n = append(n, res.Refused)
	}
	if res.Limit != "" {
		n = append(n, "the program was stopped at its "+res.Limit+" limit")
	}
	switch {
	case res.Signal != "" && !stoppedByUs && res.Limit == "" && res.Refused == "":
		n = append(n, "the program was killed by signal "+res.Signal)
	case res.Signal == "" && res.Exit != 0 && !stoppedByUs:
		n = append(n, fmt.Sprintf("the program ended with exit status %d", res.Exit))
	}
	if res.Stderr != "" && len(n) > 0 {
		n = append(n, "its last lines of standard error: "+strings.ReplaceAll(res.Stderr, "\n", " / "))
	}
	return n
}

// notStarted is the reason a program scores 0 when it ended before it was
// ready.
func notStarted(res sandbox.Result, what string) string {
	why := "the program never " + what
	switch {
	case res.Refused != "":
		why += " (" + res.Refused + ")"
	case res.Limit != "":
		why += " (stopped at its " + res.Limit + " limit)"
	case res.Signal != "":
		why += " (killed by signal " + res.Signal + ")"
	default:
		why += fmt.Sprintf(" (it ended with exit status %d)", res.Exit)
	}
	if res.Stderr != "" {
		why += ": " + strings.ReplaceAll(res.Stderr, "\n", " / ")
	}
	return why
}

// CheckFlags is Check as the command line asks it, before it starts
// anything: opt is nil when no program is given (then a sniffer lab, which
// grades a program, is refused); with pack, for an autograder package, it
// checks the limits and leaves the rest to autograder.ProgramArgs. Errors
// are usage errors (*grade.FlagError).
func CheckFlags(r *grade.Rubric, opt *Options, pack bool) error {
	give := "and the submission folders"
	if pack {
		give = "to pack the command that runs it"
	}
	format, err := r.SnifferFormat()
	switch {
	case err != nil:
		return &grade.FlagError{Err: err}
	case opt == nil && format != "":
		return &grade.FlagError{Err: fmt.Errorf("lab %s grades a program: give --program 'python3 sniffer.py' %s", r.Lab, give)}
	case opt == nil:
		return nil
	}
	l := opt.Limits
	switch {
	case l.Wall <= 0 || l.CPU <= 0 || l.Memory <= 0 || l.Procs <= 0 || l.Output <= 0:
		return &grade.FlagError{Err: errors.New("the limits must be positive")}
	case pack:
		return nil
	}
	if err := Check(r, *opt); err != nil {
		return &grade.FlagError{Err: err}
	}
	return nil
}
