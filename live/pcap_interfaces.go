//go:build pcap && !linux

package live

import (
	"net/netip"

	"github.com/gopacket/gopacket/pcap"
)

// pcapInterfaces lists libpcap's devices (Npcap's on Windows, whose names
// are not the adapters' friendly names), numbered from 1 in its order.
func pcapInterfaces() ([]Interface, error) {
	devs, err := pcap.FindAllDevs()
	if err != nil {
		return nil, pcapError(err)
	}
	const (
		ifLoopback = 0x1 // PCAP_IF_LOOPBACK
		ifUp       = 0x2 // PCAP_IF_UP
	)
	out := make([]Interface, 0, len(devs))
	for n, d := range devs {
		i := Interface{
			Index:       n + 1,
			Name:        d.Name,
			Description: d.Description,
			Up:          d.Flags&ifUp != 0,
			Loopback:    d.Flags&ifLoopback != 0,
		}
		for _, a := range d.Addresses {
			ip, ok := netip.AddrFromSlice(a.IP)
			if !ok {
				continue
			}
			bits := ip.Unmap().BitLen()
			if a.Netmask != nil {
				if ones, total := a.Netmask.Size(); total != 0 {
					bits = ones
				}
			}
			i.Addrs = append(i.Addrs, netip.PrefixFrom(ip.Unmap(), bits))
		}
		out = append(out, i)
	}
	return out, nil
}
