package filter

import (
	"net/netip"
	"strings"
)

// tokKind is a token of the filter language. The scanner follows libpcap's
// flex scanner (scanner.l): the longest match wins and, between matches of
// the same length, the rule listed first; so "tcp" is a keyword, "tcpx" a
// name, "tcp-syn" a number and "001122334455" an Ethernet address.
type tokKind int

const (
	tEOF tokKind = iota
	tErr         // a lexical error; the token's text holds the message

	// Values.
	tNum  // number (decimal, 0x hex, 0 octal) or named constant
	tID   // name (host, port, protocol...), or \escaped word
	tHID  // dotted IPv4 address or prefix: 10.1, 10.0.0.1
	tHID6 // IPv6 address
	tEID  // Ethernet address
	tAID  // ARCnet address ($NN)

	// Operators.
	tPlus
	tMinus
	tStar
	tSlash
	tPercent
	tColon
	tLBrack
	tRBrack
	tNot // ! and not
	tLT
	tGT
	tLParen
	tRParen
	tAmp
	tPipe
	tCaret
	tEQ // = and ==
	tGE
	tLE
	tNE
	tLSH
	tRSH
	tAnd // and, &&
	tOr  // or, ||

	// Keywords.
	tDst
	tSrc
	tLink // link, ether, ppp, slip, fddi, tr, wlan
	tArp
	tRarp
	tIP
	tSCTP
	tTCP
	tUDP
	tICMP
	tIGMP
	tIGRP
	tPIM
	tVRRP
	tCARP
	tRadio
	tIPv6
	tICMPv6
	tAH
	tESP
	tAtalk
	tAARP
	tDECnet
	tLAT
	tSCA
	tMOPRC
	tMOPDL
	tISO
	tESIS
	tISIS
	tL1
	tL2
	tIIH
	tLSP
	tSNP
	tCSNP
	tPSNP
	tCLNP
	tSTP
	tIPX
	tNetBEUI
	tHost
	tNet
	tMask
	tPort
	tPortrange
	tProto
	tProtochain
	tGateway
	tType
	tSubtype
	tDir
	tAddr1
	tAddr2
	tAddr3
	tAddr4
	tRA
	tTA
	tLess
	tGreater
	tByte
	tBroadcast
	tMulticast
	tLen
	tInbound
	tOutbound
	tIfindex
	tVLAN
	tMPLS
	tPPPoED
	tPPPoES
	tGeneve
	tOther // a keyword of a feature this package does not implement (ATM, MTP, pf, LLC, ...)
)

// keywords maps the scanner's reserved words to their tokens.
var keywords = map[string]tokKind{
	"dst": tDst, "src": tSrc,
	"link": tLink, "ether": tLink, "ppp": tLink, "slip": tLink, "fddi": tLink, "tr": tLink, "wlan": tLink,
	"arp": tArp, "rarp": tRarp, "ip": tIP, "sctp": tSCTP, "tcp": tTCP, "udp": tUDP, "icmp": tICMP,
	"igmp": tIGMP, "igrp": tIGRP, "pim": tPIM, "vrrp": tVRRP, "carp": tCARP, "radio": tRadio,
	"ip6": tIPv6, "icmp6": tICMPv6, "ah": tAH, "esp": tESP,
	"atalk": tAtalk, "aarp": tAARP, "decnet": tDECnet, "lat": tLAT, "sca": tSCA, "moprc": tMOPRC, "mopdl": tMOPDL,
	"iso": tISO, "esis": tESIS, "es-is": tESIS, "isis": tISIS, "is-is": tISIS,
	"l1": tL1, "l2": tL2, "iih": tIIH, "lsp": tLSP, "snp": tSNP, "csnp": tCSNP, "psnp": tPSNP,
	"clnp": tCLNP, "stp": tSTP, "ipx": tIPX, "netbeui": tNetBEUI,
	"host": tHost, "net": tNet, "mask": tMask, "port": tPort, "portrange": tPortrange,
	"proto": tProto, "protochain": tProtochain, "gateway": tGateway,
	"type": tType, "subtype": tSubtype, "direction": tDir, "dir": tDir,
	"address1": tAddr1, "addr1": tAddr1, "address2": tAddr2, "addr2": tAddr2,
	"address3": tAddr3, "addr3": tAddr3, "address4": tAddr4, "addr4": tAddr4, "ra": tRA, "ta": tTA,
	"less": tLess, "greater": tGreater, "byte": tByte, "broadcast": tBroadcast, "multicast": tMulticast,
	"and": tAnd, "or": tOr, "not": tNot, "len": tLen, "length": tLen,
	"inbound": tInbound, "outbound": tOutbound, "ifindex": tIfindex,
	"vlan": tVLAN, "mpls": tMPLS, "pppoed": tPPPoED, "pppoes": tPPPoES, "geneve": tGeneve,
}

