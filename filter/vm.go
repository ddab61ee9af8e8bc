package filter

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/net/bpf"
)

// The interpreter is written here rather than taken from
// golang.org/x/net/bpf because that VM cannot answer like libpcap: it has
// no notion of the wire length ("len", "less" and "greater" would test the
// captured length instead), and it dispatches through an interface per
// instruction, several times slower than a switch over a decoded program.
// Semantics follow libpcap's bpf_filter: a load outside the captured bytes
// or a division by zero rejects the packet; shifts by 32 or more give 0.

type vmOp uint8

const (
	vRetK vmOp = iota
	vRetA
	vLdW
	vLdH
	vLdB
	vLdWInd
	vLdHInd
	vLdBInd
	vLdLen
	vLdxLen
	vLdImm
	vLdxImm
	vLdMem
	vLdxMem
	vLdxMsh
	vSt
	vStx
	vJa
	vJgtK
	vJgeK
	vJeqK
	vJsetK
	vJgtX
	vJgeX
	vJeqX
	vJsetX
	vAddX
	vSubX
	vMulX
	vDivX
	vModX
	vAndX
	vOrX
	vXorX
	vLshX
	vRshX
	vAddK
	vSubK
	vMulK
	vDivK
	vModK
	vAndK
	vOrK
	vXorK
	vLshK
	vRshK
	vNeg
	vTax
	vTxa
)

var vmOps = map[uint16]vmOp{
	clsRET | retK: vRetK, clsRET | retA: vRetA,
	clsLD | szW | modeABS: vLdW, clsLD | szH | modeABS: vLdH, clsLD | szB | modeABS: vLdB,
	clsLD | szW | modeIND: vLdWInd, clsLD | szH | modeIND: vLdHInd, clsLD | szB | modeIND: vLdBInd,
	clsLD | szW | modeLEN: vLdLen, clsLDX | szW | modeLEN: vLdxLen,
	clsLD | modeIMM: vLdImm, clsLDX | modeIMM: vLdxImm, clsLD | modeMEM: vLdMem, clsLDX | modeMEM: vLdxMem,
	clsLDX | szB | modeMSH: vLdxMsh, clsST: vSt, clsSTX: vStx,
	clsJMP | jmpJA:         vJa,
	clsJMP | jmpJGT | srcK: vJgtK, clsJMP | jmpJGE | srcK: vJgeK, clsJMP | jmpJEQ | srcK: vJeqK, clsJMP | jmpJSET | srcK: vJsetK,
	clsJMP | jmpJGT | srcX: vJgtX, clsJMP | jmpJGE | srcX: vJgeX, clsJMP | jmpJEQ | srcX: vJeqX, clsJMP | jmpJSET | srcX: vJsetX,
	clsALU | aluADD | srcX: vAddX, clsALU | aluSUB | srcX: vSubX, clsALU | aluMUL | srcX: vMulX,
	clsALU | aluDIV | srcX: vDivX, clsALU | aluMOD | srcX: vModX, clsALU | aluAND | srcX: vAndX,
	clsALU | aluOR | srcX: vOrX, clsALU | aluXOR | srcX: vXorX, clsALU | aluLSH | srcX: vLshX,
	clsALU | aluRSH | srcX: vRshX,
	clsALU | aluADD | srcK: vAddK, clsALU | aluSUB | srcK: vSubK, clsALU | aluMUL | srcK: vMulK,
	clsALU | aluDIV | srcK: vDivK, clsALU | aluMOD | srcK: vModK, clsALU | aluAND | srcK: vAndK,
	clsALU | aluOR | srcK: vOrK, clsALU | aluXOR | srcK: vXorK, clsALU | aluLSH | srcK: vLshK,
	clsALU | aluRSH | srcK: vRshK,
	clsALU | aluNEG:        vNeg, clsMISC | miscTAX: vTax, clsMISC | miscTXA: vTxa,
}

type insn struct {
	op     vmOp
	jt, jf uint8
	k      uint32
}

