package record

import (
	"bytes"
	"fmt"
	"io"

	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/internal/outfile"
)

// Save writes the recording as turtle record does: the pcap file to the
// file output, or to w when output is "-", then, when golden is not "",
// the recording's Text to the file golden. Both files go through
// outfile (record runs as root: never through a planted link, never half
// a file). Errors name the file.
func (r *Recording) Save(output string, w io.Writer, golden string) error {
	var pcap bytes.Buffer
	if err := r.WritePcap(&pcap); err != nil {
		return fmt.Errorf("%s: %v", output, err)
	}
	var err error
	if output == "-" {
		_, err = w.Write(pcap.Bytes())
	} else if err = outfile.WriteFile(output, pcap.Bytes(), 0o644); err != nil {
		err = fmt.Errorf("%s: %v", output, err)
	}
	if err != nil || golden == "" {
		return err
	}
	text, err := r.Text()
	if err == nil {
		err = outfile.WriteFile(golden, text, 0o644)
	}
	if err != nil {
		return fmt.Errorf("%s: %v", golden, inputfile.Cause(err))
	}
	return nil
}

// How says how the recording was made: "normalized" or "raw", then "in a
// network namespace" or "on the host's lo".
func (r *Recording) How() string {
	how := "raw"
	if r.Normalized {
		how = "normalized"
	}
	if r.Netns {
		return how + ", in a network namespace"
	}
	return how + ", on the host's lo"
}

// Summary is the line turtle record ends with, for the capture written to
// output ("-": standard output) and the text to golden ("" for none):
//
//	udp-echo: 4 frames to u.pcap (normalized, in a network namespace), text to u.golden
func (r *Recording) Summary(output, golden string) string {
	if output == "-" {
		output = "standard output"
	}
	s := fmt.Sprintf("%s: %d frames to %s (%s)", r.Scenario, len(r.Frames), output, r.How())
	if golden != "" {
		s += ", text to " + golden
	}
	return s
}

// WriteList writes the scenarios, one a line: name and what it records.
func WriteList(w io.Writer) {
	for _, s := range List() {
		fmt.Fprintf(w, "%-20s %s\n", s.Name, s.About)
	}
}
