// Package parquetfile writes frames as a Parquet file: one row per frame,
// one typed column per field of the json format (decode's table view,
// decode.Columns), so that DuckDB, Spark, Trino or ClickHouse query
// captures as a table. It has a package of its own because it is the only
// writer of Parquet.
//
// The columns: file (the capture's name as given), then decode.Columns in
// order (frame, time as a UTC timestamp in nanoseconds, caplen, len,
// link_type, ..., ipv4_src, tcp_dst_port, tcp_flags, ...), null where the
// json format leaves a field out; payload (binary) only when asked for.
// Pages are ZSTD-compressed; string columns have dictionaries (dictColumn),
// flag lists the column's names as theirs, frame and time are
// DELTA_BINARY_PACKED, the other numbers PLAIN (column.encoding). Rows are
// buffered in batches and written column by column on two goroutines, each
// taking the next column left; a row group is cut every RowGroupRows frames
// so memory stays flat whatever the capture's size.
//
// turtle assembles the pages and the footer itself (chunk.go, file.go)
// with parquet-go's format, thrift and encoding packages
// (github.com/parquet-go/parquet-go): Apache Arrow's column writers, used
// before, spent more CPU on bookkeeping per level and value than ZSTD on
// the pages (chunk has the figures), and parquet-go's own writer more
// still (one parquet.Value per row and column). The tests read every file
// back with parquet-go and DuckDB.
package parquetfile

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"sync/atomic"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Options configure a Writer; the zero value writes no payload and the
// default row groups.
type Options struct {
	Payload      bool // add the payload column (the frame's bytes after the last decoded header)
	RowGroupRows int  // frames per row group; 0 means DefaultRowGroupRows
}

// DefaultRowGroupRows is the row group size: large enough for good
// compression and statistics, small enough that a reader holds one in a
// few MB. The writer's memory follows it: the row group's pages are held
// until it is cut. (With Arrow's writer, whose cost per row group was
// higher, 32,768 rows took 4 % more instructions than 65,536 on 1M IMIX
// frames and 131,072 rows 3 % fewer, peak RSS 80, 85 and 100-110 MB.)
const DefaultRowGroupRows = 64 << 10

// batchRows is how many rows are buffered before they are handed to the
// column writers: 256 keeps a batch's values in the cache until the column
// writers read them. Measured with Arrow's writer on 1M IMIX frames (CPU,
// median of 5): 2.61 s at 256, 2.63 s at 1,024 and 2.74 s at 4,096 rows,
// peak RSS 114, 139 and 172 MB.
const batchRows = 256

// column is one leaf column of the file.
type column struct {
	src      int // index in decode.Columns; fileCol for the file name
	typ      decode.ColumnType
	required bool
	def      int       // the definition level of a value
	flags    [][]byte  // ColFlags: the names as bytes
	lists    flagLists // ColFlags: the names of each combination met
	// ColFlags: the names' indices ordered by their bytes (flagRange),
	// and a bit per name met in the row group (chunk.addFlags)
	flagOrder []int
	flagsUsed uint32
}

const fileCol = -1

// isBytes tells whether the column's values are bytes (rather than numbers).
func (c *column) isBytes() bool {
	return c.typ == decode.ColString || c.typ == decode.ColBytes || c.typ == decode.ColJSON
}

// alwaysThere are the columns the json format always writes.
var alwaysThere = map[int]bool{
	decode.ColFrame: true, decode.ColCaplen: true, decode.ColLen: true,
	decode.ColLinkType: true, decode.ColInterface: true, decode.ColPayloadLength: true, decode.ColPayload: true,
}

// Writer writes frames to a Parquet file. Close must be called to write
// the footer. Write copies each frame into a batch of frames (rawBatch);
// two decoding goroutines take every other batch and decode it into a
// batch of values (batch); the column writers (encoding, ZSTD) take those
// in order on two more goroutines, half the columns each. So two cores
// share all the work: with the decoding on the caller's goroutine (a third
// of the CPU), the cores were 84 % busy, and 92 % now (1M IMIX frames,
// 15 interleaved runs: 0.63 -> 0.57 s median wall for the same CPU; the
// copy of the frames costs 1-3 % of it).
type Writer struct {
	cols     []column
	byDecode [256]slot // decode column (Table.Set's uint8) -> its column in cols and kind of value
	bytesCol []int     // the columns whose values are bytes
	raw      *rawBatch // being filled
	sent     int       // raw batches sent, which decoder takes the next
	file     []byte
	group    int // rows in the row group, raw batch included
	groupMax int
	frames   int
	noTimes  int // frames whose time is null
	err      error

	rawFree chan *rawBatch    // to Write
	decode  [2]chan *rawBatch // to each decoding goroutine
	full    [2]chan *batch    // from each decoding goroutine to the column writers
	free    [2]chan *batch    // each decoding goroutine's batches, back from the column writers
	done    chan error        // the column writers' first error, when they stop
	help    chan job          // to the helper goroutine, which shares each job
	helpErr chan error        // its result for each job
	closed  bool
	failed  atomic.Pointer[error] // set by the column writers, read by Write

	fw   *fileWriter
	scr  [2]*scratch  // the two column goroutines' buffers
	next atomic.Int32 // the next column of the job to take
}