// otherKeywords are reserved by libpcap for link types or features turtle
// does not compile (ATM, SS7 MTP, OpenBSD pf, LLC); they lex as keywords so
// that they are refused by name rather than taken for host names.
var otherKeywords = []string{
	"lane", "llc", "metac", "bcc", "oam", "oamf4", "oamf4ec", "oamf4sc", "sc", "ilmic", "vpi", "vci",
	"connectmsg", "metaconnect", "on", "ifname", "rset", "ruleset", "rnr", "rulenum", "srnr",
	"subrulenum", "reason", "action", "fisu", "lssu", "lsu", "msu", "hfisu", "hlssu", "hmsu",
	"sio", "opc", "dpc", "sls", "hsio", "hopc", "hdpc", "hsls",
}

func init() {
	for _, w := range otherKeywords {
		keywords[w] = tOther
	}
}

// namedNumbers are the scanner's symbolic constants.
var namedNumbers = map[string]uint32{
	"icmptype": 0, "icmpcode": 1,
	"icmp-echoreply": 0, "icmp-unreach": 3, "icmp-sourcequench": 4, "icmp-redirect": 5,
	"icmp-echo": 8, "icmp-routeradvert": 9, "icmp-routersolicit": 10, "icmp-timxceed": 11,
	"icmp-paramprob": 12, "icmp-tstamp": 13, "icmp-tstampreply": 14, "icmp-ireq": 15,
	"icmp-ireqreply": 16, "icmp-maskreq": 17, "icmp-maskreply": 18,
	"icmp6type": 0, "icmp6code": 1,
	"icmp6-destinationunreach": 1, "icmp6-packettoobig": 2, "icmp6-timeexceeded": 3,
	"icmp6-parameterproblem": 4, "icmp6-echo": 128, "icmp6-echoreply": 129,
	"icmp6-multicastlistenerquery": 130, "icmp6-multicastlistenerreportv1": 131,
	"icmp6-multicastlistenerdone": 132, "icmp6-routersolicit": 133, "icmp6-routeradvert": 134,
	"icmp6-neighborsolicit": 135, "icmp6-neighboradvert": 136, "icmp6-redirect": 137,
	"icmp6-routerrenum": 138, "icmp6-nodeinformationquery": 139, "icmp6-nodeinformationresponse": 140,
	"icmp6-ineighbordiscoverysolicit": 141, "icmp6-ineighbordiscoveryadvert": 142,
	"icmp6-multicastlistenerreportv2": 143, "icmp6-homeagentdiscoveryrequest": 144,
	"icmp6-homeagentdiscoveryreply": 145, "icmp6-mobileprefixsolicit": 146,
	"icmp6-mobileprefixadvert": 147, "icmp6-certpathsolicit": 148, "icmp6-certpathadvert": 149,
	"icmp6-multicastrouteradvert": 151, "icmp6-multicastroutersolicit": 152,
	"icmp6-multicastrouterterm": 153,
	"tcpflags":                  13, "tcp-fin": 0x01, "tcp-syn": 0x02, "tcp-rst": 0x04, "tcp-push": 0x08,
	"tcp-ack": 0x10, "tcp-urg": 0x20, "tcp-ece": 0x40, "tcp-cwr": 0x80,
}

type token struct {
	kind tokKind
	pos  int    // byte offset of the token in the expression
	end  int    // byte offset just after it
	text string // source text (for tID without the backslash; for tErr the message)
	num  uint32 // value of a tNum
}

