// Package autograder builds the packages that Gradescope and Autolab run
// for each submission: the zip or tarball, its shell scripts (setup.sh,
// run_autograder, grade.sh, the Makefile), the check that the turtle it
// ships is a static linux/amd64 executable, and the reason every check
// gives when the platform's container cannot run programs.
//
// `turtle grade --autograder` parses the flags and calls it (Build,
// StaticBinary, ProgramArgs); inside the container the package runs
// `turtle grade --autograder-run`, which grades here too (GradeCaptures
// with package grade, GradeProgram with grade/programs after
// sandbox.Probe) and writes the platform's result (WriteResults). It is a
// package of its own so that this, which is not a command's flag handling,
// can be tested and used without cmd/turtle.
package autograder

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/internal/outfile"
)

// pathError names path in err, without the "open PATH:" os adds.
func pathError(path string, err error) error {
	return fmt.Errorf("%s: %w", path, inputfile.Cause(err))
}

// NotStaticLinuxAMD64 says why data is not a static linux/amd64
// executable, or "".
func NotStaticLinuxAMD64(data []byte) string {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return "is not a Linux executable (ELF)"
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 || f.Class != elf.ELFCLASS64 {
		return "is not for amd64 (it is " + f.Machine.String() + ")"
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return "is not an executable"
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return "is dynamically linked (it needs the C library, as cgo builds do)"
		}
	}
	return ""
}

// File is one file of a package: its name, bytes and mode.
type File struct {
	Name string
	Data []byte
	Mode os.FileMode
}

// The roots move with environment variables, so a package can be tried
// in any folder: AUTOGRADER_ROOT (default /autograder), and under it
// AUTOGRADER_SOURCE, AUTOGRADER_SUBMISSION, AUTOGRADER_RESULTS.
const gradescopeSetupBase = `#!/bin/sh
# Gradescope runs this once, when it builds the autograder image. turtle is
# a static binary: nothing to install.
set -e
SOURCE="${AUTOGRADER_SOURCE:-${AUTOGRADER_ROOT:-/autograder}/source}"
chmod +x "$SOURCE/turtle" "$SOURCE/run_autograder"
`

// GradescopeRun is run_autograder: it grades the submission with the
// rubric, --set overrides sets and, for a program lab, progArgs, and
// writes results.json with the given visibility.
func GradescopeRun(sets []string, progArgs, visibility string) string {
	what := "it grades every capture in the\n# submission folder (the best one counts)"
	if progArgs != "" {
		what = "it runs the program in the\n# submission folder in turtle's sandbox, grades it"
	}
	return `#!/bin/sh
# Gradescope runs this for each submission: ` + what + ` and writes results.json.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="${AUTOGRADER_SOURCE:-$ROOT/source}"
SUBMISSION="${AUTOGRADER_SUBMISSION:-$ROOT/submission}"
RESULTS="${AUTOGRADER_RESULTS:-$ROOT/results}"
mkdir -p "$RESULTS"
exec "$SOURCE/turtle" grade --rubric "$SOURCE/rubric.toml"` + shellSets(sets) + progArgs +
		` --visibility ` + visibility + ` --autograder-run gradescope -o "$RESULTS/results.json" "$SUBMISSION"
`
}

// AutolabGrade is grade.sh for a capture lab.
func AutolabGrade(sets []string) string {
	return `#!/bin/sh
# autograde-Makefile runs this in the folder holding the handin: it grades
# every capture there (the best one counts); the last line of the output
# is Autolab's {"scores": ...}.
DIR=$(dirname "$0")
exec "$DIR/turtle" grade --rubric "$DIR/rubric.toml"` + shellSets(sets) + ` --autograder-run autolab "${AUTOLAB_SUBMISSION:-.}"
`
}

const autolabMakefile = `# Autolab copies this file (as Makefile), autograde.tar and the student's
# handin into one folder and runs make; the last line printed is the score.
all:
	tar xf autograde.tar
	./autograde/grade.sh
`

