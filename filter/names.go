package filter

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
)

// nameDB resolves port and protocol names. libpcap asks the C library
// (getaddrinfo, getprotobyname), which reads /etc/services and
// /etc/protocols; reading the same files gives the same answers, so "port
// http" means "tcp port 80" where /etc/services lists http for tcp only, as
// it does with tcpdump on that machine. Without the files, names are
// unknown and refused.
type nameDB struct {
	services  map[string]uint32 // "name/proto" -> port, first entry wins
	protocols map[string]uint32
}

var (
	systemNamesOnce sync.Once
	systemNames     nameDB
)

func loadSystemNames() nameDB {
	systemNamesOnce.Do(func() {
		systemNames.services = readServices("/etc/services")
		systemNames.protocols = readProtocols("/etc/protocols")
	})
	return systemNames
}

// fields returns the fields of a services/protocols line without comments.
func fields(line string) []string {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	return strings.Fields(line)
}

func readServices(path string) map[string]uint32 {
	m := map[string]uint32{}
	f, err := os.Open(path)
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		portStr, proto, ok := strings.Cut(fs[1], "/")
		if !ok {
			continue
		}
		port, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil {
			continue
		}
		for _, name := range append([]string{fs[0]}, fs[2:]...) {
			key := name + "/" + proto
			if _, dup := m[key]; !dup {
				m[key] = uint32(port)
			}
		}
	}
	return m
}

func readProtocols(path string) map[string]uint32 {
	m := map[string]uint32{}
	f, err := os.Open(path)
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		n, err := strconv.ParseUint(fs[1], 10, 8)
		if err != nil {
			continue
		}
		for _, name := range append([]string{fs[0]}, fs[2:]...) {
			if _, dup := m[name]; !dup {
				m[name] = uint32(n)
			}
		}
	}
	return m
}

// service looks a name up for one transport protocol; a decimal string is
// its own port number, as for getaddrinfo.
func (db nameDB) service(name, proto string) (uint32, bool) {
	if name != "" && strings.Trim(name, "0123456789") == "" {
		v, err := strconv.ParseUint(name, 10, 16)
		return uint32(v), err == nil
	}
	v, ok := db.services[name+"/"+proto]
	return v, ok
}

// port is libpcap's pcap_nametoport: the tcp entry, and protoUndef when
// udp has the same number; else the udp entry.
func (db nameDB) port(name string) (uint32, int, bool) {
	tcp, okT := db.service(name, "tcp")
	udp, okU := db.service(name, "udp")
	switch {
	case okT && okU && tcp == udp:
		return tcp, protoUndef, true
	case okT:
		return tcp, ipprotoTCP, true
	case okU:
		return udp, ipprotoUDP, true
	}
	return 0, 0, false
}

// portrange is libpcap's pcap_nametoportrange: "N-M" as numbers, else two
// names split at the first '-'.
func (db nameDB) portrange(name string) (uint32, uint32, int, bool) {
	if p1, p2, ok := scanRange(name); ok {
		if p1 < 0 || p2 < 0 || p1 > 0xffffffff || p2 > 0xffffffff {
			return 0, 0, 0, false
		}
		return uint32(p1), uint32(p2), protoUndef, true
	}
	a, b, ok := strings.Cut(name, "-")
	if !ok {
		return 0, 0, 0, false
	}
	p1, proto1, ok1 := db.port(a)
	p2, proto2, ok2 := db.port(b)
	if !ok1 || !ok2 {
		return 0, 0, 0, false
	}
	if proto1 != proto2 {
		proto2 = protoUndef
	}
	return p1, p2, proto2, true
}

// scanRange is sscanf(s, "%d-%d") for the characters a name can hold:
// two decimal numbers around a '-' (trailing text ignored, as by sscanf).
func scanRange(s string) (int64, int64, bool) {
	num := func(s string) (int64, string, bool) {
		neg := false
		if s != "" && (s[0] == '-' || s[0] == '+') {
			neg = s[0] == '-'
			s = s[1:]
		}
		n := 0
		for n < len(s) && isDigit(s[n]) {
			n++
		}
		if n == 0 || n > 10 {
			return 0, s, false
		}
		v, _ := strconv.ParseInt(s[:n], 10, 64)
		if neg {
			v = -v
		}
		return v, s[n:], true
	}
	p1, rest, ok := num(s)
	if !ok || rest == "" || rest[0] != '-' {
		return 0, 0, false
	}
	p2, _, ok := num(rest[1:])
	if !ok {
		return 0, 0, false
	}
	return p1, p2, true
}

func (db nameDB) proto(name string) (uint32, bool) {
	v, ok := db.protocols[name]
	return v, ok
}