// rawBatch is up to batchRows frames as Write was given them, copied: the
// reader reuses its buffer once Write returns.
type rawBatch struct {
	frames   []pcapio.Frame // their Data lie in arena
	arena    []byte
	file     []byte // the file column of every frame
	endGroup bool   // cut the row group after this batch
}

// rawBatchBytes bounds a raw batch's frame bytes (a batch of 256 jumbo
// frames would hold 2 MB, of 256 KiB ones 64 MB): it is sent with fewer
// frames once it holds this many bytes. A variable so that the tests
// take that path.
var rawBatchBytes = 1 << 20

// rawBatchesInFlight is how many raw batches Write may fill ahead of the
// decoding goroutines: two waiting for each and the one being filled.
const rawBatchesInFlight = 5

// job is work for the two column goroutines: write the columns of a
// batch, or flush the row group's pages before it is cut. Each goroutine
// takes the next column not taken (Writer.next) until none is left, so
// neither waits while the other has several costly columns.
type job struct {
	b     *batch // nil: flush
	flush bool
}

// batch is batchRows rows, column by column, in a compact form: per
// column the rows that have a value and the values (numbers, or bytes).
// The column writers turn the rows into definition levels and write both
// to the pages (chunk.add); the decoding side visits only the columns
// a frame has (decode.Table.Set). The rows and numbers of column i lie at
// i*batchRows in one array each, rather than in a slice per column: the
// decoding side stores a value without loading and growing a slice
// header (the appends were the most costly lines of Write).
type batch struct {
	n        *[maxColumns]uint16 // per column, how many rows have a value
	at       []uint16            // per column, the rows with a value, ascending
	nums     []uint64            // per number, bool or flags column, the values
	bytes    [][][]byte          // per string, bytes or JSON column, the values
	arena    []byte              // the bytes the values point to
	rows     int
	endGroup bool // cut the row group after this batch
	owner    int  // the decoding goroutine whose batch it is
}

// maxColumns bounds the columns of a file: the file column and
// decode.Columns, whose indexes are uint8.
const maxColumns = 256

var _ [maxColumns - 1 - decode.NumColumns]struct{} // the file column and decode's fit

// rowsOf returns the rows of column i that have a value.
func (b *batch) rowsOf(i int) []uint16 {
	return b.at[i*batchRows : i*batchRows+int(b.n[i])]
}

// numsOf returns the values of number, bool or flags column i.
func (b *batch) numsOf(i int) []uint64 {
	return b.nums[i*batchRows : i*batchRows+int(b.n[i])]
}

// slot is where Write puts a decode column's value.
type slot struct {
	at   uint32 // col*batchRows: where the column's rows and numbers start in a batch
	col  uint8  // index in Writer.cols
	kind uint8
}

const (
	kindNone  = iota // not written (the payload, not asked for)
	kindNum          // numbers, bools, flags: batch.nums
	kindBytes        // strings and JSON, in the arena already: batch.bytes
	kindCopy         // bytes of the frame, copied to the arena: batch.bytes
)

// batchesInFlight is how many batches the decoding side may fill ahead of
// the column writers (half for each decoding goroutine): enough (4,096
// rows) for it to keep a core busy while a row group is written out,
// which only one goroutine can do. Measured with Arrow's writer and one
// decoding goroutine on 1M IMIX frames (hyperfine, means of 6, one run):
// 8 batches 1.36 s wall, 16 1.25 s, 32 1.21 s; peak RSS 78, 81 and 91 MB.
const batchesInFlight = 16

// columns are the leaf columns of the files written with o, in order:
// file, then decode.Columns (payload only when asked for).
func columns(o Options) []column {
	cols := []column{{src: fileCol, typ: decode.ColString, required: true}}
	for i := range decode.Columns {
		c := &decode.Columns[i]
		if i == decode.ColPayload && !o.Payload {
			continue
		}
		col := column{src: i, typ: c.Type, required: alwaysThere[i]}
		for k, f := range c.Flags {
			col.flags = append(col.flags, []byte(f.Name))
			col.flagOrder = append(col.flagOrder, k)
		}
		if c.Type == decode.ColFlags {
			slices.SortFunc(col.flagOrder, func(x, y int) int { return bytes.Compare(col.flags[x], col.flags[y]) })
		}
		if !col.required {
			col.def = 1
		}
		cols = append(cols, col)
	}
	return cols
}