// lex splits the expression into tokens, ending with tEOF. A lexical error
// becomes a tErr token so that the parser reports it at its position (libpcap
// reports it when the parser reaches it, too).
func lex(s string) []token {
	var toks []token
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
		if i >= len(s) {
			toks = append(toks, token{kind: tEOF, pos: i, end: i})
			return toks
		}
		t := scanOne(s, i)
		toks = append(toks, t)
		i = t.end
	}
}

// scanOne returns the longest token at s[i:], resolving ties by libpcap's
// rule order: keywords, operators, $arcnet, MAC, number, IPv4, IPv6, bogus
// MAC, named numbers, names.
func scanOne(s string, i int) token {
	best := token{kind: tErr, pos: i, end: i + 1, text: "illegal character " + quoteByte(s[i])}
	bestLen := 0
	try := func(n int, t token) {
		if n > bestLen {
			bestLen = n
			t.pos, t.end = i, i+n
			best = t
		}
	}
	rest := s[i:]
	idLen := matchID(rest)
	// Keywords are literal words; only a whole ID-shaped word can be one,
	// except for the two-character "&&" and "||".
	if idLen > 0 {
		if k, ok := keywords[rest[:idLen]]; ok {
			try(idLen, token{kind: k, text: rest[:idLen]})
		}
		// A keyword that is a strict prefix of the word (e.g. "es-is" in
		// "es-isx") loses to the longer ID anyway; a keyword longer than
		// the ID cannot occur because every keyword is ID-shaped.
	}
	if strings.HasPrefix(rest, "&&") {
		try(2, token{kind: tAnd, text: "&&"})
	}
	if strings.HasPrefix(rest, "||") {
		try(2, token{kind: tOr, text: "||"})
	}
	switch rest[0] {
	case '+':
		try(1, token{kind: tPlus})
	case '-':
		try(1, token{kind: tMinus})
	case '*':
		try(1, token{kind: tStar})
	case '/':
		try(1, token{kind: tSlash})
	case '%':
		try(1, token{kind: tPercent})
	case ':':
		try(1, token{kind: tColon})
	case '[':
		try(1, token{kind: tLBrack})
	case ']':
		try(1, token{kind: tRBrack})
	case '!':
		try(1, token{kind: tNot})
	case '<':
		try(1, token{kind: tLT})
	case '>':
		try(1, token{kind: tGT})
	case '(':
		try(1, token{kind: tLParen})
	case ')':
		try(1, token{kind: tRParen})
	case '&':
		try(1, token{kind: tAmp})
	case '|':
		try(1, token{kind: tPipe})
	case '^':
		try(1, token{kind: tCaret})
	case '=':
		try(1, token{kind: tEQ})
	}
	if len(rest) >= 2 {
		switch rest[:2] {
		case ">=":
			try(2, token{kind: tGE})
		case "<=":
			try(2, token{kind: tLE})
		case "!=":
			try(2, token{kind: tNE})
		case "==":
			try(2, token{kind: tEQ})
		case "<<":
			try(2, token{kind: tLSH})
		case ">>":
			try(2, token{kind: tRSH})
		}
	}
	if rest[0] == '$' {
		if n := hexRun(rest[1:], 2); n > 0 {
			try(1+n, token{kind: tAID, text: rest[:1+n]})
		}
	}
	if n := matchMAC(rest); n > 0 {
		try(n, token{kind: tEID, text: rest[:n]})
	}
	if n := matchN(rest); n > 0 {
		v, err := parseNum(rest[:n])
		if err != "" {
			try(n, token{kind: tErr, text: err})
		} else {
			try(n, token{kind: tNum, num: v, text: rest[:n]})
		}
	}
	if n := matchHID(rest); n > 0 {
		try(n, token{kind: tHID, text: rest[:n]})
	}
	if n := matchV6(rest); n > 0 {
		if _, err := netip.ParseAddr(rest[:n]); err != nil {
			try(n, token{kind: tErr, text: "bogus IPv6 address " + rest[:n]})
		} else {
			try(n, token{kind: tHID6, text: rest[:n]})
		}
	}
	if n := matchBogusMAC(rest); n > 0 {
		try(n, token{kind: tErr, text: "bogus ethernet address " + rest[:n]})
	}
	if idLen > 0 {
		if v, ok := namedNumbers[rest[:idLen]]; ok {
			try(idLen, token{kind: tNum, num: v, text: rest[:idLen]})
		}
		try(idLen, token{kind: tID, text: rest[:idLen]})
	}
	if rest[0] == '\\' {
		n := 1
		for n < len(rest) && !strings.ContainsRune(" !()\n\t", rune(rest[n])) {
			n++
		}
		if n > 1 {
			try(n, token{kind: tID, text: rest[1:n]})
		}
	}
	return best
}

