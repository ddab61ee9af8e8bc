// Package browsertest starts headless Chromium for the tests that check
// pages and pictures in a real browser (grade/htmlreport, draw). It is the
// one place that knows how to find the browser, which flags keep it off
// the network, and how to clean up after it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Find returns the path of Chromium, or skips t with the reason.
func Find(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("needs chromium (Debian's chromium package) for the browser test")
	return ""
}

// Command is Chromium at bin, headless, with a fresh profile of its own
// and every background connection off (this machine has no network, and
// Chromium would otherwise try Google's hosts at every start), then args.
// Its TMPDIR is a folder of the test's too: Chromium leaves an
// org.chromium.Chromium.* folder in the temporary folder at every start,
// which piled up in /tmp, a dozen a CI run.
func Command(ctx context.Context, t testing.TB, bin string, args ...string) *exec.Cmd {
	t.Helper()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profileDir(t)}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "TMPDIR="+profileDir(t))
	return cmd
}

// profileDir is an empty folder for Chromium (its profile, its TMPDIR),
// removed at the end of the test.
// Chromium's helper processes may still write to it for a moment after
// the browser has exited, which makes t.TempDir's own cleanup fail with
// "directory not empty" (seen once under load), so removal is retried.
func profileDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "turtle-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var err error
		for range 50 {
			if err = os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("remove the Chromium profile: %v", err)
	})
	return dir
}
