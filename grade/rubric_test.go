package grade

import (
	"strings"
	"testing"
)

func TestBuiltInLabsParse(t *testing.T) {
	want := []string{"basic-sniffer", "basic-sniffer-windows", "ping", "sniffer", "tcp-concurrent", "tcp-echo", "tcp-iterative", "turtle-sniffer", "turtle-sniffer-windows", "udp-echo"}
	if got := Labs(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("labs %q, want %q", got, want)
	}
	for _, name := range want {
		r, err := Lab(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Lab != name || r.MaxScore() != 10 {
			t.Errorf("%s: lab %q max %v, want its own name and 10 points", name, r.Lab, r.MaxScore())
		}
		for _, c := range r.Checks {
			if c.Name == "" || c.Feedback == "" {
				t.Errorf("%s: check %q lacks a name or feedback", name, c.ID)
			}
		}
	}
	if _, err := Lab("tcp-echoo"); err == nil || !strings.Contains(err.Error(), "labs: basic-sniffer, basic-sniffer-windows, ping, sniffer") {
		t.Errorf("unknown lab: %v, want the list of labs", err)
	}
}

func TestRubricErrorsNameFileLineAndKey(t *testing.T) {
	for _, tc := range []struct {
		src, err string
	}{
		{
			"lab = \"x\"\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\nport = 1\n\n[[check]]\nid = \"b\"\nkind = \"udp-echo\"\nport = 2\ncolour = \"red\"\n",
			`my.toml:11: unknown key "check.colour"`,
		},
		{
			"lab = \"x\"\n[defaults]\nprot = 1\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\nport = 1\n",
			`my.toml:3: unknown key "defaults.prot"`,
		},
		{
			"lab = \"x\"\n[extra]\na = 1\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\nport = 1\n",
			`my.toml:2: unknown key "extra" (and 1 more)`,
		},
		{
			"lab = \"x\"\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\nport = \"ten\"\n",
			`my.toml:5: port must be a whole number (like 4), not text: port = "ten"`,
		},
		{
			// The line is the key's, in the second check, not where
			// the TOML library stopped; no Go type names.
			"lab = \"x\"\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\nport = 1\npoints = 2\n\n[[check]]\nid = \"b\"\nkind = \"udp-echo\"\nport = 1\npoints = \"2\"   # two\nname = \"b\"\n\n",
			`my.toml:12: points must be a number (like 4 or 2.5), not text: points = "2"`,
		},
		{
			"lab = \"x\"\n[defaults]\nclients = 2.5\n[[check]]\nid = \"a\"\nkind = \"tcp-concurrent\"\nport = 1\n",
			`my.toml:3: clients must be a whole number (like 4), not a number with a fraction: clients = 2.5`,
		},
		{
			"lab = \"x\"\n[[check]]\nid = \"a\"\nkind = \"tcp-concurrent\"\nport = 1\ndelay = \"soon\"\n",
			`my.toml:6: check.delay: duration "soon": want a number and a unit, like "2s" or "150ms"`,
		},
		{
			"lab = \"x\"\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\nport = 1\n[[check]]\nid = \"b\"\nkind = \"tcp-echo\"\nport = 1\nmessage = \"hi\"\n",
			`my.toml:10: check "b" (tcp-echo) takes no "message" (it takes port, server, client)`,
		},
		{
			"lab = \"x\"\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\n",
			`my.toml:2: check "a": needs a port (set port in the check or in [defaults])`,
		},
		{
			"lab = \"x\"\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\nport = 70000\n",
			`my.toml:2: check "a": port 70000 is not between 1 and 65535`,
		},
		{
			"lab = \"x\"\n[[check]]\nid = \"a\"\nkind = \"udp-ecko\"\nport = 1\n",
			`my.toml:2: check "a": kind "udp-ecko": want one of basic-address, basic-bytes, client-output, frames, icmp-reply, icmp-request, scapy-bytes, tcp-close, ` +
				`tcp-concurrent, tcp-data, tcp-echo, tcp-handshake, tcp-iterative, turtle-data, turtle-ethernet, turtle-icmp, turtle-ipv4, turtle-tcp, turtle-truncated, turtle-udp, udp-echo, udp-request`,
		},
		{
			"lab = \"x\"\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\nport = 1\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\nport = 1\n",
			`my.toml:6: check "a": id used twice`,
		},
		{
			"lab = \"x\"\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\nport = 1\nserver = \"localhost\"\n",
			`my.toml:2: check "a": server "localhost" is not an IP address`,
		},
		{
			"lab = \"x\"\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\nport = 1\npoints = -1\n",
			`my.toml:2: check "a": points -1: want a number from 0 to 1000000`,
		},
		{"lab = \"x\"\n", `my.toml: no checks ([[check]] tables)`},
		{"[[check]]\nid = \"a\"\n", `my.toml: no lab name (lab = "...")`},
		{"lab = \n", `my.toml:1: lab: expected value but found '\n' instead`},
	} {
		_, err := ParseRubric("my.toml", []byte(tc.src))
		if err == nil || err.Error() != tc.err {
			t.Errorf("got %v\nwant %s", err, tc.err)
		}
	}
}

func TestSetOverridesParameters(t *testing.T) {
	r := mustLab(t, "sniffer")
	if err := r.Set("udp.port=10010"); err != nil {
		t.Fatal(err)
	}
	if err := r.Set("server=127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	cr, err := compile(r)
	if err != nil {
		t.Fatal(err)
	}
	if cr.params[1].port != 10010 || cr.params[2].port != 12500 || cr.params[1].server.String() != "127.0.0.1" {
		t.Errorf("params %+v %+v", cr.params[1], cr.params[2])
	}
	for _, tc := range []struct{ set, err string }{
		{"port", `"port": want KEY=VALUE or CHECK.KEY=VALUE`},
		{"prot=1", `"prot=1": unknown parameter "prot" (parameters: port, server, client, message, delay, min_delay, clients, count, interface)`},
		{"nope.port=1", `"nope.port=1": no check with id "nope"`},
		{"frames.port=1", `"frames.port=1": check "frames" (frames) takes no "port"`},
		{"udp.port=x", `"udp.port=x": port wants a whole number from 1 to 65535`},
		{"udp.port=0", `"udp.port=0": check "udp": port 0 is not between 1 and 65535`},
	} {
		if err := r.Set(tc.set); err == nil || err.Error() != tc.err {
			t.Errorf("Set(%q) = %v, want %s", tc.set, err, tc.err)
		}
	}
}
