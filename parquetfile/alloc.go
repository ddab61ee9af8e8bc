package parquetfile

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// poolAllocator is the memory.Allocator Arrow's writer gets its buffers
// from (pages, encoders, the row group's buffered column chunks): Arrow
// frees each buffer it is done with, and this allocator keeps them for the
// next one, by power-of-two size, where Arrow's default (the Go heap) lets
// the garbage collector find them. On 1M IMIX frames Arrow asked for 300 MB
// of buffers, a garbage collection every 70 ms whose write barriers slowed
// every goroutine. A buffer is zeroed when it is handed out again, as the Go
// heap's are; sync.Pool lets the collector take the ones kept idle, so
// memory stays bounded.
type poolAllocator struct {
	pools [poolClasses]sync.Pool
}

const (
	minClass    = 6  // 64 bytes: Arrow wants buffers aligned to 64 bytes, which a power-of-two size class of the Go heap is
	poolClasses = 27 // up to 4 GiB; larger buffers come from the Go heap
)

var pageAllocator = &poolAllocator{}

// class returns the pool of buffers of size n, rounded up to a power of
// two.
func class(n int) int {
	if n <= 1<<minClass {
		return 0
	}
	return bits.Len(uint(n-1)) - minClass
}

func (p *poolAllocator) Allocate(size int) []byte {
	c := class(size)
	if c >= poolClasses {
		return make([]byte, size)
	}
	if b, ok := p.pools[c].Get().(*[]byte); ok {
		buf := (*b)[:size]
		clear(buf)
		return buf
	}
	return make([]byte, size, 1<<(c+minClass))
}

func (p *poolAllocator) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		if size > len(b) {
			clear(b[len(b):size])
		}
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

func (p *poolAllocator) Free(b []byte) {
	n := cap(b)
	if n < 1<<minClass || n&(n-1) != 0 {
		return // not one of the pool's
	}
	if c := class(n); c < poolClasses {
		b = b[:n]
		p.pools[c].Put(&b)
	}
}

var _ memory.Allocator = (*poolAllocator)(nil)
