package anonymize

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/edit"
	"github.com/turtle-sniffer/turtle/pcapio"
)

func TestParseOptions(t *testing.T) {
	opt, err := ParseOptions("zero", "drop", true, true, true)
	if err != nil || opt != (Options{IPs: IPsZero, Payload: PayloadDrop, MACs: true, KeepOUI: true, Ports: true}) {
		t.Errorf("%+v %v", opt, err)
	}
	if opt, err := ParseOptions("prefix", "keep", false, false, false); err != nil || opt != (Options{}) {
		t.Errorf("defaults: %+v %v", opt, err)
	}
	for _, c := range []struct{ ips, payload, want string }{{"hash", "keep", "--ips"}, {"keep", "shred", "--payload"}} {
		if _, err := ParseOptions(c.ips, c.payload, false, false, false); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s %s: %v", c.ips, c.payload, err)
		}
	}
	if _, err := ParseOptions("prefix", "keep", false, true, false); err == nil || err.Error() != "--keep-oui needs --macs" {
		t.Errorf("--keep-oui alone: %v", err)
	}
}

// A new key file is 64 hex digits, mode 0600, never overwritten, and
// LoadKey reads back the same key; the errors name the flag.
func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "class.key")
	key, err := LoadKey(name, "")
	if err != nil || len(key) != 32 {
		t.Fatalf("%x %v", key, err)
	}
	if fi, _ := os.Stat(name); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	if again, err := LoadKey("", name); err != nil || !bytes.Equal(again, key) {
		t.Errorf("read back %x %v", again, err)
	}
	if _, err := LoadKey(name, ""); err == nil || !strings.HasPrefix(err.Error(), "--new-key: ") {
		t.Errorf("an existing file overwritten: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "bad"), []byte("xyz"), 0o600)
	if _, err := LoadKey("", filepath.Join(dir, "bad")); err == nil || !strings.HasPrefix(err.Error(), "--key-file "+filepath.Join(dir, "bad")+": ") {
		t.Errorf("bad key: %v", err)
	}
	if _, err := LoadKey("", filepath.Join(dir, "none")); err == nil || !strings.HasPrefix(err.Error(), "--key-file: ") {
		t.Errorf("no key file: %v", err)
	}
}

func TestSummary(t *testing.T) {
	s := Stats{Frames: 10, IPv4: 3, IPv6: 1, MACs: 2}
	if line, n := s.Summary(); line != "10 frames; mapped 3 IPv4 and 1 IPv6 addresses, 2 MAC addresses" || n != 0 {
		t.Errorf("%q %d", line, n)
	}
	s.Unchanged[ReasonDNS] = 2
	s.Unchanged[ReasonLinkType] = 1
	s.Dropped[ReasonDHCP] = 4
	line, n := s.Summary()
	want := "; 3 frames left partly unchanged (1 link type not decoded, 2 DNS message not fully parsed)" +
		"; 4 frames with their unparsed part removed (4 DHCP/BOOTP message not fully parsed)"
	if !strings.HasSuffix(line, want) || n != 7 {
		t.Errorf("%q %d", line, n)
	}
}

// Copy applies the whole policy: section comments and interface names go,
// and every frame is rewritten.
func TestCopyDropsNamesAndComments(t *testing.T) {
	var in bytes.Buffer
	w, err := pcapio.NewNgWriter(&in, pcapio.NgOptions{Comments: []string{"captured in room 12 by alice"},
		Interfaces: []pcapio.Interface{{Name: "alice-laptop-eth0", LinkType: pcapio.LinkTypeEthernet, Snaplen: 65535}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range testFrames() {
		w.WritePacket(pcapio.CaptureInfo{Timestamp: time.Unix(1, 0), Length: len(f.Data)}, f.Data)
	}
	r, err := pcapio.NewReader(&in)
	if err != nil {
		t.Fatal(err)
	}
	an, err := New(make([]byte, 32), Options{})
	if err != nil {
		t.Fatal(err)
	}
	inputs := []edit.Input{{Name: "in", R: r}}
	sopt, err := edit.Header(inputs, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := an.Copy(inputs, sopt).Write(&out); err != nil {
		t.Fatal(err)
	}
	if b := out.Bytes(); bytes.Contains(b, []byte("alice")) || bytes.Contains(b, []byte("room 12")) {
		t.Errorf("the copy still names alice or her room")
	}
	if an.Stats.Frames != len(testFrames()) {
		t.Errorf("%d frames anonymized, want %d", an.Stats.Frames, len(testFrames()))
	}
}
