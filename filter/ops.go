package filter

// Classic BPF opcode fields, as in <pcap/bpf.h>. The compiler works on raw
// opcodes (not on golang.org/x/net/bpf's typed instructions) because it has
// to reproduce libpcap's code generator and optimizer, which reason about
// opcode bits; the result is converted to bpf.Instruction at the end.
const (
	clsLD   = 0x00
	clsLDX  = 0x01
	clsST   = 0x02
	clsSTX  = 0x03
	clsALU  = 0x04
	clsJMP  = 0x05
	clsRET  = 0x06
	clsMISC = 0x07

	szW = 0x00
	szH = 0x08
	szB = 0x10

	modeIMM = 0x00
	modeABS = 0x20
	modeIND = 0x40
	modeMEM = 0x60
	modeLEN = 0x80
	modeMSH = 0xa0

	aluADD = 0x00
	aluSUB = 0x10
	aluMUL = 0x20
	aluDIV = 0x30
	aluOR  = 0x40
	aluAND = 0x50
	aluLSH = 0x60
	aluRSH = 0x70
	aluNEG = 0x80
	aluMOD = 0x90
	aluXOR = 0xa0

	jmpJA   = 0x00
	jmpJEQ  = 0x10
	jmpJGT  = 0x20
	jmpJGE  = 0x30
	jmpJSET = 0x40

	srcK = 0x00
	srcX = 0x08

	retK = 0x00
	retA = 0x10

	miscTAX = 0x00
	miscTXA = 0x80

	// opNOP marks a statement deleted by the optimizer.
	opNOP = -1

	// memWords is the number of scratch memory cells (BPF_MEMWORDS).
	memWords = 16

	// skfLLOff is the kernel's SKF_LL_OFF (-0x200000): absolute loads from
	// there up read link-layer, network-layer or ancillary data instead of
	// packet bytes, so programs with such loads are refused.
	skfLLOff = 0xffe00000

	// maxBlocks bounds the size of the graph handed to the optimizer,
	// which keeps compiling any expression to about a second at most.
	maxBlocks = 8000

	// maxInsns is the kernel's limit on classic BPF programs
	// (BPF_MAXINSNS); longer programs are refused.
	maxInsns = 4096
)

func bpfClass(c int) int  { return c & 0x07 }
func bpfSize(c int) int   { return c & 0x18 }
func bpfMode(c int) int   { return c & 0xe0 }
func bpfOp(c int) int     { return c & 0xf0 }
func bpfSrc(c int) int    { return c & 0x08 }
func bpfRval(c int) int   { return c & 0x18 }
func bpfMiscOp(c int) int { return c & 0xf8 }
