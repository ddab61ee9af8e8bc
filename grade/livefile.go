package grade

import (
	"context"
	"fmt"
	"os"

	capfile "github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/internal/inputfile"
)

// LiveFile grades live as Live does and writes the capture to the pcapng
// file path, the file to hand in: created once the capture is open, in
// place and never through a link planted at its name (capture.CreateStream),
// by the user who started turtle, before opt.Opened drops privileges; it is
// closed when the run ends. The result names its student as grading the
// written file names it. With path "", no file is written and the student
// is "live". LiveFile sets opt.Name and opt.Create.
func LiveFile(ctx context.Context, r *Rubric, path string, opt LiveOptions) (Result, error) {
	opt.Name, opt.Create = "live capture", nil
	var file *os.File
	if path != "" {
		opt.Name = path
		opt.Create = func() (*os.File, error) {
			f, err := capfile.CreateStream(path)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, inputfile.Cause(err))
			}
			file = f
			return f, nil
		}
		defer func() {
			if file != nil {
				file.Close()
			}
		}()
	}
	res, err := Live(ctx, r, opt)
	if err != nil {
		return Result{}, err
	}
	res.Student = "live"
	if file != nil {
		err := file.Close()
		file = nil
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w", path, inputfile.Cause(err))
		}
		// Named as grading the written file names its student; asked only
		// now, since Collect refuses a path that does not exist yet.
		if subs, _, err := Collect([]string{path}, CollectOptions{}); err == nil && len(subs) == 1 {
			res.Student = subs[0].Student
		}
	}
	return res, nil
}