func quoteByte(b byte) string {
	if b >= 0x20 && b < 0x7f {
		return "'" + string(rune(b)) + "'"
	}
	const hex = "0123456789abcdef"
	return "0x" + string([]byte{hex[b>>4], hex[b&15]})
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// matchID matches [A-Za-z0-9]([-_.A-Za-z0-9]*[.A-Za-z0-9])?
func matchID(s string) int {
	if len(s) == 0 || !isAlnum(s[0]) {
		return 0
	}
	n, last := 1, 1
	for n < len(s) && (isAlnum(s[n]) || s[n] == '-' || s[n] == '_' || s[n] == '.') {
		n++
		if s[n-1] != '-' && s[n-1] != '_' {
			last = n
		}
	}
	return last
}

// hexRun returns the length (at most max) of the run of hex digits at s.
func hexRun(s string, max int) int {
	n := 0
	for n < len(s) && n < max && isHex(s[n]) {
		n++
	}
	return n
}

// matchN matches ([0-9]+|(0X|0x)[0-9A-Fa-f]+).
func matchN(s string) int {
	best := 0
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isHex(s[2]) {
		n := 2
		for n < len(s) && isHex(s[n]) {
			n++
		}
		best = n
	}
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	if n > best {
		best = n
	}
	return best
}

// nLens returns every length at which N matches s (for backtracking
// matchers): a decimal run matches at each of its prefixes, and so does a
// hex number.
func nLens(s string) []int {
	var out []int
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
		out = append(out, n)
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		n := 2
		for n < len(s) && isHex(s[n]) {
			n++
			out = append(out, n)
		}
	}
	return out
}

// matchHID matches N.N, N.N.N or N.N.N.N (longest).
func matchHID(s string) int {
	best := 0
	var rec func(off, parts int)
	rec = func(off, parts int) {
		for _, l := range nLens(s[off:]) {
			end := off + l
			if parts >= 2 && end > best {
				best = end
			}
			if parts < 4 && end < len(s) && s[end] == '.' {
				rec(end+1, parts+1)
			}
		}
	}
	rec(0, 1)
	return best
}

// matchMAC matches libpcap's MAC forms: six 1-2 digit hex groups separated
// by ':', '-' or '.', three 4-digit groups separated by '.', or 12 hex digits.
func matchMAC(s string) int {
	best := 0
	for _, sep := range []byte{':', '-', '.'} {
		var rec func(off, groups int)
		rec = func(off, groups int) {
			for l := 1; l <= 2 && off+l <= len(s) && isHex(s[off+l-1]); l++ {
				end := off + l
				if groups == 6 {
					if end > best {
						best = end
					}
					continue
				}
				if end < len(s) && s[end] == sep {
					rec(end+1, groups+1)
				}
			}
		}
		rec(0, 1)
	}
	if len(s) >= 14 && hexRun(s, 4) == 4 && s[4] == '.' && hexRun(s[5:], 4) == 4 && s[9] == '.' && hexRun(s[10:], 4) == 4 {
		if 14 > best {
			best = 14
		}
	}
	if hexRun(s, 12) == 12 && 12 > best {
		best = 12
	}
	return best
}

