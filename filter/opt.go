package filter

import "math/bits"

// The optimizer reproduces libpcap's optimize.c (the BPF+ paper's value
// numbering, edge-dominator branch folding, or/and pull-ups, dead store
// elimination, block interning), pass for pass and in the same visiting
// order. It is not a free-standing optimizer on purpose: libpcap's passes
// are not all semantics-preserving on truncated packets (removing a test
// whose branches agree removes its loads; a pull-up reorders tests), so the
// only way to answer like tcpdump on every packet is to make the same
// decisions. The tests compare the resulting programs with libpcap's
// instruction by instruction.

const (
	atomA  = memWords     // accumulator
	atomX  = memWords + 1 // index register
	nAtoms = memWords + 2
	atomAX = nAtoms // both A and X
)

type vmapInfo struct {
	isConst  bool
	constVal uint32
}

type valKey struct {
	code   int
	v0, v1 uint32
}

type optimizer struct {
	c    *compiler
	root *block
	err  string // first optimizer error (libpcap's opt_error)

	done                 bool
	nonBranchMovement    bool
	blocks               []*block
	edges                []*edge
	nodewords, edgewords int
	levels               []*block

	curval uint32
	vmap   []vmapInfo
	vals   map[valKey]uint32
}

func (o *optimizer) fail(msg string) {
	if o.err == "" {
		o.err = msg
	}
}

func (o *optimizer) unMarkAll()             { o.c.curMark++ }
func (o *optimizer) isMarked(b *block) bool { return b.mark == o.c.curMark }
func (o *optimizer) mark(b *block)          { b.mark = o.c.curMark }

func atomMask(a int) uint32           { return 1 << uint(a) }
func atomElem(set uint32, a int) bool { return set&(1<<uint(a)) != 0 }

func setMember(p []uint32, a int) bool { return p[a/32]&(1<<uint(a%32)) != 0 }
func setInsert(p []uint32, a int)      { p[a/32] |= 1 << uint(a%32) }
func setIntersect(a, b []uint32) {
	for i := range a {
		a[i] &= b[i]
	}
}

func (o *optimizer) findLevelsR(b *block) {
	if o.isMarked(b) {
		return
	}
	o.mark(b)
	b.link = nil
	level := 0
	if jt(b) != nil {
		o.findLevelsR(jt(b))
		o.findLevelsR(jf(b))
		level = max(jt(b).level, jf(b).level) + 1
	}
	b.level = level
	b.link = o.levels[level]
	o.levels[level] = b
}

func (o *optimizer) findLevels() {
	clear(o.levels)
	o.unMarkAll()
	o.findLevelsR(o.root)
}

func (o *optimizer) findDom() {
	for _, b := range o.blocks {
		for i := range b.dom {
			b.dom[i] = 0xffffffff
		}
	}
	clear(o.root.dom)
	for level := o.root.level; level >= 0; level-- {
		for b := o.levels[level]; b != nil; b = b.link {
			setInsert(b.dom, b.id)
			if jt(b) == nil {
				continue
			}
			setIntersect(jt(b).dom, b.dom)
			setIntersect(jf(b).dom, b.dom)
		}
	}
}

func propedom(ep *edge) {
	setInsert(ep.edom, ep.id)
	if ep.succ != nil {
		setIntersect(ep.succ.et.edom, ep.edom)
		setIntersect(ep.succ.ef.edom, ep.edom)
	}
}

func (o *optimizer) findEdom() {
	for _, b := range o.blocks {
		for i := range b.et.edom {
			b.et.edom[i] = 0xffffffff
			b.ef.edom[i] = 0xffffffff
		}
	}
	clear(o.root.et.edom)
	clear(o.root.ef.edom)
	for level := o.root.level; level >= 0; level-- {
		for b := o.levels[level]; b != nil; b = b.link {
			propedom(&b.et)
			propedom(&b.ef)
		}
	}
}

// atomUse returns the register s reads, atomAX for both, or -1.
func atomUse(s *stmt) int {
	c := s.code
	if c == opNOP {
		return -1
	}
	switch bpfClass(c) {
	case clsRET:
		switch bpfRval(c) {
		case retA:
			return atomA
		case srcX:
			return atomX
		}
		return -1
	case clsLD, clsLDX:
		switch bpfMode(c) {
		case modeIND:
			return atomX
		case modeMEM:
			return int(s.k)
		}
		return -1
	case clsST:
		return atomA
	case clsSTX:
		return atomX
	case clsJMP, clsALU:
		if bpfSrc(c) == srcX {
			return atomAX
		}
		return atomA
	case clsMISC:
		if bpfMiscOp(c) == miscTXA {
			return atomX
		}
		return atomA
	}
	return -1
}

