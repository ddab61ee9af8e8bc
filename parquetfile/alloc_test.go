package parquetfile

import (
	"bytes"
	"testing"
	"unsafe"
)

// A buffer handed out again is zeroed, 64-byte aligned and at least as
// large as asked; Reallocate keeps the contents.
func TestPoolAllocator(t *testing.T) {
	var p poolAllocator
	for _, size := range []int{0, 1, 63, 64, 65, 1000, 4096, 100_000} {
		b := p.Allocate(size)
		if len(b) != size {
			t.Fatalf("Allocate(%d): %d bytes", size, len(b))
		}
		for i := range b {
			b[i] = 0xff
		}
		b = p.Reallocate(2*size+10, b)
		if len(b) != 2*size+10 || !bytes.Equal(b[:size], bytes.Repeat([]byte{0xff}, size)) ||
			!bytes.Equal(b[size:], make([]byte, size+10)) {
			t.Fatalf("Reallocate(%d) after Allocate(%d): %x", 2*size+10, size, b)
		}
		p.Free(b)
		c := p.Allocate(size)
		if !bytes.Equal(c, make([]byte, size)) {
			t.Fatalf("Allocate(%d) after Free: not zeroed", size)
		}
		if cap(c) > 0 && uintptr(unsafe.Pointer(unsafe.SliceData(c)))%64 != 0 {
			t.Fatalf("Allocate(%d): not 64-byte aligned", size)
		}
		p.Free(c)
	}
	p.Free(make([]byte, 100)) // not one of the pool's: dropped
	if b := p.Allocate(100); len(b) != 100 || cap(b) != 128 {
		t.Fatalf("Allocate(100): len %d cap %d, want 100 128", len(b), cap(b))
	}
}
