package record

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// The committed recorded fixtures were normalized when they were made, so
// normalizing them again changes no byte and no timestamp: a change to the
// decoder the normalizer reads frames through, or to the normalizer, that
// would rewrite a fixture fails here without root.
func TestNormalizeCommittedFixtures(t *testing.T) {
	for _, sc := range List() {
		t.Run(sc.Name, func(t *testing.T) {
			name := filepath.Join("..", "testdata", sc.Name+".pcap")
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := pcapio.NewReader(f)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var in []Frame
			for {
				data, ci, err := r.ReadPacketData()
				if err != nil {
					break
				}
				in = append(in, Frame{Info: ci, Data: data})
			}
			if len(in) == 0 {
				t.Fatalf("%s: no frames", name)
			}
			out, err := Normalize(r.LinkType(), in, NormalizeOptions{Ports: map[uint16]uint16{udpPort: udpPort, tcpPort: tcpPort}})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for i := range in {
				if !bytes.Equal(out[i].Data, in[i].Data) || !out[i].Info.Timestamp.Equal(in[i].Info.Timestamp) {
					t.Errorf("%s frame %d: normalizing again changed it:\n%x\n%x", name, i+1, in[i].Data, out[i].Data)
				}
			}
		})
	}
}
