package anonymize

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/turtle-sniffer/turtle/internal/inputfile"
)

// ParseOptions reads the choices as turtle anonymize's flags give them:
// ips (--ips: prefix, zero or keep), payload (--payload: keep, zero or
// drop), macs, keepOUI (which needs macs) and ports. The error names the
// flag and says what it wants.
func ParseOptions(ips, payload string, macs, keepOUI, ports bool) (opt Options, err error) {
	var ok bool
	if opt.IPs, ok = ipModes[ips]; !ok {
		return opt, fmt.Errorf("--ips %q: want prefix, zero or keep", ips)
	}
	if opt.Payload, ok = payloadModes[payload]; !ok {
		return opt, fmt.Errorf("--payload %q: want keep, zero or drop", payload)
	}
	if keepOUI && !macs {
		return opt, fmt.Errorf("--keep-oui needs --macs")
	}
	opt.MACs, opt.KeepOUI, opt.Ports = macs, keepOUI, ports
	return opt, nil
}

// ipModes and payloadModes are the names of the modes on a command line.
var (
	ipModes      = map[string]IPMode{"prefix": IPsPrefix, "zero": IPsZero, "keep": IPsKeep}
	payloadModes = map[string]PayloadMode{"keep": PayloadKeep, "zero": PayloadZero, "drop": PayloadDrop}
)

// NewKeyFile makes a random key and writes it, as 64 hex digits and a
// newline, to a new file of mode 0600 (an existing file is refused, never
// overwritten); it returns the key.
func NewKeyFile(name string) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, inputfile.Cause(err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// LoadKey is the key of turtle anonymize's --new-key and --key-file: a
// new one written to newKey (NewKeyFile) unless it is "", then the one
// read from keyFile (ReadKeyFile) unless it is "". The error names the
// flag.
func LoadKey(newKey, keyFile string) (key []byte, err error) {
	if newKey != "" {
		if key, err = NewKeyFile(newKey); err != nil {
			return nil, fmt.Errorf("--new-key: %w", err)
		}
	}
	if keyFile != "" {
		b, err := inputfile.ReadFile(keyFile, 4<<10) // a key is 64 hex digits or 32 bytes
		if err != nil {
			return nil, fmt.Errorf("--key-file: %w", inputfile.Cause(err))
		}
		if key, err = ParseKey(b); err != nil {
			return nil, fmt.Errorf("--key-file %s: %w", keyFile, err)
		}
	}
	return key, nil
}

// Summary is the one-line summary of s: the frames, the addresses mapped,
// and the frames left partly unchanged or with their unparsed part removed,
// by reason. incomplete counts those last frames (what --strict refuses).
func (s *Stats) Summary() (line string, incomplete int) {
	var b strings.Builder
	fmt.Fprintf(&b, "%d frames; mapped %d IPv4 and %d IPv6 addresses, %d MAC addresses", s.Frames, s.IPv4, s.IPv6, s.MACs)
	for _, part := range []struct {
		what   string
		counts []int
	}{{"left partly unchanged", s.Unchanged[:]}, {"with their unparsed part removed", s.Dropped[:]}} {
		total := 0
		var why []string
		for r, c := range part.counts {
			if c > 0 {
				total += c
				why = append(why, fmt.Sprintf("%d %s", c, Reason(r)))
			}
		}
		if total > 0 {
			fmt.Fprintf(&b, "; %d frames %s (%s)", total, part.what, strings.Join(why, ", "))
		}
		incomplete += total
	}
	return b.String(), incomplete
}