// atomDef returns the register s writes, or -1.
func atomDef(s *stmt) int {
	if s.code == opNOP {
		return -1
	}
	switch bpfClass(s.code) {
	case clsLD, clsALU:
		return atomA
	case clsLDX:
		return atomX
	case clsST, clsSTX:
		return int(s.k)
	case clsMISC:
		if bpfMiscOp(s.code) == miscTAX {
			return atomX
		}
		return atomA
	}
	return -1
}

func computeLocalUD(b *block) {
	var def, use, killed uint32
	useOf := func(atom int) {
		if atom < 0 {
			return
		}
		if atom == atomAX {
			if !atomElem(def, atomX) {
				use |= atomMask(atomX)
			}
			if !atomElem(def, atomA) {
				use |= atomMask(atomA)
			}
		} else if !atomElem(def, atom) {
			use |= atomMask(atom)
		}
	}
	for i := range b.stmts {
		s := &b.stmts[i]
		if s.code == opNOP {
			continue
		}
		useOf(atomUse(s))
		if atom := atomDef(s); atom >= 0 {
			if !atomElem(use, atom) {
				killed |= atomMask(atom)
			}
			def |= atomMask(atom)
		}
	}
	if bpfClass(b.s.code) == clsJMP {
		useOf(atomUse(&b.s))
	}
	b.def, b.kill, b.inUse = def, killed, use
}

func (o *optimizer) findUD() {
	maxlevel := o.root.level
	for i := maxlevel; i >= 0; i-- {
		for p := o.levels[i]; p != nil; p = p.link {
			computeLocalUD(p)
			p.outUse = 0
		}
	}
	for i := 1; i <= maxlevel; i++ {
		for p := o.levels[i]; p != nil; p = p.link {
			p.outUse |= jt(p).inUse | jf(p).inUse
			p.inUse |= p.outUse &^ p.kill
		}
	}
}

func (o *optimizer) initVal() {
	o.curval = 0
	clear(o.vmap)
	clear(o.vals)
}

// f returns the value number of an operation on value numbers (or
// constants) v0 and v1, allocating a new one the first time.
func (o *optimizer) f(code int, v0, v1 uint32) uint32 {
	key := valKey{code, v0, v1}
	if v, ok := o.vals[key]; ok {
		return v
	}
	o.curval++
	v := o.curval
	for int(v) >= len(o.vmap) {
		o.vmap = append(o.vmap, vmapInfo{})
	}
	if bpfMode(code) == modeIMM && (bpfClass(code) == clsLD || bpfClass(code) == clsLDX) {
		o.vmap[v] = vmapInfo{isConst: true, constVal: v0}
	}
	o.vals[key] = v
	return v
}

func (o *optimizer) k(v uint32) uint32 { return o.f(clsLD|modeIMM|szW, v, 0) }

func (o *optimizer) vmapOf(v uint32) vmapInfo {
	if int(v) < len(o.vmap) {
		return o.vmap[v]
	}
	return vmapInfo{}
}

func vstore(s *stmt, valp *uint32, newval uint32, alter bool) {
	if alter && newval != 0 && *valp == newval {
		s.code = opNOP
	} else {
		*valp = newval
	}
}

func (o *optimizer) foldOp(s *stmt, v0, v1 uint32) {
	a, b := o.vmapOf(v0).constVal, o.vmapOf(v1).constVal
	switch bpfOp(s.code) {
	case aluADD:
		a += b
	case aluSUB:
		a -= b
	case aluMUL:
		a *= b
	case aluDIV:
		if b == 0 {
			o.fail("division by zero")
			return
		}
		a /= b
	case aluMOD:
		if b == 0 {
			o.fail("modulus by zero")
			return
		}
		a %= b
	case aluAND:
		a &= b
	case aluOR:
		a |= b
	case aluXOR:
		a ^= b
	case aluLSH:
		if b < 32 {
			a <<= b
		} else {
			a = 0
		}
	case aluRSH:
		if b < 32 {
			a >>= b
		} else {
			a = 0
		}
	}
	s.k = a
	s.code = clsLD | modeIMM
	o.nonBranchMovement = true
	o.done = false
}