// matchBogusMAC matches {B}:+({B}:+)+, which libpcap reports as a bogus
// Ethernet address. Each group's length is forced by where the next colon
// is, and taking every colon is always longest, so one pass finds it.
func matchBogusMAC(s string) int {
	off, groups := 0, 0
	for {
		l := 0
		switch {
		case off+1 < len(s) && isHex(s[off]) && s[off+1] == ':':
			l = 1
		case off+2 < len(s) && isHex(s[off]) && isHex(s[off+1]) && s[off+2] == ':':
			l = 2
		}
		if l == 0 {
			break
		}
		off += l
		for off < len(s) && s[off] == ':' {
			off++
		}
		groups++
	}
	if groups < 2 {
		return 0
	}
	return off
}

// matchV6 returns the length of the longest prefix of s matching one of
// libpcap's IPv6 address patterns (eight groups; "::" with at most seven;
// a trailing dotted IPv4 part after six groups, or after "::" with at most
// five).
func matchV6(s string) int {
	// Candidates end where the characters of addresses end; no address
	// is longer than maxV6 (the check is quadratic in the candidate).
	const maxV6 = 64
	n := 0
	for n < len(s) && n < maxV6 && (isHex(s[n]) || s[n] == ':' || s[n] == '.' || s[n] == 'x' || s[n] == 'X') {
		n++
	}
	for l := n; l >= 2; l-- {
		if isV6Form(s[:l]) {
			return l
		}
	}
	return 0
}

// isV6Form reports whether s as a whole matches libpcap's V6 regular
// expression (syntax only; netip decides validity afterwards, as
// getaddrinfo does in libpcap).
func isV6Form(s string) bool {
	groups := func(p string) (int, bool) { // W(:W)* ; empty = 0
		if p == "" {
			return 0, true
		}
		parts := strings.Split(p, ":")
		for _, g := range parts {
			if len(g) < 1 || len(g) > 4 || hexRun(g, 4) != len(g) {
				return 0, false
			}
		}
		return len(parts), true
	}
	isV4 := func(p string) bool {
		return p != "" && matchHID(p) == len(p) && strings.Count(p, ".") == 3
	}
	if i := strings.Index(s, "::"); i >= 0 {
		left, right := s[:i], s[i+2:]
		nl, ok := groups(left)
		if !ok {
			return false
		}
		// Trailing IPv4 part?
		if j := strings.LastIndexByte(right, ':'); j >= 0 && strings.Contains(right[j+1:], ".") {
			nr, ok := groups(right[:j])
			return ok && nr >= 1 && isV4(right[j+1:]) && nl+nr <= 5
		}
		if strings.Contains(right, ".") {
			return isV4(right) && nl <= 5
		}
		nr, ok := groups(right)
		return ok && nl+nr <= 7
	}
	if j := strings.LastIndexByte(s, ':'); j >= 0 && strings.Contains(s[j+1:], ".") {
		nl, ok := groups(s[:j])
		return ok && nl == 6 && isV4(s[j+1:])
	}
	n, ok := groups(s)
	return ok && n == 8
}

// parseNum converts a scanner number like libpcap's stou: 0x hex, leading 0
// octal, else decimal, each at most 32 bits. It returns an error message.
func parseNum(s string) (uint32, string) {
	var n uint64
	switch {
	case len(s) > 1 && (s[1] == 'x' || s[1] == 'X'):
		for _, c := range []byte(s[2:]) {
			var d uint64
			switch {
			case c >= '0' && c <= '9':
				d = uint64(c - '0')
			case c >= 'a' && c <= 'f':
				d = uint64(c-'a') + 10
			default:
				d = uint64(c-'A') + 10
			}
			n = n<<4 + d
			if n > 0xffffffff {
				return 0, "number " + s + " overflows 32 bits"
			}
		}
	case s[0] == '0':
		for _, c := range []byte(s[1:]) {
			if c > '7' {
				return 0, "number " + s + " contains non-octal digit"
			}
			n = n<<3 + uint64(c-'0')
			if n > 0xffffffff {
				return 0, "number " + s + " overflows 32 bits"
			}
		}
	default:
		for _, c := range []byte(s) {
			n = n*10 + uint64(c-'0')
			if n > 0xffffffff {
				return 0, "number " + s + " overflows 32 bits"
			}
		}
	}
	return uint32(n), ""
}
