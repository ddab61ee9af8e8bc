package pcapio

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTcpdumpReadsWrittenFiles has tcpdump read what the writers produce
// and write it back as classic pcap; reading that gives the same packets.
// libpcap 1.10 wants one link type, snapshot length and byte order per
// file, so the multi-section file here keeps those the same.
func TestTcpdumpReadsWrittenFiles(t *testing.T) {
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("tcpdump not on PATH (apt-get install tcpdump)")
	}
	pkts := genPackets(60, 7)
	eth := Interface{Name: "eth0", LinkType: LinkTypeEthernet, Snaplen: 262144, TsResolution: ResolutionNano}
	files := append(fixtures(t, 60)[:6], ngFixture(t, "pcapng-sections", []ngSection{
		{be, []Interface{eth, {Name: "eth1", LinkType: LinkTypeEthernet, Snaplen: 262144, TsResolution: BinaryResolution(24)}}},
		{be, []Interface{{Name: "eth2", LinkType: LinkTypeEthernet, Snaplen: 262144, TsResolution: DecimalResolution(7)}}},
	}, pkts))
	dir := t.TempDir()
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		var out, stderr bytes.Buffer
		cmd := exec.Command(tcpdump, "-r", path, "-w", "-", "--time-stamp-precision=nano")
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: tcpdump: %v: %s", f.name, err, stderr.String())
		}
		got, err := readFile(t, out.Bytes())
		if err != nil {
			t.Fatalf("%s: reading tcpdump's output: %v", f.name, err)
		}
		samePackets(t, got, f.want, func(i int, g, w pkt) {
			if !g.ci.Timestamp.Equal(w.ci.Timestamp) || g.ci.LinkType != w.ci.LinkType {
				t.Fatalf("%s packet %d: tcpdump says %v link %d, want %v link %d", f.name, i+1,
					g.ci.Timestamp, g.ci.LinkType, w.ci.Timestamp, w.ci.LinkType)
			}
		})
	}
}

// TestTsharkReadsWrittenFiles has tshark list every packet of what the
// writers produce, including a pcapng file with sections of both byte
// orders and interfaces of different link types and resolutions, and
// compares lengths, timestamps, interfaces and directions. Two quirks of
// tshark 4.0 are worked around: it lists a copyable custom block as a frame
// of its own (the display filter keeps only frames with a link-layer
// encapsulation, i.e. packets), and it looks frame.interface_name up by the
// section-local interface id in the list of all sections' interfaces, so
// names are compared in the first section only (ids, link types and
// resolutions it does apply per section).
func TestTsharkReadsWrittenFiles(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not on PATH (DEBIAN_FRONTEND=noninteractive apt-get install tshark)")
	}
	dir := t.TempDir()
	for _, f := range fixtures(t, 40) {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		var out, stderr bytes.Buffer
		cmd := exec.Command(tshark, "-n", "-r", path, "-Y", "frame.encap_type", "-T", "fields", "-E", "separator=,",
			"-e", "frame.cap_len", "-e", "frame.len", "-e", "frame.time_epoch",
			"-e", "frame.interface_id", "-e", "frame.interface_name", "-e", "frame.packet_flags_direction")
		cmd.Stdout, cmd.Stderr = &out, &stderr
		cmd.Env = append(os.Environ(), "HOME="+dir) // no profile of the caller's
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: tshark: %v: %s", f.name, err, stderr.String())
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) != len(f.want) {
			t.Fatalf("%s: tshark lists %d packets, want %d\n%s", f.name, len(lines), len(f.want), stderr.String())
		}
		for i, w := range f.want {
			want := []string{strconv.Itoa(w.ci.CaptureLength), strconv.Itoa(w.ci.Length), epoch(w.ci.Timestamp), "", w.ci.InterfaceName, ""}
			if f.format == FormatPcapNG {
				want[3] = strconv.Itoa(w.ci.InterfaceIndex)
				if f.sects[i] > 0 {
					want[4] = "?"
				}
				if w.ci.Direction != DirectionUnknown {
					want[5] = "0x0000000" + strconv.Itoa(int(w.ci.Direction))
				}
			}
			got := strings.Split(lines[i], ",")
			if len(got) == len(want) && want[4] == "?" {
				want[4] = got[4]
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("%s packet %d: tshark says %q, want %q", f.name, i+1, got, want)
			}
		}
	}
}

// epoch formats t as tshark prints frame.time_epoch.
func epoch(t time.Time) string {
	return strconv.FormatInt(t.Unix(), 10) + "." + strconv.FormatInt(int64(t.Nanosecond())+1e9, 10)[1:]
}
