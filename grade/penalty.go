package grade

import (
	"io"
	"strconv"
)

// Penalty is the rubric's partial credit for traffic on the wrong port
// ([penalty] wrong_port = 2): instead of failing every check, the capture
// is graded again on the port the traffic used, and the penalty is taken
// off that score once.
type Penalty struct {
	WrongPort    *float64 `toml:"wrong_port"`    // points off when the traffic used another port
	WrongAddress *float64 `toml:"wrong_address"` // points off when it went between other addresses than the rubric's server and client
}

// usedInstead returns the rubric with each lab port that saw no traffic
// replaced by the port the capture's traffic used instead, and what was
// replaced; nil when no port was wrong.
func (cr *compiled) usedInstead(c *capture) (*compiled, string) {
	swap := map[string]uint16{} // "tcp 12500" → 12501
	for _, port := range cr.ports.tcp {
		used := false
		for _, k := range c.tcp.conns {
			used = used || k.key.server.Port() == port
		}
		if !used && c.tcp.others.n > 0 {
			swap["tcp "+itoa(int(port))] = c.tcp.others.ports[0]
		}
	}
	for _, port := range cr.ports.udp {
		used := false
		for i := range c.udp.reqs {
			used = used || c.udp.reqs[i].server.Port() == port
		}
		if !used && c.udp.others.n > 0 {
			swap["udp "+itoa(int(port))] = c.udp.others.ports[0]
		}
	}
	if len(swap) == 0 {
		return nil, ""
	}
	alt := &compiled{r: cr.r, params: append([]params(nil), cr.params...)}
	what := ""
	for i, ch := range cr.r.Checks {
		p := &alt.params[i]
		if !p.portSet {
			continue
		}
		proto := ch.Kind[:3]
		key := proto + " " + itoa(int(p.port))
		if to, ok := swap[key]; ok {
			if what == "" {
				what = "the traffic used " + portText(to) + ", not the lab's " + itoa(int(p.port))
			}
			p.port = to
		}
		if proto == "udp" && !contains(alt.ports.udp, p.port) {
			alt.ports.udp = append(alt.ports.udp, p.port)
		}
		if proto == "tcp" && !contains(alt.ports.tcp, p.port) {
			alt.ports.tcp = append(alt.ports.tcp, p.port)
		}
	}
	return alt, what
}

// applyPenalty grades the capture again on the port its traffic used when
// the rubric has a wrong-port penalty and that scores better; reopen reads
// the capture again (nil: it cannot be).
func (cr *compiled) applyPenalty(res Result, c *capture, reopen func() (io.ReadCloser, error)) Result {
	if pen := cr.r.Penalty.WrongAddress; pen != nil && c != nil && res.Score < res.Max && res.Error == "" {
		// The addresses only choose among the traffic read: judge the
		// same capture again without them.
		alt := &compiled{r: cr.r, ports: cr.ports, params: append([]params(nil), cr.params...)}
		any := false
		for i := range alt.params {
			any = any || alt.params[i].hasServer || alt.params[i].hasClient
			alt.params[i].hasServer, alt.params[i].hasClient = false, false
		}
		if res2 := alt.result(res.File, c); any && res2.Score-*pen > res.Score {
			res2.Score -= *pen
			res2.Penalty = *pen
			res2.Notes = append([]string{"the traffic went between other addresses than the lab's: graded without them, " +
				strconv.FormatFloat(*pen, 'f', -1, 64) + " points off"}, res2.Notes...)
			res = res2
		}
	}
	pen := cr.r.Penalty.WrongPort
	if pen == nil || c == nil || reopen == nil || res.Score >= res.Max {
		return res
	}
	alt, what := cr.usedInstead(c)
	if alt == nil {
		return res
	}
	rd, err := reopen()
	if err != nil {
		return res
	}
	defer rd.Close()
	res2, _ := alt.gradeCapture(res.File, rd)
	score := max(0, res2.Score-*pen-res.Penalty)
	if res2.Error != "" || score <= res.Score {
		return res
	}
	res2.Score = score
	res2.Penalty = *pen + res.Penalty
	why := what + ": graded on that port, " + strconv.FormatFloat(*pen, 'f', -1, 64) + " points off"
	res2.Notes = append([]string{why}, res2.Notes...)
	return res2
}
