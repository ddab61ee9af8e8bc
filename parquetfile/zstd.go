package parquetfile

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// pageZstd is Arrow's ZSTD codec with encoders sized for pages. Arrow's own
// makes each encoder with klauspost/compress's default 8 MiB window, whose
// history buffer takes 16 MiB per encoder (a heap profile of 1M IMIX
// frames: 16 MiB of 30 MiB in use, allocated again each time the
// sync.Pool drops them), while a page is compressed alone and holds 64 KiB
// (a batch's values past it at most): a 1 MiB window finds the same
// matches in 1.1 MiB. The frames carry no XXH64 checksum (1.3 % of the
// CPU): ZSTD makes it optional and readers check one only when a frame
// has it. Decoding and the other methods are Arrow's.
type pageZstd struct {
	compress.Codec
	pool sync.Pool
}

var registerZstd sync.Once

// usePageZstd registers pageZstd for ZSTD. Arrow keeps one codec per
// compression for the whole process; turtle writes Parquet only here.
func usePageZstd() {
	registerZstd.Do(func() {
		// Arrow's encoders take their page buffers from a pool of its own
		// that allocates with memory.DefaultAllocator, whatever the
		// writer's properties say: turtle uses Arrow only here.
		memory.DefaultAllocator = pageAllocator
		arrow, err := compress.GetCodec(compress.Codecs.Zstd)
		if err != nil {
			return // Arrow's build without ZSTD: NewWriter reports it
		}
		z := &pageZstd{Codec: arrow}
		z.pool.New = func() any {
			enc, err := zstd.NewWriter(nil, zstd.WithWindowSize(1<<20), zstd.WithZeroFrames(true), zstd.WithEncoderLevel(zstd.SpeedFastest),
				zstd.WithEncoderConcurrency(1), zstd.WithAllLitEntropyCompression(true), zstd.WithEncoderCRC(false),
				zstd.WithLowerEncoderMem(true))
			if err != nil {
				panic(err) // the options are constants
			}
			return enc
		}
		compress.RegisterCodec(compress.Codecs.Zstd, z)
	})
}

// EncodeLevel compresses src at SpeedFastest, the only level the writer
// asks for (writerProps).
func (z *pageZstd) EncodeLevel(dst, src []byte, level int) []byte {
	enc := z.pool.Get().(*zstd.Encoder)
	defer z.pool.Put(enc)
	return enc.EncodeAll(src, dst[:0])
}

// Encode is EncodeLevel: the writer always gives a level.
func (z *pageZstd) Encode(dst, src []byte) []byte { return z.EncodeLevel(dst, src, 1) }
