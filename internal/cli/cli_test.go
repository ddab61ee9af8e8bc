package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestHelpLayoutAndValueKinds(t *testing.T) {
	var stdout, stderr bytes.Buffer
	fs := NewFlagSet("demo", "demo [flags] FILE", "Demo does nothing.", "turtle demo x", &stdout, &stderr)
	fs.Duration("wait", time.Second, "wait this long")
	fs.Int("count", 0, "count frames")
	fs.String("stats-addr", "", "serve stats")
	fs.String("named", "", "read `FILE`")
	CaptureOutput(fs)
	if ok, code := Parse(fs, []string{"--help"}); ok || code != 0 {
		t.Fatalf("--help: ok %v code %d, want false 0", ok, code)
	}
	help := stdout.String()
	for _, want := range []string{"Demo does nothing.\n\nUsage:\n  turtle demo [flags] FILE\n\nExample:\n  turtle demo x\n\nFlags:\n",
		"--wait DURATION", "--count N ", "--stats-addr ADDR", "--named FILE", "-o, --output FILE"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	for _, bad := range []string{"duration", " int ", " string "} {
		if strings.Contains(help, bad) {
			t.Errorf("help still shows pflag's type %q:\n%s", bad, help)
		}
	}
	// The usage column stays aligned: every usage starts at the same column.
	col := -1
	for _, line := range strings.Split(strings.TrimSuffix(help[strings.Index(help, "Flags:\n")+7:], "\n"), "\n") {
		dash := strings.Index(line, "--")
		i := dash + strings.Index(line[dash:], "  ") // the gap before the usage
		for i >= 0 && i+1 < len(line) && line[i+1] == ' ' {
			i++
		}
		if col < 0 {
			col = i
		} else if i != col {
			t.Errorf("usage column %d, want %d: %q", i, col, line)
		}
	}
}

func TestParseAndUsageErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	fs := NewFlagSet("demo", "demo", "Demo.", "turtle demo", &stdout, &stderr)
	if ok, code := Parse(fs, []string{"--nope"}); ok || code != 2 {
		t.Fatalf("unknown flag: ok %v code %d, want false 2", ok, code)
	}
	if got := stderr.String(); !strings.HasPrefix(got, "turtle demo: unknown flag: --nope (run 'turtle demo --help')\n") {
		t.Errorf("stderr %q", got)
	}
	stderr.Reset()
	if code := UsageError(fs)("no %s given", "capture"); code != 2 {
		t.Errorf("UsageError code %d, want 2", code)
	}
	if got, want := stderr.String(), "turtle demo: no capture given (run 'turtle demo --help')\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}

func TestDeprecatedSpellings(t *testing.T) {
	var stdout, stderr bytes.Buffer
	fs := NewFlagSet("demo", "demo", "Demo.", "turtle demo", &stdout, &stderr)
	jobs := Jobs(fs, "cases")
	limit := TimeLimit(fs, time.Second, "stop after this `DURATION`")
	DeprecatedAlias(fs, "timeout", "time-limit")
	filter := Filter(fs, "keep only", "")
	if ok, code := Parse(fs, []string{"--parallel", "3", "--timeout", "5s", "-f", "udp"}); !ok || code != 0 {
		t.Fatalf("ok %v code %d; stderr %q", ok, code, stderr.String())
	}
	if *jobs != 3 || *limit != 5*time.Second || *filter != "udp" {
		t.Errorf("jobs %d, time limit %v, filter %q; want 3, 5s, udp", *jobs, *limit, *filter)
	}
	for _, want := range []string{"Flag --parallel has been deprecated, use --jobs", "Flag --timeout has been deprecated, use --time-limit instead"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q: %q", want, stderr.String())
		}
	}
	fs.Usage()
	if strings.Contains(stdout.String(), "--parallel") || strings.Contains(stdout.String(), "--timeout") {
		t.Errorf("help shows a deprecated spelling:\n%s", stdout.String())
	}
}
