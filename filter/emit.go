package filter

import "golang.org/x/net/bpf"

// Linearization follows libpcap's icode_to_fcode: each block is placed
// before the blocks reached by its true branch, which come before those
// reached by its false branch (a reverse post-order), and a branch further
// than 255 instructions goes through an extra "ja". Laying blocks out the
// same way keeps the output comparable with libpcap's, instruction for
// instruction.

func slength(s []stmt) int {
	n := 0
	for _, st := range s {
		if st.code != opNOP {
			n++
		}
	}
	return n
}

type emitter struct {
	c    *compiler
	prog []bpf.RawInstruction
	tail int
}

func (e *emitter) countStmts(p *block) int {
	if p == nil || p.mark == e.c.curMark {
		return 0
	}
	p.mark = e.c.curMark
	n := e.countStmts(jt(p)) + e.countStmts(jf(p))
	return slength(p.stmts) + n + 1 + p.longjt + p.longjf
}

// convert places p and everything it reaches; it reports false when a
// branch turned out to need a long jump, after marking it for the retry.
func (e *emitter) convert(p *block) bool {
	if p == nil || p.mark == e.c.curMark {
		return true
	}
	p.mark = e.c.curMark
	if !e.convert(jf(p)) || !e.convert(jt(p)) {
		return false
	}
	slen := slength(p.stmts)
	e.tail -= slen + 1 + p.longjt + p.longjf
	dst := e.tail
	p.offset = dst
	for _, s := range p.stmts {
		if s.code == opNOP {
			continue
		}
		e.prog[dst] = bpf.RawInstruction{Op: uint16(s.code), K: s.k}
		dst++
	}
	ins := &e.prog[dst]
	ins.Op = uint16(p.s.code)
	ins.K = p.s.k
	if jt(p) != nil {
		extra := 0
		off := jt(p).offset - (p.offset + slen) - 1
		if off >= 256 {
			if p.longjt == 0 {
				p.longjt++
				return false
			}
			ins.Jt = uint8(extra)
			extra++
			e.prog[dst+extra] = bpf.RawInstruction{Op: clsJMP | jmpJA, K: uint32(off - extra)}
		} else {
			ins.Jt = uint8(off)
		}
		off = jf(p).offset - (p.offset + slen) - 1
		if off >= 256 {
			if p.longjf == 0 {
				p.longjf++
				return false
			}
			ins.Jf = uint8(extra)
			extra++
			e.prog[dst+extra] = bpf.RawInstruction{Op: clsJMP | jmpJA, K: uint32(off - extra)}
		} else {
			ins.Jf = uint8(off)
		}
	}
	return true
}

func (c *compiler) emit(root *block) []bpf.RawInstruction {
	e := &emitter{c: c}
	for {
		c.curMark++
		n := e.countStmts(root)
		e.prog = make([]bpf.RawInstruction, n)
		e.tail = n
		c.curMark++
		if e.convert(root) {
			return e.prog
		}
	}
}
