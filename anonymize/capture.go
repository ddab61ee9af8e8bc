package anonymize

import (
	"github.com/turtle-sniffer/turtle/edit"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Anonymizing a file is more than its frames: pcapng section comments,
// interface names, descriptions and comments and packet comments say who
// captured and where. Header and Rewrite are the policy every caller that
// writes an anonymized file must apply (turtle anonymize does), so that
// none leaks what the frames no longer show; Copy applies both to a
// merge of captures, and is how turtle anonymize writes its file.

// Header returns the output's header without section comments and with
// each interface's name, description and comment blank.
func Header(sopt edit.SinkOptions) edit.SinkOptions {
	sopt.Comments = nil       // comments say who and where
	sopt.SectionOptions = nil // and so do shb_hardware, shb_os
	interfaces := sopt.Interfaces
	// Interface names and descriptions say whose machine it was.
	sopt.Interfaces = func(i int) []pcapio.Interface {
		ifs := interfaces(i)
		for j := range ifs {
			ifs[j].Name, ifs[j].Description, ifs[j].Comment = "", "", ""
			ifs[j].Options = nil // if_name, if_os, addresses
		}
		return ifs
	}
	return sopt
}

// Rewrite anonymizes one frame of a merge in place: its bytes (Frame),
// and its packet comments and options and interface name, dropped.
func (a *Anonymizer) Rewrite(f *edit.Frame) {
	data, _ := a.Frame(f.CI.LinkType, f.Data)
	f.Data, f.Opts = data, nil // packet comments go too
	f.CI.CaptureLength = len(data)
	f.CI.InterfaceName = ""
}

// Copy is the anonymized copy of inputs merged by time under the header
// sopt: Header's header and every frame through Rewrite, and no Custom
// Block (their content is unknown). Set its Damaged and Write it.
func (a *Anonymizer) Copy(inputs []edit.Input, sopt edit.SinkOptions) *edit.Copy {
	return &edit.Copy{Inputs: inputs, Header: Header(sopt), Rewrite: a.Rewrite}
}