// shellSets is sets as --set flags quoted for /bin/sh.
func shellSets(sets []string) string {
	var b strings.Builder
	for _, s := range sets {
		b.WriteString(" --set '")
		b.WriteString(strings.ReplaceAll(s, "'", `'\''`))
		b.WriteString("'")
	}
	return b.String()
}

// WriteZip writes the Gradescope package: a zip of files at path.
func WriteZip(path string, files []File) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: time.Now()}
		h.SetMode(f.Mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := w.Write(f.Data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := outfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return pathError(path, err)
	}
	return nil
}

// WriteAutolab writes DIR/autograde.tar (the files under autograde/) and
// DIR/autograde-Makefile, the two files an Autolab assessment takes.
func WriteAutolab(dir string, files []File) error {
	if err := outfile.MkdirAll(dir, 0o755); err != nil {
		return pathError(dir, err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	tw.WriteHeader(&tar.Header{Name: "autograde/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: now})
	for _, f := range files {
		h := &tar.Header{Name: "autograde/" + f.Name, Mode: int64(f.Mode), Size: int64(len(f.Data)), ModTime: now}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	for _, f := range []File{{"autograde.tar", buf.Bytes(), 0o644}, {"autograde-Makefile", []byte(autolabMakefile), 0o644}} {
		p := filepath.Join(dir, f.Name)
		if err := outfile.WriteFile(p, f.Data, f.Mode); err != nil {
			return pathError(p, err)
		}
	}
	return nil
}

// GradescopeSetup is setup.sh: for a program lab it also installs
// iproute2 (the sandbox makes its veth pairs with ip) and bubblewrap (its
// mount namespaces) where they are missing.
// The language the students write in is the instructor's to install.
func GradescopeSetup(progArgs string) string {
	if progArgs == "" {
		return gradescopeSetupBase
	}
	return gradescopeSetupBase + `# A program lab: the sandbox makes its veth pairs with ip (iproute2) and its
# mount, PID and IPC namespaces with bubblewrap. Add what the students'
# programs need (python3, say) to this script.
command -v ip >/dev/null 2>&1 || { apt-get update && apt-get install -y iproute2; }
command -v bwrap >/dev/null 2>&1 || { apt-get update && apt-get install -y bubblewrap; }
`
}

// ShellQuote quotes s for /bin/sh.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// AutolabProgramGrade is grade.sh for a program lab: Autolab leaves the
// handin beside the Makefile and the unpacked autograde/ folder, so the
// handin's files are copied into a folder of their own, which the
// program runs in (a copy of it, in the sandbox).
func AutolabProgramGrade(sets []string, progArgs string) string {
	return `#!/bin/sh
# autograde-Makefile runs this in the folder holding the handin: it runs the
# student's program in turtle's sandbox and grades it; the last line of the
# output is Autolab's {"scores": ...}.
DIR=$(dirname "$0")
SUBMISSION="${AUTOLAB_SUBMISSION:-}"
if [ -z "$SUBMISSION" ]; then
	SUBMISSION=./submission
	mkdir -p "$SUBMISSION"
	for f in * .[!.]*; do
		case "$f" in
		autograde|autograde.tar|Makefile|autograde-Makefile|submission|'*'|'.[!.]*') ;;
		*) cp -R "$f" "$SUBMISSION/" ;;
		esac
	done
fi
exec "$DIR/turtle" grade --rubric "$DIR/rubric.toml"` + shellSets(sets) + progArgs + ` --autograder-run autolab "$SUBMISSION"
`
}

// CannotRunPrograms is what every check says when the container cannot
// run programs.
func CannotRunPrograms(why string) string {
	return "The autograder container cannot run programs, so nothing was run and this score of 0 is not a grade: " + why +
		". Grading a program needs the autograder to run as root in a Linux container that lets it create network namespaces " +
		"and veth pairs (CAP_SYS_ADMIN and CAP_NET_ADMIN, and a seccomp profile that allows unshare; Docker: --privileged). " +
		"The instructor must enable that on the platform (a privileged autograder container or a virtual machine) " +
		"or grade the programs on a Linux machine with sudo turtle grade --program."
}