func thisOp(stmts []stmt, i int) int {
	for i < len(stmts) && stmts[i].code == opNOP {
		i++
	}
	return i
}

func optNot(b *block) { b.et.succ, b.ef.succ = b.ef.succ, b.et.succ }

func (o *optimizer) optPeep(b *block) {
	ss := b.stmts
	if len(ss) == 0 {
		return
	}
	last := 0
	for s := 0; ; {
		s = thisOp(ss, s)
		if s >= len(ss) {
			break
		}
		next := thisOp(ss, s+1)
		if next >= len(ss) {
			break
		}
		last = next
		// st M[k]; ldx M[k]  ->  st M[k]; tax
		if ss[s].code == clsST && ss[next].code == clsLDX|modeMEM && ss[s].k == ss[next].k {
			o.nonBranchMovement = true
			o.done = false
			ss[next].code = clsMISC | miscTAX
		}
		// ld #k; tax  ->  ldx #k; txa
		if ss[s].code == clsLD|modeIMM && ss[next].code == clsMISC|miscTAX {
			ss[s].code = clsLDX | modeIMM
			ss[next].code = clsMISC | miscTXA
			o.nonBranchMovement = true
			o.done = false
		}
		// ld #k; [ldxms]; add x; tax; ld [x+n]  ->  [ldxms]; ld [x+n+k]
		if ss[s].code == clsLD|modeIMM && !atomElem(b.outUse, atomX) {
			add := next
			if ss[next].code == clsLDX|modeMSH|szB {
				add = thisOp(ss, next+1)
			}
			if add < len(ss) && ss[add].code == clsALU|aluADD|srcX {
				tax := thisOp(ss, add+1)
				if tax < len(ss) && ss[tax].code == clsMISC|miscTAX {
					ild := thisOp(ss, tax+1)
					if ild < len(ss) && bpfClass(ss[ild].code) == clsLD && bpfMode(ss[ild].code) == modeIND {
						ss[ild].k += ss[s].k
						ss[s].code = opNOP
						ss[add].code = opNOP
						ss[tax].code = opNOP
						o.nonBranchMovement = true
						o.done = false
					}
				}
			}
		}
		s = next
	}
	if b.s.code == clsJMP|jmpJEQ|srcK && !atomElem(b.outUse, atomA) {
		l := &ss[last]
		switch {
		case l.code == clsALU|aluSUB|srcX:
			if vm := o.vmapOf(b.val[atomX]); vm.isConst {
				b.s.k += vm.constVal
				l.code = opNOP
				o.nonBranchMovement = true
				o.done = false
			} else if b.s.k == 0 {
				l.code = opNOP
				b.s.code = clsJMP | jmpJEQ | srcX
				o.nonBranchMovement = true
				o.done = false
			}
		case l.code == clsALU|aluSUB|srcK:
			l.code = opNOP
			b.s.k += l.k
			o.nonBranchMovement = true
			o.done = false
		case l.code == clsALU|aluAND|srcK && b.s.k == 0:
			b.s.k = l.k
			b.s.code = clsJMP | srcK | jmpJSET
			l.code = opNOP
			o.nonBranchMovement = true
			o.done = false
			optNot(b)
		}
	}
	if b.s.code == clsJMP|srcK|jmpJSET {
		if b.s.k == 0 {
			b.et.succ = b.ef.succ
		}
		if b.s.k == 0xffffffff {
			b.ef.succ = b.et.succ
		}
	}
	if vm := o.vmapOf(b.val[atomX]); vm.isConst && bpfSrc(b.s.code) == srcX {
		b.s.code &^= srcX
		b.s.k = vm.constVal
	}
	if vm := o.vmapOf(b.val[atomA]); vm.isConst && bpfSrc(b.s.code) == srcK {
		v := vm.constVal
		var r bool
		switch bpfOp(b.s.code) {
		case jmpJEQ:
			r = v == b.s.k
		case jmpJGT:
			r = v > b.s.k
		case jmpJGE:
			r = v >= b.s.k
		case jmpJSET:
			r = v&b.s.k != 0
		}
		if b.ef.succ != b.et.succ {
			o.nonBranchMovement = true
			o.done = false
		}
		if r {
			b.ef.succ = b.et.succ
		} else {
			b.et.succ = b.ef.succ
		}
	}
}

