package filter

// The parser accepts libpcap's grammar (grammar.y) for the constructs this
// package compiles and produces a syntax tree; code generation walks that
// tree in the order in which libpcap's yacc parser runs its actions, because
// some of them have side effects (scratch register allocation, "vlan"
// shifting later offsets).
//
// Qualifiers flow as in libpcap: a bare address, name or number after
// "and"/"or"/"not"/"(" reuses the qualifiers of the preceding primitive
// ("port 80 or 443", "host a and not b"), and a parenthesised expression
// passes on the qualifiers that were current before it.

// Qualifier values, as in libpcap's gencode.h.
const (
	qDefault = 0
	qUndef   = 255

	// address kinds (qual.addr)
	qHost       = 1
	qNet        = 2
	qPort       = 3
	qGateway    = 4
	qProto      = 5
	qProtochain = 6
	qPortrange  = 7

	// protocols (qual.proto)
	qLink    = 1
	qIP      = 2
	qARP     = 3
	qRARP    = 4
	qSCTP    = 5
	qTCP     = 6
	qUDP     = 7
	qICMP    = 8
	qIGMP    = 9
	qIGRP    = 10
	qAtalk   = 11
	qDECnet  = 12
	qLAT     = 13
	qSCA     = 14
	qMOPRC   = 15
	qMOPDL   = 16
	qIPv6    = 17
	qICMPv6  = 18
	qAH      = 19
	qESP     = 20
	qPIM     = 21
	qVRRP    = 22
	qAARP    = 23
	qISO     = 24
	qESIS    = 25
	qISIS    = 26
	qCLNP    = 27
	qSTP     = 28
	qIPX     = 29
	qNetBEUI = 30
	qISISL1  = 31
	qISISL2  = 32
	qISISIIH = 33
	qISISSNP = 34
	qISISCSN = 35
	qISISPSN = 36
	qISISLSP = 37
	qRadio   = 38
	qCARP    = 39

	// directions (qual.dir)
	qSrc   = 1
	qDst   = 2
	qOr    = 3
	qAnd   = 4
	qAddr1 = 5 // 802.11 only: addr1..addr4, ra, ta
)

type qual struct{ addr, proto, dir uint8 }

var qerr = qual{qUndef, qUndef, qUndef}

// protoOf maps protocol-name tokens to qualifier values.
var protoOf = map[tokKind]uint8{
	tLink: qLink, tIP: qIP, tArp: qARP, tRarp: qRARP, tSCTP: qSCTP, tTCP: qTCP, tUDP: qUDP,
	tICMP: qICMP, tIGMP: qIGMP, tIGRP: qIGRP, tPIM: qPIM, tVRRP: qVRRP, tCARP: qCARP,
	tAtalk: qAtalk, tAARP: qAARP, tDECnet: qDECnet, tLAT: qLAT, tSCA: qSCA, tMOPDL: qMOPDL,
	tMOPRC: qMOPRC, tIPv6: qIPv6, tICMPv6: qICMPv6, tAH: qAH, tESP: qESP, tISO: qISO,
	tESIS: qESIS, tISIS: qISIS, tL1: qISISL1, tL2: qISISL2, tIIH: qISISIIH, tLSP: qISISLSP,
	tSNP: qISISSNP, tPSNP: qISISPSN, tCSNP: qISISCSN, tCLNP: qCLNP, tSTP: qSTP, tIPX: qIPX,
	tNetBEUI: qNetBEUI, tRadio: qRadio,
}

// Syntax tree.

type node interface{ position() int }

type nAnd struct {
	pos  int
	l, r node
}
type nOr struct {
	pos  int
	l, r node
}
type nNot struct {
	pos int
	x   node
}

// nID is an address, name or number qualified by q (libpcap's nid / pnum).
type nID struct {
	pos  int
	q    qual
	kind tokKind // tID, tHID, tHID6, tEID, tAID, tNum
	s1   string
	s2   string // "HID mask HID": the mask
	num  uint32 // tNum value, or the prefix length of "addr/len"
	cidr bool   // "addr/len"
	mask bool   // "addr mask addr"
}

// nProto is a protocol name on its own ("tcp", "ip6").
type nProto struct {
	pos   int
	proto uint8
}

