package replay

import (
	"io"
	"strings"
	"testing"
)

// Inputs reads "-" from the stdin given, named as messages name it, and
// every other name as a file.
func TestInputs(t *testing.T) {
	in := Inputs([]string{"a.pcap", "-"}, strings.NewReader("from stdin"))
	if len(in) != 2 || in[0].Name != "a.pcap" || in[1].Name != "standard input" {
		t.Fatalf("inputs %+v", in)
	}
	rc, err := in[1].Open()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(rc); string(b) != "from stdin" {
		t.Errorf("stdin read %q", b)
	}
	if _, err := in[0].Open(); err == nil {
		t.Error("a missing file opened")
	}
}

func TestOpenSenderNoInterface(t *testing.T) {
	if _, err := OpenSender("no-such-iface-24c1", false); err == nil || !strings.Contains(err.Error(), `no interface named "no-such-iface-24c1"`) {
		t.Errorf("missing interface: %v", err)
	}
}