func (o *optimizer) optStmt(s *stmt, val *[nAtoms]uint32, alter bool) {
	switch s.code {
	case clsLD | modeABS | szW, clsLD | modeABS | szH, clsLD | modeABS | szB:
		v := o.f(s.code, s.k, 0)
		vstore(s, &val[atomA], v, alter)
	case clsLD | modeIND | szW, clsLD | modeIND | szH, clsLD | modeIND | szB:
		v := val[atomX]
		if vm := o.vmapOf(v); alter && vm.isConst {
			s.code = clsLD | modeABS | bpfSize(s.code)
			s.k += vm.constVal
			v = o.f(s.code, s.k, 0)
			o.nonBranchMovement = true
			o.done = false
		} else {
			v = o.f(s.code, s.k, v)
		}
		vstore(s, &val[atomA], v, alter)
	case clsLD | modeLEN:
		v := o.f(s.code, 0, 0)
		vstore(s, &val[atomA], v, alter)
	case clsLD | modeIMM:
		vstore(s, &val[atomA], o.k(s.k), alter)
	case clsLDX | modeIMM:
		vstore(s, &val[atomX], o.k(s.k), alter)
	case clsLDX | modeMSH | szB:
		v := o.f(s.code, s.k, 0)
		vstore(s, &val[atomX], v, alter)
	case clsALU | aluNEG:
		if vm := o.vmapOf(val[atomA]); alter && vm.isConst {
			s.code = clsLD | modeIMM
			s.k = 0 - vm.constVal
			val[atomA] = o.k(s.k)
		} else {
			val[atomA] = o.f(s.code, val[atomA], 0)
		}
	case clsALU | aluADD | srcK, clsALU | aluSUB | srcK, clsALU | aluMUL | srcK,
		clsALU | aluDIV | srcK, clsALU | aluMOD | srcK, clsALU | aluAND | srcK,
		clsALU | aluOR | srcK, clsALU | aluXOR | srcK, clsALU | aluLSH | srcK, clsALU | aluRSH | srcK:
		op := bpfOp(s.code)
		if alter {
			if s.k == 0 {
				switch op {
				case aluADD, aluLSH, aluRSH, aluOR, aluXOR:
					s.code = opNOP
					return
				case aluMUL, aluAND:
					s.code = clsLD | modeIMM
					val[atomA] = o.k(s.k)
					return
				case aluDIV:
					o.fail("division by zero")
				case aluMOD:
					o.fail("modulus by zero")
				}
			}
			if o.vmapOf(val[atomA]).isConst {
				o.foldOp(s, val[atomA], o.k(s.k))
				val[atomA] = o.k(s.k)
				return
			}
		}
		val[atomA] = o.f(s.code, val[atomA], o.k(s.k))
	case clsALU | aluADD | srcX, clsALU | aluSUB | srcX, clsALU | aluMUL | srcX,
		clsALU | aluDIV | srcX, clsALU | aluMOD | srcX, clsALU | aluAND | srcX,
		clsALU | aluOR | srcX, clsALU | aluXOR | srcX, clsALU | aluLSH | srcX, clsALU | aluRSH | srcX:
		op := bpfOp(s.code)
		if alter && o.vmapOf(val[atomX]).isConst {
			if o.vmapOf(val[atomA]).isConst {
				o.foldOp(s, val[atomA], val[atomX])
				val[atomA] = o.k(s.k)
			} else {
				s.code = clsALU | srcK | op
				s.k = o.vmapOf(val[atomX]).constVal
				if (op == aluLSH || op == aluRSH) && s.k > 31 {
					o.fail("shift by more than 31 bits")
				}
				o.nonBranchMovement = true
				o.done = false
				val[atomA] = o.f(s.code, val[atomA], o.k(s.k))
			}
			return
		}
		if vm := o.vmapOf(val[atomA]); alter && vm.isConst && vm.constVal == 0 {
			switch op {
			case aluADD, aluOR, aluXOR:
				s.code = clsMISC | miscTXA
				vstore(s, &val[atomA], val[atomX], alter)
				return
			case aluMUL, aluDIV, aluMOD, aluAND, aluLSH, aluRSH:
				s.code = clsLD | modeIMM
				s.k = 0
				vstore(s, &val[atomA], o.k(s.k), alter)
				return
			}
		}
		val[atomA] = o.f(s.code, val[atomA], val[atomX])
	case clsMISC | miscTXA:
		vstore(s, &val[atomA], val[atomX], alter)
	case clsLD | modeMEM:
		v := val[s.k]
		if vm := o.vmapOf(v); alter && vm.isConst {
			s.code = clsLD | modeIMM
			s.k = vm.constVal
			o.nonBranchMovement = true
			o.done = false
		}
		vstore(s, &val[atomA], v, alter)
	case clsMISC | miscTAX:
		vstore(s, &val[atomX], val[atomA], alter)
	case clsLDX | modeMEM:
		v := val[s.k]
		if vm := o.vmapOf(v); alter && vm.isConst {
			s.code = clsLDX | modeIMM
			s.k = vm.constVal
			o.nonBranchMovement = true
			o.done = false
		}
		vstore(s, &val[atomX], v, alter)
	case clsST:
		vstore(s, &val[s.k], val[atomA], alter)
	case clsSTX:
		vstore(s, &val[s.k], val[atomX], alter)
	}
}

