package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/grade/autograder"
	"github.com/turtle-sniffer/turtle/grade/programs"
	"github.com/turtle-sniffer/turtle/internal/netns"
	"github.com/turtle-sniffer/turtle/sandbox"
)

// Autograder packages for program labs: `turtle grade --lab turtle-sniffer
// --program 'python3 sniffer.py' --autograder gradescope -o pkg.zip`
// packs the command and the limits into run_autograder (as flags of the
// turtle it ships, so the instructor reads them there), and inside the
// container the package grades the submission folder's program with
// package programs, in the same sandbox as `sudo turtle grade --program`.
//
// Before running anything it makes sure the container can: root, the
// --user, two network namespaces joined by a veth pair, and a program
// started as the user with CAP_NET_RAW in one of them. Where any of that
// is refused (an unprivileged Docker container: no CAP_SYS_ADMIN, no
// CAP_NET_ADMIN, a seccomp profile that forbids unshare; or not root)
// every check gets a score of 0 and the same plain reason naming what the
// instructor must enable, rather than a crash or a grade of a run that
// never happened.

// packedProgramArgs checks that r can grade the --program or --client of
// pf and returns them as run_autograder's flags ("" for a capture lab), or
// why not. The --user is looked up in the container, not here.
func packedProgramArgs(r *grade.Rubric, pf *programFlags) (string, string) {
	format, err := r.SnifferFormat()
	switch {
	case err != nil:
		return "", err.Error()
	case !pf.given() && format != "":
		return "", "lab " + r.Lab + " grades a program: give --program 'python3 sniffer.py' to pack the command that runs it"
	case !pf.given():
		return "", ""
	case *pf.program != "" && *pf.client != "":
		return "", "--program and --client both given: a package grades servers or clients, one at a time"
	case *pf.wall <= 0 || *pf.cpu <= 0 || *pf.memMiB <= 0 || *pf.procs <= 0 || *pf.outKiB <= 0:
		return "", "the limits must be positive"
	case *pf.keep != "":
		return "", "--keep-captures: an autograder keeps no files; drop it"
	case *pf.user == "root" || *pf.user == "0":
		return "", "--user " + *pf.user + ": student programs never run as root"
	}
	opt := pf.options(0)
	opt.User = "" // checked in the container, where the programs run
	if err := programs.Check(r, opt); err != nil && !errors.Is(err, sandbox.ErrNotSupported) {
		return "", err.Error()
	}
	var b strings.Builder
	if *pf.client != "" {
		b.WriteString(" --client " + autograder.ShellQuote(*pf.client))
	} else {
		b.WriteString(" --program " + autograder.ShellQuote(*pf.program))
	}
	fmt.Fprintf(&b, " --user %s --time-limit %s --cpu-limit %s --memory-limit %d --procs-limit %d --output-limit %d --ready %s --done-after %s",
		autograder.ShellQuote(*pf.user), *pf.wall, *pf.cpu, *pf.memMiB, *pf.procs, *pf.outKiB, *pf.ready, *pf.quiet)
	return b.String(), ""
}

