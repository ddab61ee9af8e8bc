package grade

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// checkKinds is the one table of check kinds: the parameters each takes
// and the function that judges it. The rubric decoder, --set, Kinds and the
// error messages all read it.
var checkKinds = map[string]checkKind{
	"udp-request":    {[]string{"port", "server", "client", "message"}, udpRequest},
	"udp-echo":       {[]string{"port", "server", "client"}, udpEcho},
	"tcp-handshake":  {[]string{"port", "server", "client"}, tcpHandshake},
	"tcp-data":       {[]string{"port", "server", "client", "message"}, tcpData},
	"tcp-echo":       {[]string{"port", "server", "client"}, tcpEcho},
	"tcp-close":      {[]string{"port", "server", "client"}, tcpClose},
	"tcp-concurrent": {[]string{"port", "server", "client", "delay", "min_delay", "clients"}, tcpConcurrent},
	"tcp-iterative":  {[]string{"port", "server", "client", "delay", "min_delay", "clients"}, tcpIterative},
	"icmp-request":   {[]string{"server", "client", "count"}, icmpRequest},
	"icmp-reply":     {[]string{"server", "client", "count"}, icmpReply},
	"frames":         {[]string{"count", "interface"}, frames},
}

// checkKind is one row of checkKinds.
type checkKind struct {
	params []string
	judge  func(*capture, params) (bool, string)
}

// programOnly judges the kinds that read what a student's program printed
// (sniffer and client labs, package grade/programs): a capture alone
// cannot show it.
func programOnly(*capture, params) (bool, string) {
	return false, "no output to judge: this check grades a program's output (turtle grade --program or --client), not a capture"
}

func tcpConcurrent(c *capture, p params) (bool, string) { return tcpTiming(c, p, true) }
func tcpIterative(c *capture, p params) (bool, string)  { return tcpTiming(c, p, false) }

// evaluate runs one check on a capture: whether it passed, and why not.
func evaluate(c *capture, kind string, p params) (bool, string) {
	k, ok := checkKinds[kind]
	if !ok {
		return false, "unknown check kind " + strconv.Quote(kind)
	}
	return k.judge(c, p)
}

// takes reports whether a kind takes a parameter.
func takes(kind, key string) bool {
	for _, k := range checkKinds[kind].params {
		if k == key {
			return true
		}
	}
	return false
}

