package filter

import (
	"fmt"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// testLinks are the link types the tests compile for.
var testLinks = []pcapio.LinkType{
	pcapio.LinkTypeEthernet, pcapio.LinkTypeNull, pcapio.LinkTypeLoop, pcapio.LinkTypeRaw,
	pcapio.LinkTypeIPv4, pcapio.LinkTypeIPv6, pcapio.LinkTypeLinuxSLL, pcapio.LinkTypeLinuxSLL2,
}

// baseExprs covers every supported form, and some refused ones.
var baseExprs = []string{
	"",
	"ip", "ip6", "arp", "rarp", "tcp", "udp", "sctp", "icmp", "icmp6", "igmp", "igrp", "pim", "vrrp", "carp",
	"ah", "esp", "atalk", "aarp", "decnet", "lat", "sca", "moprc", "mopdl", "iso", "esis", "isis", "clnp",
	"stp", "ipx", "netbeui", "l1", "l2", "iih", "lsp", "snp", "csnp", "psnp", "es-is", "is-is",
	"host 10.0.0.1", "src host 10.0.0.1", "dst host 10.0.0.1", "src or dst host 10.0.0.1",
	"src and dst host 10.0.0.1", "dst or src host 10.0.0.1", "dst and src host 10.0.0.1",
	"ip host 192.168.1.1", "arp host 192.168.1.1", "rarp host 192.168.1.1", "ip src 10.1.2.3",
	"host ::1", "ip6 host fe80::1", "src host 2001:db8::1", "dst host ::ffff:1.2.3.4", "host 2001:db8:0:0:0:0:0:1",
	"net 10.0.0.0/8", "net 10.0.0.0 mask 255.0.0.0", "src net 192.168.0.0/16", "dst net 172.16/12",
	"net 10", "net 10.1", "net 10.1.2", "host 10.1", "ip net 10.0.0.0/8", "arp net 10.0.0.0/24",
	"net 2001:db8::/32", "ip6 net fe80::/10", "src net ::/0", "net 0.0.0.0/0", "net 10.0.0.0/32",
	"ip6 src net 2001:db8::/48", "dst net 2001:db8::/64",
	"port 80", "tcp port 80", "udp port 53", "sctp port 9", "src port 1024", "dst port 22",
	"tcp src port 80", "udp dst port 53", "src or dst port 80", "src and dst port 80",
	"port 0", "port 65535", "tcp port 80 or 443", "port 80 or 443 or 8080", "port 80 and 443",
	"portrange 1-1024", "tcp portrange 6000-6010", "udp src portrange 1-5", "portrange 5-1", "dst portrange 1024-65535",
	"portrange 80", "tcp port ssh", "port domain", "udp port domain", "port http", "tcp port http", "portrange ftp-data-ftp",
	"ether host 00:11:22:33:44:55", "ether src 00:11:22:33:44:55", "ether dst ff:ff:ff:ff:ff:ff",
	"ether host 0:1:2:3:4:5", "ether host 00-11-22-33-44-55", "ether host 0011.2233.4455", "ether host 001122334455",
	"ether src and dst 00:11:22:33:44:55", "ether src or dst 1:2:3:4:5:6",
	"ether broadcast", "broadcast", "ether multicast", "multicast", "ip multicast", "ip6 multicast",
	"ip broadcast", "ip6 broadcast", "tcp broadcast",
	"ether proto 0x800", "ether proto 0x86dd", "ether proto \\ip", "ether proto \\arp", "ether proto \\ip6",
	"ether proto 0x0806", "ether proto 1000", "ether proto 0xfe", "ether proto \\iso", "ether proto \\stp",
	"ether proto \\ipx", "ether proto \\atalk", "ether proto \\aarp", "ether proto \\netbeui", "ether proto 6",
	"ip proto 17", "ip proto 1", "ip6 proto 6", "ip6 proto 58", "proto 47", "proto \\tcp", "ip proto \\udp",
	"ip6 proto \\icmp", "proto \\sctp", "ip proto 300", "iso proto 0x83", "isis proto 15", "iso proto \\isis",
	"less 64", "greater 1000", "len > 100", "len < 60", "len = 42", "len >= 1500", "len <= 100", "len != 60",
	"ip[0] = 0x45", "ip[0] & 0xf != 5", "ip[2:2] > 576", "ip[6:2] & 0x1fff = 0", "ip[8] < 64", "ip[9] = 6",
	"ip[12:4] = 0x0a000001", "ip6[6] = 17", "ip6[0:4] & 0xfff00000 != 0", "ip6[40] = 135",
	"tcp[13] = 2", "tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn",
	"tcp[tcpflags] & tcp-fin != 0", "tcp[tcpflags] & tcp-rst != 0", "tcp[tcpflags] & tcp-push != 0",
	"tcp[tcpflags] & tcp-urg != 0", "tcp[tcpflags] & tcp-ack != 0", "tcp[tcpflags] & tcp-ece != 0", "tcp[tcpflags] & tcp-cwr != 0",
	"tcp[0:2] = 80", "tcp[2:2] > 1023", "tcp[12] >> 4 > 5", "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
	"udp[0:2] = 53", "udp[4:2] > 100", "udp[8] = 1", "icmp[icmptype] = icmp-echo", "icmp[icmptype] = icmp-echoreply",
	"icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply", "icmp[icmpcode] = 3", "icmp[0] = 11",
	"icmp[icmptype] = icmp-unreach", "icmp[icmptype] = icmp-timxceed", "icmp[icmptype] = icmp-redirect",
	"icmp6[icmp6type] = icmp6-echo", "icmp6[0] = 135", "icmp6[icmp6type] = icmp6-neighborsolicit", "icmp6[1] = 0",
	"sctp[0:2] = 9", "igmp[0] = 0x11", "pim[0] = 0x20", "vrrp[0] = 0x21", "carp[0] = 0x21", "igrp[0] = 1",
	"ether[0] & 1 = 1", "ether[12:2] = 0x800", "ether[0:4] = 0xffffffff", "link[12:2] = 0x86dd",
	"arp[6:2] = 1", "arp[7] = 2", "rarp[7] = 3", "ip[0] + 1 = 0x46", "ip[0] - 1 = 0x44", "ip[0] * 2 = 0x8a",
	"ip[0] / 2 = 0x22", "ip[0] % 16 = 5", "ip[0] ^ 0x40 = 5", "ip[0] | 0x0f = 0x4f", "ip[0] << 1 = 0x8a",
	"ip[0] >> 4 = 4", "-ip[0] = 0xffffffbb", "ip[0] & 0xf0 = 0x40 and ip[0] & 0x0f > 5",
	"1 + 2 * 3 = 7", "1 + 2 % 3 + 4 = 3", "2 ^ 3 & 1 = 3", "(1 + 2) * 3 = 9", "10 - 2 - 3 = 5", "100 / 10 / 5 = 2",
	"1 << 2 << 3 = 32", "- 1 + 2 = 1", "-1 % 3 = 0", "len - 14 > 100", "len * 2 > 3000", "ip[len - 60] = 0",
	"ether[len - 1] = 0", "ip[ip[0] & 0xf] = 0", "tcp[udp[0]] = 1", "ip[0] + tcp[0] + udp[0] = 1",
	"5 / ether[0] = 1", "ether[0] / 0 = 1", "ether[0] % 0 = 1", "ether[0] >> 32 = 0", "ether[0] << ether[1] = 0",
	"ether[0] * 0 = 0", "0 * ether[0] = 0", "ether[0] & 0 = 0", "0 / ether[1] = 0", "ether[0] + 0 = 0",
	"ip[0xffffffff] = 0", "ip[0xfffffff2] = 0", "ether[4294967295] = 1", "tcp[0xfffffff0] = 0",
	"ether[0:3] = 1", "ip[0:8] = 0",
	"vlan", "vlan 100", "vlan and tcp", "vlan 10 and vlan 20", "vlan 10 and vlan 20 and ip", "vlan and host 10.0.0.1",
	"vlan 4095", "vlan 4096", "tcp and vlan", "vlan or tcp", "not vlan and port 80", "vlan (100)", "vlan and vlan and vlan and udp",
	"vlan and ether[12:2] = 0x800", "vlan and ip[9] = 6",
	"inbound", "outbound", "ifindex 2", "not inbound",
	"byte 0 = 0x45", "byte 9 < 7", "byte 9 > 5", "byte 0 & 1", "byte 0 | 1",
	"tcp and port 80", "tcp and not port 22", "not tcp", "not not tcp", "! tcp", "!tcp", "not (tcp or udp)",
	"tcp or udp", "tcp && port 80", "tcp || udp", "host 10.0.0.1 and port 80", "host 10.0.0.1 and not 10.0.0.2",
	"host 10.0.0.1 or 10.0.0.2", "host 10.0.0.1 and (10.0.0.2 or 10.0.0.3)", "host 10.0.0.1 and not (10.0.0.2 or 10.0.0.3)",
	"src 10.0.0.1", "dst 10.0.0.1 and src 10.0.0.2", "host 10.0.0.1 and (tcp) and 10.0.0.2",
	"port 80 and (443 or 8080)", "port 80 or (443)", "port (80)", "host (10.0.0.1)", "port 80 and not 443",
	"port 80 and not (443)", "port 80 and not 443 = 1", "(port 80)", "((tcp))", "(tcp and port 80) or udp",
	"tcp and (port 80 or port 443)", "not port 53 and not arp", "icmp or icmp6", "ip and tcp", "ip6 and tcp",
	"ip and ip6", "ip and not ip", "ip or not ip", "tcp or not tcp", "(tcp and tcp[13] = 2) or tcp",
	"tcp[13] = 2 or not tcp[13] = 2", "ip proto 1 or ip[100] = 5 or ip proto 17",
	"tcp port 80 and (tcp[tcpflags] & (tcp-syn|tcp-fin) != 0)", "udp and (port 53 or port 67 or port 68)",
	"host 10.0.0.1 and tcp and port 80 and tcp[tcpflags] & tcp-syn != 0", "ether host 00:11:22:33:44:55 and ip",
	"arp or rarp or ip6", "ip and (icmp or igmp)", "ip6 and not icmp6", "not ip and not ip6",
	"(ip or ip6) and (tcp or udp) and port 123", "dst port 80 and src net 10.0.0.0/8", "1 = 1", "1 = 2", "not 1 = 1",
	"(1) = 1", "((1)) = 1", "(1 = 1)", "(1+1) = 2", "ip[0] = 0x45 or ip6[0] & 0xf0 = 0x60",
	"tcp dst portrange 1-1023 or udp dst portrange 1-1023", "ether src 00:11:22:33:44:55 or ether dst 66:77:88:99:aa:bb",
	// refused or invalid
	"foo", "tcp port 80 and foo", "net foo", "ether host foo", "port nosuchport", "ip proto nosuch",
	"tcp and 10.0.0.1", "(host 10.0.0.1) and 10.0.0.2", "host 10.0.0.1 and ((10.0.0.2))", "port 80 or ((443 or 444))",
	"host 10.0.0.1 and (10.0.0.2 or port 80)", "port 1 and (2 and tcp)", "ip6 host 10.0.0.1", "ip host ::1",
	"tcp host 10.0.0.1", "host 10.0.0.1/8", "net 10.0.0.1/8", "net 10.0.0.0/33", "port 65536", "port 10.0.0.1",
	"vlan 5000", "mpls", "pppoes", "geneve", "protochain 6", "ip6 protochain 6", "gateway foo", "llc", "on eth0",
	"ether[0:5] = 1", "tcp[0] = ", "tcp port", "and", "tcp and", "(tcp", "tcp)", "ip[", "1 +", "host", "port 0x10000",
	"host 1.2.3.4.5", "host 256.1.1.1", "host 1::2::3", "ether host 1:2:3:4:5", "ether host 1:2:3:4:5:6:7",
	"08", "0x100000000", "4294967296", "tcp[0] = 4294967296", "ah[0] = 1", "esp[0] = 1", "radio[0] = 1",
	"ip proto", "proto", "src", "dst port", "host 10.0.0.1 and", "udp port 53 and not", "icmp[icmptype] = icmp-foo",
	"$12", "ether host $12", "host 1.2.3.4 or", "less", "less 10 20", "src or host 10.0.0.1", "ip and ip[0", "ip6 proto",
	"link", "ip and link", "decnet host 10.1", "decnet src 1.2", "ether proto 0x10000",
}

// hostNameExprs need a host name lookup in libpcap (DNS), which the tests
// must not trigger; they are only checked to be refused.
var hostNameExprs = []string{"host foo", "src example.com", "ip host localhost", "host 1.", "host a-b"}

// exprs returns baseExprs plus combinations of a few of them, enough to
// exercise and/or/not plumbing, qualifier inheritance and offsets after
// "vlan".
func exprs() []string {
	atoms := []string{
		"tcp", "udp", "icmp", "ip", "ip6", "arp", "port 80", "host 10.0.0.1", "src net 10.0.0.0/8",
		"tcp[13] & 2 != 0", "vlan", "less 100", "ether multicast", "host ::1", "udp port 53", "ip6 proto 17",
		"ether src 00:11:22:33:44:55", "ip[8] > 63", "portrange 1-1023",
	}
	out := append([]string(nil), baseExprs...)
	for i, a := range atoms {
		for j, b := range atoms {
			switch (i + j) % 4 {
			case 0:
				out = append(out, fmt.Sprintf("%s and %s", a, b))
			case 1:
				out = append(out, fmt.Sprintf("%s or not %s", a, b))
			case 2:
				out = append(out, fmt.Sprintf("not (%s or %s)", a, b))
			case 3:
				out = append(out, fmt.Sprintf("(%s and not %s) or %s", a, b, atoms[(i*7+j)%len(atoms)]))
			}
		}
	}
	return out
}