// nRel is a comparison of two arithmetic expressions.
type nRel struct {
	pos      int
	op       int // jmpJEQ, jmpJGT, jmpJGE
	reversed bool
	a0, a1   arthNode
}

// nOther covers the primitives of libpcap's "other" rule.
type nOther struct {
	pos   int
	kind  tokKind // tBroadcast, tMulticast, tLess, tGreater, tByte, tInbound, tOutbound, tIfindex, tVLAN
	proto uint8   // protocol qualifier of broadcast/multicast
	n1    uint32
	n2    uint32
	op    byte // byte operator
	has   bool // "vlan N" rather than "vlan"
}

func (n *nAnd) position() int   { return n.pos }
func (n *nOr) position() int    { return n.pos }
func (n *nNot) position() int   { return n.pos }
func (n *nID) position() int    { return n.pos }
func (n *nProto) position() int { return n.pos }
func (n *nRel) position() int   { return n.pos }
func (n *nOther) position() int { return n.pos }

type arthNode interface{ position() int }

type aNum struct {
	pos int
	v   uint32
}
type aLen struct{ pos int }
type aLoad struct {
	pos   int
	proto uint8
	idx   arthNode
	size  uint32
}
type aBin struct {
	pos    int
	op     int // alu op
	a0, a1 arthNode
}
type aNeg struct {
	pos int
	a   arthNode
}

func (a *aNum) position() int  { return a.pos }
func (a *aLen) position() int  { return a.pos }
func (a *aLoad) position() int { return a.pos }
func (a *aBin) position() int  { return a.pos }
func (a *aNeg) position() int  { return a.pos }

// parseError is a syntax error at a byte offset.
type parseError struct {
	pos         int
	msg         string
	unsupported bool // valid libpcap syntax that this package refuses
}

// maxDepth bounds the nesting of the expression (bison's stack in libpcap
// is bounded too), which keeps parsing fast whatever the input.
const maxDepth = 1000

type parser struct {
	toks    []token
	i       int
	depth   int
	tooDeep *parseError
	// far is the furthest failure seen, reported when every alternative
	// fails (backtracking would otherwise report the first).
	far *parseError
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

// deep reports an expression nested beyond maxDepth; it wins over any
// syntax error found while backtracking.
func (p *parser) deep() *parseError {
	if p.tooDeep == nil {
		p.tooDeep = &parseError{pos: p.peek().pos, msg: "expression nests too deeply", unsupported: true}
	}
	return p.tooDeep
}

// fail records a syntax error at the current token and returns it.
func (p *parser) fail(msg string) *parseError {
	t := p.peek()
	if t.kind == tErr {
		msg = t.text
	} else if msg == "" {
		msg = "unexpected " + describe(t)
	}
	e := &parseError{pos: t.pos, msg: msg}
	if p.far == nil || e.pos > p.far.pos {
		p.far = e
	}
	return e
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tNum:
		return "number " + t.text
	case tID:
		return "word \"" + t.text + "\""
	case tHID, tHID6:
		return "address " + t.text
	case tEID:
		return "Ethernet address " + t.text
	}
	if t.text != "" {
		return "\"" + t.text + "\""
	}
	return "'" + tokSym[t.kind] + "'"
}

var tokSym = map[tokKind]string{
	tPlus: "+", tMinus: "-", tStar: "*", tSlash: "/", tPercent: "%", tColon: ":", tLBrack: "[",
	tRBrack: "]", tNot: "!", tLT: "<", tGT: ">", tLParen: "(", tRParen: ")", tAmp: "&", tPipe: "|",
	tCaret: "^", tEQ: "=", tGE: ">=", tLE: "<=", tNE: "!=", tLSH: "<<", tRSH: ">>",
}

// parse returns the tree of the expression, or nil for an empty one.
func parse(toks []token) (node, *parseError) {
	p := &parser{toks: toks}
	if p.peek().kind == tEOF {
		return nil, nil
	}
	n, _, err := p.expr(qerr)
	if err == nil && p.peek().kind != tEOF {
		err = p.fail("")
	}
	if err != nil {
		if p.tooDeep != nil {
			return nil, p.tooDeep
		}
		if p.far != nil && p.far.pos > err.pos {
			err = p.far
		}
		return nil, err
	}
	return n, nil
}