// Kinds returns the check kinds, sorted.
func Kinds() []string {
	ks := make([]string, 0, len(checkKinds))
	for k := range checkKinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// paramSpecs is the one table of check parameters: the rubric key, what
// a value is in words, and how to test, set, clear, inherit and resolve it.
// merge, set, clear, --set and resolve all loop over it.
var paramSpecs = []struct {
	key     string
	want    string // for messages: what a value must be
	isSet   func(*Params) bool
	clear   func(*Params)
	inherit func(c *Params, d *Params) // c's value where set, else d's
	parse   func(*Params, string) error
	resolve func(*params, *Params) error // into the effective params; only called when set
}{
	{"port", "a whole number from 1 to 65535",
		func(p *Params) bool { return p.Port != nil }, func(p *Params) { p.Port = nil },
		func(c, d *Params) { c.Port = or(c.Port, d.Port) },
		func(p *Params, v string) (err error) { p.Port, err = parseInt(v); return },
		func(q *params, m *Params) error {
			if *m.Port < 1 || *m.Port > 65535 {
				return fmt.Errorf("port %d is not between 1 and 65535", *m.Port)
			}
			q.port, q.portSet = uint16(*m.Port), true
			return nil
		}},
	{"server", "an IP address in quotes, or \"\" for any",
		func(p *Params) bool { return p.Server != nil }, func(p *Params) { p.Server = nil },
		func(c, d *Params) { c.Server = or(c.Server, d.Server) },
		func(p *Params, v string) error { p.Server = &v; return nil },
		func(q *params, m *Params) (err error) { q.server, err = parseAddr("server", *m.Server); return }},
	{"client", "an IP address in quotes, or \"\" for any",
		func(p *Params) bool { return p.Client != nil }, func(p *Params) { p.Client = nil },
		func(c, d *Params) { c.Client = or(c.Client, d.Client) },
		func(p *Params, v string) error { p.Client = &v; return nil },
		func(q *params, m *Params) (err error) { q.client, err = parseAddr("client", *m.Client); return }},
	{"message", "text in quotes",
		func(p *Params) bool { return p.Message != nil }, func(p *Params) { p.Message = nil },
		func(c, d *Params) { c.Message = or(c.Message, d.Message) },
		func(p *Params, v string) error { p.Message = &v; return nil },
		func(q *params, m *Params) error { q.message = *m.Message; return nil }},
	{"delay", "a duration in quotes, like \"2s\"",
		func(p *Params) bool { return p.Delay != nil }, func(p *Params) { p.Delay = nil },
		func(c, d *Params) { c.Delay = or(c.Delay, d.Delay) },
		func(p *Params, v string) (err error) { p.Delay, err = parseDuration(v); return },
		func(q *params, m *Params) error { q.delay = time.Duration(*m.Delay); return nil }},
	{"min_delay", "a duration in quotes, like \"100ms\"",
		func(p *Params) bool { return p.MinDelay != nil }, func(p *Params) { p.MinDelay = nil },
		func(c, d *Params) { c.MinDelay = or(c.MinDelay, d.MinDelay) },
		func(p *Params, v string) (err error) { p.MinDelay, err = parseDuration(v); return },
		func(q *params, m *Params) error { q.minDelay = time.Duration(*m.MinDelay); return nil }},
	{"clients", "a whole number from 2 to 1000",
		func(p *Params) bool { return p.Clients != nil }, func(p *Params) { p.Clients = nil },
		func(c, d *Params) { c.Clients = or(c.Clients, d.Clients) },
		func(p *Params, v string) (err error) { p.Clients, err = parseInt(v); return },
		func(q *params, m *Params) error {
			if *m.Clients < 2 || *m.Clients > 1000 {
				return fmt.Errorf("clients %d: want 2 to 1000 (one client shows nothing about concurrency)", *m.Clients)
			}
			q.clients = *m.Clients
			return nil
		}},
	{"count", "a whole number from 1 to 4096",
		func(p *Params) bool { return p.Count != nil }, func(p *Params) { p.Count = nil },
		func(c, d *Params) { c.Count = or(c.Count, d.Count) },
		func(p *Params, v string) (err error) { p.Count, err = parseInt(v); return },
		func(q *params, m *Params) error {
			if *m.Count < 1 || *m.Count > maxTracked {
				return fmt.Errorf("count %d: want 1 to %d", *m.Count, maxTracked)
			}
			q.count = *m.Count
			return nil
		}},
	{"interface", "an interface name in quotes",
		func(p *Params) bool { return p.Interface != nil }, func(p *Params) { p.Interface = nil },
		func(c, d *Params) { c.Interface = or(c.Interface, d.Interface) },
		func(p *Params, v string) error { p.Interface = &v; return nil },
		func(q *params, m *Params) error { q.iface = *m.Interface; return nil }},
}

func or[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

func parseInt(v string) (*int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, errors.New("want a whole number")
	}
	return &n, nil
}

func parseDuration(v string) (*Duration, error) {
	var d Duration
	if err := d.UnmarshalText([]byte(v)); err != nil {
		return nil, err
	}
	return &d, nil
}

func parseAddr(key, s string) (netip.Addr, error) {
	if s == "" {
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return a, fmt.Errorf("%s %q is not an IP address", key, s)
	}
	return a.Unmap(), nil
}

// paramKeys lists every parameter, for messages.
func paramKeys() string {
	keys := make([]string, len(paramSpecs))
	for i, s := range paramSpecs {
		keys[i] = s.key
	}
	return strings.Join(keys, ", ")
}

// set reports which parameters p sets, by rubric key.
func (p *Params) set() []string {
	var keys []string
	for _, s := range paramSpecs {
		if s.isSet(p) {
			keys = append(keys, s.key)
		}
	}
	return keys
}

// merge returns c's values where set, else d's.
func merge(c, d Params) Params {
	for _, s := range paramSpecs {
		s.inherit(&c, &d)
	}
	return c
}

// resolve fills in a check's parameters and checks their values.
func (c *Check) resolve(d Params) (params, error) {
	m := merge(c.Params, d)
	p := params{clients: 2, count: 1, minDelay: 100 * time.Millisecond}
	if takes(c.Kind, "port") && m.Port == nil {
		return p, errors.New("needs a port (set port in the check or in [defaults])")
	}
	for _, s := range paramSpecs {
		if !s.isSet(&m) {
			continue
		}
		if err := s.resolve(&p, &m); err != nil {
			return p, err
		}
	}
	p.hasServer, p.hasClient = p.server.IsValid(), p.client.IsValid()
	return p, nil
}

func setParam(p *Params, key, value string) error {
	value = strings.TrimSpace(value)
	for _, s := range paramSpecs {
		if s.key == key {
			if err := s.parse(p, value); err != nil {
				if strings.HasPrefix(s.want, "a whole number") {
					return fmt.Errorf("%s wants %s", key, s.want)
				}
				return fmt.Errorf("%s: %v", key, err)
			}
			return nil
		}
	}
	return fmt.Errorf("unknown parameter %q (parameters: %s)", key, paramKeys())
}

func clearParam(p *Params, key string) {
	for _, s := range paramSpecs {
		if s.key == key {
			s.clear(p)
		}
	}
}