// gradeProgramSubmission runs the program of the submission folder
// paths[0] and grades it against the packed rubric.
func gradeProgramSubmission(rubricFile string, sets, paths []string, pf *programFlags) (gradedSubmission, error) {
	r, _, err := grade.LoadRubric("", rubricFile, sets)
	if err != nil {
		return gradedSubmission{}, err
	}
	if len(paths) != 1 {
		return gradedSubmission{}, fmt.Errorf("a program lab grades one submission folder; %d given", len(paths))
	}
	subs, err := programs.Submissions(paths)
	if err != nil {
		return gradedSubmission{}, err
	}
	opt := pf.options(1)
	shown := pf.rubric(r)
	if why := sandboxProbe(opt); why != "" {
		msg := autograder.CannotRunPrograms(why)
		res := grade.Result{Student: subs[0].Student, File: "(program)", Max: shown.MaxScore()}
		for _, c := range shown.Checks {
			res.Checks = append(res.Checks, grade.CheckResult{ID: c.ID, Name: c.Name, Max: c.Points, Message: msg})
		}
		return gradedSubmission{Result: res, rubric: shown, output: msg}, nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	results, err := programs.Grade(ctx, r, subs, opt)
	if err != nil {
		return gradedSubmission{}, err
	}
	g := gradedSubmission{Result: results[0], rubric: shown}
	if g.Error != "" {
		g.output = "The program could not be graded: " + g.Error
		g.Error = ""
	}
	return g, nil
}

// sandboxProbe tries, in order, what grading a program needs, and says in
// plain words the first thing the container refuses, or "".
func sandboxProbe(opt programs.Options) string {
	if uid := os.Geteuid(); uid != 0 {
		who := fmt.Sprintf("uid %d", uid)
		if name := os.Getenv("USER"); name != "" {
			who += " (" + name + ")"
		}
		return "the autograder runs as " + who + ", not as root, so it can neither create the network namespace a program runs in nor switch to the unprivileged user that runs it"
	}
	if err := sandbox.CheckUser(opt.User); err != nil {
		return fmt.Sprintf("the container has no user to run the program as (%v); give the package an existing unprivileged --user", err)
	}
	wire, err := sandbox.NewNetns()
	if setup := (*netns.SetupError)(nil); errors.As(err, &setup) {
		return fmt.Sprintf("it can create a network namespace but not configure it (%v), which needs CAP_NET_ADMIN", err)
	}
	if err != nil {
		return fmt.Sprintf("it cannot create a network namespace (%v), which needs CAP_SYS_ADMIN and unshare allowed by the container's seccomp profile", err)
	}
	defer wire.Close()
	ns, err := sandbox.NewNetns()
	if err != nil {
		return fmt.Sprintf("it cannot create a second network namespace (%v)", err)
	}
	defer ns.Close()
	if _, err := exec.LookPath("ip"); err != nil {
		return "the container has no ip command (iproute2), which makes the veth pair the program listens on; install it in setup.sh (apt-get install -y iproute2)"
	}
	if _, err := sandbox.NewVeth(wire, ns); err != nil {
		return fmt.Sprintf("it cannot create a veth pair between two network namespaces (%v), which needs CAP_NET_ADMIN", err)
	}
	p, err := sandbox.Start(context.Background(), sandbox.Config{Command: "exit 0", User: opt.User, NetRaw: true, Netns: ns,
		Limits: sandbox.Limits{Wall: opt.Limits.WithDefaults().Wall}})
	if err != nil {
		return fmt.Sprintf("it cannot start a program as user %s in a network namespace (%v), which needs CAP_SETUID, CAP_SETGID and CAP_NET_RAW", userOrNobody(opt.User), err)
	}
	if res := p.Wait(); res.Exit != 0 || res.Signal != "" {
		why := fmt.Sprintf("exit status %d", res.Exit)
		if res.Signal != "" {
			why = "signal " + res.Signal
		}
		if res.Stderr != "" {
			why += ": " + strings.ReplaceAll(res.Stderr, "\n", " / ")
		}
		return fmt.Sprintf("a program started as user %s with CAP_NET_RAW in a network namespace fails at once (%s)", userOrNobody(opt.User), why)
	}
	return ""
}

func userOrNobody(u string) string {
	if u == "" {
		return fmt.Sprintf("%d (a uid of its own)", sandbox.FirstUID)
	}
	return u
}

// autograderAbout is grade --help's paragraph on autograder packages.
const autograderAbout = `Autograder packages: --autograder gradescope -o lab.zip (or autolab -o DIR)
builds what the platform runs for each submission: a static turtle, the
rubric and its scripts. With --program or --client (and the limits) the
package runs the submission's program in the sandbox described below; in a
container that cannot (not root, no network namespaces) every check scores
0 with the reason and what the instructor must enable. Example:
  turtle grade --lab turtle-sniffer --program 'python3 sniffer.py' --autograder gradescope -o sniffer.zip`
