// Package filter compiles tcpdump/libpcap capture filter expressions
// ("tcp port 80 and host 10.0.0.2") to classic BPF, in pure Go, and runs
// them over captured frames.
//
// It is a package of its own because it belongs to no single stage of
// turtle: live capture attaches the program to the socket in the kernel,
// and every command that reads capture files runs it over each record.
//
// The compiler reproduces libpcap 1.10's code generator and optimizer rather
// than approximating them, so a program answers exactly like the one
// tcpdump would run, including on truncated frames (where which loads run,
// and in which order, decides the answer). Tests built with the "pcap" tag
// compare the programs with libpcap's instruction for instruction and the
// verdicts packet for packet. Whatever is not reproduced is refused with
// the position of the offending part; see README.md for the grammar.
//
// Compile follows libpcap's rules for capture files: for null/loopback
// links, "ip6" matches the BSD address family values 24, 28 and 30, and
// the family word is read in this machine's byte order unless
// Options.Swapped says the file was written with the other one.
package filter

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/turtle-sniffer/turtle/pcapio"
	"golang.org/x/net/bpf"
)

// Error is a refused expression: the expression, the 1-based column (in
// characters) of the part that is refused, or 0 when the refusal is about
// the whole expression, and why.
type Error struct {
	Expr   string
	Column int
	Kind   string // "syntax error", "unsupported" or "error"
	Msg    string
}

func (e *Error) Error() string {
	if e.Column == 0 {
		return fmt.Sprintf("filter %q: %s: %s", e.Expr, e.Kind, e.Msg)
	}
	return fmt.Sprintf("filter %q: %s at column %d: %s", e.Expr, e.Kind, e.Column, e.Msg)
}

// Options adjust the compilation to the capture the program will run on.
type Options struct {
	// Swapped is true when a null/loopback (link type 0) capture file was
	// written on a machine of the other byte order: its 4-byte address
	// family is then compared byte-swapped, as libpcap does.
	Swapped bool
}

// Compile returns the BPF program for expr on captures of the given link
// type, returning snaplen bytes of matching packets (the kernel keeps that
// many; offline, any non-zero result means a match). An empty expression
// accepts every packet.
func Compile(expr string, link pcapio.LinkType, snaplen int) ([]bpf.Instruction, error) {
	return CompileOptions(expr, link, snaplen, Options{})
}

// CompileOptions is Compile with Options.
func CompileOptions(expr string, link pcapio.LinkType, snaplen int, opts Options) ([]bpf.Instruction, error) {
	raw, err := compileRaw(expr, link, snaplen, opts, true)
	if err != nil {
		return nil, err
	}
	return disassemble(raw), nil
}

func disassemble(raw []bpf.RawInstruction) []bpf.Instruction {
	out := make([]bpf.Instruction, len(raw))
	for i, r := range raw {
		out[i] = r.Disassemble()
	}
	return out
}

// dltOf maps a capture file's link type to libpcap's DLT value.
func dltOf(link pcapio.LinkType) (int, bool) {
	switch link {
	case pcapio.LinkTypeNull:
		return dltNull, true
	case pcapio.LinkTypeEthernet:
		return dltEN10MB, true
	case pcapio.LinkTypeRaw:
		return dltRaw, true
	case pcapio.LinkTypeLoop:
		return dltLoop, true
	case pcapio.LinkTypeLinuxSLL:
		return dltLinuxSLL, true
	case pcapio.LinkTypeIPv4:
		return dltIPv4, true
	case pcapio.LinkTypeIPv6:
		return dltIPv6, true
	case pcapio.LinkTypeLinuxSLL2:
		return dltSLL2, true
	}
	return 0, false
}

