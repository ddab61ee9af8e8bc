package grade

import (
	"strconv"
	"strings"
)

// The check kind "client-output" judges what an echo client program
// printed (turtle grade --client): the echo the server sent back, in the
// class notes' words. turtle's own grading of a capture cannot judge it
// (it fails with "no output to judge"); package grade/programs evaluates it
// with ClientOutput.
func init() { checkKinds["client-output"] = checkKind{judge: programOnly} }

// ClientOutput reports whether an echo client printed the server's echo of
// msg as the class notes' clients do: for UDP a line "IP: 127.0.0.1 |
// Port: PORT" and then the text; for TCP "Reply from Server: TEXT". When it
// did not, why says what was expected and what was printed.
func ClientOutput(proto string, port int, msg string, printed []byte) (ok bool, why string) {
	lines := strings.Split(strings.TrimRight(string(printed), "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\r")
	}
	shown := func() string {
		if len(printed) == 0 {
			return "it printed nothing"
		}
		s := strings.Join(lines, "\n")
		if len(s) > 120 {
			s = s[:120] + "..."
		}
		return "it printed " + strconv.Quote(s)
	}
	if proto == "udp" {
		head := "IP: 127.0.0.1 | Port: " + strconv.Itoa(port)
		for i, l := range lines {
			if l == head {
				if i+1 < len(lines) && lines[i+1] == msg {
					return true, ""
				}
				return false, "expected " + strconv.Quote(msg) + " on the line after " + strconv.Quote(head) + "; " + shown()
			}
		}
		return false, "expected a line " + strconv.Quote(head) + " and then " + strconv.Quote(msg) + "; " + shown()
	}
	want := "Reply from Server: " + msg
	for _, l := range lines {
		if l == want {
			return true, ""
		}
	}
	return false, "expected a line " + strconv.Quote(want) + "; " + shown()
}
