package pcapio

import (
	"errors"
	"strconv"
)

// The two kinds of damage; every *FormatError matches exactly one of them
// with errors.Is.
var (
	// ErrTruncated means the data ends inside a file header, record or block.
	ErrTruncated = errors.New("truncated")
	// ErrInvalid means a header or length field is wrong.
	ErrInvalid = errors.New("invalid")
)

// FormatError reports a damaged capture file: where it is damaged and how.
// Its message is one of the lines documented in the package comment.
type FormatError struct {
	Kind   error  // ErrTruncated or ErrInvalid
	Offset int64  // byte offset of the header, record or block at fault
	Record int    // 1-based record (pcap) or block (pcapng) number; 0 for the file header
	Msg    string // the full message, starting with "truncated: " or "invalid: "
}

func (e *FormatError) Error() string { return e.Msg }

// Unwrap returns Kind, so that errors.Is(err, ErrTruncated) works.
func (e *FormatError) Unwrap() error { return e.Kind }

// where names a record or block for messages: "record 12 at byte offset 4242".
func where(unit string, n int, off int64) string {
	return unit + " " + strconv.Itoa(n) + " at byte offset " + strconv.FormatInt(off, 10)
}

func truncatedErr(unit string, n int, off int64, need, got int) error {
	return &FormatError{Kind: ErrTruncated, Offset: off, Record: n,
		Msg: "truncated: " + where(unit, n, off) + " needs " + strconv.Itoa(need) +
			" bytes, file ends after " + strconv.Itoa(got)}
}

func headerTruncatedErr(need, got int) error {
	return &FormatError{Kind: ErrTruncated,
		Msg: "truncated: file header needs " + strconv.Itoa(need) + " bytes, file ends after " + strconv.Itoa(got)}
}

func invalidErr(unit string, n int, off int64, what string) error {
	return &FormatError{Kind: ErrInvalid, Offset: off, Record: n,
		Msg: "invalid: " + where(unit, n, off) + ": " + what}
}

func headerInvalidErr(what string) error {
	return &FormatError{Kind: ErrInvalid, Msg: "invalid: pcap file header: " + what}
}
