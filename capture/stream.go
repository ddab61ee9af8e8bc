package capture

import (
	"errors"
	"os"
)

// CreateStream creates path for a live capture that writes it as frames
// arrive (sniff -w, grade --live -w), opened for reading too (grade --live
// reads it back for a rubric's wrong-port penalty).
//
// It does not go through Create's temporary file renamed at the end, on
// purpose: a live capture's file must exist and grow while the capture
// runs (it is flushed about once a second, for a reader beside it), and
// hold every frame up to its last flush when turtle is killed, where a
// rename at the end would leave nothing at path but a hidden .tmp. It is
// kept safe another way: the file is opened once, where it is, and a
// symbolic link at path is refused, never written through (O_NOFOLLOW
// where the system has it), since root opens it before it drops
// privileges; a folder is refused as Create refuses it. A device or a
// pipe is written as it is. Errors name the cause, as Create's.
func CreateStream(path string) (*os.File, error) {
	if err := CheckOutput(path, nil); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC|noFollow, 0o666)
	if isLinkRefused(err) {
		return nil, errSymlink
	}
	if err != nil {
		return nil, unwrapPath(err)
	}
	return f, nil
}

var errSymlink = errors.New("is a symbolic link: turtle does not write a live capture through one (give the file it points to)")