// expr: term | expr and term | expr and id | expr or term | expr or id.
// prev is the qualifier value of the symbol before the expression.
func (p *parser) expr(prev qual) (node, qual, *parseError) {
	if p.depth++; p.depth > maxDepth {
		return nil, prev, p.deep()
	}
	defer func() { p.depth-- }()
	n, q, err := p.term(prev)
	if err != nil {
		return nil, q, err
	}
	for {
		t := p.peek()
		if t.kind != tAnd && t.kind != tOr {
			return n, q, nil
		}
		p.next()
		// The operator's value is the qualifier of the expression before
		// it; a following bare id inherits it.
		r, rq, err := p.idOrTerm(q)
		if err != nil {
			return nil, q, err
		}
		if t.kind == tAnd {
			n = &nAnd{pos: t.pos, l: n, r: r}
		} else {
			n = &nOr{pos: t.pos, l: n, r: r}
		}
		q = rq
	}
}

// idOrTerm parses what follows "and"/"or": a bare id (inheriting prev) or
// a term. The two overlap only on '!', '(' and numbers; as libpcap's
// grammar is LALR(1) without conflicts there, at most one reading succeeds
// with a token that may follow an id.
func (p *parser) idOrTerm(prev qual) (node, qual, *parseError) {
	switch p.peek().kind {
	case tID, tHID, tHID6, tEID, tAID:
		return p.id(prev)
	case tNot, tLParen, tNum:
		save := p.i
		if n, q, err := p.id(prev); err == nil && idFollows(p.peek().kind) {
			return n, q, nil
		}
		p.i = save
	}
	return p.term(prev)
}

// idFollows reports whether t may follow an id.
func idFollows(t tokKind) bool {
	return t == tAnd || t == tOr || t == tRParen || t == tEOF
}

// term: rterm | not term.
func (p *parser) term(prev qual) (node, qual, *parseError) {
	if p.depth++; p.depth > maxDepth {
		return nil, prev, p.deep()
	}
	defer func() { p.depth-- }()
	if t := p.peek(); t.kind == tNot {
		p.next()
		x, q, err := p.term(prev)
		if err != nil {
			return nil, q, err
		}
		return &nNot{pos: t.pos, x: x}, q, nil
	}
	return p.rterm(prev)
}

func isPname(t tokKind) bool { _, ok := protoOf[t]; return ok }

func isDqual(t tokKind) bool {
	return t == tSrc || t == tDst || t == tAddr1 || t == tAddr2 || t == tAddr3 || t == tAddr4 || t == tRA || t == tTA
}

func isAqual(t tokKind) bool {
	return t == tHost || t == tNet || t == tPort || t == tPortrange
}

// rterm: head id | paren expr ')' | pname | arth relop arth | other.
func (p *parser) rterm(prev qual) (node, qual, *parseError) {
	t := p.peek()
	switch {
	case t.kind == tLParen:
		// Either a parenthesised expression or an arithmetic
		// expression starting with '('. Try the comparison first.
		save := p.i
		if n, err := p.relation(); err == nil {
			return n, qerr, nil
		}
		p.i = save
		p.next()
		n, _, err := p.expr(prev)
		if err != nil {
			return nil, prev, err
		}
		if p.peek().kind != tRParen {
			return nil, prev, p.fail("")
		}
		p.next()
		// "$$.q = $1.q": the qualifiers current before the parenthesis.
		return n, prev, nil
	case t.kind == tNum || t.kind == tMinus || t.kind == tLen:
		n, err := p.relation()
		return n, qerr, err
	case isPname(t.kind):
		nt := p.peekAt(1).kind
		switch {
		case nt == tLBrack:
			n, err := p.relation()
			return n, qerr, err
		case isDqual(nt) || isAqual(nt) || nt == tProto || nt == tProtochain || nt == tGateway:
			return p.headID()
		case nt == tBroadcast || nt == tMulticast || nt == tType || nt == tSubtype || nt == tDir:
			return p.other()
		}
		p.next()
		return &nProto{pos: t.pos, proto: protoOf[t.kind]}, qerr, nil
	case isDqual(t.kind) || isAqual(t.kind) || t.kind == tProto || t.kind == tProtochain || t.kind == tGateway:
		return p.headID()
	}
	return p.other()
}

