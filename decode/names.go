package decode

import "github.com/turtle-sniffer/turtle/pcapio"

// Names of protocol numbers, as Wireshark and tcpdump spell them. They are
// short switch tables rather than gopacket's enum metadata because those
// names are Go identifiers ("LinkLayerDiscovery", "UnknownEthernetType").
// An unknown number has the name "".

func etherTypeName(t uint16) string {
	switch t {
	case 0x0800:
		return "IPv4"
	case 0x0806:
		return "ARP"
	case 0x0842:
		return "Wake-on-LAN"
	case 0x22f0:
		return "AVTP"
	case 0x22f3:
		return "TRILL"
	case 0x6558:
		return "transparent Ethernet bridging"
	case 0x8035:
		return "RARP"
	case 0x809b:
		return "AppleTalk"
	case 0x80f3:
		return "AARP"
	case 0x8100:
		return "802.1Q"
	case 0x8137:
		return "IPX"
	case 0x86dd:
		return "IPv6"
	case 0x8808:
		return "Ethernet flow control"
	case 0x8809:
		return "slow protocols (LACP)"
	case 0x8847:
		return "MPLS unicast"
	case 0x8848:
		return "MPLS multicast"
	case 0x8863:
		return "PPPoE discovery"
	case 0x8864:
		return "PPPoE session"
	case 0x887b:
		return "HomePlug"
	case 0x888e:
		return "EAPOL"
	case 0x8892:
		return "PROFINET"
	case 0x88a4:
		return "EtherCAT"
	case 0x88a8:
		return "802.1ad"
	case 0x88b5, 0x88b6:
		return "local experimental"
	case 0x88cc:
		return "LLDP"
	case 0x88e1:
		return "HomePlug AV"
	case 0x88e5:
		return "MACsec"
	case 0x88e7:
		return "802.1ah"
	case 0x88f7:
		return "PTP"
	case 0x8902:
		return "CFM"
	case 0x8906:
		return "FCoE"
	case 0x8914:
		return "FIP"
	case 0x892f:
		return "HSR"
	case 0x9000:
		return "loopback"
	case 0x9100:
		return "802.1ad (old QinQ)"
	}
	return ""
}

func ipProtoName(p uint8) string {
	switch p {
	case 0:
		return "Hop-by-Hop"
	case 1:
		return "ICMP"
	case 2:
		return "IGMP"
	case 4:
		return "IPv4-in-IP"
	case 6:
		return "TCP"
	case 17:
		return "UDP"
	case 41:
		return "IPv6"
	case 43:
		return "Routing"
	case 44:
		return "Fragment"
	case 46:
		return "RSVP"
	case 47:
		return "GRE"
	case 50:
		return "ESP"
	case 51:
		return "AH"
	case 58:
		return "ICMPv6"
	case 59:
		return "no next header"
	case 60:
		return "Destination Options"
	case 88:
		return "EIGRP"
	case 89:
		return "OSPF"
	case 103:
		return "PIM"
	case 112:
		return "VRRP"
	case 115:
		return "L2TP"
	case 132:
		return "SCTP"
	case 135:
		return "Mobility"
	case 136:
		return "UDP-Lite"
	case 139:
		return "HIP"
	case 140:
		return "Shim6"
	}
	return ""
}

// linkName names a link type: the ones the verbose format decodes, then
// the ones the turtle format names.
func linkName(l pcapio.LinkType) string {
	switch l {
	case pcapio.LinkTypeNull:
		return "BSD loopback"
	case pcapio.LinkTypeEthernet:
		return "Ethernet"
	case pcapio.LinkTypeRaw:
		return "raw IP"
	case pcapio.LinkTypeLoop:
		return "OpenBSD loopback"
	case pcapio.LinkTypeLinuxSLL:
		return "Linux cooked v1"
	case pcapio.LinkTypeIPv4:
		return "raw IPv4"
	case pcapio.LinkTypeIPv6:
		return "raw IPv6"
	case pcapio.LinkTypeLinuxSLL2:
		return "Linux cooked v2"
	}
	return linkTypeName(l)
}

func ipv4OptionName(k uint8) string {
	switch k {
	case 0:
		return "EOL"
	case 1:
		return "NOP"
	case 7:
		return "record route"
	case 68:
		return "timestamp"
	case 130:
		return "security"
	case 131:
		return "loose source route"
	case 133:
		return "extended security"
	case 136:
		return "stream id"
	case 137:
		return "strict source route"
	case 148:
		return "router alert"
	}
	return ""
}

func ipv6OptionName(k uint8) string {
	switch k {
	case 0:
		return "Pad1"
	case 1:
		return "PadN"
	case 5:
		return "router alert"
	case 194:
		return "jumbo payload"
	case 201:
		return "home address"
	}
	return ""
}

func arpOpName(op uint16) string {
	switch op {
	case 1:
		return "request"
	case 2:
		return "reply"
	case 3:
		return "reverse request"
	case 4:
		return "reverse reply"
	case 8:
		return "inverse request"
	case 9:
		return "inverse reply"
	}
	return ""
}

// sllPacketTypeName names Linux packet types (PACKET_HOST...).
func sllPacketTypeName(t uint16) string {
	switch t {
	case 0:
		return "to us"
	case 1:
		return "broadcast"
	case 2:
		return "multicast"
	case 3:
		return "to another host"
	case 4:
		return "sent by us"
	}
	return ""
}

func loopbackFamilyName(f uint32) string {
	switch f {
	case 2:
		return "AF_INET"
	case 10, 24, 28, 30:
		return "AF_INET6"
	}
	return ""
}