func (o *optimizer) deadStmt(s *stmt, last *[nAtoms]*stmt) {
	if atom := atomUse(s); atom >= 0 {
		if atom == atomAX {
			last[atomX] = nil
			last[atomA] = nil
		} else {
			last[atom] = nil
		}
	}
	if atom := atomDef(s); atom >= 0 {
		if last[atom] != nil {
			o.nonBranchMovement = true
			o.done = false
			last[atom].code = opNOP
		}
		last[atom] = s
	}
}

func (o *optimizer) optDeadstores(b *block) {
	var last [nAtoms]*stmt
	for i := range b.stmts {
		o.deadStmt(&b.stmts[i], &last)
	}
	o.deadStmt(&b.s, &last)
	for atom := 0; atom < nAtoms; atom++ {
		if last[atom] != nil && !atomElem(b.outUse, atom) {
			last[atom].code = opNOP
			o.nonBranchMovement = true
			o.done = false
		}
	}
}

func (o *optimizer) optBlk(b *block, doStmts bool) {
	if p := b.inEdges; p == nil {
		b.val = [nAtoms]uint32{}
	} else {
		b.val = p.pred.val
		for p = p.next; p != nil; p = p.next {
			for i := range b.val {
				if b.val[i] != p.pred.val[i] {
					b.val[i] = 0
				}
			}
		}
	}
	aval, xval := b.val[atomA], b.val[atomX]
	for i := range b.stmts {
		o.optStmt(&b.stmts[i], &b.val, doStmts)
	}
	if doStmts && ((b.outUse == 0 && aval != 0 && b.val[atomA] == aval && xval != 0 && b.val[atomX] == xval) ||
		bpfClass(b.s.code) == clsRET) {
		if b.stmts != nil {
			b.stmts = nil
			o.nonBranchMovement = true
			o.done = false
		}
	} else {
		o.optPeep(b)
		o.optDeadstores(b)
	}
	if bpfSrc(b.s.code) == srcK {
		b.oval = o.k(b.s.k)
	} else {
		b.oval = b.val[atomX]
	}
	b.et.code = b.s.code
	b.ef.code = -b.s.code
}

func useConflict(b, succ *block) bool {
	use := succ.outUse
	if use == 0 {
		return false
	}
	for atom := 0; atom < nAtoms; atom++ {
		if atomElem(use, atom) && b.val[atom] != succ.val[atom] {
			return true
		}
	}
	return false
}

func foldEdge(child *block, ep *edge) *block {
	code := ep.code
	sense := true
	if code < 0 {
		code = -code
		sense = false
	}
	if child.s.code != code {
		return nil
	}
	if child.val[atomA] != ep.pred.val[atomA] {
		return nil
	}
	if child.oval == ep.pred.oval {
		if sense {
			return jt(child)
		}
		return jf(child)
	}
	if sense && code == clsJMP|jmpJEQ|srcK {
		return jf(child)
	}
	return nil
}

