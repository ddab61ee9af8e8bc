package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// conversationsFile writes the forged TCP conversations as a pcapng file.
func conversationsFile(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	c := fixtures.Capture{Name: "conversations", LinkType: pcapio.LinkTypeEthernet, Frames: fixtures.TCPConversations()}
	if err := fixtures.Write(&buf, c, fixtures.PcapNG); err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "conversations.pcapng", buf.Bytes())
}

func TestFollowCommand(t *testing.T) {
	path := conversationsFile(t)
	c := fixtures.Conversation

	code, out, errs := turtle(t, nil, "follow", "--list", path)
	if code != 0 || errs != "" || !strings.HasPrefix(out, "STREAM") || strings.Count(out, "\n") != 4 ||
		!strings.Contains(out, "10.0.0.2:443") || !strings.Contains(out, "reset") {
		t.Errorf("--list: exit %d, stderr %q, out\n%s", code, errs, out)
	}

	code, out, errs = turtle(t, nil, "follow", path)
	if code != 0 || errs != "" || !strings.Contains(out, "> GET /index.html HTTP/1.1\\r\\n\n") ||
		!strings.Contains(out, "# < 10 bytes missing (not captured) at offset 39\n") || strings.ContainsRune(out, 0x1b) {
		t.Errorf("stream 0: exit %d, stderr %q, out\n%s", code, errs, out)
	}

	// The tuple, given either way round, picks the same stream.
	for _, tuple := range []string{"10.0.0.2:443-10.0.0.1:51001", "10.0.0.1:51001-10.0.0.2:443"} {
		code, out, errs = turtle(t, nil, "follow", "--format", "raw", "--tuple", tuple, path)
		if code != 0 || out != c.TLS || !strings.Contains(errs, "# end of stream 1: 10.0.0.1:51001 > 10.0.0.2:443, reset") {
			t.Errorf("--tuple %s: exit %d, out %q, stderr %q", tuple, code, out, errs)
		}
	}

	code, out, _ = turtle(t, nil, "follow", "--stream", "2", "--format", "hex", path)
	if code != 0 || !strings.Contains(out, "> 00000000  53 53 48 2d") || !strings.Contains(out, "joined mid-stream") {
		t.Errorf("--stream 2 --format hex: exit %d\n%s", code, out)
	}

	// Standard input works too.
	data := mustRead(t, path)
	code, out, _ = turtle(t, data, "follow", "--stream", "1", "-")
	if code != 0 || !strings.Contains(out, `> \x16\x03\x01\x00\x05hello`) {
		t.Errorf("stdin: exit %d\n%s", code, out)
	}
}

func TestFollowErrors(t *testing.T) {
	path := conversationsFile(t)
	tests := []struct {
		args []string
		code int
		errs string
	}{
		{[]string{"follow", "--stream", "9", path}, 1, "no TCP stream 9 (the capture has 3 streams"},
		{[]string{"follow", "--tuple", "10.0.0.1:1-10.0.0.2:2", path}, 1, "no TCP stream between 10.0.0.1:1-10.0.0.2:2"},
		{[]string{"follow", "--tuple", "10.0.0.1-10.0.0.2:2", path}, 2, "turtle follow: --tuple"},
		{[]string{"follow", "--stream", "1", "--tuple", "10.0.0.1:1-10.0.0.2:2", path}, 2, "not both"},
		{[]string{"follow", "--list", "--stream", "1", path}, 2, "--list lists every stream"},
		{[]string{"follow", "--format", "ebcdic", path}, 2, `unknown --format "ebcdic"`},
		{[]string{"follow"}, 2, "want one capture file"},
		{[]string{"follow", path + ".missing"}, 1, "no such file or directory"},
	}
	for _, tc := range tests {
		code, _, errs := turtle(t, nil, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.errs) || !strings.HasPrefix(errs, "turtle follow: ") || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errs, tc.code, tc.errs)
		}
	}
	code, out, _ := turtle(t, nil, "follow", "--help")
	if code != 0 || !strings.Contains(out, "Example:\n  turtle follow") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
}

// A capture cut inside a record prints what was reassembled, then fails.
func TestFollowDamagedCapture(t *testing.T) {
	path := conversationsFile(t)
	data := mustRead(t, path)
	cut := writeTemp(t, "cut.pcapng", data[:len(data)-30])
	code, out, errs := turtle(t, nil, "follow", "--list", cut)
	if code != 1 || !strings.Contains(out, "10.0.0.2:80") || !strings.HasPrefix(errs, "turtle follow: "+cut+": ") {
		t.Errorf("exit %d, stderr %q\n%s", code, errs, out)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// -f narrows the streams to those a tcpdump filter matches.
func TestFollowFilter(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"follow", "--list", "-f", "port 40002", "../../testdata/tcp-echo-concurrent.pcap"}, nil, &stdout, &stderr)
	if code != 0 || strings.Count(stdout.String(), "\n") != 2 || !strings.Contains(stdout.String(), "127.0.0.1:40002") {
		t.Errorf("exit %d, stdout:\n%s\nstderr %q; want the header and the one stream of port 40002", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"follow", "-f", "port", "../../testdata/tcp-echo.pcap"}, nil, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), `filter "port"`) {
		t.Errorf("bad filter: exit %d, stderr %q", code, stderr.String())
	}
}
