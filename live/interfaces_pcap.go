//go:build !linux && (pcap || windows)

package live

// listInterfaces lists libpcap's devices, which are what Open takes here
// (on Windows, Npcap's \Device\NPF_{...} names).
func listInterfaces() ([]Interface, error) { return pcapInterfaces() }
