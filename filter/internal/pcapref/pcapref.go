//go:build pcap

// Package pcapref gives tests libpcap's own compiler and interpreter, to
// compare the pure-Go filter package with. It needs cgo and libpcap, so it
// is built only with the "pcap" tag.
package pcapref

/*
#cgo LDFLAGS: -lpcap
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// compile opens an in-memory capture file with the given link type, so
// that libpcap applies its rules for capture files, and compiles expr.
static int compile(int linktype, int snaplen, int swapped, const char *expr, int opt,
                   struct bpf_program *prog, char *errbuf) {
	unsigned char hdr[24];
	unsigned int v[6] = {0xa1b2c3d4, 0x00040002, 0, 0, (unsigned int)snaplen, (unsigned int)linktype};
	// magic, then version major/minor as two 16-bit fields
	unsigned short major = 2, minor = 4;
	memcpy(hdr, &v[0], 4);
	memcpy(hdr + 4, &major, 2);
	memcpy(hdr + 6, &minor, 2);
	memcpy(hdr + 8, &v[2], 4);
	memcpy(hdr + 12, &v[3], 4);
	memcpy(hdr + 16, &v[4], 4);
	memcpy(hdr + 20, &v[5], 4);
	if (swapped) {
		unsigned char t;
		int i;
		for (i = 0; i < 24; i += 4) {
			if (i == 4) { // two 16-bit fields
				t = hdr[4]; hdr[4] = hdr[5]; hdr[5] = t;
				t = hdr[6]; hdr[6] = hdr[7]; hdr[7] = t;
				continue;
			}
			t = hdr[i]; hdr[i] = hdr[i+3]; hdr[i+3] = t;
			t = hdr[i+1]; hdr[i+1] = hdr[i+2]; hdr[i+2] = t;
		}
	}
	FILE *f = fmemopen(hdr, sizeof hdr, "rb");
	if (f == NULL) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "fmemopen failed");
		return -1;
	}
	pcap_t *p = pcap_fopen_offline(f, errbuf);
	if (p == NULL) {
		fclose(f);
		return -1;
	}
	int rc = pcap_compile(p, prog, expr, opt, PCAP_NETMASK_UNKNOWN);
	if (rc < 0)
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(p));
	pcap_close(p);
	return rc;
}
*/
import "C"

import (
	"errors"
	"unsafe"

	"golang.org/x/net/bpf"
)

// Compile returns libpcap's program for expr on a capture file of the given
// link type (a LINKTYPE_ value), optimized or not, with the file's byte
// order swapped or not.
func Compile(linktype, snaplen int, expr string, optimize, swapped bool) ([]bpf.RawInstruction, error) {
	cexpr := C.CString(expr)
	defer C.free(unsafe.Pointer(cexpr))
	var prog C.struct_bpf_program
	errbuf := (*C.char)(C.calloc(C.PCAP_ERRBUF_SIZE, 1))
	defer C.free(unsafe.Pointer(errbuf))
	opt, sw := C.int(0), C.int(0)
	if optimize {
		opt = 1
	}
	if swapped {
		sw = 1
	}
	if C.compile(C.int(linktype), C.int(snaplen), sw, cexpr, opt, &prog, errbuf) < 0 {
		return nil, errors.New(C.GoString(errbuf))
	}
	defer C.pcap_freecode(&prog)
	insns := unsafe.Slice(prog.bf_insns, prog.bf_len)
	out := make([]bpf.RawInstruction, len(insns))
	for i, in := range insns {
		out[i] = bpf.RawInstruction{Op: uint16(in.code), Jt: uint8(in.jt), Jf: uint8(in.jf), K: uint32(in.k)}
	}
	return out, nil
}

// Program is a program in C memory for libpcap's interpreter.
type Program struct {
	insns *C.struct_bpf_insn
	n     int
}

// NewProgram copies raw into C memory; Free releases it.
func NewProgram(raw []bpf.RawInstruction) *Program {
	p := &Program{n: len(raw)}
	p.insns = (*C.struct_bpf_insn)(C.calloc(C.size_t(len(raw)+1), C.size_t(unsafe.Sizeof(C.struct_bpf_insn{}))))
	s := unsafe.Slice(p.insns, len(raw))
	for i, r := range raw {
		s[i] = C.struct_bpf_insn{code: C.u_short(r.Op), jt: C.u_char(r.Jt), jf: C.u_char(r.Jf), k: C.bpf_u_int32(r.K)}
	}
	return p
}

// Run returns libpcap's bpf_filter result for a frame.
func (p *Program) Run(data []byte, wirelen int) uint32 {
	var dummy [1]byte
	ptr := &dummy[0]
	if len(data) > 0 {
		ptr = &data[0]
	}
	return uint32(C.bpf_filter(p.insns, (*C.u_char)(unsafe.Pointer(ptr)), C.u_int(wirelen), C.u_int(len(data))))
}

// Free releases the program.
func (p *Program) Free() { C.free(unsafe.Pointer(p.insns)); p.insns = nil }
