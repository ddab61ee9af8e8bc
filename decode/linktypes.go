package decode

import "github.com/turtle-sniffer/turtle/pcapio"

// linkTypeName names the link layers turtle does not decode, so that their
// block says what the frame is; unknown ones say "Link Type N".
func linkTypeName(l pcapio.LinkType) string {
	switch l {
	case 6:
		return "IEEE 802.5 Token Ring"
	case 8:
		return "SLIP"
	case 9:
		return "PPP"
	case 10:
		return "FDDI"
	case 50:
		return "PPP in HDLC"
	case 51:
		return "PPPoE"
	case 104:
		return "Cisco HDLC"
	case 105:
		return "IEEE 802.11"
	case 107:
		return "Frame Relay"
	case 119:
		return "Prism 802.11"
	case 127:
		return "IEEE 802.11 Radiotap"
	case 143:
		return "DOCSIS"
	case 192:
		return "PPI"
	case 195:
		return "IEEE 802.15.4"
	case 201:
		return "Bluetooth HCI"
	case 220:
		return "USB Linux mmapped"
	case 215:
		return "IEEE 802.15.4 non-ASK PHY"
	case 239:
		return "Linux NFLOG"
	case 253:
		return "Netlink"
	}
	return "Unknown Link Type"
}
