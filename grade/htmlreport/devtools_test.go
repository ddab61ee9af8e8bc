package htmlreport

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/browsertest"
	"golang.org/x/net/websocket"
)

// devtools is the least of a DevTools protocol client: it evaluates an
// expression in the page and returns its value as JSON. --dump-dom shows
// what a page is after loading; clicking needs the protocol.
type devtools struct {
	ws *websocket.Conn
	id int
}

func (d *devtools) eval(t *testing.T, expr string) json.RawMessage {
	t.Helper()
	d.id++
	req := map[string]any{"id": d.id, "method": "Runtime.evaluate",
		"params": map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}}
	if err := websocket.JSON.Send(d.ws, req); err != nil {
		t.Fatal(err)
	}
	for {
		var resp struct {
			ID     int `json:"id"`
			Result struct {
				Result struct {
					Value json.RawMessage `json:"value"`
				} `json:"result"`
				ExceptionDetails *struct {
					Text string `json:"text"`
				} `json:"exceptionDetails"`
			} `json:"result"`
			Error *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := websocket.JSON.Receive(d.ws, &resp); err != nil {
			t.Fatal(err)
		}
		if resp.ID != d.id {
			continue // an event
		}
		if resp.Error != nil {
			t.Fatalf("DevTools: %s", resp.Error.Message)
		}
		if e := resp.Result.ExceptionDetails; e != nil {
			t.Fatalf("the page threw: %s", e.Text)
		}
		return resp.Result.Result.Value
	}
}

// Clicking a column header sorts the class table, and clicking it again
// reverses it, in a real browser driven over the DevTools protocol
// (loopback only).
func TestBrowserSortByClick(t *testing.T) {
	bin := chromium(t)
	dir, res := report(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := browsertest.Command(ctx, t, bin, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--remote-allow-origins=*",
		"file://"+filepath.Join(dir, "index.html"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	port := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`DevTools listening on ws://127\.0\.0\.1:(\d+)/`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case port <- m[1]:
				default:
				}
			}
		}
	}()
	var p string
	select {
	case p = <-port:
	case <-ctx.Done():
		t.Fatal("chromium did not open its DevTools port")
	}
	// The page's own endpoint, once it is there.
	var wsURL string
	for wsURL == "" && ctx.Err() == nil {
		resp, err := http.Get("http://127.0.0.1:" + p + "/json/list")
		if err == nil {
			var targets []struct{ Type, URL, WebSocketDebuggerURL string }
			json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
			for _, tg := range targets {
				if tg.Type == "page" && strings.HasSuffix(tg.URL, "index.html") {
					wsURL = tg.WebSocketDebuggerURL
				}
			}
		}
		if wsURL == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if wsURL == "" {
		t.Fatal("no page target for index.html")
	}
	ws, err := websocket.Dial(wsURL, "", "http://127.0.0.1/")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	d := &devtools{ws: ws}
	// Wait until the page is the report, loaded (the first document of a
	// new tab is a blank one).
	want := `"complete ` + strconv.Itoa(len(res)) + `"`
	for ready := ""; ready != want; time.Sleep(100 * time.Millisecond) {
		if ctx.Err() != nil {
			t.Fatalf("the page never loaded: %s", ready)
		}
		ready = string(d.eval(t, `document.readyState + " " + document.querySelectorAll("#class tbody tr").length`))
	}
	order := func() []string {
		var out []string
		raw := d.eval(t, `Array.from(document.querySelectorAll("#class tbody tr")).map(r => r.dataset.score + " " + r.dataset.student)`)
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("rows %s: %v", raw, err)
		}
		return out
	}
	if got := order(); len(got) != len(res) || !strings.HasSuffix(got[1], " alice") {
		t.Fatalf("before a click, by student: %q", got)
	}
	click := `document.querySelector('#class th button[data-key="score"]').click(); document.getElementById("class").dataset.sorted`
	var sorted string
	json.Unmarshal(d.eval(t, click), &sorted)
	up := order()
	if sorted != "score" || !strings.HasPrefix(up[0], "0 ") || !strings.HasPrefix(up[len(up)-1], "10 ") {
		t.Errorf("one click on Score: %s %q, want lowest first", sorted, up)
	}
	json.Unmarshal(d.eval(t, click), &sorted)
	down := order()
	if sorted != "score-desc" || !strings.HasPrefix(down[0], "10 ") || !strings.HasPrefix(down[len(down)-1], "0 ") {
		t.Errorf("a second click: %s %q, want highest first", sorted, down)
	}
	var aria string
	json.Unmarshal(d.eval(t, `document.querySelector('#class th button[data-key="score"]').parentElement.getAttribute("aria-sort")`), &aria)
	if aria != "descending" {
		t.Errorf("aria-sort %q after two clicks, want descending", aria)
	}
}