func (o *optimizer) optJ(ep *edge) {
	if jt(ep.succ) == nil {
		return
	}
	if jt(ep.succ) == jf(ep.succ) {
		if !useConflict(ep.pred, jt(ep.succ)) {
			o.nonBranchMovement = true
			o.done = false
			ep.succ = jt(ep.succ)
		}
	}
top:
	for i := 0; i < o.edgewords; i++ {
		x := ep.edom[i]
		for x != 0 {
			k := bits.TrailingZeros32(x)
			x &^= 1 << uint(k)
			k += i * 32
			target := foldEdge(ep.succ, o.edges[k])
			if target != nil && !useConflict(ep.pred, target) {
				o.done = false
				ep.succ = target
				if jt(target) != nil {
					goto top
				}
				return
			}
		}
	}
}

// pullup is libpcap's or_pullup (and=false) and and_pullup (and=true).
func (o *optimizer) pullup(b *block, and bool) {
	ep := b.inEdges
	if ep == nil {
		return
	}
	val := ep.pred.val[atomA]
	for ep = ep.next; ep != nil; ep = ep.next {
		if val != ep.pred.val[atomA] {
			return
		}
	}
	// along follows the chain (jf for or, jt for and); same is the
	// shared target (jt for or, jf for and).
	along := func(x *block) **block {
		if and {
			return &x.et.succ
		}
		return &x.ef.succ
	}
	same := func(x *block) *block {
		if and {
			return jf(x)
		}
		return jt(x)
	}
	var diffp **block
	if pred := b.inEdges.pred; jt(pred) == b {
		diffp = &pred.et.succ
	} else {
		diffp = &pred.ef.succ
	}
	atTop := true
	for {
		if *diffp == nil {
			return
		}
		if same(*diffp) != same(b) {
			return
		}
		if !setMember((*diffp).dom, b.id) {
			return
		}
		if (*diffp).val[atomA] != val {
			break
		}
		diffp = along(*diffp)
		atTop = false
	}
	samep := along(*diffp)
	for {
		if *samep == nil {
			return
		}
		if same(*samep) != same(b) {
			return
		}
		if !setMember((*samep).dom, b.id) {
			return
		}
		if (*samep).val[atomA] == val {
			break
		}
		samep = along(*samep)
	}
	pull := *samep
	*samep = *along(pull)
	*along(pull) = *diffp
	if atTop {
		for ep := b.inEdges; ep != nil; ep = ep.next {
			if jt(ep.pred) == b {
				ep.pred.et.succ = pull
			} else {
				ep.pred.ef.succ = pull
			}
		}
	} else {
		*diffp = pull
	}
	o.done = false
}

func (o *optimizer) findInedges() {
	for _, b := range o.blocks {
		b.inEdges = nil
	}
	for level := o.root.level; level > 0; level-- {
		for b := o.levels[level]; b != nil; b = b.link {
			linkInedge(&b.et, jt(b))
			linkInedge(&b.ef, jf(b))
		}
	}
}

func linkInedge(parent *edge, child *block) {
	parent.next = child.inEdges
	child.inEdges = parent
}

func (o *optimizer) optBlks(doStmts bool) {
	o.initVal()
	maxlevel := o.root.level
	o.findInedges()
	for i := maxlevel; i >= 0; i-- {
		for p := o.levels[i]; p != nil; p = p.link {
			o.optBlk(p, doStmts)
		}
	}
	if doStmts {
		return
	}
	for i := 1; i <= maxlevel; i++ {
		for p := o.levels[i]; p != nil; p = p.link {
			o.optJ(&p.et)
			o.optJ(&p.ef)
		}
	}
	o.findInedges()
	for i := 1; i <= maxlevel; i++ {
		for p := o.levels[i]; p != nil; p = p.link {
			o.pullup(p, false)
			o.pullup(p, true)
		}
	}
}

func (o *optimizer) optLoop(doStmts bool) {
	loopCount := 0
	for o.err == "" {
		o.done = true
		o.nonBranchMovement = false
		o.findLevels()
		o.findDom()
		o.findUD()
		o.findEdom()
		o.optBlks(doStmts)
		if o.done {
			break
		}
		if o.nonBranchMovement {
			loopCount = 0
		} else {
			loopCount++
			if loopCount >= 100 {
				o.done = true
				break
			}
		}
	}
}