// decode checks a program the way the kernel's verifier does (known
// opcodes, forward jumps inside the program, scratch cells 0-15, no
// division by a zero constant, a return at the end) and converts it for
// run, which then needs no checks beyond packet bounds.
func decode(raw []bpf.RawInstruction) ([]insn, error) {
	if len(raw) == 0 || len(raw) > maxInsns {
		return nil, fmt.Errorf("program of %d instructions: want 1 to %d", len(raw), maxInsns)
	}
	prog := make([]insn, len(raw))
	for pc, r := range raw {
		op, ok := vmOps[r.Op]
		if !ok {
			return nil, fmt.Errorf("instruction %d: unknown opcode %#x", pc, r.Op)
		}
		rest := len(raw) - pc - 1
		switch op {
		case vJa:
			if r.K >= uint32(rest) {
				return nil, fmt.Errorf("instruction %d: jump out of the program", pc)
			}
		case vJgtK, vJgeK, vJeqK, vJsetK, vJgtX, vJgeX, vJeqX, vJsetX:
			if int(r.Jt) >= rest || int(r.Jf) >= rest {
				return nil, fmt.Errorf("instruction %d: jump out of the program", pc)
			}
		case vLdMem, vLdxMem, vSt, vStx:
			if r.K >= memWords {
				return nil, fmt.Errorf("instruction %d: scratch cell %d out of range", pc, r.K)
			}
		case vDivK, vModK:
			if r.K == 0 {
				return nil, fmt.Errorf("instruction %d: division by zero", pc)
			}
		}
		prog[pc] = insn{op: op, jt: r.Jt, jf: r.Jf, k: r.K}
	}
	if last := prog[len(prog)-1].op; last != vRetK && last != vRetA {
		return nil, fmt.Errorf("program does not end with a return")
	}
	return prog, nil
}

// run executes a decoded program and returns its result (0 = reject).
func run(prog []insn, p []byte, wirelen uint32) uint32 {
	var a, x uint32
	var mem [memWords]uint32
	n := uint64(len(p))
	for pc := 0; pc < len(prog); pc++ {
		in := &prog[pc]
		switch in.op {
		case vRetK:
			return in.k
		case vRetA:
			return a
		case vLdW:
			k := uint64(in.k)
			if k+4 > n {
				return 0
			}
			a = binary.BigEndian.Uint32(p[k:])
		case vLdH:
			k := uint64(in.k)
			if k+2 > n {
				return 0
			}
			a = uint32(binary.BigEndian.Uint16(p[k:]))
		case vLdB:
			k := uint64(in.k)
			if k >= n {
				return 0
			}
			a = uint32(p[k])
		case vLdWInd:
			k := uint64(x) + uint64(in.k)
			if k+4 > n {
				return 0
			}
			a = binary.BigEndian.Uint32(p[k:])
		case vLdHInd:
			k := uint64(x) + uint64(in.k)
			if k+2 > n {
				return 0
			}
			a = uint32(binary.BigEndian.Uint16(p[k:]))
		case vLdBInd:
			k := uint64(x) + uint64(in.k)
			if k >= n {
				return 0
			}
			a = uint32(p[k])
		case vLdLen:
			a = wirelen
		case vLdxLen:
			x = wirelen
		case vLdImm:
			a = in.k
		case vLdxImm:
			x = in.k
		case vLdMem:
			a = mem[in.k&(memWords-1)]
		case vLdxMem:
			x = mem[in.k&(memWords-1)]
		case vLdxMsh:
			k := uint64(in.k)
			if k >= n {
				return 0
			}
			x = uint32(p[k]&0xf) << 2
		case vSt:
			mem[in.k&(memWords-1)] = a
		case vStx:
			mem[in.k&(memWords-1)] = x
		case vJa:
			pc += int(in.k)
		case vJgtK:
			pc += int(pick(a > in.k, in))
		case vJgeK:
			pc += int(pick(a >= in.k, in))
		case vJeqK:
			pc += int(pick(a == in.k, in))
		case vJsetK:
			pc += int(pick(a&in.k != 0, in))
		case vJgtX:
			pc += int(pick(a > x, in))
		case vJgeX:
			pc += int(pick(a >= x, in))
		case vJeqX:
			pc += int(pick(a == x, in))
		case vJsetX:
			pc += int(pick(a&x != 0, in))
		case vAddX:
			a += x
		case vSubX:
			a -= x
		case vMulX:
			a *= x
		case vDivX:
			if x == 0 {
				return 0
			}
			a /= x
		case vModX:
			if x == 0 {
				return 0
			}
			a %= x
		case vAndX:
			a &= x
		case vOrX:
			a |= x
		case vXorX:
			a ^= x
		case vLshX:
			a = shl(a, x)
		case vRshX:
			a = shr(a, x)
		case vAddK:
			a += in.k
		case vSubK:
			a -= in.k
		case vMulK:
			a *= in.k
		case vDivK:
			a /= in.k
		case vModK:
			a %= in.k
		case vAndK:
			a &= in.k
		case vOrK:
			a |= in.k
		case vXorK:
			a ^= in.k
		case vLshK:
			a = shl(a, in.k)
		case vRshK:
			a = shr(a, in.k)
		case vNeg:
			a = -a
		case vTax:
			x = a
		case vTxa:
			a = x
		}
	}
	return 0
}

func pick(cond bool, in *insn) uint8 {
	if cond {
		return in.jt
	}
	return in.jf
}

func shl(a, s uint32) uint32 {
	if s < 32 {
		return a << s
	}
	return 0
}

func shr(a, s uint32) uint32 {
	if s < 32 {
		return a >> s
	}
	return 0
}