// headID: head id, where
// head: pqual dqual aqual | pqual dqual | pqual aqual | pqual PROTO | pqual PROTOCHAIN | pqual GATEWAY.
func (p *parser) headID() (node, qual, *parseError) {
	q := qual{addr: qDefault, proto: qDefault, dir: qDefault}
	if pr, ok := protoOf[p.peek().kind]; ok {
		q.proto = pr
		p.next()
	}
	t := p.peek()
	switch {
	case isDqual(t.kind):
		p.next()
		switch t.kind {
		case tSrc, tDst:
			first := t.kind
			q.dir = qSrc
			if first == tDst {
				q.dir = qDst
			}
			// "src or dst", "dst and src", ...
			if o := p.peek().kind; (o == tOr || o == tAnd) && p.peekAt(1).kind == other(first) {
				p.next()
				p.next()
				if o == tOr {
					q.dir = qOr
				} else {
					q.dir = qAnd
				}
			}
		default:
			return nil, q, &parseError{pos: t.pos, msg: "802.11 address qualifiers are not supported", unsupported: true}
		}
		if isAqual(p.peek().kind) {
			q.addr = aqualOf(p.next().kind)
		}
	case isAqual(t.kind):
		p.next()
		q.addr = aqualOf(t.kind)
	case t.kind == tProto:
		p.next()
		q.addr = qProto
	case t.kind == tProtochain:
		return nil, q, &parseError{pos: t.pos, msg: "protochain is not supported", unsupported: true}
	case t.kind == tGateway:
		return nil, q, &parseError{pos: t.pos, msg: "gateway is not supported", unsupported: true}
	default:
		return nil, q, p.fail("")
	}
	n, _, err := p.id(q)
	return n, q, err
}

func other(t tokKind) tokKind {
	if t == tSrc {
		return tDst
	}
	return tSrc
}

func aqualOf(t tokKind) uint8 {
	switch t {
	case tHost:
		return qHost
	case tNet:
		return qNet
	case tPort:
		return qPort
	}
	return qPortrange
}

// id: nid | pnum | paren pid ')'.
func (p *parser) id(prev qual) (node, qual, *parseError) {
	if p.depth++; p.depth > maxDepth {
		return nil, prev, p.deep()
	}
	defer func() { p.depth-- }()
	t := p.peek()
	switch t.kind {
	case tNot:
		p.next()
		x, q, err := p.id(prev)
		if err != nil {
			return nil, q, err
		}
		return &nNot{pos: t.pos, x: x}, q, nil
	case tNum:
		p.next()
		return &nID{pos: t.pos, q: prev, kind: tNum, num: t.num}, prev, nil
	case tLParen:
		return p.parenPid(prev)
	}
	return p.nid(prev)
}

// nid: ID | HID '/' NUM | HID NETMASK HID | HID | HID6 '/' NUM | HID6 | EID | AID.
// ("not id" is handled by id.)
func (p *parser) nid(prev qual) (node, qual, *parseError) {
	t := p.peek()
	n := &nID{pos: t.pos, q: prev, kind: t.kind, s1: t.text}
	switch t.kind {
	case tID, tEID, tAID:
		p.next()
	case tHID:
		p.next()
		switch p.peek().kind {
		case tSlash:
			p.next()
			if p.peek().kind != tNum {
				return nil, prev, p.fail("")
			}
			n.cidr, n.num = true, p.next().num
		case tMask:
			p.next()
			if p.peek().kind != tHID {
				return nil, prev, p.fail("")
			}
			n.mask, n.s2 = true, p.next().text
		}
	case tHID6:
		p.next()
		if p.peek().kind == tSlash {
			p.next()
			if p.peek().kind != tNum {
				return nil, prev, p.fail("")
			}
			n.cidr, n.num = true, p.next().num
		}
	default:
		return nil, prev, p.fail("")
	}
	return n, prev, nil
}

// pnum: NUM | paren pnum ')'. It returns the number token's value and
// position.
func (p *parser) pnum() (uint32, int, bool) {
	save := p.i
	depth := 0
	for p.peek().kind == tLParen {
		p.next()
		depth++
	}
	t := p.peek()
	if t.kind != tNum {
		p.i = save
		return 0, 0, false
	}
	p.next()
	for ; depth > 0; depth-- {
		if p.peek().kind != tRParen {
			p.i = save
			return 0, 0, false
		}
		p.next()
	}
	return t.num, t.pos, true
}

