package draw

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/browsertest"
)

// mermaidVersion is the Mermaid that CI fetches (npm pack, no
// dependencies: dist/mermaid.min.js is one self-contained file).
const mermaidVersion = "11.12.2"

// The Mermaid pictures are checked by Mermaid itself: every golden .mmd
// file is rendered by mermaid.min.js in headless Chromium, which must give
// an SVG (a syntax error is an exception with the line), with the labels
// in it as a person reads them, entity codes turned back into characters.
func TestMermaidRenders(t *testing.T) {
	js := os.Getenv("TURTLE_MERMAID_JS")
	if js == "" {
		t.Skip("needs Mermaid: TURTLE_MERMAID_JS=path/to/mermaid.min.js (npm pack mermaid@" + mermaidVersion + "; .ci/run does it)")
	}
	bin := browsertest.Find(t)
	lib, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("testdata/golden/*.mmd.golden")
	if err != nil || len(files) < 10 {
		t.Fatalf("golden Mermaid files: %d, %v", len(files), err)
	}
	var diagrams []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		diagrams = append(diagrams, string(b))
	}
	// A broken diagram must fail, or the check proves nothing.
	diagrams = append(diagrams, "sequenceDiagram\n    e0->>: oops; #\n")
	list, err := json.Marshal(diagrams) // escapes < > &: no "</script>" in the page
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mermaid.min.js"), lib, 0o644)
	page := `<!DOCTYPE html><html><head><meta charset="utf-8"><script src="mermaid.min.js"></script></head><body><pre id="result">pending</pre><script>
mermaid.initialize({startOnLoad: false});
(async function () {
  const ds = ` + string(list) + `, out = [];
  for (let i = 0; i < ds.length; i++) {
    try { out.push("ok " + (await mermaid.render("d" + i, ds[i])).svg); } catch (e) { out.push("error " + e.message); }
  }
  document.getElementById("result").textContent = JSON.stringify(out);
})();
</script></body></html>`
	if err := os.WriteFile(filepath.Join(dir, "page.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := browsertest.Command(ctx, t, bin, "--virtual-time-budget=60000", "--dump-dom", "file://"+filepath.Join(dir, "page.html"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`(?s)<pre id="result">(.*?)</pre>`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no result in the page:\n%.2000s", stdout.String())
	}
	var out []string
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &out); err != nil {
		t.Fatalf("result %.300q: %v", m[1], err)
	}
	if len(out) != len(diagrams) {
		t.Fatalf("%d results for %d diagrams", len(out), len(diagrams))
	}
	for i, f := range files {
		if !strings.HasPrefix(out[i], "ok <svg") {
			t.Errorf("%s: Mermaid says %.300s", f, out[i])
			continue
		}
		if strings.Contains(diagrams[i], "SYN-ACK") && !strings.Contains(out[i], "SYN-ACK") {
			t.Errorf("%s: the rendered picture lacks SYN-ACK", f)
		}
	}
	if !strings.HasPrefix(out[len(out)-1], "error ") {
		t.Errorf("a broken diagram rendered: %.200s", out[len(out)-1])
	}
	for i, f := range files {
		if strings.HasSuffix(f, "problems.ladder.mmd.golden") {
			for _, want := range []string{`ICMP port unreachable`, `&lt;b&gt;hi&lt;/b&gt;`, `(cut: 70 of 78 B)`} {
				if !strings.Contains(out[i], want) {
					t.Errorf("%s: the rendered picture lacks %q", f, want)
				}
			}
		}
	}
}