// compileRaw runs the whole pipeline; optimize=false gives libpcap's
// unoptimized program (pcap_compile with optimize 0), for tests.
func compileRaw(expr string, link pcapio.LinkType, snaplen int, opts Options, optimize bool) ([]bpf.RawInstruction, error) {
	fail := func(pos int, kind, msg string) error {
		col := 0
		if pos >= 0 {
			col = utf8.RuneCountInString(expr[:min(pos, len(expr))]) + 1
		}
		return &Error{Expr: expr, Column: col, Kind: kind, Msg: msg}
	}
	if snaplen <= 0 || int64(snaplen) > math.MaxUint32 {
		return nil, fail(-1, "error", fmt.Sprintf("snaplen %d: want 1 to %d", snaplen, uint32(math.MaxUint32)))
	}
	dlt, ok := dltOf(link)
	if !ok {
		return nil, fail(-1, "unsupported", fmt.Sprintf("link type %d is not supported", link))
	}
	c := &compiler{dlt: dlt, snaplen: uint32(snaplen), swapped: opts.Swapped, names: loadSystemNames()}
	c.initLinktype()

	tree, perr := parse(lex(expr))
	if perr != nil {
		kind := "syntax error"
		if perr.unsupported {
			kind = "unsupported"
		}
		return nil, fail(perr.pos, kind, perr.msg)
	}
	var root *block
	if tree == nil {
		root = c.retBlock(c.snaplen)
	} else {
		b := c.gen(tree)
		if c.err != nil {
			kind := c.err.kind
			if kind == "invalid" {
				kind = "error"
			}
			return nil, fail(c.err.pos, kind, c.err.msg)
		}
		root = c.finish(b)
		if c.nblocks > maxBlocks {
			// libpcap's optimizer is quadratic in the graph and loops
			// over it until nothing changes.
			return nil, fail(-1, "unsupported", fmt.Sprintf("expression too complex (%d basic blocks; at most %d)", c.nblocks, maxBlocks))
		}
	}
	if optimize {
		var msg string
		if root, msg = c.optimize(root); msg != "" {
			return nil, fail(-1, "error", msg)
		}
		if bpfClass(root.s.code) == clsRET && root.s.k == 0 {
			return nil, fail(-1, "error", "expression rejects all packets")
		}
	}
	prog := c.emit(root)
	for _, in := range prog {
		if bpfClass(int(in.Op)) == clsLD && bpfMode(int(in.Op)) == modeABS && in.K >= skfLLOff {
			return nil, fail(-1, "unsupported", fmt.Sprintf("load at offset %#x: the Linux kernel reserves offsets from %#x for ancillary data", in.K, uint32(skfLLOff)))
		}
	}
	if len(prog) > maxInsns {
		return nil, fail(-1, "unsupported", fmt.Sprintf("program of %d instructions exceeds the kernel's limit of %d", len(prog), maxInsns))
	}
	return prog, nil
}

// Filter is a compiled expression ready to run over frames. It is safe
// for concurrent use. A nil *Filter matches every frame.
type Filter struct {
	expr string
	raw  []bpf.RawInstruction
	prog []insn
}

// New compiles expr for captures of the given link type (see Compile).
func New(expr string, link pcapio.LinkType, snaplen int) (*Filter, error) {
	return NewOptions(expr, link, snaplen, Options{})
}

// NewOptions is New with Options.
func NewOptions(expr string, link pcapio.LinkType, snaplen int, opts Options) (*Filter, error) {
	raw, err := compileRaw(expr, link, snaplen, opts, true)
	if err != nil {
		return nil, err
	}
	prog, err := decode(raw)
	if err != nil {
		// The compiler emits only what decode accepts; this is a bug.
		return nil, fmt.Errorf("filter %q: %w", expr, err)
	}
	return &Filter{expr: expr, raw: raw, prog: prog}, nil
}

// Matches runs the program over a frame: data is the captured bytes and
// wireLen the frame's length on the wire (what "len", "less" and "greater"
// test). It does not allocate.
func (f *Filter) Matches(data []byte, wireLen int) bool {
	if f == nil {
		return true
	}
	return run(f.prog, data, uint32(min(max(int64(wireLen), 0), math.MaxUint32))) != 0
}

// RawInstructions returns the program as assembled for the kernel
// (SO_ATTACH_FILTER); the caller owns the slice.
func (f *Filter) RawInstructions() []bpf.RawInstruction {
	return append([]bpf.RawInstruction(nil), f.raw...)
}

// Instructions returns the program as golang.org/x/net/bpf instructions.
func (f *Filter) Instructions() []bpf.Instruction { return disassemble(f.raw) }

// String returns the expression the filter was compiled from.
func (f *Filter) String() string { return f.expr }
