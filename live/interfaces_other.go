//go:build !linux && !windows && !pcap

package live

// listInterfaces lists the operating system's interfaces; capturing on
// them needs the pcap build tag here, which lists libpcap's devices instead.
func listInterfaces() ([]Interface, error) { return netInterfaces() }