// parenPid parses '(' pid ')' or a parenthesised pnum, where
// pid: nid | qid and id | qid or id, and qid: pnum | pid.
func (p *parser) parenPid(prev qual) (node, qual, *parseError) {
	save := p.i
	if v, pos, ok := p.pnum(); ok {
		return &nID{pos: pos, q: prev, kind: tNum, num: v}, prev, nil
	}
	p.i = save
	p.next() // '('
	var n node
	if v, pos, ok := p.pnum(); ok {
		n = &nID{pos: pos, q: prev, kind: tNum, num: v}
		if k := p.peek().kind; k != tAnd && k != tOr {
			return nil, prev, p.fail("")
		}
	} else {
		var err *parseError
		n, _, err = p.nidOrNot(prev)
		if err != nil {
			return nil, prev, err
		}
	}
	for {
		t := p.peek()
		if t.kind == tRParen {
			p.next()
			return n, prev, nil
		}
		if t.kind != tAnd && t.kind != tOr {
			return nil, prev, p.fail("")
		}
		p.next()
		r, _, err := p.id(prev)
		if err != nil {
			return nil, prev, err
		}
		if t.kind == tAnd {
			n = &nAnd{pos: t.pos, l: n, r: r}
		} else {
			n = &nOr{pos: t.pos, l: n, r: r}
		}
	}
}

// nidOrNot parses nid, including its "not id" form.
func (p *parser) nidOrNot(prev qual) (node, qual, *parseError) {
	if t := p.peek(); t.kind == tNot {
		p.next()
		x, q, err := p.id(prev)
		if err != nil {
			return nil, q, err
		}
		return &nNot{pos: t.pos, x: x}, q, nil
	}
	return p.nid(prev)
}

// relation: arth relop arth | arth irelop arth.
func (p *parser) relation() (node, *parseError) {
	a0, err := p.arth()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	var op int
	rev := false
	switch t.kind {
	case tGT:
		op = jmpJGT
	case tGE:
		op = jmpJGE
	case tEQ:
		op = jmpJEQ
	case tLE:
		op, rev = jmpJGT, true
	case tLT:
		op, rev = jmpJGE, true
	case tNE:
		op, rev = jmpJEQ, true
	default:
		return nil, p.fail("")
	}
	p.next()
	a1, err := p.arth()
	if err != nil {
		return nil, err
	}
	return &nRel{pos: t.pos, op: op, reversed: rev, a0: a0, a1: a1}, nil
}

// Binary operator precedence as declared in grammar.y: | < & < << >> <
// + - < * /, all left-associative. '%' and '^' have no declared
// precedence, so yacc shifts on them: they take the whole arithmetic
// expression to their right as their right operand, and bind tighter than
// any operator to their left.
func binPrec(t tokKind) (op, prec int) {
	switch t {
	case tPipe:
		return aluOR, 1
	case tAmp:
		return aluAND, 2
	case tLSH:
		return aluLSH, 3
	case tRSH:
		return aluRSH, 3
	case tPlus:
		return aluADD, 4
	case tMinus:
		return aluSUB, 4
	case tStar:
		return aluMUL, 5
	case tSlash:
		return aluDIV, 5
	}
	return 0, 0
}

func (p *parser) arth() (arthNode, *parseError) { return p.arthPrec(1) }

func (p *parser) arthPrec(min int) (arthNode, *parseError) {
	if p.depth++; p.depth > maxDepth {
		return nil, p.deep()
	}
	defer func() { p.depth-- }()
	lhs, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind == tPercent || t.kind == tCaret {
			p.next()
			rhs, err := p.arth()
			if err != nil {
				return nil, err
			}
			op := aluMOD
			if t.kind == tCaret {
				op = aluXOR
			}
			lhs = &aBin{pos: t.pos, op: op, a0: lhs, a1: rhs}
			continue
		}
		op, prec := binPrec(t.kind)
		if prec == 0 || prec < min {
			return lhs, nil
		}
		p.next()
		rhs, err := p.arthPrec(prec + 1)
		if err != nil {
			return nil, err
		}
		lhs = &aBin{pos: t.pos, op: op, a0: lhs, a1: rhs}
	}
}