// NewWriter returns a Writer of frames to w.
func NewWriter(w io.Writer, o Options) *Writer {
	cols := columns(o)
	wr := &Writer{
		cols:     cols,
		groupMax: o.RowGroupRows,
		rawFree:  make(chan *rawBatch, rawBatchesInFlight),
		done:     make(chan error, 1),
		help:     make(chan job),
		helpErr:  make(chan error),
	}
	wr.fw = newFileWriter(w, cols)
	wr.scr = [2]*scratch{newScratch(), newScratch()}
	if wr.groupMax <= 0 {
		wr.groupMax = DefaultRowGroupRows
	}
	for range rawBatchesInFlight {
		wr.rawFree <- &rawBatch{}
	}
	for d := range wr.decode {
		wr.decode[d] = make(chan *rawBatch, 2)
		wr.full[d] = make(chan *batch, batchesInFlight/2)
		wr.free[d] = make(chan *batch, batchesInFlight/2)
		for range batchesInFlight / 2 {
			// A byte column's slice grows with use and keeps its capacity;
			// the arrays of rows and numbers are 370 KB, of which only the
			// parts of the columns that ever have a value are touched: most
			// columns are null in most captures and never take memory.
			wr.free[d] <- &batch{n: new([maxColumns]uint16), at: make([]uint16, len(cols)*batchRows),
				nums: make([]uint64, len(cols)*batchRows), bytes: make([][][]byte, len(cols)), owner: d}
		}
	}
	for i := range cols {
		c := &cols[i]
		if c.isBytes() {
			wr.bytesCol = append(wr.bytesCol, i)
		}
		if c.src == fileCol {
			continue
		}
		s := slot{at: uint32(i * batchRows), col: uint8(i), kind: kindNum}
		switch {
		case c.typ == decode.ColBytes:
			s.kind = kindCopy
		case c.isBytes():
			s.kind = kindBytes
		}
		wr.byDecode[c.src] = s
	}
	wr.raw = <-wr.rawFree
	for d := range wr.decode {
		go wr.decodeBatches(d)
	}
	go wr.writeBatches()
	go wr.helper()
	return wr
}

// decodeBatches decodes the raw batches sent to decoding goroutine d into
// batches of its own, in order, until its channel is closed.
func (w *Writer) decodeBatches(d int) {
	var tab decode.Table
	for r := range w.decode[d] {
		b := <-w.free[d]
		for k := range r.frames {
			w.fill(b, &tab, &r.frames[k], r.file)
		}
		b.endGroup = r.endGroup
		r.frames, r.arena, r.endGroup = r.frames[:0], r.arena[:0], false
		w.rawFree <- r
		w.full[d] <- b
	}
	close(w.full[d])
}

// writeBatches hands each batch to the column writers, in the order of the
// frames (the decoding goroutines take every other one), and cuts row
// groups; after an error it only recycles batches, and reports the error
// on done when the decoding goroutines are done.
func (w *Writer) writeBatches() {
	var err error
	for k := 0; ; k++ {
		b, ok := <-w.full[k%2]
		if !ok {
			break
		}
		if err == nil {
			if err = w.writeBatch(b); err != nil {
				w.failed.Store(&err)
			}
		}
		clear(b.n[:])
		for _, i := range w.bytesCol {
			// The byte values point into this batch's arena or the file
			// name, nothing that needs freeing: no clear.
			b.bytes[i] = b.bytes[i][:0]
		}
		b.rows, b.endGroup, b.arena = 0, false, b.arena[:0]
		w.free[b.owner] <- b
	}
	// The other decoding goroutine has sent all its batches too.
	for range w.full[0] {
	}
	for range w.full[1] {
	}
	close(w.help)
	w.done <- err
}

// helper takes its share of each job while writeBatch takes the rest:
// the columns are independent until the row group is cut, so encoding and
// compressing them takes both cores when decoding waits.
func (w *Writer) helper() {
	for j := range w.help {
		w.helpErr <- w.work(j, w.scr[1])
	}
}

// work takes columns of j until none is left.
func (w *Writer) work(j job, s *scratch) error {
	for {
		i := int(w.next.Add(1)) - 1
		if i >= len(w.cols) {
			return nil
		}
		var err error
		if j.flush {
			err = w.fw.flushColumn(i, s)
		} else {
			err = w.fw.writeColumn(j.b, i, s)
		}
		if err != nil {
			return err
		}
	}
}