func (o *optimizer) countBlocks(p *block) int {
	if p == nil || o.isMarked(p) {
		return 0
	}
	o.mark(p)
	return o.countBlocks(jt(p)) + o.countBlocks(jf(p)) + 1
}

func (o *optimizer) numberBlks(p *block) {
	if p == nil || o.isMarked(p) {
		return
	}
	o.mark(p)
	p.id = len(o.blocks)
	o.blocks = append(o.blocks, p)
	o.numberBlks(jt(p))
	o.numberBlks(jf(p))
}

func (o *optimizer) init() {
	o.unMarkAll()
	n := o.countBlocks(o.root)
	o.blocks = make([]*block, 0, n)
	o.unMarkAll()
	o.numberBlks(o.root)
	nEdges := 2 * n
	o.edges = make([]*edge, nEdges)
	o.levels = make([]*block, n)
	o.edgewords = nEdges/32 + 1
	o.nodewords = n/32 + 1
	space := make([]uint32, n*o.nodewords+2*n*o.edgewords)
	for i, b := range o.blocks {
		b.dom, space = space[:o.nodewords:o.nodewords], space[o.nodewords:]
		b.et.edom, space = space[:o.edgewords:o.edgewords], space[o.edgewords:]
		b.ef.edom, space = space[:o.edgewords:o.edgewords], space[o.edgewords:]
		b.et.id = i
		o.edges[i] = &b.et
		b.ef.id = n + i
		o.edges[n+i] = &b.ef
		b.et.pred = b
		b.ef.pred = b
	}
	o.vals = make(map[valKey]uint32)
}

func (o *optimizer) makeMarks(p *block) {
	if !o.isMarked(p) {
		o.mark(p)
		if bpfClass(p.s.code) != clsRET {
			o.makeMarks(jt(p))
			o.makeMarks(jf(p))
		}
	}
}

func eqSlist(x, y []stmt) bool {
	i, j := 0, 0
	for {
		i, j = thisOp(x, i), thisOp(y, j)
		if i >= len(x) {
			return j >= len(y)
		}
		if j >= len(y) {
			return false
		}
		if x[i].code != y[j].code || x[i].k != y[j].k {
			return false
		}
		i++
		j++
	}
}

func eqBlk(b0, b1 *block) bool {
	return b0.s.code == b1.s.code && b0.s.k == b1.s.k && jt(b0) == jt(b1) && jf(b0) == jf(b1) &&
		eqSlist(b0.stmts, b1.stmts)
}

func (o *optimizer) internBlocks() {
	for {
		done := true
		for _, b := range o.blocks {
			b.link = nil
		}
		o.unMarkAll()
		o.makeMarks(o.root)
		n := len(o.blocks)
		for i := n - 1; i != 0; {
			i--
			if !o.isMarked(o.blocks[i]) {
				continue
			}
			for j := i + 1; j < n; j++ {
				if !o.isMarked(o.blocks[j]) {
					continue
				}
				if eqBlk(o.blocks[i], o.blocks[j]) {
					if o.blocks[j].link != nil {
						o.blocks[i].link = o.blocks[j].link
					} else {
						o.blocks[i].link = o.blocks[j]
					}
					break
				}
			}
		}
		for _, p := range o.blocks {
			if jt(p) == nil {
				continue
			}
			if jt(p).link != nil {
				done = false
				p.et.succ = jt(p).link
			}
			if jf(p).link != nil {
				done = false
				p.ef.succ = jf(p).link
			}
		}
		if done {
			return
		}
	}
}

func optRoot(b **block) {
	s := (*b).stmts
	(*b).stmts = nil
	for bpfClass((*b).s.code) == clsJMP && jt(*b) == jf(*b) {
		*b = jt(*b)
	}
	if tmp := (*b).stmts; tmp != nil {
		s = append(s, tmp...)
	}
	(*b).stmts = s
	if bpfClass((*b).s.code) == clsRET {
		(*b).stmts = nil
	}
}

// optimize runs libpcap's bpf_optimize on the graph at root and returns
// the new root, or an error message.
func (c *compiler) optimize(root *block) (*block, string) {
	o := &optimizer{c: c, root: root}
	o.init()
	o.optLoop(false)
	if o.err == "" {
		o.optLoop(true)
	}
	if o.err != "" {
		return nil, o.err
	}
	o.internBlocks()
	optRoot(&o.root)
	return o.root, ""
}