// unary: '-' arth (binding tighter than every declared operator, but not
// than '%' and '^') | primary.
func (p *parser) unary() (arthNode, *parseError) {
	t := p.peek()
	if t.kind != tMinus {
		return p.primary()
	}
	p.next()
	if p.depth++; p.depth > maxDepth {
		return nil, p.deep()
	}
	x, err := p.unary()
	p.depth--
	if err != nil {
		return nil, err
	}
	for k := p.peek(); k.kind == tPercent || k.kind == tCaret; k = p.peek() {
		p.next()
		rhs, err := p.arth()
		if err != nil {
			return nil, err
		}
		op := aluMOD
		if k.kind == tCaret {
			op = aluXOR
		}
		x = &aBin{pos: k.pos, op: op, a0: x, a1: rhs}
	}
	return &aNeg{pos: t.pos, a: x}, nil
}

// primary: pnum | paren narth ')' | pname '[' arth ']' | pname '[' arth ':' NUM ']' | LEN.
func (p *parser) primary() (arthNode, *parseError) {
	t := p.peek()
	switch {
	case t.kind == tNum:
		p.next()
		return &aNum{pos: t.pos, v: t.num}, nil
	case t.kind == tLen:
		p.next()
		return &aLen{pos: t.pos}, nil
	case t.kind == tLParen:
		p.next()
		a, err := p.arth()
		if err != nil {
			return nil, err
		}
		if p.peek().kind != tRParen {
			return nil, p.fail("")
		}
		p.next()
		return a, nil
	case isPname(t.kind) && p.peekAt(1).kind == tLBrack:
		p.next()
		p.next()
		idx, err := p.arth()
		if err != nil {
			return nil, err
		}
		size := uint32(1)
		if p.peek().kind == tColon {
			p.next()
			if p.peek().kind != tNum {
				return nil, p.fail("")
			}
			size = p.next().num
		}
		if p.peek().kind != tRBrack {
			return nil, p.fail("")
		}
		p.next()
		return &aLoad{pos: t.pos, proto: protoOf[t.kind], idx: idx, size: size}, nil
	}
	return nil, p.fail("")
}

// other: pqual broadcast | pqual multicast | less NUM | greater NUM |
// byte NUM byteop NUM | inbound | outbound | ifindex NUM | vlan pnum | vlan.
func (p *parser) other() (node, qual, *parseError) {
	t := p.peek()
	n := &nOther{pos: t.pos, proto: qDefault}
	if pr, ok := protoOf[t.kind]; ok {
		n.proto = pr
		p.next()
		t = p.peek()
	}
	switch t.kind {
	case tBroadcast, tMulticast:
		p.next()
		n.kind = t.kind
		return n, qerr, nil
	case tType, tSubtype, tDir:
		return nil, qerr, &parseError{pos: t.pos, msg: "802.11 type filters are not supported", unsupported: true}
	}
	if n.proto != qDefault {
		return nil, qerr, p.fail("")
	}
	n.kind = t.kind
	switch t.kind {
	case tLess, tGreater, tIfindex:
		p.next()
		if p.peek().kind != tNum {
			return nil, qerr, p.fail("")
		}
		n.n1 = p.next().num
	case tByte:
		p.next()
		if p.peek().kind != tNum {
			return nil, qerr, p.fail("")
		}
		n.n1 = p.next().num
		switch p.peek().kind {
		case tAmp:
			n.op = '&'
		case tPipe:
			n.op = '|'
		case tLT:
			n.op = '<'
		case tGT:
			n.op = '>'
		case tEQ:
			n.op = '='
		default:
			return nil, qerr, p.fail("")
		}
		p.next()
		if p.peek().kind != tNum {
			return nil, qerr, p.fail("")
		}
		n.n2 = p.next().num
	case tInbound, tOutbound:
		p.next()
	case tVLAN:
		p.next()
		if v, _, ok := p.pnum(); ok {
			n.n1, n.has = v, true
		}
	case tMPLS, tPPPoED, tPPPoES, tGeneve, tOther:
		return nil, qerr, &parseError{pos: t.pos, msg: "\"" + t.text + "\" is not supported", unsupported: true}
	default:
		return nil, qerr, p.fail("")
	}
	return n, qerr, nil
}
