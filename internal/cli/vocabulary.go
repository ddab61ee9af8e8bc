package cli

import (
	"time"

	"github.com/spf13/pflag"
)

// The flags below are those several commands take. Each is defined once:
// its name, shorthand and value are the same in every command; a command
// says only what it does with the value (the words of its help).

// FilterVar is -f/--filter EXPR, a tcpdump filter stored in p; the help
// reads "VERB frames matching the tcpdump filter EXPR" and then note
// (which may be empty). A command checks EXPR with capture.CheckFilter
// before it opens anything, and reports a bad one as a usage error.
func FilterVar(fs *pflag.FlagSet, p *string, verb, note string) {
	fs.StringVarP(p, "filter", "f", "", verb+" frames matching the tcpdump filter `EXPR`"+note)
}

// Filter is FilterVar with a new string.
func Filter(fs *pflag.FlagSet, verb, note string) *string {
	p := new(string)
	FilterVar(fs, p, verb, note)
	return p
}

// CaptureOutput is -o/--output FILE of a command that writes a capture:
// the file, or - for standard output.
func CaptureOutput(fs *pflag.FlagSet) *string {
	return fs.StringP("output", "o", "", "write the capture to `FILE` (- for standard output)")
}

// ToFormat is --to-format FORMAT, the container a command writes (pcap,
// pcap-ns or pcapng; edit.ParseFormat reads it); def says what the empty
// default keeps (e.g. "the input's").
func ToFormat(fs *pflag.FlagSet, def string) *string {
	return fs.String("to-format", "", "output container (`FORMAT`): pcap, pcap-ns or pcapng (default: "+def+")")
}

// Jobs is -j/--jobs N, how many units of work (what, e.g. "cases") run at
// once, 0 meaning one per CPU; --parallel is its old, deprecated name.
func Jobs(fs *pflag.FlagSet, what string) *int {
	jobs := fs.IntP("jobs", "j", 0, what+" run at once (`N`; 0: one per CPU)")
	fs.IntVar(jobs, "parallel", 0, "")
	fs.MarkDeprecated("parallel", "use --jobs")
	return jobs
}

// TimeLimit is --time-limit DURATION, the wall time after which a
// command stops a program it runs; usage says of which program.
func TimeLimit(fs *pflag.FlagSet, def time.Duration, usage string) *time.Duration {
	return fs.Duration("time-limit", def, usage)
}

// OutputLimit is --output-limit KiB, how much output a program a command
// runs may write before it is stopped, always in KiB.
func OutputLimit(fs *pflag.FlagSet, defKiB int64, usage string) *int64 {
	return fs.Int64("output-limit", defKiB, usage)
}