// share runs j on both column goroutines.
func (w *Writer) share(j job) error {
	w.next.Store(0)
	w.help <- j
	err := w.work(j, w.scr[0])
	if herr := <-w.helpErr; err == nil {
		err = herr
	}
	return err
}

func (w *Writer) writeBatch(b *batch) error {
	if b.rows > 0 {
		w.fw.group += b.rows
		if err := w.share(job{b: b}); err != nil {
			return err
		}
	}
	if b.endGroup && w.fw.group > 0 {
		if err := w.share(job{flush: true}); err != nil {
			return err
		}
		return w.fw.endGroup()
	}
	return nil
}

// SetFile sets the file column of the frames written next (a raw batch
// holds one name: the frames before go to the decoding first).
func (w *Writer) SetFile(name string) {
	if w.raw != nil && len(w.raw.frames) > 0 {
		w.send()
	}
	w.file = []byte(name)
}

// Frames returns how many frames were written.
func (w *Writer) Frames() int { return w.frames }

// NoTimes returns how many of them have a null time: a Simple Packet Block
// carries none, and TIMESTAMP_NS holds 1677 to 2262 only (decode.TimeNS).
func (w *Writer) NoTimes() int { return w.noTimes }

// Write adds the row of f. f.Data may be reused once Write returns.
func (w *Writer) Write(f *pcapio.Frame) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errClosed
	}
	r := w.raw
	if len(r.frames) > 0 && len(r.arena)+len(f.Data) > rawBatchBytes {
		w.send()
		r = w.raw
	}
	if len(r.frames) == 0 {
		r.file = w.file
	}
	start := len(r.arena)
	r.arena = append(r.arena, f.Data...)
	r.frames = append(r.frames, pcapio.Frame{Number: f.Number, Info: f.Info})
	// Data is set now the arena has grown: a frame before this one may
	// point into the arena's array before it grew, which stays as it was.
	r.frames[len(r.frames)-1].Data = r.arena[start:len(r.arena):len(r.arena)]
	if _, ok := decode.FrameTimeNS(&f.Info); !ok {
		w.noTimes++ // decode.Table.Fill leaves its time null
	}
	w.frames++
	w.group++
	if w.group >= w.groupMax {
		r.endGroup = true
		w.group = 0
	}
	if len(r.frames) == batchRows || r.endGroup {
		w.send()
	}
	return w.err
}

// fill decodes f into the next row of b.
func (w *Writer) fill(b *batch, tab *decode.Table, f *pcapio.Frame, file []byte) {
	b.arena = tab.Fill(f, b.arena)
	r := uint16(b.rows)
	// The file column (0) is required: every row has a value.
	b.at[r], b.n[0] = r, r+1
	b.bytes[0] = append(b.bytes[0], file)
	row := &tab.Row
	at, nums, cnt, byDecode := b.at, b.nums, b.n, &w.byDecode
	for _, src := range tab.Set() { // each column once
		s := byDecode[src]
		if s.kind != kindNum {
			if s.kind != kindNone {
				b.addBytes(s, &row[src], r)
			}
			continue
		}
		n := cnt[s.col]
		k := s.at + uint32(n)
		at[k], cnt[s.col] = r, n+1
		nums[k] = row[src].Num
	}
	b.rows++
}

// addBytes adds v, the value of a string, bytes or JSON column, as row r.
// Not in Write's loop, whose registers then hold what the numbers need.
//
//go:noinline
func (b *batch) addBytes(s slot, v *decode.Value, r uint16) {
	i := int(s.col)
	n := b.n[i]
	b.at[s.at+uint32(n)], b.n[i] = r, n+1
	if s.kind == kindBytes {
		b.bytes[i] = append(b.bytes[i], v.Bytes)
		return
	}
	// A part of the frame, whose raw batch is reused.
	start := len(b.arena)
	b.arena = append(b.arena, v.Bytes...)
	b.bytes[i] = append(b.bytes[i], b.arena[start:len(b.arena):len(b.arena)])
}

// send hands the raw batch being filled to the next decoding goroutine
// and takes a free one; a free one waits only while the decoding or the
// column writers are behind.
func (w *Writer) send() {
	w.decode[w.sent%2] <- w.raw
	w.sent++
	w.raw = <-w.rawFree
	if e := w.failed.Load(); e != nil {
		w.err = *e
	}
}

// Close writes the rows still buffered and the file's footer. It does not
// close the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return errClosed
	}
	w.closed = true
	if len(w.raw.frames) > 0 {
		w.send()
	}
	w.raw = nil
	close(w.decode[0])
	close(w.decode[1])
	err := <-w.done
	if err == nil {
		err = w.fw.close(w.scr[0])
	}
	return err
}

var errClosed = errors.New("parquet writer already closed")
